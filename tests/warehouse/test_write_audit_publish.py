"""Write-audit-publish over a sequence of runs: the snapshot BI reads only ever holds data from a
run whose blocking checks passed.

Each run writes a value of its own into the live marts (a follower count no other run writes),
some runs also write a defect, then the run goes through the real checks (every suite) and, if
they pass, the real publish step. After every run the snapshot is inspected: it is the last
passing run's, byte for byte unchanged by a blocked run, and no defect ever reaches it.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import duckdb
import pytest

from expectations.runner import ChecksFailed
from warehouse import pipeline
from warehouse.publish import NotPublishable

WINDOW = (date(2026, 11, 13), date(2026, 11, 19))
MARKED = (
    "account_key = (select min(account_key) from marts.fct_account_daily) and metric_date = DATE '2026-11-18'"
)
# Defects the blocking checks must stop, each written by one run.
DEFECTS = {
    "rate_above_1": "update marts.fct_account_daily set engagement_rate = 4.2 "
    "where platform = 'youtube' and metric_date = DATE '2026-11-17'",
    "duplicate_key": "insert into marts.dim_account select * from marts.dim_account limit 1",
    "negative_count": "update marts.fct_social_traffic_daily set sessions = -5 "
    "where report_date = DATE '2026-11-16'",
}
RUNS = [
    ("run-1", None),
    ("run-2", "rate_above_1"),
    ("run-3", None),
    ("run-4", "duplicate_key"),
    ("run-5", "negative_count"),
]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _marker(run_number: int) -> int:
    return 7_000_000 + run_number  # a follower count no demo account has


@pytest.mark.timeout(1200)
def test_the_snapshot_only_ever_holds_runs_whose_blocking_checks_passed(
    full_warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    live = full_warehouse.copy(data)
    monkeypatch.setenv("WAREHOUSE_DATA_DIR", str(data))
    monkeypatch.delenv("WAREHOUSE_DUCKDB_PATH", raising=False)
    snapshot = data / "published" / "warehouse.duckdb"
    pristine = str(tmp_path / "pristine.duckdb")
    full_warehouse.copy(tmp_path).rename(pristine)

    passed: list[str] = []
    for number, (run_id, defect) in enumerate(RUNS, start=1):
        with duckdb.connect(str(live)) as con:  # this run's "build": fresh marts, its marker, its defect
            con.execute(f"attach '{pristine}' as pristine (read_only)")
            for (table,) in con.execute(
                "select table_name from duckdb_tables() "
                "where database_name = 'pristine' and schema_name = 'marts'"
            ).fetchall():
                con.execute(f"create or replace table marts.{table} as select * from pristine.marts.{table}")
            con.execute("detach pristine")
            con.execute(f"update marts.fct_account_daily set followers = {_marker(number)} where {MARKED}")
            if defect:
                con.execute(DEFECTS[defect])
        before = _digest(snapshot) if snapshot.exists() else None

        if defect:
            with pytest.raises(ChecksFailed) as failed:
                pipeline.check(*WINDOW, run_id)
            assert failed.value.report.blocking_failures, defect
            with pytest.raises(NotPublishable):  # even if asked to, it will not publish this run
                pipeline.publish_snapshot(*WINDOW, run_id)
            assert (_digest(snapshot) if snapshot.exists() else None) == before
        else:
            pipeline.check(*WINDOW, run_id)
            pipeline.publish_snapshot(*WINDOW, run_id)
            passed.append(run_id)

        with duckdb.connect(str(snapshot), read_only=True) as published:
            [(published_run,)] = published.execute("select run_id from audit.publication").fetchall()
            [(marker,)] = published.execute(
                f"select followers from marts.fct_account_daily where {MARKED}"
            ).fetchall()
            rates_above_1 = published.execute(
                "select count(*) from marts.fct_account_daily "
                "where platform = 'youtube' and engagement_rate > 1"
            ).fetchone()[0]
            duplicate_accounts = published.execute(
                "select count(*) - count(distinct account_key) from marts.dim_account"
            ).fetchone()[0]
            negative_sessions = published.execute(
                "select count(*) from marts.fct_social_traffic_daily where sessions < 0"
            ).fetchone()[0]
        assert published_run == passed[-1]
        assert marker == _marker(int(passed[-1].split("-")[1]))
        assert (rates_above_1, duplicate_accounts, negative_sessions) == (0, 0, 0)
    assert passed == ["run-1", "run-3"]
