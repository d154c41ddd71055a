"""The whole pipeline through real Airflow (`airflow dags test`) against the demo server.

One range run of 90 days through both DAGs, the way `make demo` runs it, then the warehouse is
compared with the demo generator's ground truth, the published snapshot is inspected, and a run
whose checks fail is shown to leave the published snapshot untouched.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import requests
import yaml

from core.settings import PROJECT_ROOT
from demo.connections import demo_connections
from demo.generator import facebook_pages as truth
from demo.generator import google_analytics, instagram, linkedin, x, youtube
from demo.run import (
    PIPELINE_DAGS,
    AirflowDatabase,
    DagRunFailed,
    alert_connections,
    isolated_airflow,
    run_dag,
    smtp_catcher,
)
from demo.server import DemoServer
from demo.state import DEMO_REDDIT_CLIENT_SECRET, DEMO_TOKENS
from demo.story import STORY_TODAY
from expectations.catalog import SUITES
from extractors.core import Window
from extractors.facebook_pages import PACIFIC
from tests.conftest import posts_on_pacific_days
from tests.snapshot_reader import reading
from warehouse.orchestration import EXTRACT_SOURCES, LISTENING_MODELS

pytestmark = pytest.mark.e2e

# The demo's pinned today, for the demo server and for the pipeline's clock (WAREHOUSE_TODAY: the
# day snapshots are filed under, how far LinkedIn's and YouTube's lagging statistics reach, X's
# search window), so the run is the same whatever the real date.
DEMO_TODAY = STORY_TODAY

START, END = DEMO_TODAY - timedelta(days=90), DEMO_TODAY - timedelta(days=1)
POST_LOOKBACK_DAYS = 28  # every platform's post look-back in config/company.yml
TRUTH = {"instagram": instagram, "x": x, "linkedin": linkedin, "youtube": youtube}
PLATFORMS = ("facebook_pages", *TRUTH)


class Pipeline:
    def __init__(self, root: Path, env: dict[str, str], log: Path):
        self.root, self.env, self.log = root, env, log

    @property
    def data(self) -> Path:
        return self.root / "data"

    def run(self, dag_id: str) -> None:
        with self.log.open("a") as output:
            run_dag(dag_id, START, END, self.env, output)

    def live(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.data / "warehouse.duckdb"), read_only=True)

    def published(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.data / "published" / "warehouse.duckdb"), read_only=True)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> Iterator[Pipeline]:
    root = tmp_path_factory.mktemp("e2e")
    log = root / "airflow-output.log"
    with DemoServer(today=DEMO_TODAY, chaos_rate=0.05, chaos_seed=11) as server:
        with log.open("w") as output:
            env = isolated_airflow(root, output) | demo_connections(server.url)
        env["WAREHOUSE_TODAY"] = DEMO_TODAY.isoformat()
        pipeline = Pipeline(root, env, log)
        for dag_id in PIPELINE_DAGS:
            pipeline.run(dag_id)
        pipeline.requests = server.requests()
        pipeline.server_url = server.url
        yield pipeline  # the server stays up for the tests that run the DAGs again


def test_the_demo_server_threw_faults_and_the_run_recovered(pipeline) -> None:
    statuses = [r["status"] for r in pipeline.requests]
    assert any(s >= 400 for s in statuses), "chaos mode should have throttled or failed some calls"
    assert "retrying" in pipeline.log.read_text()


def _truth_daily(platform: str, account: str) -> list[dict]:
    """The generator's account days in the warehouse's column names (Facebook names its own)."""
    if platform != "facebook_pages":
        return TRUTH[platform].account_daily(account, START, END, as_of=DEMO_TODAY)
    return [
        {
            "date": day["date"],
            "followers": day["followers"],
            "followers_gained": day["follows"],
            "followers_lost": day["unfollows"],
            "engagements": day["post_engagements"],
            "views": day["views"],
            "reach": day["reach"],
            "shares": None,
            "posts_published": day["posts_published"],
        }
        for day in truth.account_daily(account, START, END, as_of=DEMO_TODAY)
    ]


def _truth_posts(platform: str, account: str) -> list[dict]:
    """The generator's posts of the extracted window (run plus look-back), in conformed names."""
    window = Window(START - timedelta(days=POST_LOOKBACK_DAYS), END)
    if platform != "facebook_pages":
        return TRUTH[platform].posts(account, window.start, window.end, as_of=DEMO_TODAY)
    return [
        {
            **post,
            "quotes": None,
            "saves": None,
            "engagements": post["reactions"] + post["comments"] + post["shares"] + post["clicks"],
        }
        for post in posts_on_pacific_days(account, window, DEMO_TODAY)
    ]


def _accounts() -> list[tuple[str, str]]:
    return [(platform, a["account_id"]) for platform in PLATFORMS for a in _truth_accounts(platform)]


def _truth_accounts(platform: str) -> list[dict]:
    """The own accounts (competitors' public numbers are held to truth in the benchmark tests)."""
    accounts = truth.accounts() if platform == "facebook_pages" else TRUTH[platform].accounts()
    return [a for a in accounts if a.get("is_own", True)]


DAILY_COLUMNS = (
    "followers_gained",
    "followers_lost",
    "engagements",
    "views",
    "reach",
    "shares",
    "posts_published",
)


@pytest.mark.parametrize(("platform", "account"), _accounts())
def test_account_daily_equals_the_generator_truth(pipeline, platform: str, account: str) -> None:
    with pipeline.live() as con:
        got = {
            row[0]: dict(zip(("followers", *DAILY_COLUMNS), row[1:], strict=True))
            for row in con.execute(
                f"""
                select metric_date, followers, {", ".join(DAILY_COLUMNS)}
                from marts.fct_account_daily
                where platform = ? and account_id = ? and metric_date between ? and ?
                """,
                [platform, account, START, END],
            ).fetchall()
        }
    expected = _truth_daily(platform, account)
    assert sorted(got) == [day["date"] for day in expected], "one row per day of the run, no gaps"
    for day in expected:
        row = got[day["date"]]
        assert {c: row[c] for c in DAILY_COLUMNS} == {c: day[c] for c in DAILY_COLUMNS}, day["date"]
        # Followers: every day where the platform reports a daily total (Facebook), else the
        # snapshot day; a day without a reading is null, never a guess.
        if platform == "facebook_pages" or day["date"] == END:
            assert row["followers"] == day["followers"], day["date"]
        else:
            assert row["followers"] in (None, day["followers"]), day["date"]


@pytest.mark.parametrize(("platform", "account"), _accounts())
def test_monthly_followers_engagements_and_rate_equal_truth(pipeline, platform: str, account: str) -> None:
    """Months wholly inside the run (the first month also holds look-back days): ratio of sums."""
    days = _truth_daily(platform, account)
    months = sorted({d["date"].replace(day=1) for d in days if d["date"].replace(day=1) > START})
    with pipeline.live() as con:
        got = {
            row[0]: row[1:]
            for row in con.execute(
                """
                select month_start, followers_end, engagements, views, engagement_rate, posts_published
                from marts.fct_account_monthly
                where platform = ? and account_id = ?
                """,
                [platform, account],
            ).fetchall()
        }
    for month in months:
        in_month = [d for d in days if d["date"].replace(day=1) == month]
        engagements = _sum(d["engagements"] for d in in_month)
        views = _sum(d["views"] for d in in_month)
        last = in_month[-1]
        followers = last["followers"] if platform == "facebook_pages" or last["date"] == END else None
        followers_end, got_engagements, got_views, rate, posts = got[month]
        assert (followers_end, got_engagements, got_views, posts) == (
            followers,
            engagements,
            views,
            sum(d["posts_published"] for d in in_month),
        ), month
        expected_rate = engagements / views if engagements is not None and views else None
        assert rate == pytest.approx(expected_rate, rel=1e-12), month


def _sum(values) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


POST_COLUMNS = (
    "post_format",
    "views",
    "reach",
    "reactions",
    "comments",
    "shares",
    "quotes",
    "saves",
    "clicks",
    "engagements",
)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_post_performance_equals_truth_and_lifetime_metrics_are_not_summed(pipeline, platform: str) -> None:
    with pipeline.live() as con:
        got = {
            row[0]: row[1:]
            for row in con.execute(
                f"""
                select p.post_id, p.created_date, {", ".join("f." + c for c in POST_COLUMNS)}
                from marts.fct_post_performance f join marts.dim_post p using (post_key)
                join marts.dim_account a on a.account_key = p.account_key
                where f.platform = ? and a.is_own
                """,
                [platform],
            ).fetchall()
        }
    expected = {}
    for account in [a["account_id"] for a in _truth_accounts(platform)]:
        for post in _truth_posts(platform, account):
            created = post.get("created_date") or post["created_time"].astimezone(PACIFIC).date()
            expected[post["id"]] = (created, *(post.get(c) for c in POST_COLUMNS))
    if platform == "facebook_pages":  # the Facebook truth has no conformed format
        got = {k: (v[0], *v[2:]) for k, v in got.items()}
        expected = {k: (v[0], *v[2:]) for k, v in expected.items()}
    assert got, "the platform's posts reached the marts"
    assert got == expected


def test_the_published_snapshot_is_read_only_checked_and_complete(pipeline) -> None:
    published = pipeline.data / "published" / "warehouse.duckdb"
    assert not os.access(published, os.W_OK) or os.geteuid() == 0
    assert published.stat().st_mode & 0o222 == 0, "the snapshot file is read-only"
    with pipeline.published() as con:
        tables = {
            r[0]
            for r in con.execute("select schema_name || '.' || table_name from duckdb_tables()").fetchall()
        }
        assert {
            "marts.fct_account_daily",
            "marts.fct_post_performance",
            "marts.dim_post",
            "marts.dim_account",
            "marts.fct_account_monthly",
            "marts.fct_social_traffic_daily",
            "marts.fct_new_traffic_sources",
            "marts.fct_campaign_performance",
            "marts.fct_mentions",
            "marts.fct_share_of_voice_daily",
            "marts.fct_share_of_voice_monthly",
            "marts.fct_competitor_benchmark_monthly",
        } <= tables
        # What BI tools read: every table and column described (dbt's docs), no 128-bit integer.
        described = con.execute(
            "select bool_and(coalesce(comment, '') <> ''), list(distinct data_type) "
            "from duckdb_columns() where schema_name = 'marts'"
        ).fetchone()
        assert described[0], "a published mart column has no description"
        assert not {"HUGEINT", "UHUGEINT"} & set(described[1]), described[1]
        untitled = con.execute(
            "select list(table_name) from duckdb_tables() "
            "where schema_name = 'marts' and coalesce(comment, '') = ''"
        ).fetchone()[0]
        assert not untitled, untitled
        assert not any(t.startswith(("raw.", "staging.")) for t in tables), "BI sees only checked marts"
        run_id, start, end = con.execute(
            "select run_id, data_start, data_end from audit.publication"
        ).fetchone()
        results = con.execute(
            "select count(*), count(*) filter (where not success and severity = 'blocking') "
            "from audit.check_results where run_id = ?",
            [run_id],
        ).fetchone()
        by_suite = dict(
            con.execute(
                """
                select case when suite like 'dbt%' then suite else 'gx' end, count(*)
                from audit.check_results
                where run_id = $run_id and window_start = $start and window_end = $end
                group by all
                """,
                {"run_id": run_id, "start": start, "end": end},
            ).fetchall()
        )
    assert (start, end) == (START - timedelta(days=POST_LOOKBACK_DAYS), END), "checked with the look-back"
    assert results[1] == 0
    # The run record: every check of the run, with its data interval, whatever ran it.
    assert sum(by_suite.values()) == results[0]
    # Every GX suite (each check and its table_exists), and dbt's builds and tests.
    assert by_suite["gx"] == sum(len(spec.checks) + 1 for spec in SUITES.values()), by_suite
    assert by_suite["dbt"] > 1000, by_suite
    with pipeline.live() as live:
        [(raw_tables,)] = live.execute(
            "select count(*) from duckdb_tables() where schema_name = 'raw'"
        ).fetchall()
    assert by_suite["dbt_source_freshness"] == raw_tables, "source freshness on every raw table"
    data_docs = pipeline.data / "published" / "data_docs" / "index.html"
    assert data_docs.exists() and run_id in data_docs.read_text()
    assert "exposure." in (pipeline.data / "published" / "dbt_docs" / "index.html").read_text()


def test_the_demo_summary_counts_the_published_run_checks(pipeline, monkeypatch, capsys) -> None:
    from demo.summary import print_summary, print_where_to_look

    monkeypatch.setenv("WAREHOUSE_DATA_DIR", str(pipeline.data))
    monkeypatch.setenv("AIRFLOW__API__PORT", "8123")
    monkeypatch.setenv("AIRFLOW_HOME", pipeline.env["AIRFLOW_HOME"])
    print_summary(START, END, 1.0)
    report = pipeline.data / "published" / "reports" / "2026-11"
    print_where_to_look(report, [("social_extract_load", 61.4), ("social_transform_publish", 125.0)])
    out = capsys.readouterr().out
    assert "Data checks: " in out and "by dbt" in out and "by Great Expectations" in out
    for docs in ("dbt_docs", "data_docs"):
        line = next(line for line in out.splitlines() if str(pipeline.data / "published" / docs) in line)
        assert "not written" not in line, line
    assert "make demo-ui, then http://localhost:8123" in out
    assert f"password in {pipeline.env['AIRFLOW_HOME']}/simple_auth_manager_passwords.json.generated" in out
    assert "make superset, then http://localhost:8088" in out and str(report / "report.html") in out
    assert " 1:01" in out and " 2:05" in out and " 3:06" in out  # each stage and the total


def test_every_task_the_runs_ran_has_its_log_where_the_ui_reads_it(pipeline) -> None:
    """`airflow dags test` writes no task log file; the driver files each task's part of its output
    under the base log folder, at the path the API server reads (its default template)."""
    home = Path(pipeline.env["AIRFLOW_HOME"])
    database = sqlite3.connect(f"file:{home / 'airflow.db'}?mode=ro", uri=True)
    ran = database.execute(
        "select dag_id, run_id, task_id, try_number from task_instance "
        "where state in ('success', 'failed') and dag_id in (?, ?)",
        PIPELINE_DAGS,
    ).fetchall()
    database.close()
    assert len(ran) > 20
    for dag_id, run_id, task_id, try_number in ran:
        path = home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
        lines = [json.loads(line) for line in (path / f"attempt={try_number}.log").read_text().splitlines()]
        assert f"starting task_id={task_id} " in lines[0]["event"] and lines[0]["timestamp"]
        assert f"end task task_id={task_id} " in lines[-1]["event"]
        assert {line.get("level") for line in lines} >= {"info"}


def test_listening_and_benchmark_marts_are_published(pipeline) -> None:
    """Mentions from every listening source and own-post comments, and every brand benchmarked.

    The numbers are held to the generators' truth in tests/dbt; here the DAGs must carry them.
    """
    with pipeline.published() as con:
        sources = {
            row[0]
            for row in con.execute(
                "select distinct unnest(mention_sources) from marts.fct_mentions"
            ).fetchall()
        }
        brands = {
            row[0]
            for row in con.execute(
                "select distinct brand_id from marts.fct_competitor_benchmark_monthly"
            ).fetchall()
        }
        unscored = con.execute(
            "select count(*) from marts.fct_mentions where sentiment_label = 'unscored'"
        ).fetchone()[0]
    assert {"reddit", "rss", "facebook_pages", "instagram"} <= sources
    assert brands == {"lumo", "bramble-baby", "kiddo-motion"}
    assert unscored > 0, "the demo's non-English mentions are left unscored"


def test_campaign_results_through_airflow_equal_truth(pipeline) -> None:
    """Each registry campaign's tagged sessions, revenue and ROI over the days the run loaded."""
    first_report_date = START - timedelta(days=3)  # GA4's look-back
    registry = yaml.safe_load((PROJECT_ROOT / "config" / "campaigns.yml").read_text())
    with pipeline.published() as con:
        got = {
            row[0]: row[1:]
            for row in con.execute(
                "select utm_campaign, sessions, revenue, roi, cost, campaign_status "
                "from marts.fct_campaign_performance"
            ).fetchall()
        }
    assert set(got) == {c["utm_campaign"] for c in registry["campaigns"]}
    for campaign in registry["campaigns"]:
        sessions, revenue, roi, cost, status = got[campaign["utm_campaign"]]
        status_then = (
            "finished" if campaign["end"] <= END else "running" if campaign["start"] <= END else None
        )
        assert status == (status_then or "not started"), campaign["name"]
        start, end = max(campaign["start"], first_report_date), min(campaign["end"], END)
        if start > end:  # outside the loaded history: unknown, not zero
            assert (sessions, revenue, roi) == (None, None, None), campaign["name"]
            continue
        tagged = [
            row
            for row in google_analytics.traffic("412345678", start, end, DEMO_TODAY)
            if row["session_campaign_name"] == campaign["utm_campaign"]
        ]
        expected_revenue = sum((row["total_revenue"] for row in tagged), Decimal(0))
        assert sessions == sum(row["sessions"] for row in tagged), campaign["name"]
        assert revenue == expected_revenue, campaign["name"]
        assert roi == pytest.approx(float((expected_revenue - cost) / cost)), campaign["name"]


INCIDENT_HOUR = datetime(2026, 11, 17, 20, tzinfo=UTC)
"""The demo's viral complaint is under way: the negative-spike rule must fire."""


@pytest.mark.timeout(1500)  # two hourly runs, each reading a month of posts' comments under throttling
def test_the_hourly_dag_alerts_once_by_email_and_webhook(pipeline) -> None:
    """The listening DAG at an hour of the incident: each incident goes out once by email (a
    real SMTP server) and once to the webhook (the demo server's receiver), escaped; a second run
    at the same hour sends nothing."""
    assert START <= INCIDENT_HOUR.date() <= END, "the demo's pinned today keeps its incident in view"
    webhook = f"{pipeline.server_url}/_demo/webhook"
    params = {"at": INCIDENT_HOUR.isoformat()}
    posted_before = len(requests.get(webhook, timeout=10).json())
    with smtp_catcher() as (port, messages), pipeline.log.open("a") as output:
        env = {**pipeline.env, **alert_connections(port, webhook)}
        run_dag("social_listening_alerts", None, None, env, output, params=params)
        sent = list(messages)
        posts = requests.get(webhook, timeout=10).json()[posted_before:]
        # The same hour again: the incidents are open and announced, nothing goes out twice.
        run_dag("social_listening_alerts", None, None, env, output, params=params)
        assert len(messages) == len(sent)
        assert len(requests.get(webhook, timeout=10).json()) == posted_before + len(posts)
    subjects = [m["subject"] for m in sent]
    assert any("Negative mention spike" in subject for subject in subjects), subjects
    assert len(posts) == len(sent)
    assert {m["to"] for m in sent} == {"social-oncall@lumo.example"}
    for message in sent:
        html = message.get_body(("html",)).get_content()
        assert "<script" not in html.lower()  # social text arrives escaped
    with pipeline.live() as con:
        incidents = con.execute(
            "select incident_key, open_notified_at is not null from alerts.incidents order by 1"
        ).fetchall()
        live_marts = {m: con.execute(f"from marts.{m} order by all").fetchall() for m in LISTENING_MODELS}
    assert len(incidents) == len(sent) and all(notified for _, notified in incidents)
    # What the alerts link to is in BI: the marts the hourly run built, published as built.
    with pipeline.published() as con:
        for mart, rows in live_marts.items():
            assert con.execute(f"from marts.{mart} order by all").fetchall() == rows, mart
        hourly = con.execute(
            "select distinct run_id from audit.publication where table_name in (select unnest(?))",
            [[f"marts.{m}" for m in LISTENING_MODELS]],
        ).fetchall()
    assert len(hourly) == 1 and hourly[0][0].startswith("manual__"), hourly


def test_the_monthly_report_dag_mails_last_month_with_the_generator_numbers(pipeline) -> None:
    """The monthly DAG, for the month before today, reads the published snapshot and mails the
    report over a real SMTP server: engagements, views and the rate, in total and per platform,
    are the demo generator's own accounts' sums for that month; the month is archived."""
    import csv
    import io

    month_start = (DEMO_TODAY.replace(day=1) - timedelta(days=1)).replace(day=1)
    month = f"{month_start:%Y-%m}"
    with smtp_catcher() as (port, messages), pipeline.log.open("a") as output:
        env = {**pipeline.env, **alert_connections(port, f"{pipeline.server_url}/_demo/webhook")}
        run_dag("social_monthly_report", None, None, env, output, params={"month": month})
    assert len(messages) == 1
    message = messages[0]
    config = yaml.safe_load((PROJECT_ROOT / "config" / "company.yml").read_text())
    assert message["To"] == ", ".join(config["reporting"]["recipients"])
    csvs = {
        part.get_filename(): list(csv.DictReader(io.StringIO(part.get_content())))
        for part in message.iter_attachments()
    }
    truth: dict[str, list[int]] = {}
    for platform, account in _accounts():
        days = [d for d in _truth_daily(platform, account) if d["date"].replace(day=1) == month_start]
        totals = truth.setdefault(platform, [0, 0])
        totals[0] += _sum(d["engagements"] for d in days) or 0
        totals[1] += _sum(d["views"] for d in days) or 0
    engagements = sum(t[0] for t in truth.values())
    views = sum(t[1] for t in truth.values())
    kpis = {row["kpi"]: row for row in csvs[f"kpis-{month}.csv"]}
    assert float(kpis["engagements"]["value"]) == engagements
    assert float(kpis["views"]["value"]) == views
    assert float(kpis["engagement_rate"]["value"]) == pytest.approx(engagements / views, rel=1e-12)
    platforms = {row["platform"]: row for row in csvs[f"platforms-{month}.csv"]}
    assert {p: [int(platforms[p]["engagements"]), int(platforms[p]["views"])] for p in platforms} == truth
    assert f"{month_start:%B %Y}: {engagements:,} engagements" in message["Subject"]
    html = message.get_body(("html",)).get_content()
    assert html.count('src="cid:') == 4 and "<script" not in html.lower()
    archive = pipeline.data / "published" / "reports" / month
    assert {"report.html", "report.txt", "message.eml", "kpis.csv"} <= {p.name for p in archive.iterdir()}


MART_TABLES = ("dim_account", "dim_post", "fct_post_performance", "fct_account_daily", "fct_account_monthly")


# When a row's source was last read: a re-run that reads a source again moves them, and nothing else.
READ_TIME_COLUMNS = ("metrics_as_of", "last_extracted_at")


def _fingerprints(con: duckdb.DuckDBPyConnection, tables: list[str] | tuple[str, ...]) -> dict[str, str]:
    """A content hash of each mart (``marts.<table>``), leaving out only when its sources were read."""
    fingerprints = {}
    for table in tables:
        columns = {c for (c,) in con.execute(f"select column_name from (describe marts.{table})").fetchall()}
        left_out = ", ".join(c for c in READ_TIME_COLUMNS if c in columns)
        rows = f"(select * exclude ({left_out}) from marts.{table})" if left_out else f"marts.{table}"
        fingerprints[f"marts.{table}"] = con.execute(
            f"select count(*) || ':' || coalesce(sum(hash(t)), 0) from {rows} as t"
        ).fetchone()[0]
    return fingerprints


def _mart_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return _fingerprints(con, MART_TABLES)


def _airflow(pipeline: Pipeline) -> AirflowDatabase:
    return AirflowDatabase(pipeline.root / "airflow" / "airflow.db")


def _task_tries(pipeline: Pipeline, dag_id: str) -> dict[str, tuple[str, int]]:
    """(state, try number) of each task of the DAG's newest run."""
    database = _airflow(pipeline)
    tasks = database.tasks(dag_id, database.newest_run(dag_id)["run_id"])
    return {t["task_id"]: (t["state"], t["try_number"]) for t in tasks}


def _mapped_states(pipeline: Pipeline, run_id: str, dag_id: str, task_id: str) -> dict[str, str]:
    """The rendered name and state of each instance of a mapped task in a run."""
    tasks = _airflow(pipeline).tasks(dag_id, run_id)
    return {t["rendered_map_index"]: t["state"] for t in tasks if t["task_id"] == task_id}


# An unanswered support item's wait grows with the clock (current_timestamp): these marts differ
# from one build to the next even on the same data.
CLOCK_DEPENDENT_MARTS = {
    "marts.fct_support_conversations",
    "marts.fct_support_daily",
    "marts.fct_support_monthly",
}

# Competitors' Instagram media come from business_discovery, one snapshot partition a run: the
# range run's snapshot (media back to its window's start) is replaced when its last day is run
# again, by one that reaches back only the look-back, and older months lose those media. A known
# defect (see test_re_running_the_last_day_keeps_competitors_instagram_history).
SHALLOWER_ON_RERUN = "marts.fct_competitor_benchmark_monthly"


def _published_marts(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """A content hash of every published mart."""
    tables = con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()
    return _fingerprints(con, [t for (t,) in tables])


# The raw table the re-run breaks: Google Analytics' traffic (negative sessions on the last day).
BROKEN = "raw.google_analytics__traffic"


class Rerun:
    """The last day run again through both DAGs, the way an operator would after a bad day:
    Facebook's token has expired, and once the load is done a bug in GA4's report leaves negative
    sessions in the raw table. What was there before is kept to compare with."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        with pipeline.live() as con:
            self.marts_before = _mart_fingerprints(con)
            self.loads_before = dict(
                con.execute("select account_id, max(_loaded_at) from raw.x__user group by 1").fetchall()
            )
        with pipeline.published() as con:
            self.clean = _published_marts(con)
            # The run that wrote the snapshot (the hourly run's refresh, when it ran last), and
            # the run each table's data comes from.
            [(self.last_snapshot,)] = con.execute(
                "select distinct snapshot_run_id from audit.publication"
            ).fetchall()
            self.origins = dict(con.execute("select table_name, run_id from audit.publication").fetchall())
        expired = json.loads(pipeline.env["AIRFLOW_CONN_FACEBOOK_PAGES_DEFAULT"]) | {
            "password": "expired-demo-token"
        }
        offset = pipeline.log.stat().st_size
        with smtp_catcher() as (port, received), pipeline.log.open("a") as output:
            env = {
                **pipeline.env,
                **alert_connections(port, f"{pipeline.server_url}/_demo/webhook"),
                "AIRFLOW_CONN_FACEBOOK_PAGES_DEFAULT": json.dumps(expired),
            }
            with pytest.raises(DagRunFailed):
                run_dag("social_extract_load", END, END, env, output)
            self.load_tasks = _task_tries(pipeline, "social_extract_load")
            self.broken_rows = self._break_ga_sessions()
            # The transform holds marts back, and says so; a BI tool reads every mart all the
            # while, from a process of its own.
            with (
                reading(pipeline.data / "published" / "warehouse.duckdb", pipeline.root) as self.reads,
                pytest.raises(DagRunFailed),
            ):
                run_dag("social_transform_publish", END, END, env, output)
            self.emails = list(received)
        self.output = pipeline.log.read_text()[offset:]
        self.run_id = _airflow(pipeline).newest_run("social_transform_publish")["run_id"]

    def _break_ga_sessions(self) -> list[tuple[int]]:
        with duckdb.connect(str(self.pipeline.data / "warehouse.duckdb")) as con:
            return con.execute(
                f"""
                update {BROKEN} set record = json_merge_patch(record, '{{"sessions": "-5"}}')
                where partition_day = ? and (record->>'sessionSource') = 'google'
                    and (record->>'sessionMedium') = 'organic'
                """,
                [END],
            ).fetchall()


@pytest.fixture(scope="module")
def rerun(pipeline) -> Rerun:
    return Rerun(pipeline)


def test_re_running_a_day_with_one_sources_token_expired_publishes_the_others(rerun) -> None:
    """The last day again, Facebook's token expired: Facebook fails at once (no Airflow retry)
    and alone, the load fails naming the connection to renew and alerts it, every other source
    reloads, and the transform runs on what loaded: the account and post marts (every platform's,
    built from the reloaded sources) are identical to before."""
    tasks = rerun.load_tasks
    assert tasks["facebook_pages.extract"] == ("failed", 1), tasks  # no retry of an expired token
    assert tasks["facebook_pages.load"][0] == "upstream_failed"
    assert all(tasks[f"{s}.load"][0] == "success" for s in EXTRACT_SOURCES if s != "facebook_pages"), tasks
    assert tasks["loaded"][0] == "success" and tasks["sources"][0] == "failed"
    [alert] = [m for m in rerun.emails if "Daily load" in m["subject"]]
    assert "facebook_pages" in alert["subject"]
    assert "facebook_pages_default" in alert.get_body(("html",)).get_content()
    with rerun.pipeline.live() as con:
        assert _mart_fingerprints(con) == rerun.marts_before
        reloaded = dict(
            con.execute("select account_id, max(_loaded_at) from raw.x__user group by 1").fetchall()
        )
    assert all(reloaded[a] > rerun.loads_before[a] for a in rerun.loads_before), "the others loaded again"
    with rerun.pipeline.published() as con:
        published = con.execute(
            "select table_name, run_id from audit.publication where table_name like 'marts.%'"
        ).fetchall()
    assert {t for t, run_id in published if run_id == rerun.run_id} >= {f"marts.{t}" for t in MART_TABLES}


def test_a_bi_reader_saw_no_error_while_the_run_published_then_the_new_snapshot(rerun) -> None:
    """Through SQLAlchemy and duckdb-engine, in a loop all through the run: every read answered,
    from the previous snapshot until the publish, then from the new one, whole."""
    reads = rerun.reads
    assert reads["errors"] == [], reads["errors"][:5]
    assert set(reads["seen"]) == {rerun.last_snapshot, rerun.run_id}, reads["seen"]
    assert reads["rounds"] >= 20, "the reader read all through the run"
    with rerun.pipeline.published() as con:
        marts = con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()
        now = {m: con.execute(f'select count(*) from marts."{m}"').fetchone()[0] for (m,) in marts}
    assert reads["counts"][rerun.run_id] == now


def test_a_blocking_failure_on_one_raw_table_holds_back_only_its_marts(rerun) -> None:
    """Negative sessions in GA4's raw traffic on the re-run day: the raw check blocks. The marts
    built from that table (dbt's lineage) stay byte for byte at their last good version and say
    so in audit.publication; every other mart is published from this run, equal to the clean
    run's; the run fails and the alert names the check and the held-back marts."""
    from transform.dbt import MANIFEST_PATH
    from transform.lineage import Lineage

    downstream = Lineage.load(MANIFEST_PATH).downstream_marts(BROKEN)
    assert "marts.fct_social_traffic_daily" in downstream and "marts.fct_account_daily" not in downstream
    assert set(rerun.clean) - downstream, "some marts do not depend on GA4's traffic"
    assert rerun.broken_rows[0][0] >= 1, "no GA4 row to break on the last day"
    run_id = rerun.run_id
    # dbt's own test on the same numbers failed in the one build: a red task named after it.
    red = _mapped_states(rerun.pipeline, run_id, "social_transform_publish", "dbt_failed")
    assert red and all(state == "failed" for state in red.values()), red
    assert any("non_negative" in name and "sessions" in name for name in red), red
    assert _task_tries(rerun.pipeline, "social_transform_publish")["dbt_build"][0] == "success"
    output = rerun.output
    assert "HELD BACK" in output and "sessions_non_negative" in output and BROKEN in output
    with rerun.pipeline.published() as con:
        now = _published_marts(con)
        rows = con.execute(
            "select table_name, run_id, status, held_back_reason, snapshot_run_id from audit.publication "
            "where table_name like 'marts.%'"
        ).fetchall()
    assert {row[4] for row in rows} == {run_id}  # this run wrote the snapshot
    for table, origin, status, why, _ in rows:
        if table in downstream:
            assert (origin, status) == (rerun.origins[table], "held_back"), table
            assert BROKEN in why and "sessions_non_negative" in why, why
        else:
            assert (origin, status, why) == (run_id, "current", None), table
        if table not in CLOCK_DEPENDENT_MARTS | {SHALLOWER_ON_RERUN}:
            assert now[table] == rerun.clean[table], f"{table} differs from the clean run's"
    assert {row[0] for row in rows if row[2] == "held_back"} == downstream
    [email] = [m for m in rerun.emails if "held back" in m["subject"]]
    body = email.get_body(("html",)).get_content()
    assert BROKEN in body and "sessions_non_negative" in body and "fct_social_traffic_daily" in body
    with rerun.pipeline.live() as con:
        failing = con.execute(
            "select table_name, check_name, severity from audit.check_results "
            "where run_id = $run_id and not success and severity = 'blocking'",
            {"run_id": run_id},
        ).fetchall()
    assert (BROKEN, "sessions_non_negative", "blocking") in failing, failing


@pytest.mark.xfail(
    strict=True,
    reason="known defect: re-running a range run's last day replaces its deep business_discovery "
    "snapshot with a shallower one, and the competitor benchmark loses older Instagram media",
)
def test_re_running_the_last_day_keeps_competitors_instagram_history(rerun) -> None:
    """The competitor benchmark after the re-run equals the clean run's. It does not yet: the
    snapshot the range run landed under its last day held competitors' media back to the window's
    start; the re-run's holds the look-back only, and replaces it."""
    with rerun.pipeline.published() as con:
        now = _published_marts(con)
    assert now[SHALLOWER_ON_RERUN] == rerun.clean[SHALLOWER_ON_RERUN]


SECRET_PATTERN = r"(demo-[a-z0-9]+-[a-z]+-[0-9a-f]+|expired-demo-token)"  # how the demo's secrets look


# Last in the module: every DAG has run by now (daily, hourly twice, monthly, the re-run).
def test_no_secret_anywhere_the_runs_wrote(pipeline, rerun) -> None:
    """Every file under the run's root (Airflow's logs and database, the landing zone, the
    published snapshot, the Data Docs, dbt's docs, the report archive) read as bytes, and every
    table of both warehouses read as text, hold none of the tokens, Reddit's client secret, or the
    expired token of the re-run."""
    secrets = sorted({*DEMO_TOKENS.values(), DEMO_REDDIT_CLIENT_SECRET, "expired-demo-token"})
    files = [p for p in pipeline.root.rglob("*") if p.is_file()]
    scanned = {p.relative_to(pipeline.root).parts[0] for p in files}
    assert {"airflow", "data", "airflow-output.log"} <= scanned
    published = pipeline.data / "published"
    for place in ("data_docs/index.html", "dbt_docs/index.html", "reports"):
        assert (published / place).exists(), f"{place} was not written, so not scanned"
    for path in files:
        content = path.read_bytes()
        assert not [s for s in secrets if s.encode() in content], path
    for connect in (pipeline.live, pipeline.published):
        with connect() as con:
            tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
            for schema, table in tables:
                hits = con.execute(
                    f'select count(*) from {schema}."{table}" as t '
                    "where list_has_any(regexp_extract_all(t::varchar, ?), ?)",
                    [SECRET_PATTERN, secrets],
                ).fetchone()
                assert hits == (0,), f"{schema}.{table}"
