"""The raw stream suites against the whole demo warehouse (real DuckDB, real Great Expectations).

Every raw stream table has a row suite and a payload-field suite, and every raw suite passes on
the clean warehouse. Each test copies the warehouse, breaks one thing with SQL, runs only the
suite under test and checks the failing check's name, severity, table and sample. One GX
directory is shared by the module.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from core.config import VolumeChecks
from expectations.catalog import RAW_SUITES, SUITES
from expectations.raw_suites import (
    PAYLOAD_SUFFIX,
    PAYLOAD_SUITES,
    ROW_SUITES,
    VOLUME_STREAMS,
    VOLUME_SUFFIX,
    VOLUME_SUITES,
)
from expectations.runner import CheckReport, _read_batch, batch_parameters, run_checks
from loading.raw import ensure_raw_tables
from record.results import CheckResult
from tests.conftest import DEMO_TODAY


@pytest.fixture(scope="module")
def gx_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("raw_suites") / "gx"


@pytest.fixture
def con(full_warehouse: Any, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A private copy of the full demo warehouse, to break."""
    connection = duckdb.connect(str(full_warehouse.copy(tmp_path)))
    yield connection
    connection.close()


@pytest.fixture
def window(full_warehouse: Any) -> tuple[date, date]:
    return full_warehouse.check_window


def check(
    con: duckdb.DuckDBPyConnection, gx_dir: Path, window: tuple[date, date], suites: list[str]
) -> CheckReport:
    return run_checks(con, "raw-test", *window, gx_dir, suites, today=DEMO_TODAY)


def failures(report: CheckReport) -> set[tuple[str, str, str]]:
    return {(r.table, r.check, r.severity) for r in report.results if not r.success}


def failed_check(report: CheckReport, name: str) -> CheckResult:
    (result,) = [r for r in report.results if r.check == name and not r.success]
    return result


def test_every_raw_stream_table_has_a_row_and_a_payload_field_suite() -> None:
    con = duckdb.connect()
    con.execute("create schema raw")
    ensure_raw_tables(con)
    streams = {
        f"raw.{name}"
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
        if not name.startswith("company__")
    }
    assert len(streams) == 29
    assert {spec.table for spec in ROW_SUITES} == streams
    assert {spec.table for spec in PAYLOAD_SUITES} == streams
    assert len(ROW_SUITES) == len(PAYLOAD_SUITES) == 29  # one of each per table
    assert all(SUITES[spec.name] is spec for spec in RAW_SUITES)


def test_every_raw_suite_passes_on_the_clean_full_warehouse(
    con: duckdb.DuckDBPyConnection, gx_dir: Path, window: tuple[date, date]
) -> None:
    began = time.monotonic()
    report = check(con, gx_dir, window, [spec.name for spec in RAW_SUITES])
    elapsed = time.monotonic() - began

    assert failures(report) == set(), report.summary()
    assert len(report.results) == sum(len(spec.checks) + 1 for spec in RAW_SUITES)
    # The volume checks of the day streams judged real days (a ratio against a baseline).
    parameters = batch_parameters(con, *window, VolumeChecks(history_days=28, min_baseline=5), DEMO_TODAY)
    for table, partitioned_by in VOLUME_STREAMS.items():
        if partitioned_by == "day":
            batch = _read_batch(con, SUITES[f"raw_{table}{VOLUME_SUFFIX}"], parameters)
            assert batch["ratio"].notna().sum() >= 5, (table, batch)
    print(f"all {len(RAW_SUITES)} raw suites in {elapsed:.1f} s")


# ---------------------------------------------------------------------------------------------
# Breakages. Each takes the connection and the check window, breaks one thing, and returns the
# text the failing check's sample must contain (the bad row's key, value or field).


def last_day(window: tuple[date, date]) -> date:
    return window[1]


def one_record_id(con: duckdb.DuckDBPyConnection, table: str, day: date, field: str = "id") -> str:
    row = con.execute(
        f"select record->>'{field}' from raw.{table} where partition_day = $day order by 1 limit 1",
        {"day": day},
    ).fetchone()
    assert row is not None, f"no {table} rows on {day} in the demo warehouse"
    return str(row[0])


def tweet_landed_twice(con: duckdb.DuckDBPyConnection, window: tuple[date, date]) -> str:
    """A tweet also read from a second landed file (a loader that read one file twice, or one
    filed under another partition): staging could keep either copy."""
    tweet = one_record_id(con, "x__tweets", last_day(window))
    con.execute(
        """insert into raw.x__tweets select * replace (_source_file || '.copy' as _source_file)
        from raw.x__tweets where record->>'id' = $id""",
        {"id": tweet},
    )
    return tweet


def negative_views(con: duckdb.DuckDBPyConnection, window: tuple[date, date]) -> str:
    con.execute(
        """update raw.youtube__channel_daily set record = json_merge_patch(record, '{"views": -3}')
        where partition_day = $day""",
        {"day": window[0]},
    )
    return '"views": -3'


def future_partition(con: duckdb.DuckDBPyConnection, window: tuple[date, date]) -> str:
    """A snapshot filed after the latest possible day (today + 1): outside any window."""
    future = DEMO_TODAY + timedelta(days=5)
    con.execute(
        """insert into raw.x__user select * replace (cast($future as date) as partition_day)
        from raw.x__user where partition_day = $day limit 1""",
        {"future": future, "day": last_day(window)},
    )
    return f'"partition_day": "{future}"'


def mention_filed_on_another_day(con: duckdb.DuckDBPyConnection, window: tuple[date, date]) -> str:
    """A mention whose created_at is two days before the partition it is filed under."""
    day = last_day(window)
    tweet = one_record_id(con, "x__mentions", day)
    con.execute(
        "update raw.x__mentions set record = json_merge_patch(record, json_object('created_at', $at)) "
        "where record->>'id' = $id",
        {"at": f"{day - timedelta(days=2)}T12:00:00.000Z", "id": tweet},
    )
    return tweet


def new_payload_field(con: duckdb.DuckDBPyConnection, window: tuple[date, date]) -> str:
    tweet = one_record_id(con, "x__tweets", last_day(window))
    con.execute(
        """update raw.x__tweets set record = json_merge_patch(record, '{"note_tweet": {"text": "long"}}')
        where record->>'id' = $id""",
        {"id": tweet},
    )
    return '"field": "note_tweet"'


def missing_required_field(con: duckdb.DuckDBPyConnection, window: tuple[date, date]) -> str:
    """One tweet's counters without impression_count (a nested field the models read)."""
    tweet = one_record_id(con, "x__tweet_metrics", last_day(window))
    con.execute(
        "update raw.x__tweet_metrics set record = json_merge_patch(record, "
        """'{"public_metrics": {"impression_count": null}}') where record->>'id' = $id""",
        {"id": tweet},
    )
    return '"field": "public_metrics.impression_count"'


def volume_drop(con: duckdb.DuckDBPyConnection, window: tuple[date, date]) -> str:
    """Delete 90 % of one day's page insights (a day's metric list is the same size every day)."""
    day = window[0] + timedelta(days=3)
    row = con.execute(
        "select count(*) from raw.facebook_pages__page_insights where partition_day = $day", {"day": day}
    ).fetchone()
    assert row is not None and row[0] >= 10
    con.execute(
        """delete from raw.facebook_pages__page_insights where rowid in (
            select rowid from raw.facebook_pages__page_insights where partition_day = $day
            order by rowid offset $keep)""",
        {"day": day, "keep": row[0] // 10},
    )
    return f'"day": "{day}"'


def stream_stopped(con: duckdb.DuckDBPyConnection, window: tuple[date, date]) -> str:
    """The window's last day of GA4 traffic never landed while every other stream did."""
    con.execute(
        "delete from raw.google_analytics__traffic where partition_day = $day", {"day": last_day(window)}
    )
    return f'"day": "{last_day(window)}", "rows": 0'


CASES: dict[str, tuple[Callable[..., str], str, str, str]] = {
    # name: (breakage, suite, failing check, severity)
    "key from two landed files": (tweet_landed_twice, "raw_x__tweets", "tweet_id_landed_once", "blocking"),
    "negative count": (negative_views, "raw_youtube__channel_daily", "views_non_negative", "blocking"),
    "partition in the future": (
        future_partition,
        "raw_x__user",
        "partition_day_not_in_future",
        "blocking",
    ),
    "record filed under another day": (
        mention_filed_on_another_day,
        "raw_x__mentions",
        "created_day_matches_partition_day",
        "blocking",
    ),
    "new payload field": (
        new_payload_field,
        f"raw_x__tweets{PAYLOAD_SUFFIX}",
        "payload_field_known",
        "warning",
    ),
    "missing required field": (
        missing_required_field,
        f"raw_x__tweet_metrics{PAYLOAD_SUFFIX}",
        "required_field_present",
        "warning",
    ),
    "volume drop": (
        volume_drop,
        f"raw_facebook_pages__page_insights{VOLUME_SUFFIX}",
        "day_rows_within_usual_volume",
        "warning",
    ),
    "stream stopped": (
        stream_stopped,
        f"raw_google_analytics__traffic{VOLUME_SUFFIX}",
        "day_rows_within_usual_volume",
        "warning",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_each_breakage_fails_its_check(
    con: duckdb.DuckDBPyConnection, gx_dir: Path, window: tuple[date, date], case: str
) -> None:
    breakage, suite, check_name, severity = CASES[case]
    table = SUITES[suite].table
    clean = check(con, gx_dir, window, [suite])
    assert failures(clean) == set(), clean.summary()

    expected_text = breakage(con, window)
    report = check(con, gx_dir, window, [suite])

    assert failures(report) == {(table, check_name, severity)}, report.summary()
    result = failed_check(report, check_name)
    assert result.sample is not None and expected_text in result.sample, result.sample
    assert len(json.loads(result.sample)) <= 5
    assert (severity == "blocking") == bool(report.blocking_failures)


def test_a_late_runs_snapshot_day_is_not_judged_as_an_empty_day_of_the_day_streams(
    con: duckdb.DuckDBPyConnection, gx_dir: Path, window: tuple[date, date]
) -> None:
    """A run later than its day (the scheduler catching up before the next 10:00 UTC) files its
    snapshot readings under yesterday, the day after the last day it read, and the check window
    ends there. The day streams have no rows for that day yet, and no volume check judges it; a
    day stream that stopped landing on the last day read is still flagged."""
    late = (window[0], last_day(window) + timedelta(days=1))
    con.execute(
        "insert into raw.x__user select * replace (partition_day + 1 as partition_day) "
        "from raw.x__user where partition_day = $day",
        {"day": last_day(window)},
    )
    volume = [spec.name for spec in VOLUME_SUITES]
    report = check(con, gx_dir, late, volume)
    assert failures(report) == set(), report.summary()

    stream_stopped(con, window)
    report = check(con, gx_dir, late, volume)
    assert failures(report) == {
        ("raw.google_analytics__traffic", "day_rows_within_usual_volume", "warning")
    }, report.summary()


def test_a_key_the_api_sent_twice_in_one_file_is_no_failure(
    con: duckdb.DuckDBPyConnection, gx_dir: Path, window: tuple[date, date]
) -> None:
    """The same tweet twice in one landed file (a page of results shifted by a new post): staging
    keeps one, so no published number changes and no raw check fails."""
    tweet = one_record_id(con, "x__tweets", last_day(window))
    con.execute(
        "insert into raw.x__tweets select * from raw.x__tweets where record->>'id' = $id", {"id": tweet}
    )
    report = check(con, gx_dir, window, ["raw_x__tweets"])
    assert failures(report) == set(), report.summary()


def test_a_record_filed_under_another_day_is_caught_in_every_dated_stream(
    con: duckdb.DuckDBPyConnection, gx_dir: Path, window: tuple[date, date]
) -> None:
    """Move each stream's partition a day on (records keep their own day): every stream whose
    partition is the record's own day fails its `*_matches_partition_day` check."""
    dated = [
        spec for spec in ROW_SUITES if any(c.name.endswith("_matches_partition_day") for c in spec.checks)
    ]
    assert len(dated) >= 17
    day_before = last_day(window) - timedelta(days=1)
    moved = set()
    for spec in dated:
        count = con.execute(
            f"select count(*) from {spec.table} where partition_day = $day", {"day": day_before}
        ).fetchone()
        if count and count[0]:
            moved.add(spec.table)
        con.execute(
            f"update {spec.table} set partition_day = partition_day + 1 where partition_day = $day",
            {"day": day_before},
        )

    report = check(con, gx_dir, window, [spec.name for spec in dated])

    failing = {(r.table, r.check, r.severity) for r in report.results if not r.success}
    expected = {
        (spec.table, c.name, "blocking")
        for spec in dated
        for c in spec.checks
        if c.name.endswith("_matches_partition_day") and spec.table in moved
    }
    assert len(moved) >= 12
    # Streams keyed by (account, day) now hold two rows for the day: their key check fails too.
    assert expected <= failing, report.summary()
    other = {name for _, name, _ in failing if not name.endswith(("_matches_partition_day", "_landed_once"))}
    assert other == set(), report.summary()
