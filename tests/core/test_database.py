"""The live warehouse's one writer: a second writer waits a bounded time, then fails clearly.

A real second process holds DuckDB's file lock, as a scheduled step would while an operator runs
``python -m warehouse load``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from core.database import WarehouseBusy, writer
from core.settings import PROJECT_ROOT, writer_wait_seconds

HOLD = """
import select, sys, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
select.select([sys.stdin], [], [], float(sys.argv[2]))  # until told to release, or the time is up
con.close()
"""


@contextmanager
def held(path: Path, seconds: float) -> Iterator[subprocess.Popen]:
    """Another process with ``path`` open for writing for ``seconds``, or until a line on its stdin."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait(timeout=30)


def test_a_writer_waits_for_a_brief_holder_then_opens(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    with held(path, 1.5):
        started = time.monotonic()
        with writer(path, wait_seconds=30) as con:
            assert con.execute("select 1").fetchone() == (1,)
        assert time.monotonic() - started >= 0.5


def test_a_writer_held_longer_than_the_wait_fails_with_the_message(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    with held(path, 60):
        started = time.monotonic()
        with pytest.raises(WarehouseBusy) as caught, writer(path, wait_seconds=1):
            pass
        waited = time.monotonic() - started
    assert 0.9 <= waited < 10
    assert "waited 1 s, WAREHOUSE_WRITER_WAIT_SECONDS" in str(caught.value)
    assert "Another process holds the warehouse" in str(caught.value)


def load_environment(tmp_path: Path, wait: str) -> dict[str, str]:
    return {
        **os.environ,
        "WAREHOUSE_DATA_DIR": str(tmp_path / "data"),
        "WAREHOUSE_DUCKDB_PATH": str(tmp_path / "data" / "warehouse.duckdb"),
        "WAREHOUSE_WRITER_WAIT_SECONDS": wait,
        "PYTHONPATH": str(PROJECT_ROOT),
    }


@pytest.mark.parametrize(
    ("release", "wait", "code"), [(True, "120", 0), (False, "1", 2)], ids=["released", "still-held"]
)
def test_a_manual_load_waits_for_the_writer_lock(tmp_path: Path, release: bool, wait: str, code: int) -> None:
    """The holder lets go only once the load has found the file held and is waiting for it."""
    path = tmp_path / "data" / "warehouse.duckdb"
    path.parent.mkdir(parents=True)
    duckdb.connect(str(path)).close()
    with held(path, 120) as holder:
        load = subprocess.Popen(
            [sys.executable, "-m", "warehouse", "load", "--start", "2026-11-01", "--end", "2026-11-01"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=PROJECT_ROOT,
            env=load_environment(tmp_path, wait),
        )
        assert load.stderr is not None
        seen = []
        for line in load.stderr:
            seen.append(line)
            if "held by another writer; waiting up to" in line:
                break
        else:
            load.wait(timeout=60)
            pytest.fail("the load never waited for the lock:\n" + "".join(seen)[-2000:])
        if release:
            assert holder.stdin is not None
            holder.stdin.write("release\n")
            holder.stdin.flush()
        _, rest = load.communicate(timeout=300)
    stderr = "".join(seen) + rest
    assert load.returncode == code, stderr[-2000:]
    if code:
        assert f"error: cannot open {path} for writing (waited {wait} s" in stderr
        assert "Traceback" not in stderr


@pytest.mark.parametrize(("raw", "seconds"), [("", 60.0), ("0", 0.0), ("2.5", 2.5)])
def test_the_wait_is_a_documented_setting(monkeypatch, raw: str, seconds: float) -> None:
    monkeypatch.setenv("WAREHOUSE_WRITER_WAIT_SECONDS", raw)
    assert writer_wait_seconds() == seconds


@pytest.mark.parametrize("raw", ["soon", "-1", "1e9"])
def test_a_bad_wait_setting_is_refused_naming_it(monkeypatch, raw: str) -> None:
    monkeypatch.setenv("WAREHOUSE_WRITER_WAIT_SECONDS", raw)
    with pytest.raises(ValueError, match="WAREHOUSE_WRITER_WAIT_SECONDS"):
        writer_wait_seconds()
