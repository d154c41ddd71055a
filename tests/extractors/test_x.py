"""The X extractor against the demo X API v2 server, over real HTTP.

Every case goes through the production path (HttpClient, the X rules, the token paginator, the
streams, the source and the landing writer); expected values come from the demo generator.
"""

from __future__ import annotations

import json
import logging
import math
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests

from core.config import Account, CompanyConfig
from demo.generator import x as truth
from demo.server import DemoServer
from extractors.core import Window
from extractors.errors import ExtractError, Where
from extractors.landing import partition_path
from extractors.x import X
from extractors.x.api import x_policy
from extractors.x.timeline import lookup
from tests.conftest import DEMO_TODAY, demo_connection

ACCOUNT = "1447093205118763008"
TIMELINE = f"/2/users/{ACCOUNT}/tweets"
USER = f"/2/users/{ACCOUNT}"
LOOKUP = "/2/tweets"
YESTERDAY = DEMO_TODAY - timedelta(days=1)


def source(company: CompanyConfig, server: DemoServer, token: str | None = None, **extra: object) -> X:
    return X(company, demo_connection("x", server, token, **extra))


def with_x_settings(company: CompanyConfig, **settings: object) -> CompanyConfig:
    x_settings = company.sources.x.model_copy(update=settings)
    return company.model_copy(update={"sources": company.sources.model_copy(update={"x": x_settings})})


def landed_records(root: Path, stream: str, day: date) -> list[dict]:
    path = partition_path(root, "x", stream, ACCOUNT, day)
    return [json.loads(line)["record"] for line in path.read_text().splitlines()]


def calls(server: DemoServer, path: str) -> list[dict]:
    return [r for r in server.requests() if r["path"] == path]


def deleted_tweet(before: date) -> truth.Tweet:
    """An original tweet the demo account deleted before ``before``."""
    for back in range(1, 400):
        for tweet in truth.tweets_on(ACCOUNT, before - timedelta(days=back)):
            if tweet.is_original and tweet.deleted_on is not None and tweet.deleted_on <= before:
                return tweet
    raise AssertionError("the demo generator deleted no tweet in the last 400 days")


def test_user_snapshot_lands_on_yesterday_and_equals_truth(company, demo, tmp_path) -> None:
    landed = source(company, demo).run(
        Window(date(2026, 11, 1), date(2026, 11, 3)),
        tmp_path,
        "t1",
        streams=["user"],
        accounts=[ACCOUNT],
        today=DEMO_TODAY,
    )
    assert [(p.stream, p.day, p.rows) for p in landed] == [("user", YESTERDAY, 1)]
    record = landed_records(tmp_path, "user", YESTERDAY)[0]
    expected = truth.snapshot(ACCOUNT, DEMO_TODAY)
    assert record == {
        key: expected[key]
        for key in ("id", "name", "username", "created_at", "description", "verified", "public_metrics")
    }
    assert record["public_metrics"]["followers_count"] == truth.followers(ACCOUNT, YESTERDAY)


def test_tweets_page_with_pagination_token_and_equal_truth(company, demo, tmp_path) -> None:
    run = Window(date(2026, 11, 1), date(2026, 11, 10))
    x = source(company, demo, page_size=5)
    window = next(s for s in x.streams() if s.name == "tweets").window(run, DEMO_TODAY)
    landed = x.run(run, tmp_path, "t1", streams=["tweets"], accounts=[ACCOUNT])
    assert [p.day for p in landed] == window.days()

    expected = truth.original_tweets(ACCOUNT, window.start, window.end, DEMO_TODAY)
    requests_made = calls(demo, TIMELINE)
    assert len(requests_made) == math.ceil(len(expected) / 5), (
        "one request per page of 5, none after the last"
    )
    assert "pagination_token" not in requests_made[0]["query"]
    tokens = [r["query"]["pagination_token"] for r in requests_made[1:]]
    assert len(set(tokens)) == len(tokens) == len(requests_made) - 1
    first = requests_made[0]["query"]
    assert first["start_time"] == f"{window.start}T00:00:00Z"
    assert first["end_time"] == f"{window.end + timedelta(days=1)}T00:00:00Z"
    assert first["exclude"] == "retweets,replies" and first["max_results"] == "5"

    landed_tweets = {
        r["id"]: (day, r) for day in window.days() for r in landed_records(tmp_path, "tweets", day)
    }
    assert sorted(landed_tweets) == sorted(t.id for t in expected)
    for tweet in expected:
        day, record = landed_tweets[tweet.id]
        assert day == tweet.created_date
        assert record["public_metrics"] == tweet.metrics(DEMO_TODAY).as_public_metrics()
        assert [m["type"] for m in record["_media"]] == [m.type for m in tweet.media]
        assert [m["media_key"] for m in record["_media"]] == (record.get("attachments") or {}).get(
            "media_keys", []
        )
    assert {t.kind for t in expected} >= {"photo", "photos", "video", "link", "text"}


def test_tweet_metrics_resnapshot_recent_tweets_in_batches_of_100(company, demo, tmp_path) -> None:
    config = with_x_settings(company, tweet_lookback_days=60)
    landed = source(config, demo).run(
        Window(YESTERDAY, YESTERDAY),
        tmp_path,
        "t1",
        streams=["tweet_metrics"],
        accounts=[ACCOUNT],
        today=DEMO_TODAY,
    )
    assert [(p.stream, p.day) for p in landed] == [("tweet_metrics", YESTERDAY)]
    expected = {
        t.id: t for t in truth.original_tweets(ACCOUNT, YESTERDAY - timedelta(days=60), YESTERDAY, DEMO_TODAY)
    }
    assert len(expected) > 100, "the window should need two lookups"
    lookups = calls(demo, LOOKUP)
    assert len(lookups) == 2
    assert all(len(r["query"]["ids"].split(",")) <= 100 for r in lookups)
    assert lookups[0]["query"]["tweet.fields"] == "public_metrics,created_at"
    records = landed_records(tmp_path, "tweet_metrics", YESTERDAY)
    assert sorted(r["id"] for r in records) == sorted(expected)
    for record in records:
        tweet = expected[record["id"]]
        assert record["public_metrics"] == tweet.metrics(DEMO_TODAY).as_public_metrics()
        assert record["created_at"] == truth.format_time(tweet.created_at)


def test_empty_window_lands_empty_partitions(company, demo, tmp_path) -> None:
    run = Window(date(2023, 6, 1), date(2023, 6, 3))  # before the demo company existed
    landed = source(company, demo).run(run, tmp_path, "t1", streams=["tweets"])
    assert landed and all(p.rows == 0 for p in landed)
    assert all(p.path.read_text() == "" for p in landed)
    assert [r["status"] for r in calls(demo, TIMELINE)] == [200]


def test_end_time_is_clamped_to_ten_seconds_before_now(company, demo, tmp_path) -> None:
    today = datetime.now(UTC).date()
    before = datetime.now(UTC)
    source(company, demo, page_size=5).run(
        Window(today - timedelta(days=1), today), tmp_path, "t1", streams=["tweets"]
    )
    end_time = datetime.fromisoformat(calls(demo, TIMELINE)[0]["query"]["end_time"].replace("Z", "+00:00"))
    assert before - timedelta(seconds=11) <= end_time <= datetime.now(UTC) - timedelta(seconds=10)


def test_rate_limit_is_retried_after_the_reset(company, demo, tmp_path) -> None:
    demo.add_faults(TIMELINE, ["rate_limited"])
    started = time.monotonic()
    landed = source(company, demo).run(
        Window(date(2026, 11, 1), date(2026, 11, 2)), tmp_path, "t1", streams=["tweets"]
    )
    assert time.monotonic() - started >= 1.0, "the retry must wait for x-rate-limit-reset"
    assert [r["status"] for r in calls(demo, TIMELINE)] == [429, 200]
    assert sum(p.rows for p in landed) > 0


def test_rate_limit_wait_covers_the_reset_header(company, demo) -> None:
    """The sleep before the retry reaches past ``x-rate-limit-reset`` (the demo sets now + 2 s)."""
    slept: list[float] = []
    x = source(company, demo)
    client = x.client(x.connection(), sleep=slept.append)
    user = next(s for s in x.streams() if s.name == "user")
    demo.add_faults(USER, ["rate_limited"])
    asked_at = time.time()
    records = list(
        user.extract(client, Account(id=ACCOUNT, name="lumo"), Window(YESTERDAY, YESTERDAY), Where("x"))
    )
    answered_at = time.time()
    reset_at_least = int(asked_at) + 2  # the header's value, in whole epoch seconds
    assert len(records) == 1
    assert len(slept) == 1
    assert slept[0] >= reset_at_least - answered_at, "slept less than until x-rate-limit-reset"
    assert slept[0] <= 4.0, "slept far longer than the reset asked"


def test_a_rate_limit_reset_beyond_max_wait_fails_clearly(company, demo, tmp_path) -> None:
    demo.add_faults(USER, ["rate_limited"])
    with pytest.raises(ExtractError) as caught:
        source(company, demo, max_wait_seconds=0.5).run(
            Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["user"], today=DEMO_TODAY
        )
    assert "max_wait_seconds" in str(caught.value) and "Too Many Requests" in str(caught.value)


def test_pause_after_rests_until_the_reset_when_the_window_is_spent() -> None:
    policy = x_policy("x_default")
    spent, left = requests.Response(), requests.Response()
    spent.status_code = left.status_code = 200
    reset = str(int(time.time()) + 30)
    spent.headers.update({"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset})
    left.headers.update({"x-rate-limit-remaining": "12", "x-rate-limit-reset": reset})
    assert 29 <= policy.pause_after(spent) <= 32
    assert policy.pause_after(left) == 0


def test_usage_cap_fails_at_once_without_retrying(company, demo, tmp_path) -> None:
    demo.add_faults(TIMELINE, ["usage_capped"])
    with pytest.raises(ExtractError) as caught:
        source(company, demo, max_wait_seconds=5).run(
            Window(date(2026, 11, 1), date(2026, 11, 2)), tmp_path, "t1", streams=["tweets"]
        )
    message = str(caught.value)
    assert "Usage cap exceeded: Monthly product cap" in message
    assert "monthly" in caught.value.hint and "plan" in caught.value.hint
    assert "stream=tweets" in message and f"account={ACCOUNT}" in message
    assert len(calls(demo, TIMELINE)) == 1, "a usage cap must not be retried"


@pytest.mark.parametrize("fault", ["error_500", "error_503"])
def test_server_errors_are_retried_then_succeed(company, demo, tmp_path, fault) -> None:
    demo.add_faults(LOOKUP, [fault])
    landed = source(company, demo).run(
        Window(YESTERDAY, YESTERDAY),
        tmp_path,
        "t1",
        streams=["tweet_metrics"],
        accounts=[ACCOUNT],
        today=DEMO_TODAY,
    )
    assert [r["status"] for r in calls(demo, LOOKUP)] == [int(fault[-3:]), 200]
    assert landed[0].rows > 0


def test_expired_token_fails_fast_and_names_the_fix(company, demo, tmp_path) -> None:
    with pytest.raises(ExtractError) as caught:
        source(company, demo, token="expired-demo-token").run(
            Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["user"], today=DEMO_TODAY
        )
    message = str(caught.value)
    assert "HTTP 401 Unauthorized" in message
    assert f"source=x stream=user account={ACCOUNT}" in message
    assert "bearer token" in message and "'x_default'" in message
    assert len(calls(demo, USER)) == 1, "an expired token must not be retried"


def test_unknown_field_fails_fast_quoting_x(company, demo, tmp_path) -> None:
    demo.add_faults(TIMELINE, ["unknown_metric"])
    with pytest.raises(ExtractError) as caught:
        source(company, demo).run(
            Window(date(2026, 11, 1), date(2026, 11, 2)), tmp_path, "t1", streams=["tweets"]
        )
    message = str(caught.value)
    assert "The `tweet.fields` query parameter value [impression_count] is not one of" in message
    assert "Invalid Request" in message and "extractors/x/ (timeline.py, listening.py)" in message
    assert len(calls(demo, TIMELINE)) == 1


def test_malformed_json_is_retried_once_then_reported_clearly(company, demo, tmp_path) -> None:
    run = Window(YESTERDAY, YESTERDAY)
    demo.add_faults(USER, ["malformed_json"])
    landed = source(company, demo).run(run, tmp_path, "t1", streams=["user"], today=DEMO_TODAY)
    assert landed[0].rows == 1

    demo.add_faults(USER, ["malformed_json"] * 2)
    with pytest.raises(ExtractError) as caught:
        source(company, demo, max_attempts=2).run(
            run, tmp_path / "again", "t2", streams=["user"], today=DEMO_TODAY
        )
    assert "malformed JSON" in str(caught.value) and "stream=user" in str(caught.value)
    assert not (tmp_path / "again").exists(), "nothing may be landed from a failed stream"


def test_partial_errors_in_a_lookup_are_logged_and_the_rest_returned(company, demo, caplog) -> None:
    gone = deleted_tweet(DEMO_TODAY)
    live = truth.original_tweets(ACCOUNT, YESTERDAY, YESTERDAY, DEMO_TODAY)[0]
    x = source(company, demo)
    client = x.client(x.connection())
    where = Where("x", "tweet_metrics", ACCOUNT, YESTERDAY)
    with caplog.at_level(logging.WARNING, logger="extractors.x"):
        found = list(lookup(client, [live.id, gone.id, "1"], where))
    assert [t["id"] for t in found] == [live.id]
    warning = next(r.getMessage() for r in caplog.records if "left out" in r.getMessage())
    assert gone.id in warning and "1" in warning and "Not Found Error" in warning
    assert "stream=tweet_metrics" in warning


def test_unknown_account_is_a_clear_error(company, demo, tmp_path) -> None:
    accounts = company.accounts.model_copy(update={"x": (Account(id="404404404", name="gone"),)})
    config = company.model_copy(update={"accounts": accounts})
    with pytest.raises(ExtractError) as caught:
        source(config, demo).run(
            Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["user"], today=DEMO_TODAY
        )
    assert "Could not find user with id: [404404404]" in str(caught.value)
    assert "accounts.x" in caught.value.hint


def test_page_size_outside_x_limits_is_refused(company, demo, tmp_path) -> None:
    with pytest.raises(ExtractError) as caught:
        source(company, demo, page_size=200).run(Window(YESTERDAY, YESTERDAY), tmp_path, "t1")
    assert "page_size" in str(caught.value) and "5-100" in str(caught.value)
    assert demo.requests() == []


def test_token_never_reaches_landing_files_or_logs(company, demo, tmp_path, caplog) -> None:
    demo.add_faults(LOOKUP, ["error_500"])
    token = demo_connection("x", demo).token
    with caplog.at_level(logging.INFO):
        source(company, demo).run(
            Window(date(2026, 11, 15), date(2026, 11, 16)), tmp_path, "t1", today=DEMO_TODAY
        )
    landed_text = "".join(p.read_text() for p in tmp_path.rglob("*.jsonl"))
    assert landed_text, "expected landed data"
    assert token not in landed_text and token not in caplog.text
    assert any("retrying" in r.getMessage() for r in caplog.records), "the retry should have been logged"
