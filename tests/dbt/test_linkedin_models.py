"""LinkedIn end to end: demo server -> extractor -> landing -> loader -> dbt (staging + intermediate).

Two runs on the demo's today land disjoint windows into one DuckDB file: the month before
today (posts, post statistics, the follower-statistics clamp, the network-size snapshot) and the
company's year-end shutdown (days LinkedIn leaves out of the share statistics). Every row and
column of int_linkedin__account_daily and int_linkedin__posts must equal the generator's truth.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, timedelta
from datetime import date as Date

import duckdb
import pytest

from core.config import CompanyConfig
from demo.generator import linkedin as truth
from demo.server import DemoServer
from extractors.core import Window
from tests.conftest import DEMO_TODAY, extract, load_and_build, rows

ORG = "10482335"
RECENT = Window(Date(2026, 10, 20), DEMO_TODAY - timedelta(days=1))
SHUTDOWN = Window(Date(2025, 12, 24), Date(2026, 1, 6))
RUNS = (RECENT, SHUTDOWN)


@pytest.fixture(scope="module")
def warehouse(
    tmp_path_factory: pytest.TempPathFactory, demo_server: DemoServer, company: CompanyConfig
) -> Iterator[duckdb.DuckDBPyConnection]:
    tmp = tmp_path_factory.mktemp("linkedin_dbt")
    batches = [
        extract(company, demo_server, tmp, {"linkedin": None}, run, f"run{number}")
        for number, run in enumerate(RUNS)
    ]
    built = load_and_build(
        tmp,
        batches,
        [
            "--select",
            "path:models/staging/linkedin",
            "path:models/intermediate/linkedin",
            "path:models/staging/company",
            # Tests of models outside the selection (business hours) wait for those models.
            "--indirect-selection",
            "cautious",
        ],
        company,
    )
    result = built.result
    failed = [
        r.node.name
        for r in (result.result.results if result.result else [])
        if str(r.status) in ("error", "fail")
    ]
    assert result.success, f"dbt build failed: {failed or result.exception}"
    yield built.con
    built.con.close()


def stream_window(company: CompanyConfig, run: Window, lookback: int) -> Window:
    return Window(run.start - timedelta(days=lookback), run.end)


def expected_daily(company: CompanyConfig) -> dict[Date, dict]:
    lookback = company.sources.linkedin.statistics_lookback_days
    expected = {}
    for run in RUNS:
        window = stream_window(company, run, lookback)
        for row in truth.account_daily(ORG, window.start, window.end, DEMO_TODAY):
            expected[row["date"]] = row
    return expected


def test_account_daily_equals_truth_row_by_row(warehouse, company) -> None:
    got = {
        r["metric_date"]: r for r in rows(warehouse, "select * from intermediate.int_linkedin__account_daily")
    }
    expected = expected_daily(company)
    assert sorted(got) == sorted(expected)
    snapshot_day = DEMO_TODAY - timedelta(days=1)
    for day, want in expected.items():
        row = got[day]
        assert row["platform"] == "linkedin" and row["account_id"] == ORG
        assert row["followers"] == (want["followers"] if day == snapshot_day else None), day
        for column in ("followers_gained", "followers_lost", "engagements", "views", "reach", "shares"):
            assert row[column] == want[column], (day, column, row[column], want[column])


def test_the_rules_are_exercised(company) -> None:
    """The truth compared above does hold the cases the rules are about."""
    expected = expected_daily(company).values()
    assert any(r["views"] == 0 and r["followers_gained"] is not None for r in expected), "no silent day"
    assert any(r["followers_gained"] is None and r["views"] for r in expected), "no clamped day"
    assert any((r["followers_gained"] or 0) < 0 for r in expected), "no day with a net loss"
    posts = [p for run in RUNS for p in truth.posts(ORG, run.start - timedelta(days=28), run.end, DEMO_TODAY)]
    assert any(p["views"] == 0 for p in posts), "no post without statistics"
    assert {p["post_format"] for p in posts} == {"text", "image", "video", "link", "carousel"}


def test_followers_on_the_snapshot_day_are_the_true_total(warehouse) -> None:
    (followers,) = warehouse.execute(
        "select followers from intermediate.int_linkedin__account_daily where followers is not null"
    ).fetchone()
    assert followers == truth.followers(ORG, DEMO_TODAY - timedelta(days=1))


def test_posts_equal_truth_every_column(warehouse, company) -> None:
    lookback = company.sources.linkedin.post_lookback_days
    expected = {
        p["id"]: p
        for run in RUNS
        for p in truth.posts(ORG, run.start - timedelta(days=lookback), run.end, DEMO_TODAY)
    }
    got = {r["post_id"]: r for r in rows(warehouse, "select * from intermediate.int_linkedin__posts")}
    assert sorted(got) == sorted(expected)
    for post_id, want in expected.items():
        row = got[post_id]
        assert row["platform"] == "linkedin" and row["account_id"] == want["account_id"]
        assert row["created_at"] == want["created_time"].astimezone(UTC).replace(tzinfo=None)
        assert row["created_date"] == want["created_date"]
        assert row["permalink_url"] == f"https://www.linkedin.com/feed/update/{post_id}/"
        assert row["metrics_as_of"] is not None
        for column in ("post_format", "views", "reach", "reactions", "comments", "shares", "quotes", "saves"):
            assert row[column] == want[column], (post_id, column)
        assert (row["clicks"], row["engagements"]) == (want["clicks"], want["engagements"]), post_id


def test_posts_published_per_day_match_truth(warehouse, company) -> None:
    counted = Counter(
        day
        for (day,) in warehouse.execute(
            "select created_date from intermediate.int_linkedin__posts"
        ).fetchall()
    )
    for day, want in expected_daily(company).items():
        assert counted.get(day, 0) == want["posts_published"], day


def test_accounts_come_from_the_config_and_the_company_page_url(warehouse) -> None:
    assert rows(warehouse, "select * from intermediate.int_linkedin__accounts") == [
        {
            "platform": "linkedin",
            "account_id": ORG,
            "account_name": truth.accounts()[0]["account_name"],
            "profile_url": truth.accounts()[0]["link"],
        }
    ]
