"""X end to end through dbt: demo server -> extractor -> landing -> loader -> staging + intermediate.

The warehouse's X models are compared, row by row and column by column, with the demo
generator's ground truth: once after a single extract run (every tweet read once, so each day
holds the lifetime values of its tweets) and once after two daily runs a week apart (the second
snapshot's growth is credited to its own day: the differencing that turns live counters into
daily activity).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, timedelta
from pathlib import Path

import duckdb
import pytest

from core.config import CompanyConfig
from demo.generator import x as truth
from demo.server import DemoServer
from extractors.core import Window
from extractors.landing import Partition
from extractors.x.api import utc_clock
from tests.conftest import DEMO_TODAY, extract, load_and_build, rows

ACCOUNT = "1447093205118763008"
TIMELINE = {"x": ["user", "tweets", "tweet_metrics"]}
OWN = {"x": [ACCOUNT]}
RUN = Window(date(2026, 10, 20), DEMO_TODAY - timedelta(days=1))
DAILY_COLUMNS = ("followers", "followers_gained", "followers_lost", "engagements", "views", "reach", "shares")
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


def extract_timeline(
    company: CompanyConfig, server: DemoServer, run: Window, tmp: Path, run_id: str
) -> list[Partition]:
    """The own account's timeline streams (competitors' and search have their own tests), read
    up to the real now, as the daily run does."""
    today = server.state.today()
    return extract(
        company, server, tmp, TIMELINE, run, run_id, today, accounts=OWN, x_clock=utc_clock, page_size=40
    )


def build(tmp: Path, batches: list[list[Partition]]) -> duckdb.DuckDBPyConnection:
    """Load each batch in order (as successive daily loads would), then dbt-build the X models."""
    built = load_and_build(tmp, batches, ["--select", "path:models/staging/x", "path:models/intermediate/x"])
    result = built.result
    assert result.exception is None, result.exception
    failed = [r.node.name for r in result.result.results if str(r.status) in ("error", "fail", "warn")]
    assert result.success and not failed, f"dbt build failed or warned: {failed}"
    assert any("unit_test" in r.node.resource_type for r in result.result.results), "unit tests must run"
    return built.con


@pytest.fixture(scope="module")
def single_run(
    tmp_path_factory: pytest.TempPathFactory, demo_server: DemoServer, company: CompanyConfig
) -> Iterator[duckdb.DuckDBPyConnection]:
    tmp = tmp_path_factory.mktemp("x_single_run")
    demo_server.clear_faults()
    landed = extract_timeline(company, demo_server, RUN, tmp, "run1")
    con = build(tmp, [landed])
    yield con
    con.close()


def test_account_daily_after_one_run_equals_truth(
    single_run: duckdb.DuckDBPyConnection, company: CompanyConfig
) -> None:
    first_day = RUN.start - timedelta(days=company.sources.x.tweet_lookback_days)
    snapshot_day = DEMO_TODAY - timedelta(days=1)
    got = {
        r["metric_date"]: r
        for r in rows(single_run, "select * from intermediate.int_x__account_daily order by metric_date")
    }
    assert {r["platform"] for r in got.values()} == {"x"}
    assert {r["account_id"] for r in got.values()} == {ACCOUNT}
    expected_days = set()
    for day in truth.account_daily(ACCOUNT, first_day, RUN.end, DEMO_TODAY):
        expected = {column: day[column] for column in DAILY_COLUMNS}
        # The warehouse knows followers only on the day the user snapshot landed.
        expected["followers"] = day["followers"] if day["date"] == snapshot_day else None
        if all(value is None for value in expected.values()):
            continue
        expected_days.add(day["date"])
        assert {column: got[day["date"]][column] for column in DAILY_COLUMNS} == expected, day["date"]
    assert set(got) == expected_days
    assert sum(r["views"] or 0 for r in got.values()) == sum(
        p["views"] for p in truth.posts(ACCOUNT, first_day, RUN.end, DEMO_TODAY)
    )


def test_posts_after_one_run_equal_truth(
    single_run: duckdb.DuckDBPyConnection, company: CompanyConfig
) -> None:
    first_day = RUN.start - timedelta(days=company.sources.x.tweet_lookback_days)
    got = {r["post_id"]: r for r in rows(single_run, "select * from intermediate.int_x__posts")}
    expected = truth.posts(ACCOUNT, first_day, RUN.end, DEMO_TODAY)
    assert sorted(got) == sorted(p["id"] for p in expected)
    formats = {p["post_format"] for p in expected}
    assert {"text", "image", "carousel", "video", "link"} <= formats, "the window should hold every format"
    texts = {t.id: t.text for t in truth.original_tweets(ACCOUNT, first_day, RUN.end, DEMO_TODAY)}
    for post in expected:
        row = got[post["id"]]
        assert {column: row[column] for column in POST_COLUMNS} == {c: post[c] for c in POST_COLUMNS}, post[
            "id"
        ]
        assert row["account_id"] == post["account_id"] and row["platform"] == "x"
        assert row["created_at"] == post["created_time"].astimezone(UTC).replace(tzinfo=None)
        assert row["created_date"] == post["created_date"]
        assert row["message"] == texts[post["id"]], "X's HTML entities must be decoded"
        assert row["permalink_url"] == f"https://x.com/lumostrollers/status/{post['id']}"
        assert row["metrics_as_of"] is not None


def test_accounts_equal_truth(single_run: duckdb.DuckDBPyConnection) -> None:
    expected = [
        {
            "platform": "x",
            "account_id": a["account_id"],
            "account_name": a["account_name"],
            "profile_url": a["link"],
        }
        for a in truth.accounts()
        if a["is_own"]
    ]
    assert rows(single_run, "select * from intermediate.int_x__accounts") == expected


def test_two_daily_runs_credit_the_growth_to_the_second_snapshot_day(
    tmp_path: Path, demo_server: DemoServer, company: CompanyConfig
) -> None:
    first, second = DEMO_TODAY - timedelta(days=7), DEMO_TODAY
    with DemoServer(today=first) as earlier:
        landed_first = extract_timeline(
            company,
            earlier,
            Window(first - timedelta(days=1), first - timedelta(days=1)),
            tmp_path,
            "a",
        )
    demo_server.clear_faults()
    landed_second = extract_timeline(
        company,
        demo_server,
        Window(second - timedelta(days=1), second - timedelta(days=1)),
        tmp_path,
        "b",
    )
    con = build(tmp_path, [landed_first, landed_second])
    try:
        got = {
            r["metric_date"]: r
            for r in rows(con, "select * from intermediate.int_x__account_daily order by metric_date")
        }
    finally:
        con.close()

    # Each run snapshots the tweets of the tweet_lookback_days before its snapshot day (as_of - 1).
    lookback = company.sources.x.tweet_lookback_days
    seen_first = {
        t.id: t
        for t in truth.original_tweets(
            ACCOUNT, first - timedelta(days=1 + lookback), first - timedelta(days=1), first
        )
    }
    seen_second = {
        t.id: t
        for t in truth.original_tweets(
            ACCOUNT, second - timedelta(days=1 + lookback), second - timedelta(days=1), second
        )
    }
    expected: dict[date, dict[str, int]] = {}

    def credit(day: date, views: int, engagements: int, shares: int) -> None:
        totals = expected.setdefault(day, {"views": 0, "engagements": 0, "shares": 0})
        totals["views"] += views
        totals["engagements"] += engagements
        totals["shares"] += shares

    for tweet in seen_first.values():
        m = tweet.metrics(first)
        credit(tweet.created_date, m.impression_count, m.engagements, m.retweet_count)
    for tweet in seen_second.values():
        now = tweet.metrics(second)
        if tweet.id in seen_first:
            before = tweet.metrics(first)
            credit(
                second - timedelta(days=1),
                now.impression_count - before.impression_count,
                now.engagements - before.engagements,
                now.retweet_count - before.retweet_count,
            )
        else:
            credit(tweet.created_date, now.impression_count, now.engagements, now.retweet_count)

    snapshot_days = {first - timedelta(days=1): first, second - timedelta(days=1): second}
    assert set(got) == set(expected) | set(snapshot_days)
    for day, row in got.items():
        totals = expected.get(day, {"views": None, "engagements": None, "shares": None})
        assert {k: row[k] for k in totals} == totals, day
        if day in snapshot_days:
            assert (
                row["followers"]
                == truth.snapshot(ACCOUNT, snapshot_days[day])["public_metrics"]["followers_count"]
            )
        else:
            assert row["followers"] is None
    # Growth after the first run lands on the second snapshot day, not on the tweets' days.
    assert got[second - timedelta(days=1)]["views"] > sum(
        t.metrics(second).impression_count
        for t in seen_second.values()
        if t.created_date == second - timedelta(days=1)
    )
