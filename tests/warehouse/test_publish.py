"""Publishing: only checked runs reach BI, atomically, as a read-only file."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from warehouse.publish import NotPublishable, publish

DAY = date(2026, 11, 1)


@pytest.fixture
def live(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema marts; create schema audit; create schema raw")
    con.execute("create table marts.fct_account_daily as select 1 as followers")
    con.execute("create table raw.facebook_pages__posts as select 'secret-ish raw' as record")
    con.execute("create table audit.check_results (run_id varchar, severity varchar, success boolean)")
    yield con
    con.close()


def test_a_run_without_check_results_is_not_published(live, tmp_path) -> None:
    with pytest.raises(NotPublishable, match="no data-check results"):
        publish(live, tmp_path / "published" / "warehouse.duckdb", "run-1", DAY, DAY)
    assert not (tmp_path / "published" / "warehouse.duckdb").exists()


def test_a_run_with_a_blocking_failure_is_not_published(live, tmp_path) -> None:
    live.execute(
        "insert into audit.check_results values ('run-1', 'blocking', false), ('run-1', 'warning', true)"
    )
    with pytest.raises(NotPublishable, match="failed 1 blocking"):
        publish(live, tmp_path / "published" / "warehouse.duckdb", "run-1", DAY, DAY)


def test_a_checked_run_publishes_marts_only_read_only_and_replaces_atomically(live, tmp_path) -> None:
    target = tmp_path / "published" / "warehouse.duckdb"
    live.execute(
        "insert into audit.check_results values ('run-1', 'blocking', true), ('run-2', 'warning', false)"
    )
    publish(live, target, "run-1", DAY, DAY)
    reader = duckdb.connect(str(target), read_only=True)  # a BI reader holding the old snapshot
    live.execute("update marts.fct_account_daily set followers = 2")
    publication = publish(live, target, "run-2", DAY, DAY)  # warnings still publish
    assert reader.execute("select followers from marts.fct_account_daily").fetchone() == (1,)
    reader.close()
    assert target.stat().st_mode & 0o222 == 0
    assert publication.tables == {"marts.fct_account_daily": 1, "audit.check_results": 2}
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select followers from marts.fct_account_daily").fetchone() == (2,)
        assert con.execute("select run_id from audit.publication").fetchone() == ("run-2",)
        schemas = {r[0] for r in con.execute("select schema_name from duckdb_tables()").fetchall()}
    assert schemas == {"marts", "audit"}
    assert not list(target.parent.glob(".*.tmp")), "no temporary file is left behind"


def test_marts_built_while_a_new_load_slipped_in_are_not_published(live, tmp_path) -> None:
    from warehouse.loader import raw_watermark

    live.execute("create table raw.facebook_pages__page_insights as select now() as _loaded_at")
    live.execute("insert into audit.check_results values ('run-1', 'blocking', true)")
    at_start = raw_watermark(live)
    assert at_start is not None
    live.execute("insert into raw.facebook_pages__page_insights select now() + interval 1 minute")
    with pytest.raises(NotPublishable, match="loaded again while this run was building"):
        publish(live, tmp_path / "published" / "warehouse.duckdb", "run-1", DAY, DAY, at_start)
    publish(live, tmp_path / "published" / "warehouse.duckdb", "run-1", DAY, DAY, raw_watermark(live))
