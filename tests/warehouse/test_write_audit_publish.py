"""Write-audit-publish over a sequence of runs: the snapshot BI reads never holds a mart built
from data that failed a blocking check, and holds back only what is downstream of a failure.

Each run writes a value of its own into the live marts (a follower count no other run writes),
some runs also write a defect, then the run goes through the real audit (dbt's tests of the marts,
recorded as the build records them, and every GX suite) and the real publish step. After every
run the snapshot is inspected: no defect ever reaches it; each mart downstream of the failing
table (by dbt's lineage) is byte for byte its last good version, and says so in
`audit.publication`; every other mart comes from the run. (These runs build their marts by
copying, not with dbt: `built_in_run=False`.)
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dbt.contracts.graph.manifest import Manifest

from expectations.runner import CheckReport, ChecksFailed
from publishing.snapshot import NotPublishable
from record.dbt_artifacts import DBT_SUITE, dbt_results
from record.results import BLOCKING, CheckResult, write_results
from tests.conftest import run_dbt
from transform.dbt import MANIFEST_PATH
from transform.lineage import Lineage
from warehouse import pipeline

WINDOW = (date(2026, 11, 13), date(2026, 11, 19))
MARKED = (
    "account_key = (select min(account_key) from marts.fct_account_daily) and metric_date = DATE '2026-11-18'"
)
# Defects the blocking checks must stop, each written by one run: the table it breaks, and how.
# dbt's tests stop the first three, a GX suite the last (raw data for the window, an empty mart).
DEFECTS = {
    "future_day": (
        "marts.fct_account_daily",
        "insert into marts.fct_account_daily select * replace (DATE '2999-01-01' as metric_date) "
        "from marts.fct_account_daily where platform = 'youtube' and metric_date = DATE '2026-11-17'",
    ),
    "key_not_from_its_parts": (
        "marts.dim_account",
        "update marts.dim_account set account_id = account_id || '-else' "
        "where account_key = (select min(account_key) from marts.dim_account where platform = 'youtube')",
    ),
    "negative_count": (
        "marts.fct_social_traffic_daily",
        "update marts.fct_social_traffic_daily set sessions = -5 where report_date = DATE '2026-11-16'",
    ),
    "empty_mart": ("marts.fct_account_monthly", "delete from marts.fct_account_monthly"),
}
RUNS = [
    ("run-1", None),
    ("run-2", "future_day"),
    ("run-3", None),
    ("run-4", "key_not_from_its_parts"),
    ("run-5", "negative_count"),
    ("run-6", "empty_mart"),
]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _marker(run_number: int) -> int:
    return 7_000_000 + run_number  # a follower count no demo account has


def _audit(run_id: str, live: Path, tmp: Path, marts: set[str], manifest: Manifest) -> CheckReport:
    """The run's audit as the pipeline's: dbt's results recorded, then every GX suite. These runs
    build their marts by copying them, so each mart's build succeeded; the tests are dbt's tests
    of the marts the defects break, the ones a build runs after them."""
    tested = sorted({table.split(".")[1] for table, _ in DEFECTS.values()})
    selection = ["--select", *tested, "--exclude-resource-type", "unit_test"]
    run_dbt(["test", *selection], live, tmp / run_id, manifest=manifest)
    tests = dbt_results(tmp / run_id / "target", live)
    assert tests, "dbt ran no test"
    built = [
        {"suite": DBT_SUITE, "table": mart, "check": "model_builds", "column": None, "severity": BLOCKING,
         "success": True, "observed": "success", "unexpected_count": None, "sample": None}
        for mart in sorted(marts)
    ]  # fmt: skip
    pipeline.record_dbt(*WINDOW, run_id, [*built, *tests])
    return pipeline.check(*WINDOW, run_id)


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
    manifest = run_dbt(["parse"], live, tmp_path / "parse").result  # parsed once for the runs' tests
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

        report = _audit(run_id, live, tmp_path, lineage.marts, manifest)
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
            future_days = published.execute(
                "select count(*) from marts.fct_account_daily where metric_date > DATE '2026-12-31'"
            ).fetchone()[0]
            keys_not_from_parts = published.execute(
                "select count(*) from marts.dim_account where account_key != platform || ':' || account_id"
            ).fetchone()[0]
            negative_sessions = published.execute(
                "select count(*) from marts.fct_social_traffic_daily where sessions < 0"
            ).fetchone()[0]
            empty_months = published.execute("select count(*) = 0 from marts.fct_account_monthly").fetchone()[
                0
            ]
        daily_run = statuses["marts.fct_account_daily"][0]
        assert marker == _marker(int(daily_run.split("-")[1]))
        assert (future_days, keys_not_from_parts, negative_sessions, empty_months) == (0, 0, 0, False)
    assert last_good["marts.fct_account_daily"][0] == "run-6"  # run-2 held it back, later runs did not
    assert last_good["marts.dim_account"][0] == "run-6"
    assert last_good["marts.fct_account_monthly"][0] == "run-5"  # held back by runs 2 and 6


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
        con.execute(DEFECTS["empty_mart"][1])
    with pytest.raises(ChecksFailed):  # the checks alone, strict, fail on a blocking failure
        pipeline.check(*WINDOW, "run-3", strict=True)


def _blocking(run_id: str, table: str) -> CheckResult:
    return CheckResult(run_id, "everything", table, "made_up", None, "blocking", False, "x", 1, None)


def _content(con: duckdb.DuckDBPyConnection, table: str) -> str:
    schema, name = table.split(".")
    return con.execute(
        f"select count(*) || ':' || coalesce(sum(hash(t)), 0) from {schema}.{name} as t"
    ).fetchone()[0]
