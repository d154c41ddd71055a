"""YouTube end to end through dbt: demo APIs -> extractor -> landing -> loader -> staging and intermediate.

Two extract runs land into one landing zone, as a daily pipeline would: one on an earlier day
(server today 2026-11-10) and one on DEMO_TODAY, whose re-read replaces the earlier partitions.
The conformed intermediate models must then equal the generator's truth row by row, column by
column, including the Analytics lag (no report rows for the newest days) and the follower level
on each snapshot day.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, timedelta

import pytest

from core.config import CompanyConfig
from demo.generator import youtube as truth
from demo.server import DemoServer
from extractors.core import Window
from tests.conftest import DEMO_TODAY, Built, extract, load_and_build

CHANNEL = "UCq7Lm0x2bN9dVfK3tYwQe8A"
EARLIER_TODAY = date(2026, 11, 10)
RUN = Window(date(2026, 10, 1), DEMO_TODAY - timedelta(days=1))
SNAPSHOT_DAYS = (EARLIER_TODAY - timedelta(days=1), DEMO_TODAY - timedelta(days=1))
METRICS = ("followers_gained", "followers_lost", "engagements", "views", "reach", "shares")
POST_COLUMNS = (
    "account_id",
    "created_date",
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


@pytest.fixture(scope="module")
def built(
    company: CompanyConfig, demo_server: DemoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Built]:
    tmp = tmp_path_factory.mktemp("youtube_dbt")
    sources, accounts = {"youtube": None}, {"youtube": [CHANNEL]}
    with DemoServer(today=EARLIER_TODAY) as earlier:
        earlier_run = Window(RUN.start, EARLIER_TODAY - timedelta(days=1))
        first = extract(
            company, earlier, tmp, sources, earlier_run, "run-1", EARLIER_TODAY, accounts=accounts
        )
    second = extract(company, demo_server, tmp, sources, RUN, "run-2", accounts=accounts)
    built = load_and_build(
        tmp,
        [first, second],
        ["--select", "path:models/staging/youtube", "path:models/intermediate/youtube"],
        company,
    )
    yield built
    built.con.close()


def test_the_build_runs_every_youtube_model_test_and_unit_test(built: Built) -> None:
    assert built.result.exception is None, built.result.exception
    results = built.result.result.results
    failed = [r.node.name for r in results if str(r.status) in ("error", "fail")]
    assert built.result.success and not failed, failed
    kinds = {r.node.resource_type for r in results}
    names = {r.node.name for r in results}
    assert {"model", "test", "unit_test"} <= {str(kind) for kind in kinds}
    assert {"int_youtube__account_daily", "int_youtube__posts", "int_youtube__accounts"} <= names
    assert any(name.startswith("source_unique_combination_of_columns_youtube") for name in names)


def test_account_daily_equals_truth_with_the_lag_and_the_snapshot_days(built: Built) -> None:
    rows = built.rows("select * from intermediate.int_youtube__account_daily order by metric_date")
    assert {row["platform"] for row in rows} == {"youtube"} and {row["account_id"] for row in rows} == {
        CHANNEL
    }
    by_day = {row["metric_date"]: row for row in rows}
    first_day = RUN.start - timedelta(days=3)  # report_lookback_days
    expected = truth.account_daily(CHANNEL, first_day, RUN.end, DEMO_TODAY)
    reported = {row["date"] for row in expected if row["views"] is not None}
    assert max(reported) == truth.last_reported_day(DEMO_TODAY)
    assert set(by_day) == reported | set(SNAPSHOT_DAYS), "lagging days have no row unless a snapshot landed"
    for row in expected:
        got = by_day.get(row["date"])
        if got is None:
            assert all(row[column] is None for column in METRICS)
            continue
        assert {column: got[column] for column in METRICS} == {column: row[column] for column in METRICS}, (
            row["date"]
        )
        assert got["followers"] == (row["followers"] if row["date"] in SNAPSHOT_DAYS else None), row["date"]
    assert by_day[SNAPSHOT_DAYS[-1]]["views"] is None, "the newest snapshot day is not reported yet"


def test_posts_equal_truth_every_column(built: Built) -> None:
    rows = built.rows("select * from intermediate.int_youtube__posts")
    window_start = RUN.start - timedelta(days=28)  # video_lookback_days
    expected = truth.posts(CHANNEL, window_start, RUN.end, DEMO_TODAY)
    assert sorted(row["post_id"] for row in rows) == sorted(post["id"] for post in expected)
    by_id = {row["post_id"]: row for row in rows}
    for post in expected:
        got = by_id[post["id"]]
        assert {c: got[c] for c in POST_COLUMNS} == {c: post[c] for c in POST_COLUMNS}, post["id"]
        assert got["platform"] == "youtube"
        assert got["created_at"] == post["created_time"].astimezone(UTC).replace(tzinfo=None)
        assert got["message"] == post["title"]
        assert got["permalink_url"] == post["permalink_url"]
        assert got["platform_post_type"] == ("short" if post["post_format"] == "reel" else "video")
        assert got["metrics_as_of"].date() >= DEMO_TODAY - timedelta(days=1)


def test_shorts_are_reels_and_longer_videos_are_videos(built: Built) -> None:
    rows = built.rows(
        """
        select p.post_format, v.duration_seconds
        from intermediate.int_youtube__posts as p
        inner join staging.stg_youtube__videos as v on p.post_id = v.video_id
        """
    )
    assert {row["post_format"] for row in rows} == {"reel", "video"}
    assert all((row["duration_seconds"] <= 60) == (row["post_format"] == "reel") for row in rows)


def test_the_channel_account_row(built: Built) -> None:
    (account,) = [a for a in truth.accounts() if a["is_own"]]
    assert built.rows("select * from intermediate.int_youtube__accounts") == [
        {
            "platform": "youtube",
            "account_id": CHANNEL,
            "account_name": account["account_name"],
            "profile_url": account["link"],
        }
    ]
