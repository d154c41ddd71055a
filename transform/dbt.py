"""Running dbt in-process (dbtRunner), for tasks that are not per-model and for setup."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from core.scratch import replacing, sweep
from core.settings import PROJECT_ROOT, paths

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
PROFILES_YML = DBT_PROJECT_DIR / "profiles.yml"
MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
PROFILE_NAME = "social_warehouse"
PARTIAL_PARSE = "partial_parse.msgpack"
# The first day the incremental marts rebuild (macros/incremental.sql). An environment variable,
# not a --vars: dbt re-parses the whole project when its vars change, and this changes every day.
REBUILD_FROM_ENV = "WAREHOUSE_REBUILD_FROM"


class DbtError(RuntimeError):
    """A dbt command failed; the message lists the failing nodes."""


def run_dbt(
    args: list[str],
    project_dir: Path = DBT_PROJECT_DIR,
    target_path: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> None:
    """Run a dbt command against the warehouse; raise DbtError naming what failed.

    ``target_path`` keeps the command's artifacts apart from the project's ``target`` (whose
    manifest Airflow reads). ``env``: environment variables for this command only (dbt runs in
    this process and reads ``os.environ``; they are restored afterwards, so a later command in the
    same worker does not see them).
    """
    from dbt.cli.main import dbtRunner

    os.environ.setdefault("WAREHOUSE_DUCKDB_PATH", str(paths().warehouse))
    where = ["--target-path", str(target_path)] if target_path else []
    # dbt re-parses only the files that changed since the last command on this warehouse (and
    # everything when the project's settings or the profile, which names the file, changed).
    cache = paths().data_dir / ".dbt" / PARTIAL_PARSE
    sweep(cache.parent)  # a copy a killed command left half-written
    if target_path and cache.is_file() and not (target_path / PARTIAL_PARSE).exists():
        target_path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cache, target_path / PARTIAL_PARSE)
    with _environment(env or {}), _temp_folder(target_path):
        result = dbtRunner().invoke(
            [*args, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir), *where]
        )
    if target_path and (target_path / PARTIAL_PARSE).is_file():
        cache.parent.mkdir(parents=True, exist_ok=True)
        with replacing(cache) as temp:  # dbt commands of other steps may save theirs at the same time
            shutil.copyfile(target_path / PARTIAL_PARSE, temp)
    if result.success:
        return
    failures = []
    for node in getattr(result.result, "results", None) or []:
        status = str(getattr(node, "status", ""))
        if status.lower() in {"error", "fail", "runtime error"}:
            name = getattr(getattr(node, "node", None), "unique_id", "?")
            failures.append(f"  {name}: {status}: {getattr(node, 'message', '')}")
    detail = "\n".join(failures) or f"  {result.exception or 'see the dbt log above'}"
    raise DbtError(f"dbt {' '.join(args)} failed:\n{detail}")


@contextmanager
def _temp_folder(folder: Path | None) -> Iterator[None]:
    """The temp folder of this process is ``folder`` for the block. dbt-duckdb writes each Python
    model's code to a file there and deletes it when the model ends, so a killed command leaves it:
    in the command's own target folder, which the next command to take it empties, not in the
    system's, which nothing sweeps."""
    if folder is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    before = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = before


@contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    """Set ``env`` in ``os.environ`` for the block, then put back what was there before."""
    before = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
