"""Publishing: only checked runs reach BI, atomically, as a read-only file; a blocking failure
holds back the marts downstream of it (by lineage) at their last good version."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from publishing.snapshot import NotPublishable, publish, refresh
from transform.lineage import Lineage

DAY = date(2026, 11, 1)
# raw.facebook_pages__posts -> stg -> marts.fct_account_daily; marts.fct_mentions stands apart.
LINEAGE = Lineage.from_manifest(
    {
        "sources": {
            "source.w.facebook_pages.posts": {
                "unique_id": "source.w.facebook_pages.posts",
                "resource_type": "source",
                "schema": "raw",
                "name": "posts",
                "identifier": "facebook_pages__posts",
            }
        },
        "nodes": {
            f"model.w.{name}": {
                "unique_id": f"model.w.{name}",
                "resource_type": "model",
                "schema": schema,
                "name": name,
                "alias": name,
            }
            for schema, name in (
                ("staging", "stg_facebook_pages__posts"),
                ("marts", "fct_account_daily"),
                ("marts", "fct_mentions"),
            )
        },
        "child_map": {
            "source.w.facebook_pages.posts": ["model.w.stg_facebook_pages__posts"],
            "model.w.stg_facebook_pages__posts": ["model.w.fct_account_daily", "test.w.unique_x"],
        },
    }
)


def _results(*rows: tuple[str, str, str, bool]) -> str:
    """SQL inserting check results (run, table, severity, success)."""
    values = ", ".join(
        f"('{r}', 'suite', '{t}', 'check_{i}', '{s}', {str(ok).lower()})"
        for i, (r, t, s, ok) in enumerate(rows)
    )
    return f"insert into audit.check_results values {values}"


@pytest.fixture
def live(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema marts; create schema audit; create schema raw")
    con.execute("create table marts.fct_account_daily as select 1 as followers")
    con.execute("create table marts.fct_mentions as select 10 as mentions")
    con.execute("create table raw.facebook_pages__posts as select 'secret-ish raw' as record")
    con.execute(
        "create table audit.check_results (run_id varchar, suite varchar, table_name varchar, "
        "check_name varchar, severity varchar, success boolean)"
    )
    yield con
    con.close()


def test_a_run_without_check_results_is_not_published(live, tmp_path) -> None:
    with pytest.raises(NotPublishable, match="no data-check results"):
        publish(live, tmp_path / "published" / "warehouse.duckdb", "run-1", DAY, DAY, lineage=LINEAGE)
    assert not (tmp_path / "published" / "warehouse.duckdb").exists()


def test_a_blocking_failure_holds_back_only_the_marts_downstream_of_it(live, tmp_path) -> None:
    target = tmp_path / "published" / "warehouse.duckdb"
    live.execute(_results(("run-1", "marts.fct_mentions", "blocking", True)))
    publish(live, target, "run-1", DAY, DAY, lineage=LINEAGE)
    before = _rows(target, "marts.fct_account_daily")

    live.execute(
        "update marts.fct_account_daily set followers = -99; update marts.fct_mentions set mentions = 11"
    )
    live.execute(_results(("run-2", "raw.facebook_pages__posts", "blocking", False)))
    publication = publish(live, target, "run-2", DAY, DAY, lineage=LINEAGE)

    assert set(publication.held_back) == {"marts.fct_account_daily"}
    assert "raw.facebook_pages__posts" in publication.held_back["marts.fct_account_daily"]
    assert _rows(target, "marts.fct_account_daily") == before == [(1,)]  # the last good version
    assert _rows(target, "marts.fct_mentions") == [(11,)]  # published from this run
    assert _rows(target, "audit.publication order by 1") == [
        ("audit.check_results", "run-2", "current", None),
        ("marts.fct_account_daily", "run-1", "held_back", publication.held_back["marts.fct_account_daily"]),
        ("marts.fct_mentions", "run-2", "current", None),
    ]


def test_a_mart_never_published_before_is_held_back_empty_and_says_so(live, tmp_path) -> None:
    target = tmp_path / "published" / "warehouse.duckdb"
    live.execute(_results(("run-1", "staging.stg_facebook_pages__posts", "blocking", False)))
    publication = publish(live, target, "run-1", DAY, DAY, lineage=LINEAGE)
    assert "never published before" in publication.held_back["marts.fct_account_daily"]
    assert _rows(target, "marts.fct_account_daily") == []
    assert _rows(target, "marts.fct_mentions") == [(10,)]


def test_a_dbt_run_whose_builds_never_reached_the_record_holds_back_every_mart(live, tmp_path) -> None:
    """A pipeline run builds its marts with dbt: with no successful build in its record (the dbt
    tasks never ran, or their results were lost), no mart can be called current."""
    live.execute(_results(("run-1", "marts.fct_mentions", "blocking", True)))
    with pytest.raises(NotPublishable, match="every mart is held back"):
        publish(live, tmp_path / "w.duckdb", "run-1", DAY, DAY, lineage=LINEAGE, built_in_run=True)
    live.execute(
        "insert into audit.check_results values ('run-1', 'dbt', 'marts.fct_mentions', 'model_builds', "
        "'blocking', true)"
    )
    publication = publish(live, tmp_path / "w.duckdb", "run-1", DAY, DAY, lineage=LINEAGE, built_in_run=True)
    why = "its model did not build in this run; never published before, so it is empty"
    assert publication.held_back == {"marts.fct_account_daily": why}


def test_when_every_mart_is_held_back_nothing_is_published(live, tmp_path) -> None:
    target = tmp_path / "published" / "warehouse.duckdb"
    live.execute(_results(("run-1", "audit.something_dbt_does_not_know", "blocking", False)))
    with pytest.raises(NotPublishable, match="every mart is held back"):
        publish(live, target, "run-1", DAY, DAY, lineage=LINEAGE)
    assert not target.exists()


def _rows(target, table: str) -> list[tuple]:
    with duckdb.connect(str(target), read_only=True) as con:
        columns = (
            "table_name, run_id, status, held_back_reason" if table.startswith("audit.publication") else "*"
        )
        return con.execute(f"select {columns} from {table}").fetchall()


def test_a_checked_run_publishes_marts_only_read_only_and_replaces_atomically(live, tmp_path) -> None:
    target = tmp_path / "published" / "warehouse.duckdb"
    live.execute(
        _results(("run-1", "marts.fct_account_daily", "blocking", True), ("run-2", "x", "warning", False))
    )
    publish(live, target, "run-1", DAY, DAY, lineage=LINEAGE)
    reader = duckdb.connect(str(target), read_only=True)  # a BI reader holding the old snapshot
    live.execute("update marts.fct_account_daily set followers = 2")
    publication = publish(live, target, "run-2", DAY, DAY, lineage=LINEAGE)  # warnings still publish
    assert reader.execute("select followers from marts.fct_account_daily").fetchone() == (1,)
    reader.close()
    assert target.stat().st_mode & 0o222 == 0
    assert publication.tables == {
        "marts.fct_account_daily": 1,
        "marts.fct_mentions": 1,
        "audit.check_results": 2,
    }
    assert publication.held_back == {}
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select followers from marts.fct_account_daily").fetchone() == (2,)
        assert con.execute("select distinct run_id, snapshot_run_id from audit.publication").fetchall() == [
            ("run-2", "run-2")
        ]
        schemas = {r[0] for r in con.execute("select schema_name from duckdb_tables()").fetchall()}
    assert schemas == {"marts", "audit"}
    assert not list(target.parent.glob(".*.tmp")), "no temporary file is left behind"


def test_marts_built_while_a_new_load_slipped_in_are_not_published(live, tmp_path) -> None:
    from loading.raw import raw_watermark

    live.execute("create table raw.facebook_pages__page_insights as select now() as _loaded_at")
    live.execute(_results(("run-1", "marts.fct_account_daily", "blocking", True)))
    at_start = raw_watermark(live)
    assert at_start is not None
    live.execute("insert into raw.facebook_pages__page_insights select now() + interval 1 minute")
    target = tmp_path / "published" / "warehouse.duckdb"
    with pytest.raises(NotPublishable, match="loaded again while this run was building"):
        publish(live, target, "run-1", DAY, DAY, at_start, lineage=LINEAGE)
    publish(live, target, "run-1", DAY, DAY, raw_watermark(live), lineage=LINEAGE)


def test_the_snapshot_keeps_the_docs_and_types_bi_drivers_read(live, tmp_path) -> None:
    """dbt's descriptions (persisted as comments) reach the snapshot; 128-bit integers (a DuckDB
    ``sum``) become BIGINT where every value fits and DOUBLE where one does not; a held-back mart
    copied from the previous snapshot keeps its docs too, on the columns it has."""
    big = 2**63 + 5  # does not fit a BIGINT
    live.execute(
        "create or replace table marts.fct_account_daily as select 1 as followers, "
        "cast(12 as hugeint) as views, cast(null as hugeint) as reach, "
        f"cast({big} as hugeint) as impressions"
    )
    live.execute("comment on table marts.fct_account_daily is 'One row per account per day (Lumo''s own).'")
    live.execute("comment on column marts.fct_account_daily.views is 'Views that day.'")
    live.execute("comment on column marts.fct_mentions.mentions is 'Mentions that day.'")
    live.execute(_results(("run-1", "marts.fct_account_daily", "blocking", True)))
    target = tmp_path / "published" / "warehouse.duckdb"
    publish(live, target, "run-1", DAY, DAY, lineage=LINEAGE)

    def published() -> tuple[dict, dict, dict, tuple]:
        with duckdb.connect(str(target), read_only=True) as con:
            types = dict(
                con.execute(
                    "select column_name, data_type from duckdb_columns() "
                    "where table_name = 'fct_account_daily'"
                ).fetchall()
            )
            docs = dict(
                con.execute(
                    "select table_name || '.' || column_name, comment from duckdb_columns() "
                    "where schema_name = 'marts' and comment is not null"
                ).fetchall()
            )
            tables = dict(
                con.execute(
                    "select table_name, comment from duckdb_tables() where schema_name = 'marts'"
                ).fetchall()
            )
            values = con.execute("select views, reach, impressions from marts.fct_account_daily").fetchone()
        return types, docs, tables, values

    types, docs, tables, values = published()
    assert types == {"followers": "INTEGER", "views": "BIGINT", "reach": "BIGINT", "impressions": "DOUBLE"}
    assert values == (12, None, float(big))
    assert docs == {
        "fct_account_daily.views": "Views that day.",
        "fct_mentions.mentions": "Mentions that day.",
    }
    assert tables["fct_account_daily"] == "One row per account per day (Lumo's own)."

    # Held back: the previous snapshot's copy (without a column the live mart gained) keeps its docs.
    live.execute("alter table marts.fct_account_daily add column shares hugeint")
    live.execute("comment on column marts.fct_account_daily.shares is 'Shares that day.'")
    live.execute(_results(("run-2", "raw.facebook_pages__posts", "blocking", False)))
    publish(live, target, "run-2", DAY, DAY, lineage=LINEAGE)
    types, docs, tables, values = published()
    assert "shares" not in types and types["views"] == "BIGINT"
    assert docs["fct_account_daily.views"] == "Views that day."
    assert tables["fct_account_daily"] == "One row per account per day (Lumo's own)."


def test_the_hourly_refresh_replaces_only_its_marts_and_says_which_run_they_come_from(live, tmp_path) -> None:
    """After the daily publish, an hourly run rebuilds the listening marts: the refresh puts
    those in the snapshot (with their docs, in BI's types) and copies every other table as
    published, even where the live warehouse has moved on since."""
    target = tmp_path / "published" / "warehouse.duckdb"
    with pytest.raises(NotPublishable, match="the daily social_transform_publish run publishes the first"):
        refresh(live, target, ["marts.fct_mentions"], "hourly-0", DAY, DAY)
    live.execute(_results(("daily", "marts.fct_account_daily", "blocking", True)))
    publish(live, target, "daily", DAY, DAY, lineage=LINEAGE)
    reader = duckdb.connect(str(target), read_only=True)  # a BI reader holding the daily snapshot
    live.execute("update marts.fct_account_daily set followers = 99")  # not the hourly run's: stays
    live.execute(
        "create or replace table marts.fct_mentions as "
        "select cast(m as hugeint) as mentions from range(10, 13) t(m)"
    )
    live.execute("comment on column marts.fct_mentions.mentions is 'Mentions that hour.'")
    next_day = date(2026, 11, 2)

    publication = refresh(live, target, ["marts.fct_mentions"], "hourly-1", DAY, next_day)

    assert reader.execute("select mentions from marts.fct_mentions").fetchall() == [(10,)]
    reader.close()
    assert publication.tables == {
        "marts.fct_account_daily": 1,
        "marts.fct_mentions": 3,
        "audit.check_results": 1,
    }
    assert target.stat().st_mode & 0o222 == 0 and not list(target.parent.glob(".*.tmp"))
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select followers from marts.fct_account_daily").fetchall() == [(1,)]
        assert con.execute(
            "select sum(mentions), typeof(any_value(mentions)) from marts.fct_mentions"
        ).fetchone() == (33, "BIGINT")
        assert con.execute(
            "select comment from duckdb_columns() where table_name = 'fct_mentions'"
        ).fetchall() == [("Mentions that hour.",)]
        rows = con.execute(
            "select table_name, run_id, data_start, data_end, status, snapshot_run_id "
            "from audit.publication order by 1"
        ).fetchall()
    assert rows == [
        ("audit.check_results", "daily", DAY, DAY, "current", "hourly-1"),
        ("marts.fct_account_daily", "daily", DAY, DAY, "current", "hourly-1"),
        ("marts.fct_mentions", "hourly-1", DAY, next_day, "current", "hourly-1"),
    ]
    with pytest.raises(NotPublishable, match=r"marts\.fct_nothing not in the warehouse"):
        refresh(live, target, ["marts.fct_nothing"], "hourly-2", DAY, DAY)


def test_a_process_sees_a_new_snapshot_once_it_holds_no_connection_to_the_old(live, tmp_path) -> None:
    """What the README tells BI users about pools: DuckDB shares one instance per file within a
    process, so while any connection to the old snapshot stays open, a new connect reads the old
    one; once none is open, the next connect reads the new snapshot."""
    target = tmp_path / "published" / "warehouse.duckdb"
    live.execute(_results(("run-1", "marts.fct_account_daily", "blocking", True)))
    publish(live, target, "run-1", DAY, DAY, lineage=LINEAGE)
    held = duckdb.connect(str(target), read_only=True)  # a pool's idle connection
    live.execute("update marts.fct_account_daily set followers = 2")
    publish(live, target, "run-1", DAY, DAY, lineage=LINEAGE)
    with duckdb.connect(str(target), read_only=True) as again:
        assert again.execute("select followers from marts.fct_account_daily").fetchone() == (1,)
    held.close()
    with duckdb.connect(str(target), read_only=True) as fresh:
        assert fresh.execute("select followers from marts.fct_account_daily").fetchone() == (2,)


def test_the_hourly_refresh_keeps_held_back_marts_adds_new_ones_and_refuses_a_newer_load(
    live, tmp_path
) -> None:
    """A mart the daily run held back stays so (the hourly build does not run the checks that
    held it); a mart the snapshot lacks (new in this version) is added with its row; marts
    built before another load landed are refused."""
    from loading.raw import raw_watermark

    target = tmp_path / "published" / "warehouse.duckdb"
    live.execute("create table raw.facebook_pages__page_insights as select now() as _loaded_at")
    live.execute(_results(("daily", "raw.facebook_pages__posts", "blocking", False)))
    live.execute("create table marts.fct_mentions_before as select 1 as old")  # published once
    publish(live, target, "daily", DAY, DAY, lineage=LINEAGE)  # fct_account_daily held back, empty
    live.execute("create table marts.fct_mention_brands as select 7 as brands")  # new in this version
    at_build = raw_watermark(live)

    publication = refresh(
        live, target, ["marts.fct_account_daily", "marts.fct_mention_brands"], "hourly-1", DAY, DAY, at_build
    )

    assert publication.held_back == {"marts.fct_account_daily": "held back by the daily run"}
    with duckdb.connect(str(target), read_only=True) as con:
        rows = dict(
            con.execute(
                "select table_name, coalesce(run_id, '-') || ':' || status from audit.publication"
            ).fetchall()
        )
        assert con.execute("select count(*) from marts.fct_account_daily").fetchone() == (0,)
        assert con.execute("select brands from marts.fct_mention_brands").fetchall() == [(7,)]
    assert rows["marts.fct_account_daily"].endswith(":held_back")
    assert rows["marts.fct_mention_brands"] == "hourly-1:current"
    assert rows["marts.fct_mentions"] == "daily:current"
    live.execute("insert into raw.facebook_pages__page_insights select now() + interval 1 minute")
    with pytest.raises(NotPublishable, match="loaded again since this run built"):
        refresh(live, target, ["marts.fct_mention_brands"], "hourly-2", DAY, DAY, at_build)
