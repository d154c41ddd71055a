"""The X ``mentions`` and ``replies`` streams against the demo X server over real HTTP.

The demo's "now" for the mentions timeline is its fixed today at 00:00 UTC, so the source's clock is
that instant (``DEMO_NOW``); expected values come from ``demo.generator.x_support`` and
``demo.generator.x``.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from core.config import CompanyConfig
from demo.generator import x as own
from demo.generator import x_support as truth
from demo.platforms import x as platform
from demo.server import DemoServer
from extractors.core import Window
from extractors.errors import ExtractError
from extractors.landing import partition_path
from extractors.x import X
from extractors.x import listening as extractor
from tests.conftest import DEMO_TODAY, demo_connection

ACCOUNT = "1447093205118763008"
MENTIONS = f"/2/users/{ACCOUNT}/mentions"
TIMELINE = f"/2/users/{ACCOUNT}/tweets"
DEMO_NOW = datetime.combine(DEMO_TODAY, datetime.min.time(), UTC)
YESTERDAY = DEMO_TODAY - timedelta(days=1)
OLDEST_KEPT = DEMO_TODAY - timedelta(days=6)
KEPT_DAYS = [OLDEST_KEPT + timedelta(days=n) for n in range(6)]


def source(company: CompanyConfig, server: DemoServer, now: datetime = DEMO_NOW, **extra: object) -> X:
    return X(company, demo_connection("x", server, **extra), clock=lambda: now)


def records(root: Path, stream: str, day: date) -> list[dict]:
    path = partition_path(root, "x", stream, ACCOUNT, day)
    return [json.loads(line)["record"] for line in path.read_text().splitlines()]


def calls(server: DemoServer, path: str) -> list[dict]:
    return [r for r in server.requests() if r["path"] == path]


def test_landed_mentions_equal_the_truth(company, demo, tmp_path) -> None:
    landed = source(company, demo, page_size=20).run(
        Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["mentions"], today=DEMO_TODAY
    )
    assert [(p.account, p.day) for p in landed] == [(ACCOUNT, day) for day in KEPT_DAYS]
    made = calls(demo, MENTIONS)
    assert made[0]["query"]["start_time"] == "2026-11-14T00:00:00Z"
    assert made[0]["query"]["end_time"] == "2026-11-19T23:59:50Z"
    assert len(made) > 2 and all("pagination_token" in r["query"] for r in made[1:])
    expected = {r["tweet_id"]: r for r in truth.mention_threads(ACCOUNT, OLDEST_KEPT, YESTERDAY, DEMO_TODAY)}
    found: dict[str, dict] = {}
    for day in KEPT_DAYS:
        for record in records(tmp_path, "mentions", day):
            assert record["id"] not in found, "each mention once"
            assert expected[record["id"]]["created_at"].date() == day, "partitioned by UTC created day"
            found[record["id"]] = record
    assert found.keys() == expected.keys()
    for tweet_id, record in found.items():
        row = expected[tweet_id]
        assert record["author_id"] == row["author_id"] and record["conversation_id"] == tweet_id
        assert record["_author"]["username"] == row["author_username"]
        assert record["_author"]["public_metrics"]["followers_count"] > 0
        assert record["created_at"] == own.format_time(row["created_at"])


def test_landed_replies_are_the_own_replies_and_answer_the_truths_mentions(company, demo, tmp_path) -> None:
    run = Window(date(2026, 11, 16), YESTERDAY)
    landed = source(company, demo).run(run, tmp_path, "t1", streams=["replies"], today=DEMO_TODAY)
    window = Window(run.start - timedelta(days=company.sources.x.search_lookback_days), run.end)
    assert [p.day for p in landed] == window.days()
    assert calls(demo, TIMELINE)[0]["query"]["exclude"] == "retweets"
    landed_ids = {r["id"]: r for day in window.days() for r in records(tmp_path, "replies", day)}
    customer_replies = {
        t.id
        for day in window.days()
        for t in own.tweets_on(ACCOUNT, day)
        if t.kind == "reply" and t.exists_on(DEMO_TODAY)
    }
    support_replies = {t.id for day in window.days() for t in truth.replies_on(ACCOUNT, day)}
    assert set(landed_ids) == customer_replies | support_replies, "every reply, nothing else"
    threads = truth.mention_threads(ACCOUNT, window.start, window.end, DEMO_TODAY)
    answered = [t for t in threads if t["reply_tweet_id"] and t["first_reply_at"].date() <= window.end]
    assert len(answered) > 30
    for thread in answered:
        reply = landed_ids[thread["reply_tweet_id"]]
        assert reply["referenced_tweets"] == [{"type": "replied_to", "id": thread["tweet_id"]}]
        assert reply["in_reply_to_user_id"] == thread["author_id"]
        assert reply["created_at"] == own.format_time(thread["first_reply_at"])


def test_tweets_stream_still_excludes_replies(company, demo, tmp_path) -> None:
    run = Window(date(2026, 11, 17), date(2026, 11, 18))
    source(company, demo).run(run, tmp_path, "t1", streams=["tweets"], accounts=[ACCOUNT], today=DEMO_TODAY)
    window = Window(run.start - timedelta(days=company.sources.x.tweet_lookback_days), run.end)
    landed = {r["id"] for day in window.days() for r in records(tmp_path, "tweets", day)}
    assert landed == {t.id for t in own.original_tweets(ACCOUNT, window.start, window.end, DEMO_TODAY)}


def test_days_x_no_longer_keeps_are_neither_asked_for_nor_written(company, demo, tmp_path) -> None:
    old_day = DEMO_TODAY - timedelta(days=10)
    earlier = partition_path(tmp_path, "x", "mentions", ACCOUNT, old_day)
    earlier.parent.mkdir(parents=True)
    earlier.write_text('{"record":{"id":"1"},"extracted_at":"2026-11-11T01:00:00+00:00","run_id":"old"}\n')
    landed = source(company, demo).run(
        Window(old_day, YESTERDAY), tmp_path, "t1", streams=["mentions"], today=DEMO_TODAY
    )
    assert min(p.day for p in landed) == OLDEST_KEPT
    assert all(r["query"]["start_time"] >= "2026-11-14T00:00:00Z" for r in calls(demo, MENTIONS))
    assert earlier.read_text().count('"run_id":"old"') == 1, "an older day's landing must stay"


def test_days_the_800_cap_may_have_cut_are_left_unwritten(
    company, demo, tmp_path, monkeypatch, caplog
) -> None:
    monkeypatch.setattr(platform, "MENTIONS_CAP", 20)
    monkeypatch.setattr(extractor, "MENTIONS_CAP", 20)
    with caplog.at_level(logging.WARNING, logger="extractors.x"):
        landed = source(company, demo).run(
            Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["mentions"], today=DEMO_TODAY
        )
    newest = truth.mentions_between(ACCOUNT, DEMO_NOW - timedelta(days=7), DEMO_NOW, DEMO_TODAY)[:20]
    cut = min(s.created_at.date() for s in newest)
    assert cut > OLDEST_KEPT and [p.day for p in landed] == [d for d in KEPT_DAYS if d > cut]
    for partition in landed:
        assert {r["id"] for r in records(tmp_path, "mentions", partition.day)} == {
            s.id for s in newest if s.created_at.date() == partition.day
        }
    assert not partition_path(tmp_path, "x", "mentions", ACCOUNT, cut).exists()
    assert "maximum of 20 mentions" in caplog.text and "stream=mentions" in caplog.text


def test_usage_cap_fails_at_once_naming_stream_account_and_days(company, demo, tmp_path) -> None:
    demo.add_faults(MENTIONS, ["usage_capped"])
    with pytest.raises(ExtractError) as caught:
        source(company, demo).run(
            Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["mentions"], today=DEMO_TODAY
        )
    message = str(caught.value)
    assert "Usage cap exceeded" in message
    assert f"source=x stream=mentions account={ACCOUNT} day={OLDEST_KEPT}..{YESTERDAY}" in message
    assert len(calls(demo, MENTIONS)) == 1, "a usage cap is not retried"


def test_replies_errors_name_the_stream_and_rate_limits_wait(company, demo, tmp_path) -> None:
    demo.add_faults(TIMELINE, ["rate_limited"])
    started = time.monotonic()
    landed = source(company, demo).run(
        Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["replies"], today=DEMO_TODAY
    )
    assert time.monotonic() - started >= 1.0, "the retry waits for x-rate-limit-reset"
    assert [r["status"] for r in calls(demo, TIMELINE)][:2] == [429, 200] and sum(p.rows for p in landed)
    demo.add_faults(TIMELINE, ["expired_token"])
    with pytest.raises(ExtractError) as caught:
        source(company, demo).run(
            Window(YESTERDAY, YESTERDAY), tmp_path, "t2", streams=["replies"], today=DEMO_TODAY
        )
    assert f"stream=replies account={ACCOUNT} day=" in str(caught.value) and "x_default" in caught.value.hint
