"""X recent search for the brand and competitor keywords, against the demo X server over real HTTP.

The demo server's "now" for recent search is its fixed today at 00:00 UTC, so the source's clock is
set to that instant (``DEMO_NOW``); expected values come from ``demo.generator.mentions``.
"""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from core.config import CompanyConfig
from demo.generator import mentions as truth
from demo.server import DemoServer
from extractors.core import Window
from extractors.errors import ExtractError
from extractors.landing import partition_path
from extractors.x import X
from extractors.x.listening import search_query
from tests.conftest import DEMO_TODAY, demo_connection

SEARCH = "/2/tweets/search/recent"
DEMO_NOW = datetime.combine(DEMO_TODAY, datetime.min.time(), UTC)
YESTERDAY = DEMO_TODAY - timedelta(days=1)
OLDEST_KEPT = DEMO_TODAY - timedelta(days=6)
"""X keeps 7 days: the oldest whole UTC day recent search can give at DEMO_NOW."""
TARGETS = ("lumo", "bramble-baby", "kiddo-motion")
X_ACCOUNT_IDS = ("1447093205118763008", "1389012345678901248", "1501234567890123776")


def source(company: CompanyConfig, server: DemoServer, now: datetime = DEMO_NOW, **extra: object) -> X:
    return X(company, demo_connection("x", server, **extra), clock=lambda: now)


def records(root: Path, target: str, day: date) -> list[dict]:
    path = partition_path(root, "x", "search", target, day)
    return [json.loads(line)["record"] for line in path.read_text().splitlines()]


def searches(server: DemoServer) -> list[dict]:
    return [r for r in server.requests() if r["path"] == SEARCH]


def expected(start: date, end: datetime) -> list[truth.Sighting]:
    """Mention tweets from ``start`` 00:00 UTC to ``end`` that the demo serves on DEMO_TODAY."""
    return truth.search_tweets(datetime.combine(start, datetime.min.time(), UTC), end, as_of=DEMO_TODAY)


def test_landed_mentions_equal_the_truth_per_target(company, demo, tmp_path) -> None:
    landed = source(company, demo).run(
        Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["search"], today=DEMO_TODAY
    )
    days = [OLDEST_KEPT + timedelta(days=n) for n in range(6)]
    assert sorted({(p.account, p.day) for p in landed}) == sorted(
        (target, day) for target in TARGETS for day in days
    ), "the 6-day look-back reaches 11-13, which X no longer keeps: 11-14..11-19 only"

    first = searches(demo)[0]["query"]
    assert first["start_time"] == "2026-11-14T00:00:00Z"
    assert first["end_time"] == "2026-11-19T23:59:50Z", "clamped to 10 s before the clock"
    tweets = expected(OLDEST_KEPT, DEMO_NOW - timedelta(seconds=10))
    by_id = {s.id: s for s in tweets}
    landed_ids: dict[str, set[str]] = {}
    for target in TARGETS:
        found = {day: records(tmp_path, target, day) for day in days}
        ids = [r["id"] for rows in found.values() for r in rows]
        assert len(ids) == len(set(ids)), f"a tweet landed twice under {target}"
        landed_ids[target] = set(ids)
        assert landed_ids[target] == {s.id for s in tweets if target in s.brands}, target
        query = search_query(company.listening_target(target).keywords, X_ACCOUNT_IDS)
        for day, rows in found.items():
            for record in rows:
                sighting = by_id[record["id"]]
                assert sighting.created_at.date() == day, "partitioned by the UTC day of created_at"
                assert record["created_at"] == sighting.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
                assert record["public_metrics"] == sighting.metrics
                assert record["lang"] == sighting.language
                assert record["author_id"] == sighting.author.id
                assert record["_author"]["username"] == sighting.author.username
                assert record["_author"]["public_metrics"]["followers_count"] == sighting.author.followers
                assert record["_query"] == query
    assert set().union(*landed_ids.values()) == set(by_id), "every mention tweet is found by a target"
    comparisons = [s for s in tweets if len(s.brands) == 2]
    assert comparisons, "the window should hold a tweet naming two brands"
    for sighting in comparisons:
        assert all(sighting.id in landed_ids[brand] for brand in sighting.brands)


def test_query_ors_the_keywords_and_leaves_out_every_configured_x_account(company, demo, tmp_path) -> None:
    source(company, demo).run(
        Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["search"], accounts=["bramble-baby"],
        today=DEMO_TODAY,
    )  # fmt: skip
    assert searches(demo)[0]["query"]["query"] == (
        '("Bramble Baby" OR #bramblebaby OR @bramblebaby) -is:retweet '
        "-from:1447093205118763008 -from:1389012345678901248 -from:1501234567890123776"
    )


def test_a_rerun_lands_identical_partitions(company, demo, tmp_path) -> None:
    run = Window(DEMO_TODAY - timedelta(days=3), YESTERDAY)
    first = source(company, demo).run(run, tmp_path / "a", "t1", streams=["search"], today=DEMO_TODAY)
    second = source(company, demo).run(run, tmp_path / "b", "t2", streams=["search"], today=DEMO_TODAY)
    assert [(p.account, p.day, p.rows) for p in first] == [(p.account, p.day, p.rows) for p in second]
    assert sum(p.rows for p in first) > 0
    for a, b in zip(first, second, strict=True):
        assert records(tmp_path / "a", a.account, a.day) == records(tmp_path / "b", b.account, b.day)


def test_days_older_than_seven_days_are_neither_asked_for_nor_written(company, demo, tmp_path) -> None:
    old_day = DEMO_TODAY - timedelta(days=10)
    earlier = partition_path(tmp_path, "x", "search", "lumo", old_day)
    earlier.parent.mkdir(parents=True)
    earlier.write_text('{"record":{"id":"1"},"extracted_at":"2026-11-11T01:00:00+00:00","run_id":"old"}\n')

    landed = source(company, demo).run(
        Window(old_day, YESTERDAY), tmp_path, "t1", streams=["search"], today=DEMO_TODAY
    )
    assert min(p.day for p in landed) == OLDEST_KEPT
    assert all(r["query"]["start_time"] >= "2026-11-14T00:00:00Z" for r in searches(demo))
    assert earlier.read_text().count('"run_id":"old"') == 1, "an older day's landing must stay"

    demo.clear_requests()
    gone = source(company, demo).run(
        Window(date(2026, 11, 1), date(2026, 11, 5)), tmp_path, "t2", streams=["search"], today=DEMO_TODAY
    )
    assert gone == [] and searches(demo) == []


def test_pages_are_followed_with_next_token(company, demo, tmp_path) -> None:
    landed = source(company, demo, page_size=10).run(
        Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["search"], accounts=["lumo"],
        today=DEMO_TODAY,
    )  # fmt: skip
    rows = sum(p.rows for p in landed)
    made = searches(demo)
    assert rows > 30 and len(made) == math.ceil(rows / 10), "one request per page of 10, none after"
    assert all(r["query"]["max_results"] == "10" and r["status"] == 200 for r in made)
    assert "next_token" not in made[0]["query"]
    tokens = [r["query"]["next_token"] for r in made[1:]]
    assert len(set(tokens)) == len(tokens) == len(made) - 1
    assert not any("pagination_token" in r["query"] for r in made)


def test_a_page_size_below_ten_is_raised_to_recent_searchs_minimum(company, demo, tmp_path) -> None:
    source(company, demo, page_size=5).run(
        Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["search"], accounts=["kiddo-motion"],
        today=DEMO_TODAY,
    )  # fmt: skip
    assert {r["query"]["max_results"] for r in searches(demo)} == {"10"}


def test_usage_cap_fails_at_once_with_a_clear_message(company, demo, tmp_path) -> None:
    demo.add_faults(SEARCH, ["usage_capped"])
    with pytest.raises(ExtractError) as caught:
        source(company, demo, max_wait_seconds=5).run(
            Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["search"], today=DEMO_TODAY
        )
    message = str(caught.value)
    assert "Usage cap exceeded: Monthly product cap" in message
    assert "stream=search account=lumo" in message and "monthly" in caught.value.hint
    assert len(searches(demo)) == 1, "a usage cap must not be retried"
    assert not tmp_path.exists() or not any(tmp_path.rglob("*.jsonl"))


def test_rate_limit_waits_for_the_reset_and_retries(company, demo, tmp_path) -> None:
    demo.add_faults(SEARCH, ["rate_limited"])
    started = time.monotonic()
    landed = source(company, demo).run(
        Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["search"], accounts=["kiddo-motion"],
        today=DEMO_TODAY,
    )  # fmt: skip
    assert time.monotonic() - started >= 1.0, "the retry must wait for x-rate-limit-reset"
    assert [r["status"] for r in searches(demo)][:2] == [429, 200]
    assert sum(p.rows for p in landed) > 0


def test_a_query_over_512_characters_is_refused_naming_the_brand(company, demo, tmp_path) -> None:
    long_keywords = tuple(f"Kiddo Motion stroller model {n}" for n in range(20))
    competitors = tuple(
        c.model_copy(update={"keywords": long_keywords}) if c.name == "Kiddo Motion" else c
        for c in company.competitors
    )
    config = company.model_copy(update={"competitors": competitors})
    with pytest.raises(ExtractError) as caught:
        source(config, demo).run(
            Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["search"], accounts=["kiddo-motion"],
            today=DEMO_TODAY,
        )  # fmt: skip
    message = str(caught.value)
    assert "Kiddo Motion" in message and "at most 512" in message and "account=kiddo-motion" in message
    assert "shorten" in caught.value.hint and "Kiddo Motion" in caught.value.hint
    assert searches(demo) == [], "a query X would refuse is never sent"


def test_a_start_time_x_no_longer_keeps_is_a_clear_error(company, demo, tmp_path) -> None:
    """An extractor whose clock lags X's asks for days X has dropped: X's 400 names start_time."""
    lagging = datetime(2026, 11, 10, tzinfo=UTC)
    with pytest.raises(ExtractError) as caught:
        source(company, demo, now=lagging).run(
            Window(date(2026, 11, 9), date(2026, 11, 9)), tmp_path, "t1", streams=["search"],
            today=lagging.date(),
        )  # fmt: skip
    message = str(caught.value)
    assert "HTTP 400 Invalid Request" in message and "stream=search account=lumo" in message
    assert "'start_time' must be on or after 2026-11-13T00:00Z" in message
    assert "clock" in caught.value.hint and "7 days" in caught.value.hint
    assert len(searches(demo)) == 1, "a refused request is not retried"
    assert searches(demo)[0]["query"]["start_time"] == "2026-11-04T00:00:00Z"
