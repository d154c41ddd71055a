"""Write-audit-publish over a sequence of runs: the snapshot BI reads never holds a mart built
from data that failed a blocking check, and holds back only what is downstream of a failure.

Each run writes a value of its own into the live marts (a follower count no other run writes),
some runs also write a defect, then the run goes through the real checks (every suite) and the
real publish step. After every run the snapshot is inspected: no defect ever reaches it; each
mart downstream of the failing table (by dbt's lineage) is byte for byte its last good version,
and says so in `audit.publication`; every other mart comes from the run. (These runs build their
marts by copying, not with dbt: `built_in_run=False`.)
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import duckdb
import pytest

from expectations.runner import ChecksFailed
from publishing.snapshot import NotPublishable
from record.results import CheckResult, write_results
from transform.dbt import MANIFEST_PATH
from transform.lineage import Lineage
from warehouse import pipeline

WINDOW = (date(2026, 11, 13), date(2026, 11, 19))
MARKED = (
    "account_key = (select min(account_key) from marts.fct_account_daily) and metric_date = DATE '2026-11-18'"
)
# Defects the blocking checks must stop, each written by one run.
# Defects the blocking checks must stop, each written by one run: the table it breaks, and how.
DEFECTS = {
    "future_day": (
        "marts.fct_account_daily",
        "insert into marts.fct_account_daily select * replace (DATE '2999-01-01' as metric_date) "
        "from marts.fct_account_daily where platform = 'youtube' and metric_date = DATE '2026-11-17'",
    ),
    "key_not_from_its_parts": (
        "marts.dim_account",
        "update marts.dim_account set account_key = 'youtube:someone-else' "
        "where account_key = (select min(account_key) from marts.dim_account)",
    ),
    "negative_count": (
        "marts.fct_social_traffic_daily",
        "update marts.fct_social_traffic_daily set sessions = -5 where report_date = DATE '2026-11-16'",
    ),
}
RUNS = [
    ("run-1", None),
    ("run-2", "future_day"),
    ("run-3", None),
    ("run-4", "key_not_from_its_parts"),
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

    lineage = Lineage.load(MANIFEST_PATH)
    last_good: dict[str, tuple[str, str]] = {}  # mart -> (run id, content hash) of its last good version
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
                con.execute(DEFECTS[defect][1])
            live_hashes = {m: _content(con, m) for m in lineage.marts}

        report = pipeline.check(*WINDOW, run_id)
        publication = pipeline.publish_snapshot(*WINDOW, run_id, built_in_run=False)

        failing_table = DEFECTS[defect][0] if defect else None
        expected_held = lineage.downstream_marts(failing_table) if failing_table else set()
        assert set(publication.held_back) == expected_held, (defect, report)
        assert not defect or failing_table in expected_held
        with duckdb.connect(str(snapshot), read_only=True) as published:
            rows = published.execute(
                "select table_name, run_id, status, held_back_reason, snapshot_run_id from audit.publication"
            ).fetchall()
            statuses = {table: (origin, status, why) for table, origin, status, why, _ in rows}
            assert {row[4] for row in rows} == {run_id}
            for mart in lineage.marts:
                origin, status, why = statuses[mart]
                if mart in expected_held:
                    assert status == "held_back" and failing_table in why, (mart, why)
                    assert (origin, _content(published, mart)) == last_good[mart], mart
                else:
                    assert (origin, status, why) == (run_id, "current", None), mart
                    assert _content(published, mart) == live_hashes[mart], mart
                    last_good[mart] = (run_id, live_hashes[mart])
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
        daily_run = statuses["marts.fct_account_daily"][0]
        assert marker == _marker(int(daily_run.split("-")[1]))
        assert (rates_above_1, duplicate_accounts, negative_sessions) == (0, 0, 0)
    assert last_good["marts.fct_account_daily"][0] == "run-5"  # run-2 held it back, later runs did not
    assert last_good["marts.dim_account"][0] == "run-5"


def test_a_run_whose_every_mart_is_held_back_publishes_nothing(
    full_warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure upstream of every mart (the company's accounts) leaves the snapshot as it was."""
    data = tmp_path / "data"
    data.mkdir()
    live = full_warehouse.copy(data)
    monkeypatch.setenv("WAREHOUSE_DATA_DIR", str(data))
    monkeypatch.delenv("WAREHOUSE_DUCKDB_PATH", raising=False)
    snapshot = data / "published" / "warehouse.duckdb"
    pipeline.check(*WINDOW, "run-1")
    pipeline.publish_snapshot(*WINDOW, "run-1", built_in_run=False)
    before = _digest(snapshot)
    with duckdb.connect(str(live)) as con:
        write_results(con, "run-2", WINDOW, ["everything"], [_blocking("run-2", "audit.unknown_table")])
    with pytest.raises(NotPublishable, match="every mart is held back"):
        pipeline.publish_snapshot(*WINDOW, "run-2", built_in_run=False)
    assert _digest(snapshot) == before
    with duckdb.connect(str(live)) as con:
        con.execute(DEFECTS["future_day"][1])
    with pytest.raises(ChecksFailed):  # the checks alone, strict, fail on a blocking failure
        pipeline.check(*WINDOW, "run-3", strict=True)


def _blocking(run_id: str, table: str) -> CheckResult:
    return CheckResult(run_id, "everything", table, "made_up", None, "blocking", False, "x", 1, None)


def _content(con: duckdb.DuckDBPyConnection, table: str) -> str:
    schema, name = table.split(".")
    return con.execute(
        f"select count(*) || ':' || coalesce(sum(hash(t)), 0) from {schema}.{name} as t"
    ).fetchone()[0]
