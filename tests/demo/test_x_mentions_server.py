"""The demo X mentions timeline and the brand's replies on its timeline, over real HTTP.

The server's today is fixed (DEMO_TODAY), so its "now" for the mentions timeline (as for recent
search) is DEMO_TODAY 00:00 UTC. Expected values come from ``demo.generator.x_support``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests

from demo.generator import mentions as listening
from demo.generator import x as own
from demo.generator import x_support as truth
from demo.platforms import x as platform
from demo.server import DemoServer
from demo.state import DEMO_TOKENS
from tests.conftest import DEMO_TODAY

ACCOUNT = "1447093205118763008"
MENTIONS = f"/2/users/{ACCOUNT}/mentions"
TIMELINE = f"/2/users/{ACCOUNT}/tweets"
TOKEN = DEMO_TOKENS["x"]
NOW = datetime.combine(DEMO_TODAY, datetime.min.time(), UTC)
INVALID_REQUEST = "https://api.twitter.com/2/problems/invalid-request"


def get(server: DemoServer, path: str, **params: Any) -> requests.Response:
    return requests.get(
        f"{server.url}{path}", params=params, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )


def all_pages(server: DemoServer, path: str, **params: Any) -> list[dict]:
    bodies, token = [], None
    while True:
        answer = get(server, path, **params, **({"pagination_token": token} if token else {}))
        assert answer.status_code == 200, answer.text
        bodies.append(answer.json())
        token = bodies[-1]["meta"].get("next_token")
        if token is None:
            return bodies


def ids(bodies: list[dict]) -> list[str]:
    return [t["id"] for body in bodies for t in body.get("data", [])]


def test_mentions_are_the_corpus_tweets_naming_the_handle_newest_first(demo) -> None:
    bodies = all_pages(demo, MENTIONS, max_results=10)
    expected = truth.mentions_between(ACCOUNT, NOW - timedelta(days=7), NOW, DEMO_TODAY)
    assert ids(bodies) == [s.id for s in expected], "the last 7 days, newest first, each once"
    assert len(expected) > 40 and len(bodies) > 4
    assert all(b["meta"]["result_count"] == 10 for b in bodies[:-1])
    corpus = [
        s
        for s in listening.search_tweets(NOW - timedelta(days=7), NOW, DEMO_TODAY)
        if "@lumostrollers" in s.text.lower()
    ]
    assert {s.id for s in corpus} == {s.id for s in expected}, "search and mentions agree"
    assert any(not s.text.lower().startswith("@lumostrollers") for s in expected), "tagged brand tweets too"
    assert all(r["status"] == 200 for r in demo.requests())
    for body in bodies:
        assert body["meta"]["newest_id"] == body["data"][0]["id"]
        assert body["meta"]["oldest_id"] == body["data"][-1]["id"]


def test_mentions_carry_fields_and_authors_as_search_does(demo) -> None:
    body = get(
        demo, MENTIONS, max_results=100, start_time="2026-11-18T00:00:00Z", end_time="2026-11-19T00:00:00Z",
        **{"tweet.fields": "created_at,author_id,conversation_id,public_metrics,lang",
           "expansions": "author_id", "user.fields": "username,public_metrics"},
    ).json()  # fmt: skip
    expected = {s.id: s for s in truth.mentions_on(ACCOUNT, date(2026, 11, 18))}
    assert [t["id"] for t in body["data"]] == sorted(expected, key=int, reverse=True)
    users = {u["id"]: u for u in body["includes"]["users"]}
    for tweet in body["data"]:
        sighting = expected[tweet["id"]]
        assert tweet["created_at"] == own.format_time(sighting.created_at)
        assert tweet["author_id"] == sighting.author.id and tweet["conversation_id"] == tweet["id"]
        assert tweet["public_metrics"] == sighting.metrics and tweet["lang"] == "en"
        assert users[tweet["author_id"]]["public_metrics"]["followers_count"] == sighting.author.followers
    assert get(demo, MENTIONS).headers["x-rate-limit-limit"] == "450"


def test_start_time_before_the_seven_days_finds_nothing_older(demo) -> None:
    old = {"start_time": "2026-11-01T00:00:00Z", "max_results": 100}
    body = get(demo, MENTIONS, end_time="2026-11-13T00:00:00Z", **old).json()
    assert body == {"meta": {"result_count": 0}}, "X keeps 7 days of mentions: nothing before 11-13"
    older = truth.mentions_between(
        ACCOUNT, datetime(2026, 11, 1, tzinfo=UTC), NOW - timedelta(days=7), DEMO_TODAY
    )
    assert len(older) > 50, "the corpus has older mentions the API no longer serves"
    reach = get(demo, MENTIONS, end_time="2026-11-13T12:00:00Z", **old).json()
    expected = truth.mentions_between(
        ACCOUNT, NOW - timedelta(days=7), datetime(2026, 11, 13, 12, tzinfo=UTC), DEMO_TODAY
    )
    assert [t["id"] for t in reach.get("data", [])] == [s.id for s in expected], "clipped, not refused"
    late = get(demo, MENTIONS, end_time="2026-11-19T23:59:55Z")
    assert late.status_code == 400 and late.json()["type"] == INVALID_REQUEST
    assert "10 seconds prior" in late.json()["errors"][0]["message"]
    refused = get(demo, MENTIONS, exclude="replies")
    assert refused.status_code == 400 and "exclude" in refused.json()["errors"][0]["parameters"]


def test_only_the_800_most_recent_are_served(demo, monkeypatch) -> None:
    monkeypatch.setattr(platform, "MENTIONS_CAP", 12)
    served = ids(all_pages(demo, MENTIONS, max_results=100))
    expected = truth.mentions_between(ACCOUNT, NOW - timedelta(days=7), NOW, DEMO_TODAY)
    assert served == [s.id for s in expected[:12]]


def test_timeline_serves_brand_replies_unless_excluded(demo) -> None:
    params = {"start_time": "2026-11-13T00:00:00Z", "end_time": "2026-11-20T00:00:00Z", "max_results": 100,
              "tweet.fields": "created_at,referenced_tweets,in_reply_to_user_id,conversation_id"}  # fmt: skip
    originals = ids(all_pages(demo, TIMELINE, exclude="retweets,replies", **params))
    expected = own.original_tweets(ACCOUNT, date(2026, 11, 13), date(2026, 11, 19), DEMO_TODAY)
    assert originals == [t.id for t in reversed(expected)], "own posts exactly as before"

    with_replies = [t for b in all_pages(demo, TIMELINE, exclude="retweets", **params) for t in b["data"]]
    support = {r.id: r for r in truth.replies_between(ACCOUNT, datetime(2026, 11, 13, tzinfo=UTC), NOW)}
    served = {t["id"]: t for t in with_replies if t["id"] in support}
    assert set(served) == set(support) and len(support) > 30
    threads = {
        t.mention.id: t for day in range(12, 20) for t in truth.threads_on(ACCOUNT, date(2026, 11, day))
    }
    for tweet_id, tweet in served.items():
        (ref,) = tweet["referenced_tweets"]
        thread = threads[ref["id"]]
        assert ref["type"] == "replied_to" and tweet["conversation_id"] == thread.mention.id
        assert tweet["in_reply_to_user_id"] == thread.mention.author.id
        assert tweet_id in {r.id for r in thread.replies}
    assert {t["id"] for t in with_replies} >= set(originals)
    looked_up = get(demo, "/2/tweets", ids=next(iter(support))).json()
    assert looked_up["data"][0]["id"] == next(iter(support))


def test_mention_threads_truth_route(demo) -> None:
    rows = requests.get(
        f"{demo.url}/_demo/truth/x/mention_threads",
        params={"user_id": ACCOUNT, "start": "2026-11-17", "end": "2026-11-17"},
        timeout=30,
    ).json()
    expected = truth.mention_threads(ACCOUNT, date(2026, 11, 17), date(2026, 11, 17), DEMO_TODAY)
    assert [r["tweet_id"] for r in rows] == [r["tweet_id"] for r in expected] and len(rows) > 20
    assert any(r["first_reply_at"] is None and r["needs_reply_by_design"] for r in rows), "some never"
    unknown = requests.get(
        f"{demo.url}/_demo/truth/x/mention_threads",
        params={"user_id": "1", "start": "2026-11-17"},
        timeout=10,
    )
    assert unknown.status_code == 404


def test_reply_design_delays_and_incident() -> None:
    rows = truth.mention_threads(ACCOUNT, date(2026, 8, 1), date(2026, 11, 16), DEMO_TODAY)
    needing = [r for r in rows if r["needs_reply_by_design"]]
    assert all(r["first_reply_at"] is not None for r in needing), "quiet days: every question answered"
    minutes = sorted((r["first_reply_at"] - r["created_at"]).total_seconds() / 60 for r in needing)
    assert 20 < minutes[len(minutes) // 2] < 45 and minutes[-1] <= 200
    assert 0.22 < sum(m > 60 for m in minutes) / len(minutes) < 0.36
    others = [r for r in rows if not r["needs_reply_by_design"]]
    assert 0.1 < sum(r["first_reply_at"] is not None for r in others) / len(others) < 0.3
    per_day = len(rows) / (date(2026, 11, 16) - date(2026, 8, 1)).days
    assert per_day >= 6
    incident = [
        r for r in truth.mention_threads(ACCOUNT, date(2026, 11, 17), date(2026, 11, 18), DEMO_TODAY)
        if r["is_incident"]
    ]  # fmt: skip
    never = [r for r in incident if r["first_reply_at"] is None]
    late = [
        r
        for r in incident
        if r["first_reply_at"] and r["first_reply_at"] - r["created_at"] >= timedelta(hours=2)
    ]
    assert never and 0.35 < len(late) / len(incident) < 0.75
