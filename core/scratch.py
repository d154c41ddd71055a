"""Temporary files and folders, named so that the next run can remove what a killed run left.

Each file a killed step could leave half-written is written beside its target under a temporary
name and renamed over it in one step, so readers see the old file or the new one: a landing
partition, a feed's state, dbt's docs page and saved parse, the published Data Docs and a month's
report folder through :func:`replacing`; the snapshot, which DuckDB writes with its log, by hand. A
process killed in between (``kill -9``, the OOM killer, a lost worker) leaves the temporary file
behind. Its name says who wrote it, ``.<target>.<pid>-<start>@<host>.<token>.tmp``: the process
id, the process's start time (so that a reused process id is not taken for the writer) and the
machine (its host name and its process id namespace, so that two containers with one host name
are told apart). A sweep before each run removes the files of processes that have ended on this
machine and leaves alone a file another live run is still writing; another machine's temporary
file, or one whose writer cannot be told from a process that took its id (then even a live
writer's), untouched for :data:`ABANDONED_AFTER` is removed too.

Folders for one step's temporary output (dbt's target) have fixed names under the data folder's
``tmp``; a step holds its folder's lock while it runs (the kernel releases it when the process
dies), empties it of a killed run's leftovers first and removes it on exit.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

log = logging.getLogger(__name__)

ABANDONED_AFTER = timedelta(hours=6)
"""Another machine's temporary file, or one named without its owner, nobody has written for this
long is a dead run's. This machine's own are a dead run's once their process has ended, never
sooner, unless the process that has its id cannot be told from its writer (``/proc`` hidden, or no
start time in the name): then age decides too. Age is the inode's change time, which a copy cannot
set into the past as it does the modification time (``shutil.copytree`` keeps its source's). A
folder's own change time stays put while files deep inside it are written, and a snapshot's while
only its log grows; every such write takes seconds, far inside this margin."""

_now = time.time  # the clock for a file's age; tests move it instead of a file's times

_OURS = re.compile(
    r"\.(?P<target>.+)\.(?P<pid>\d+)-(?P<start>\d+)@(?P<host>[A-Za-z0-9-]+)\.[0-9a-f]{8}\.tmp(\.wal)?"
)
# Names of earlier versions, which carried no owner: a landing file (mkstemp) and a snapshot.
_UNOWNED = re.compile(r"\.data\.[a-z0-9_]{8}\.tmp|\.warehouse\.[0-9a-f]{32}\.tmp(\.wal)?")


def temp_path(target: Path) -> Path:
    """A new temporary name beside ``target`` for this process to write and rename over it."""
    pid = os.getpid()
    owner = f"{pid}-{_started(pid) or 0}@{_host()}"
    return target.with_name(f".{target.name}.{owner}.{secrets.token_hex(4)}.tmp")


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A temporary name beside ``target`` (:func:`temp_path`) for the block to write a file or a
    folder at. When the block ends, it takes ``target``'s place in one step (a folder it replaces is
    moved aside first, then removed), so a reader sees the old or the new, never part of either. If
    the block or the swap fails, what the block wrote is removed and ``target`` is as it was (a
    folder cannot replace a file, nor a file a folder: the swap fails). Two processes replacing one
    folder at once need a lock around it (:func:`held`): the swap is two renames."""
    temp = temp_path(target)
    try:
        yield temp
        if temp.is_dir() and target.is_dir():
            old = temp_path(target)
            target.rename(old)
            try:
                temp.rename(target)
            except BaseException:
                try:
                    old.rename(target)
                except OSError as error:
                    log.error("could not put back %s from %s (swept once this ends): %s", target, old, error)
                raise
            _remove(old)
        else:
            os.replace(temp, target)
    except BaseException:
        _remove(temp)
        raise


def sweep(folder: Path, recursive: bool = False) -> list[Path]:
    """Remove the temporary files and folders in ``folder`` (and below it, with ``recursive``)
    that a run which has ended left behind; what was removed. A missing folder has none."""
    if not folder.is_dir():
        return []
    removed = []
    for directory, folders, names in os.walk(folder):
        for name in [*names, *folders]:
            path = Path(directory) / name
            why = _abandoned(path)
            if why is None:
                continue
            try:
                _remove(path, missing_ok=False)
            except FileNotFoundError:
                continue  # another sweep was first
            except OSError as error:  # left for a later sweep; the run itself needs none of it
                log.warning("could not remove %s, left by %s: %s", path, why, error)
                continue
            log.warning("removed %s, left by %s", path, why)
            removed.append(path)
        if not recursive:
            break
        folders[:] = [name for name in folders if (Path(directory) / name).exists()]
    return removed


@contextmanager
def held(lock_path: Path, why: str, wait: bool = True) -> Iterator[None]:
    """The lock ``lock_path`` (``flock``) for the block, after waiting for its holder (logged with
    ``why``), or, with ``wait`` False, ``BlockingIOError(why)`` while another holds it; the kernel
    releases it when the holder dies, so a killed run never blocks the next."""
    with open(lock_path, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise BlockingIOError(why) from None
            log.info("waiting for %s", why)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@contextmanager
def scratch_dir(root: Path, name: str) -> Iterator[Path]:
    """The folder ``root/name`` for one step's temporary output, for as long as the block runs:
    one user at a time (the lock ``root/name.lock``; a second run of the same step waits), emptied
    of what a killed run left in it, and removed afterwards."""
    root.mkdir(parents=True, exist_ok=True)
    with held(root / f"{name}.lock", f"{root / name}: another run of the same step is using it"):
        folder = root / name
        if folder.exists():
            log.warning("removed %s, left by a run that was killed", folder)
            shutil.rmtree(folder)
        folder.mkdir()
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _remove(path: Path, missing_ok: bool = True) -> None:
    """Remove the file, link or folder ``path`` (a link itself, never what it points to)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=missing_ok)
    else:
        path.unlink(missing_ok=missing_ok)


def _abandoned(path: Path) -> str | None:
    """Who left ``path`` if it is a temporary file no live process is writing; None otherwise."""
    ours = _OURS.fullmatch(path.name)
    if not ours and not _UNOWNED.fullmatch(path.name):
        return None
    if ours and ours["host"] == _host():
        alive = _alive(int(ours["pid"]), int(ours["start"]))
        if alive is False:
            return f"process {ours['pid']}, which ended before renaming it"
        if alive:
            return None
    try:
        idle = _now() - path.lstat().st_ctime
    except FileNotFoundError:
        return None
    if idle > ABANDONED_AFTER.total_seconds():
        return f"a run that ended at least {ABANDONED_AFTER} ago (untouched for {idle / 3600:.1f} h)"
    return None


def _host() -> str:
    """This machine as a process sees it: its host name and its process id namespace."""
    name = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:63] or "host"
    try:
        return f"{name}-{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        return name


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (the state first); None off Linux."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _started(pid: int) -> int | None:
    """When process ``pid`` started, in clock ticks since boot (field 22 of its stat)."""
    fields = _stat(pid)
    return int(fields[19]) if fields and len(fields) > 19 else None


def _alive(pid: int, started: int) -> bool | None:
    """Whether the process ``pid`` that started at ``started`` (0: unknown) still runs on this
    machine: not ended, not a zombie (killed but not yet reaped), not another process since
    given the same id. None when a process has the id but which one cannot be told (its start
    unknown, or ``/proc`` not readable)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    fields = _stat(pid)
    if fields is None:
        return None
    if fields[0] in ("Z", "X"):
        return False
    return _started(pid) == started if started else None
