"""The data checks against a real DuckDB file and real Great Expectations (no mocks).

Every test builds a small warehouse in the raw-table contract of ARCHITECTURE.md plus a
``marts.fct_account_daily`` that passes every check, optionally breaks one thing, and runs the
checks. Each kind of blocking check is proven to fail on its bad row, alone, naming the check, the
table and a sample; warnings are reported without raising. One GX directory is shared per module
(creating a data context and its Data Docs is the slow part) — which also proves that re-runs
against an existing context work.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from core.logs import quiet_noisy_loggers
from expectations.catalog import SUITES
from expectations.mart_suites import FCT_ACCOUNT_DAILY_COLUMNS
from expectations.raw_suites import PAYLOAD_SUFFIX, POSTS
from expectations.runner import CheckReport, ChecksFailed, _read_batch, raise_on_blocking, run_checks
from record.results import AUDIT_TABLE

quiet_noisy_loggers()

START, END = date(2026, 11, 2), date(2026, 11, 4)
DAYS = [START + timedelta(days=i) for i in range((END - START).days + 1)]
ACCOUNTS = ("104729381726354", "187263549910273")
METRICS = ("page_media_view", "page_total_media_view_unique", "page_post_engagements")
PACIFIC = ZoneInfo("America/Los_Angeles")
RAW_COLUMNS = """
    account_id varchar, partition_day date, record json, extracted_at timestamptz,
    extract_run_id varchar, _source_file varchar, _loaded_at timestamptz, _load_run_id varchar
"""
DAY = FCT_ACCOUNT_DAILY_COLUMNS["date_day"]  # the mart's day column, as the dbt model names it
# The tables build_warehouse makes; the suites of every other table are tested elsewhere
# (test_mart_suites.py runs the mart suites on a whole demo warehouse).
HANDMADE_TABLES = {
    "raw.facebook_pages__page_insights",
    "raw.facebook_pages__page_snapshot",
    "raw.facebook_pages__posts",
    "marts.dim_account",
    "marts.fct_account_daily",
    "marts.fct_social_traffic_daily",
}
# Payload-field suites are tested in test_raw_suites.py: here a key deleted from a record (to
# test a null key) would also be a missing field.
CHECKED = [
    name
    for name, spec in SUITES.items()
    if spec.table in HANDMADE_TABLES and not name.endswith(PAYLOAD_SUFFIX)
]
N_CHECKS = sum(len(SUITES[name].checks) + 1 for name in CHECKED)  # + table_exists per suite


def graph_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def end_time(day: date) -> str:
    """Graph's end_time of a daily value: the next Pacific midnight."""
    return graph_time(datetime.combine(day + timedelta(days=1), datetime.min.time(), PACIFIC))


def insight(metric: str, day: date, value: object, account: str = ACCOUNTS[0]) -> dict:
    return {
        "name": metric,
        "period": "day",
        "title": metric,
        "description": metric,
        "values": [{"value": value, "end_time": end_time(day)}],
        "id": f"{account}/insights/{metric}/day",
    }


def post(account: str, n: int, created: datetime, reactions: int = 12) -> dict:
    return {
        "id": f"{account}_{n}",
        "created_time": graph_time(created),
        "message": "hello",
        "permalink_url": f"https://facebook.com/{account}_{n}",
        "status_type": "added_photos",
        "shares": {"count": 4},
        "reactions": {"data": [], "summary": {"total_count": reactions}},
        "comments": {"data": [], "summary": {"total_count": 3}},
        "insights": {
            "data": [
                {"name": "post_media_view", "period": "lifetime", "values": [{"value": 500}]},
                {
                    "name": "post_reactions_by_type_total",
                    "period": "lifetime",
                    "values": [{"value": {"like": 9}}],
                },
            ]
        },
    }


def insert_raw(con: duckdb.DuckDBPyConnection, stream: str, account: str, day: date, record: object) -> None:
    con.execute(
        f"""
        insert into raw.facebook_pages__{stream} values
            ($account, $day, $record, timestamptz '2026-11-05 03:10:00+00', 'extract-1',
             'landing/x/data.jsonl', timestamptz '2026-11-05 03:20:00+00', 'load-1')
        """,
        {"account": account, "day": day, "record": json.dumps(record)},
    )


def build_warehouse(path: Path, metrics: tuple[str, ...] = METRICS) -> duckdb.DuckDBPyConnection:
    """A warehouse whose window passes every check, with one broken row outside the window."""
    con = duckdb.connect(str(path))
    con.execute("create schema raw; create schema marts")
    for stream in ("page_insights", "page_snapshot", "posts"):
        con.execute(f"create table raw.facebook_pages__{stream} ({RAW_COLUMNS})")
    for account in ACCOUNTS:
        for i, day in enumerate(DAYS):
            for metric in metrics:
                insert_raw(con, "page_insights", account, day, insight(metric, day, 100 + i, account))
            created = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=15)
            insert_raw(con, "posts", account, day, post(account, i, created))
        insert_raw(
            con,
            "page_snapshot",
            account,
            END,
            {"id": account, "name": "Lumo", "followers_count": 1200, "fan_count": 1100, "link": "x"},
        )
    # Outside the window and broken: must not be validated.
    insert_raw(
        con,
        "page_insights",
        ACCOUNTS[0],
        START - timedelta(days=1),
        insight("page_media_view", START - timedelta(days=1), -5),
    )
    con.execute(
        """
        create table marts.dim_account as
        select
            'facebook_pages:' || account_id as account_key, 'facebook_pages' as platform, account_id,
            true as is_own, true as is_configured, true as has_data
        from (select unnest($accounts) as account_id)
        """,
        {"accounts": list(ACCOUNTS)},
    )
    con.execute(
        """
        create table marts.fct_account_daily as
        select
            'facebook_pages:' || a.account_id as account_key, 'facebook_pages' as platform, a.account_id,
            d.day as "{DAY}", 1200 as followers, 3 as followers_gained, 1 as followers_lost,
            1 as posts_published, 4 as shares_on_posts_published, 500 as views_on_posts_published,
            40 as engagements, 900 as views, 600 as reach, null::bigint as shares,
            40 / 900 as engagement_rate, 40 / 600 as engagement_rate_by_reach,
            40 / 1200 as engagement_rate_by_followers, 4 / 500 as virality
        from (select unnest($accounts) as account_id) as a
        cross join (select unnest($days)::date as day) as d
        """.replace("{DAY}", DAY),
        {"accounts": list(ACCOUNTS), "days": DAYS},
    )
    con.execute(
        """
        create table marts.fct_social_traffic_daily as
        select '412345678' as property_id, d.day as report_date, n.social_network,
               case n.social_network when 'Facebook' then 'facebook_pages' end as platform,
               'social' as social_category, 120 as sessions, 60 as engaged_sessions,
               100 as total_users, 20 as paid_sessions, 100 as organic_sessions, 2 as key_events,
               300.50::decimal(18, 2) as total_revenue, 0.5 as engagement_rate, 2 / 120 as key_event_rate
        from (select unnest($days)::date as day) as d
        cross join (select unnest(['Facebook', 'Instagram']) as social_network) as n
        """,
        {"days": DAYS},
    )
    return con


def check(
    con: duckdb.DuckDBPyConnection, gx_dir: Path, run_id: str = "run-1", suites: list[str] | None = None
) -> CheckReport:
    return run_checks(con, run_id, START, END, gx_dir, suites or CHECKED, page_insights_metrics=METRICS)


def failed(report: CheckReport) -> set[tuple[str, str, str]]:
    return {(r.table, r.check, r.severity) for r in report.results if not r.success}


@pytest.fixture(scope="module")
def gx_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data") / "gx"


@pytest.fixture
def con(tmp_path: Path):
    connection = build_warehouse(tmp_path / "warehouse.duckdb")
    yield connection
    connection.close()


def test_good_window_passes_and_is_recorded(con: duckdb.DuckDBPyConnection, gx_dir: Path) -> None:
    report = check(con, gx_dir)

    assert failed(report) == set(), report.summary()
    assert len(report.results) == N_CHECKS
    raise_on_blocking(report)  # does not raise
    assert "all" in report.summary() and "passed" in report.summary()
    assert report.data_docs == gx_dir / "uncommitted" / "data_docs" / "local_site" / "index.html"
    assert report.data_docs.is_file()
    docs = "".join(p.read_text() for p in report.data_docs.parent.rglob("*.html"))
    assert all(name in docs for name in CHECKED)
    rows = con.execute(
        f"select suite, check_name, severity, success from {AUDIT_TABLE} where run_id = 'run-1'"
    ).fetchall()
    assert len(rows) == N_CHECKS
    assert len({(suite, name) for suite, name, _, _ in rows}) == N_CHECKS  # one row per check
    assert all(success for *_, success in rows)
    # The suites are stored in the file context, with severity in each expectation's meta.
    stored = json.loads((gx_dir / "expectations" / "marts_fct_account_daily.json").read_text())
    assert {e["meta"]["severity"] for e in stored["expectations"]} == {"blocking", "warning"}


def test_rerun_replaces_the_runs_audit_rows(con: duckdb.DuckDBPyConnection, gx_dir: Path) -> None:
    con.execute(
        "update raw.facebook_pages__posts set record = json_merge_patch(record, '{\"id\": null}')"
        " where record->>'id' = $id",
        {"id": f"{ACCOUNTS[0]}_0"},
    )
    check(con, gx_dir, "run-a")
    check(con, gx_dir, "run-b")
    con.execute("delete from raw.facebook_pages__posts where record->>'id' is null")
    check(con, gx_dir, "run-a")  # same run id, data fixed

    counts = dict(con.execute(f"select run_id, count(*) from {AUDIT_TABLE} group by run_id").fetchall())
    assert counts == {"run-a": N_CHECKS, "run-b": N_CHECKS}
    still_failing = con.execute(
        f"select run_id, check_name from {AUDIT_TABLE} where not success order by run_id"
    ).fetchall()
    assert still_failing == [("run-b", "post_id_not_null")]


POST = f"{ACCOUNTS[0]}_1"  # published on DAYS[1]
AGAIN = "landing/y/data.jsonl"

BLOCKING_CASES = {
    # name: (SQL that breaks the window, table, failing check, text of the sample (or message))
    # A key from a second landed file (a file loaded twice, or under another partition).
    "post landed twice": (
        f"insert into raw.facebook_pages__posts select * replace ('{AGAIN}' as _source_file) "
        f"from raw.facebook_pages__posts where record->>'id' = '{POST}'",
        "raw.facebook_pages__posts",
        "post_id_landed_once",
        POST,
    ),
    "insight landed twice": (
        f"insert into raw.facebook_pages__page_insights select * replace ('{AGAIN}' as _source_file) "
        "from raw.facebook_pages__page_insights "
        f"where record->>'name' = 'page_media_view' and partition_day = '{DAYS[2]}' limit 1",
        "raw.facebook_pages__page_insights",
        "account_id__metric_name__period__partition_day_landed_once",
        f'"partition_day": "{DAYS[2]}"',
    ),
    "snapshot landed twice": (
        f"insert into raw.facebook_pages__page_snapshot select * replace ('{AGAIN}' as _source_file) "
        f"from raw.facebook_pages__page_snapshot where account_id = '{ACCOUNTS[0]}'",
        "raw.facebook_pages__page_snapshot",
        "account_id__partition_day_landed_once",
        ACCOUNTS[0],
    ),
    "null post id": (
        f"update raw.facebook_pages__posts set record = json_merge_patch(record, '{{\"id\": null}}') "
        f"where record->>'id' = '{POST}'",
        "raw.facebook_pages__posts",
        "post_id_not_null",
        '"post_id": null',
    ),
    "null metric name": (
        "update raw.facebook_pages__page_insights set record = json_merge_patch(record, '{\"name\": null}') "
        f"where record->>'name' = 'page_post_engagements' and partition_day = '{DAYS[1]}' "
        f"and account_id = '{ACCOUNTS[1]}'",
        "raw.facebook_pages__page_insights",
        "metric_name_not_null",
        ACCOUNTS[1],
    ),
    "null extracted_at": (
        f"update raw.facebook_pages__posts set extracted_at = null where record->>'id' = '{POST}'",
        "raw.facebook_pages__posts",
        "extracted_at_not_null",
        POST,
    ),
    "negative reactions": (
        "update raw.facebook_pages__posts set record = json_merge_patch(record, "
        f"""'{{"reactions": {{"summary": {{"total_count": -7}}}}}}') where record->>'id' = '{POST}'""",
        "raw.facebook_pages__posts",
        "reactions_non_negative",
        '"reactions": -7',
    ),
    "negative post insight": (
        "update raw.facebook_pages__posts set record = json_merge_patch(record, "
        """'{"insights": {"data": [{"name": "post_media_view", "values": [{"value": -2}]}]}}') """
        f"where record->>'id' = '{POST}'",
        "raw.facebook_pages__posts",
        "min_insight_value_non_negative",
        '"min_insight_value": -2',
    ),
    "negative metric value": (
        "update raw.facebook_pages__page_insights set record = json_merge_patch(record, "
        f"""'{{"values": [{{"value": -3, "end_time": "{end_time(DAYS[1])}"}}]}}') """
        f"where record->>'name' = 'page_media_view' and partition_day = '{DAYS[1]}' "
        f"and account_id = '{ACCOUNTS[0]}'",
        "raw.facebook_pages__page_insights",
        "metric_value_non_negative",
        '"metric_value": -3',
    ),
    "negative followers": (
        "update raw.facebook_pages__page_snapshot set record = json_merge_patch(record, "
        f"""'{{"followers_count": -5}}') where account_id = '{ACCOUNTS[1]}'""",
        "raw.facebook_pages__page_snapshot",
        "followers_count_non_negative",
        '"followers_count": -5',
    ),
    "post filed outside its day": (  # created before the window, filed under a day inside it
        "update raw.facebook_pages__posts set record = json_merge_patch(record, "
        f"""'{{"created_time": "2026-10-30T10:00:00+0000"}}') where record->>'id' = '{POST}'""",
        "raw.facebook_pages__posts",
        "created_day_matches_partition_day",
        '"created_day": "2026-10-30"',
    ),
    "insight filed outside its day": (
        "update raw.facebook_pages__page_insights set record = json_merge_patch(record, "
        f"""'{{"values": [{{"value": 1, "end_time": "{end_time(END + timedelta(days=3))}"}}]}}') """
        f"where record->>'name' = 'page_media_view' and partition_day = '{END}' "
        f"and account_id = '{ACCOUNTS[0]}'",
        "raw.facebook_pages__page_insights",
        "value_day_matches_partition_day",
        f'"value_day": "{END + timedelta(days=3)}"',
    ),
    "missing mart": (
        "drop table marts.fct_social_traffic_daily",
        "marts.fct_social_traffic_daily",
        "table_exists",
        "marts.fct_social_traffic_daily does not exist",
    ),
    "mart column renamed": (
        "alter table marts.fct_account_daily rename column followers to follower_count",
        "marts.fct_account_daily",
        "table_exists",
        "has no column followers",
    ),
}


@pytest.mark.parametrize("case", BLOCKING_CASES)
def test_each_blocking_check_fails_alone(con: duckdb.DuckDBPyConnection, gx_dir: Path, case: str) -> None:
    breakage, table, check_name, expected_text = BLOCKING_CASES[case]
    con.execute(breakage)

    report = check(con, gx_dir)

    assert failed(report) == {(table, check_name, "blocking")}, report.summary()
    (result,) = report.blocking_failures
    assert result.unexpected_count is None or result.unexpected_count >= 1
    if result.check == "table_exists":  # checked by the runner: the message is in `observed`
        assert result.sample is None and expected_text in (result.observed or "")
    else:
        assert result.sample is not None and expected_text in result.sample, result.sample
        assert len(json.loads(result.sample)) <= 5
    with pytest.raises(ChecksFailed) as raised:
        raise_on_blocking(report)
    message = str(raised.value)
    assert check_name in message and table in message and "BLOCKING" in message
    assert expected_text in message
    assert raised.value.report is report
    recorded = con.execute(
        f"select table_name, check_name, severity, sample_unexpected from {AUDIT_TABLE} "
        "where run_id = 'run-1' and not success"
    ).fetchall()
    assert recorded == [(table, check_name, "blocking", result.sample)]


WARNING_CASES = {
    "unknown metric name": (
        "update raw.facebook_pages__page_insights set record = json_merge_patch(record, "
        f"""'{{"name": "page_impressions"}}') where record->>'name' = 'page_media_view' """
        f"and partition_day = '{DAYS[0]}' and account_id = '{ACCOUNTS[0]}'",
        "raw.facebook_pages__page_insights",
        "metric_name_expected",
        "page_impressions",
    ),
}


@pytest.mark.parametrize("case", WARNING_CASES)
def test_warnings_are_reported_but_do_not_raise(
    con: duckdb.DuckDBPyConnection, gx_dir: Path, case: str
) -> None:
    breakage, table, check_name, sample_text = WARNING_CASES[case]
    con.execute(breakage)

    report = check(con, gx_dir)

    assert failed(report) == {(table, check_name, "warning")}, report.summary()
    assert report.blocking_failures == []
    assert sample_text in (report.warnings[0].sample or "")
    raise_on_blocking(report)  # warnings never raise
    assert "WARNING" in report.summary() and check_name in report.summary()


def test_empty_window_passes_but_a_window_with_raw_data_needs_mart_rows(
    con: duckdb.DuckDBPyConnection, gx_dir: Path
) -> None:
    empty = run_checks(
        con, "run-empty", date(2025, 1, 1), date(2025, 1, 2), gx_dir, CHECKED, page_insights_metrics=METRICS
    )
    assert failed(empty) == set(), empty.summary()

    con.execute("delete from marts.fct_account_daily")
    report = check(con, gx_dir)
    assert failed(report) == {("marts.fct_account_daily", "has_rows", "blocking")}, report.summary()
    with pytest.raises(ChecksFailed, match="has_rows"):
        raise_on_blocking(report)


@pytest.mark.parametrize(
    ("spec", "column", "guard"),
    [
        (POSTS, "partition_day", "partition_day_not_in_future"),
    ],
)
def test_window_guards_fail_on_rows_outside_the_window(
    con: duckdb.DuckDBPyConnection, spec, column: str, guard: str
) -> None:
    """The batch query selects by these columns, so break the batch itself to prove the guard."""
    import great_expectations as gx

    frame = _read_batch(
        con, spec, {"start": START, "end": END, "latest_day": END, "history_start": START, "min_baseline": 5}
    )
    frame.loc[0, column] = END + timedelta(days=1)
    context = gx.get_context(mode="ephemeral")
    batch = (
        context.data_sources.add_pandas("frames")
        .add_dataframe_asset(spec.name)
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    expectations = [copy.deepcopy(c.expectation) for c in spec.checks]
    suite = gx.ExpectationSuite(name=spec.name, expectations=expectations)
    result = batch.validate(
        suite,
        expectation_parameters={
            "page_insights_metrics": list(METRICS),
            "min_mart_rows": 1,
            "latest_day": END.isoformat(),
            "volume_min_ratio": 0.1,
            "volume_max_ratio": 10.0,
        },
    )
    failing = {r.expectation_config.meta["check"] for r in result.results if not r.success}
    assert guard in failing


def test_changed_stored_suite_is_put_back(con: duckdb.DuckDBPyConnection, gx_dir: Path) -> None:
    """Suites are code: a stored suite that differs (edited by hand, older release) is rewritten."""
    check(con, gx_dir, suites=[POSTS.name])
    stored_path = gx_dir / "expectations" / f"{POSTS.name}.json"
    stored = json.loads(stored_path.read_text())
    ids = [e["id"] for e in stored["expectations"]]
    stored["expectations"][0]["kwargs"]["column"] = "not_a_column"
    stored_path.write_text(json.dumps(stored))

    report = check(con, gx_dir, suites=[POSTS.name])

    assert failed(report) == set(), report.summary()
    restored = json.loads(stored_path.read_text())
    assert restored["expectations"][0]["kwargs"]["column"] == POSTS.checks[0].columns[0]
    assert [e["id"] for e in restored["expectations"]][1:] == ids[1:]  # unchanged ones keep their ids


def test_cli_exits_1_on_blocking_failures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from core.config import load_config
    from expectations.__main__ import main

    metrics = load_config().sources.facebook_pages.page_insights_metrics
    con = build_warehouse(tmp_path / "warehouse.duckdb", metrics)
    con.execute("drop table raw.facebook_pages__posts")
    con.close()
    monkeypatch.setenv("WAREHOUSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("WAREHOUSE_DUCKDB_PATH", raising=False)

    status = main(["--start", str(START), "--end", str(END), "--run-id", "cli-1"])

    out, err = capsys.readouterr()
    assert status == 1, out + err
    assert "BLOCKING raw.facebook_pages__posts table_exists" in out
    assert f"Data Docs: {tmp_path / 'gx' / 'uncommitted' / 'data_docs' / 'local_site' / 'index.html'}" in out
    assert "Calculating Metrics" not in out + err  # GX progress bars are off
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as check_con:
        rows = check_con.execute(f"select count(*) from {AUDIT_TABLE} where run_id = 'cli-1'").fetchone()
    # Every suite ran: a suite whose table is missing records only its failed table_exists.
    missing = {POSTS.table} | {spec.table for spec in SUITES.values()} - HANDMADE_TABLES
    expected = sum(1 if spec.table in missing else len(spec.checks) + 1 for spec in SUITES.values())
    assert rows is not None and rows[0] == expected


def test_cli_without_a_warehouse_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from expectations.__main__ import main

    monkeypatch.setenv("WAREHOUSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("WAREHOUSE_DUCKDB_PATH", raising=False)

    assert main(["--start", str(START), "--end", str(END)]) == 2
    assert "no warehouse at" in capsys.readouterr().err
