"""Temporary files and folders: what a killed process leaves is removed by the next run, and
nothing a live run is writing is touched."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from core import scratch
from core.scratch import ABANDONED_AFTER, replacing, scratch_dir, sweep, temp_path
from extractors.landing import STATE_DIR, sweep_landing

zombies: list[subprocess.Popen[str]] = []


def later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Move the sweep's clock ``seconds`` on: a file's change time cannot be set into the past."""
    monkeypatch.setattr(scratch, "_now", lambda: time.time() + seconds)


def killed_while_writing(root: Path, reap: bool = True) -> list[Path]:
    """Start a process that writes a landing partition, ``kill -9`` it part-way, and return the
    temporary files it left (the real write path, killed for real); ``reap=False`` leaves the
    killed process a zombie until the module's tests end."""
    code = textwrap.dedent(
        f"""
        import sys, time
        from datetime import date, datetime
        from pathlib import Path
        from extractors.landing import write_partition

        def records():
            yield {{"id": "1"}}, datetime(2026, 3, 29, 12)
            print("writing", flush=True)
            time.sleep(600)

        write_partition(Path({str(root)!r}), "reddit", "posts", "acme", date(2026, 3, 29), records(), "run-1")
        """
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "writing"
    child.stdout.close()
    child.send_signal(signal.SIGKILL)
    if reap:
        child.wait()
    else:  # killed, not yet reaped by its parent: a zombie still has its process id
        stat = Path(f"/proc/{child.pid}/stat")
        while stat.read_text().rsplit(")", 1)[1].split()[0] != "Z":
            time.sleep(0.01)
        zombies.append(child)
    left = [p for p in root.rglob("*") if p.is_file()]
    assert [p.name.endswith(".tmp") for p in left] == [True], left
    return left


def test_a_killed_writers_temporary_file_is_swept_by_the_next_run(tmp_path: Path, caplog) -> None:
    left = killed_while_writing(tmp_path)
    assert f".{os.getpid()}@" not in left[0].name  # the dead writer's own process id
    with caplog.at_level(logging.WARNING):
        assert sweep_landing(tmp_path, "reddit") == left
    assert not left[0].exists()
    assert "which ended before renaming it" in caplog.text
    assert sweep_landing(tmp_path, "reddit") == []


def test_a_killed_writer_not_yet_reaped_counts_as_ended(tmp_path: Path) -> None:
    left = killed_while_writing(tmp_path, reap=False)
    assert sweep_landing(tmp_path, "reddit") == left
    for zombie in zombies:
        zombie.wait()


def test_a_live_writers_temporary_file_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "reddit" / "posts" / "data.jsonl"
    target.parent.mkdir(parents=True)
    live = temp_path(target)  # this process: alive
    live.write_text("{}\n")
    kept = [target, tmp_path / ".hidden", tmp_path / "notes.tmp", tmp_path / ".data.short.tmp"]
    for path in kept:
        path.write_text("x")
    assert sweep(tmp_path, recursive=True) == []
    assert live.exists() and all(p.exists() for p in kept)


def test_another_machines_file_goes_once_untouched_for_hours_and_a_live_writers_never(
    tmp_path: Path, monkeypatch
) -> None:
    """Another machine's processes cannot be seen: age decides for its files, and for the names of
    earlier versions (no owner). This machine's live writer keeps its file however old its times
    (a copy keeps its source's)."""
    alive_but_old = temp_path(tmp_path / "warehouse.duckdb")
    other_host = tmp_path / ".warehouse.duckdb.1-1@elsewhere.0123abcd.tmp"
    legacy = [tmp_path / ".data.ab12_x9z.tmp", tmp_path / f".warehouse.{'0' * 32}.tmp.wal"]
    files = [alive_but_old, other_host, *legacy]
    for path in files:
        path.write_text("x")
    old = time.time() - 30 * 24 * 3600
    for path in files:
        os.utime(path, (old, old))  # a copy's times: its source's, however old
    assert sweep(tmp_path) == []  # all just made: a live run may be writing any of them
    later(monkeypatch, ABANDONED_AFTER.total_seconds() + 60)
    assert sorted(sweep(tmp_path)) == sorted([other_host, *legacy])
    assert alive_but_old.exists()


def test_a_live_process_that_cannot_be_told_from_the_writer_keeps_its_file_for_hours_only(
    tmp_path: Path, monkeypatch
) -> None:
    """With ``/proc`` hidden (``hidepid``) or no start time in the name, the process that has the
    writer's id may be another one that took it: its file is kept while it is fresh, not forever."""
    unstarted = temp_path(tmp_path / "report")
    unstarted = unstarted.with_name(re.sub(r"-\d+@", "-0@", unstarted.name))  # this process, no start
    unstarted.write_text("x")
    assert sweep(tmp_path) == []
    later(monkeypatch, ABANDONED_AFTER.total_seconds() + 60)
    assert sweep(tmp_path) == [unstarted]

    monkeypatch.undo()
    hidden = temp_path(tmp_path / "data.jsonl")  # this process: alive, but /proc hides who it is
    hidden.write_text("x")
    monkeypatch.setattr(scratch, "_stat", lambda pid: None)
    assert sweep(tmp_path) == []
    later(monkeypatch, ABANDONED_AFTER.total_seconds() + 60)
    assert sweep(tmp_path) == [hidden]


def test_the_sweep_of_one_source_leaves_other_sources_alone(tmp_path: Path) -> None:
    left = killed_while_writing(tmp_path)
    state = tmp_path / STATE_DIR / "reddit"
    state.mkdir(parents=True)
    stale_state = state / left[0].name.replace(".data.jsonl.", ".feed.json.")
    stale_state.write_text("{}")
    assert sweep_landing(tmp_path, "rss") == []
    assert left[0].exists()
    assert sorted(sweep_landing(tmp_path, "reddit")) == sorted([left[0], stale_state])


def test_a_scratch_folder_is_emptied_of_a_killed_runs_files_and_removed_after(tmp_path: Path, caplog) -> None:
    leftover = tmp_path / "dbt-build" / "run_results.json"
    leftover.parent.mkdir(parents=True)
    leftover.write_text("{}")  # what a killed dbt build left
    with caplog.at_level(logging.WARNING), scratch_dir(tmp_path, "dbt-build") as folder:
        assert folder == tmp_path / "dbt-build" and list(folder.iterdir()) == []
        (folder / "manifest.json").write_text("{}")
    assert "left by a run that was killed" in caplog.text
    assert not folder.exists()
    with pytest.raises(RuntimeError), scratch_dir(tmp_path, "dbt-build") as folder:
        (folder / "x").write_text("x")
        raise RuntimeError("dbt failed")
    assert not folder.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dbt-build.lock"]


def test_a_scratch_folder_waits_for_its_user_and_a_killed_user_releases_it(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from core.scratch import scratch_dir

        with scratch_dir(Path({str(tmp_path)!r}), "dbt-build") as folder:
            (folder / "partial.json").write_text("{{")
            print("holding", flush=True)
            time.sleep(600)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "holding"
    child.stdout.close()
    waited: list[float] = []

    def kill_soon() -> None:
        time.sleep(0.5)
        child.send_signal(signal.SIGKILL)

    killer = threading.Thread(target=kill_soon)
    started = time.monotonic()
    killer.start()
    with scratch_dir(tmp_path, "dbt-build") as folder:
        waited.append(time.monotonic() - started)
        assert list(folder.iterdir()) == []  # the killed user's partial file is gone
    killer.join()
    child.wait()
    assert waited[0] >= 0.4  # it waited for the holder rather than emptying its folder


def test_a_dead_writers_temporary_folder_is_removed_whole(tmp_path: Path) -> None:
    """A folder built beside its target and renamed over it (the report's archive of a month)."""
    code = (
        "import sys; from pathlib import Path; from core.scratch import temp_path; "
        "folder = temp_path(Path(sys.argv[1]) / '2026-11'); folder.mkdir(); "
        "(folder / 'report.html').write_text('half'); print(folder)"
    )
    made = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    left = Path(made.stdout.strip())
    live = temp_path(tmp_path / "2026-10")
    live.mkdir()
    assert left.is_dir() and sweep(tmp_path) == [left]
    assert not left.exists() and live.is_dir()


def test_another_live_process_keeps_its_file_and_a_reused_process_id_does_not(tmp_path: Path) -> None:
    """A live writer of this machine other than the sweeper keeps its file; a name whose process id
    now belongs to a process that started later (the id reused) is a dead writer's."""
    code = (
        "import sys, time; from pathlib import Path; from core.scratch import temp_path; "
        "p = temp_path(Path(sys.argv[1]) / 'data.jsonl'); p.write_text('x'); print(p, flush=True); "
        "time.sleep(600)"
    )
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        live = Path(child.stdout.readline().strip())
        reused = live.with_name(re.sub(r"\.(\d+)-(\d+)@", lambda m: f".{m[1]}-{int(m[2]) - 1}@", live.name))
        reused.write_text("x")
        assert sweep(tmp_path) == [reused]
        assert live.exists()
    finally:
        child.kill()
        child.wait()
        child.stdout.close()


def test_a_link_named_like_a_temporary_file_is_removed_not_followed(tmp_path: Path, monkeypatch) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("x")
    folder = tmp_path / "published"
    folder.mkdir()
    link = folder / ".warehouse.duckdb.1-1@elsewhere.0123abcd.tmp"
    link.symlink_to(outside, target_is_directory=True)
    later(monkeypatch, ABANDONED_AFTER.total_seconds() + 60)
    assert sweep(folder) == [link]
    assert not link.is_symlink() and (outside / "keep.txt").exists()


@pytest.mark.parametrize("folder", [False, True], ids=["file", "folder"])
def test_a_replacement_takes_the_targets_place_whole_or_not_at_all(tmp_path: Path, folder: bool) -> None:
    target = tmp_path / "site"

    def write(at: Path, text: str) -> None:
        if folder:
            at.mkdir()
            (at / "index.html").write_text(text)
        else:
            at.write_text(text)

    def read() -> str:
        return (target / "index.html" if folder else target).read_text()

    write(target, "old")
    with pytest.raises(RuntimeError), replacing(target) as temp:
        write(temp, "half")
        raise RuntimeError("killed while writing")
    assert read() == "old" and sorted(tmp_path.iterdir()) == [target]
    with replacing(target) as temp:
        write(temp, "new")
        assert read() == "old"  # readers see the old one until the block ends
    assert read() == "new" and sorted(tmp_path.iterdir()) == [target]


def test_a_folder_that_cannot_take_its_place_puts_the_old_one_back(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "site"
    target.mkdir()
    (target / "index.html").write_text("old")
    real_rename = Path.rename

    def rename(self: Path, to: Path) -> Path:
        if self.name.startswith(".site.") and to == target and (self / "index.html").read_text() == "new":
            raise OSError(28, "No space left on device")
        return real_rename(self, to)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(OSError, match="No space"), replacing(target) as temp:
        temp.mkdir()
        (temp / "index.html").write_text("new")
    assert (target / "index.html").read_text() == "old" and sorted(tmp_path.iterdir()) == [target]
