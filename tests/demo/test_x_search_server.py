"""The demo X recent search route, over real HTTP: query language, time rules, paging, includes, truth.

The server's today is fixed (DEMO_TODAY), so its "now" for recent search is DEMO_TODAY 00:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from demo.generator import mentions as truth
from demo.server import DemoServer
from demo.state import DEMO_TOKENS
from tests.conftest import DEMO_TODAY

SEARCH = "/2/tweets/search/recent"
TOKEN = DEMO_TOKENS["x"]
INVALID_REQUEST = "https://api.twitter.com/2/problems/invalid-request"
NOW = datetime.combine(DEMO_TODAY, datetime.min.time(), UTC)
START = "2026-11-14T00:00:00Z"
END = "2026-11-19T23:59:50Z"
LUMO = '("Lumo Strollers" OR "Lumo stroller" OR #lumostrollers OR @lumostrollers) -is:retweet'


def search(server: DemoServer, **params: Any) -> requests.Response:
    return requests.get(
        f"{server.url}{SEARCH}", params=params, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )


def all_pages(server: DemoServer, **params: Any) -> list[dict]:
    bodies, token = [], None
    while True:
        body = search(server, **params, **({"next_token": token} if token else {})).json()
        bodies.append(body)
        token = body["meta"].get("next_token")
        if token is None:
            return bodies


def truth_ids(
    brand: str | None = None, start: datetime | None = None, end: datetime | None = None
) -> list[str]:
    found = truth.search_tweets(
        start or NOW - timedelta(days=6), end or NOW - timedelta(seconds=10), DEMO_TODAY
    )
    return [s.id for s in found if brand is None or brand in s.brands]


def refused(answer: requests.Response, parameter: str) -> str:
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["type"] == INVALID_REQUEST and body["title"] == "Invalid Request"
    assert parameter in body["errors"][0]["parameters"]
    return body["errors"][0]["message"]


def test_pages_newest_first_with_next_token_and_match_the_truth(demo) -> None:
    bodies = all_pages(demo, query=LUMO, start_time=START, end_time=END, max_results=10)
    ids = [t["id"] for body in bodies for t in body.get("data", [])]
    assert ids == truth_ids("lumo"), "every Lumo tweet, newest first, each once"
    assert len(bodies) > 3 and all(b["meta"]["result_count"] == 10 for b in bodies[:-1])
    assert "next_token" not in bodies[-1]["meta"]
    for body in bodies:
        assert body["meta"]["newest_id"] == body["data"][0]["id"]
        assert body["meta"]["oldest_id"] == body["data"][-1]["id"]
    assert [r["query"].get("next_token") is None for r in demo.requests()].count(True) == 1


def test_timeline_paging_parameter_is_refused(demo) -> None:
    message = refused(search(demo, query=LUMO, pagination_token="abc"), "pagination_token")
    assert "is not one of" in message and "next_token" in message


def test_tweets_carry_requested_fields_and_authors_come_in_includes(demo) -> None:
    body = search(
        demo,
        query='("kiddo motion" OR #KiddoMotion OR @kiddomotion)',
        start_time=START,
        end_time=END,
        max_results=100,
        expansions="author_id",
        **{
            "tweet.fields": "created_at,public_metrics,lang,author_id,entities,conversation_id",
            "user.fields": "username,name,public_metrics",
        },
    ).json()
    sightings = {s.id: s for s in truth.search_tweets(NOW - timedelta(days=6), NOW, DEMO_TODAY)}
    assert [t["id"] for t in body["data"]] == truth_ids("kiddo-motion"), "phrases match case-insensitively"
    users = {u["id"]: u for u in body["includes"]["users"]}
    assert set(users) == {t["author_id"] for t in body["data"]}
    for tweet in body["data"]:
        sighting = sightings[tweet["id"]]
        assert tweet["created_at"] == sighting.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        assert tweet["public_metrics"] == sighting.metrics
        assert set(tweet["public_metrics"]) >= {"bookmark_count", "impression_count"}
        assert tweet["lang"] == sighting.language and tweet["lang"] in {"en", "es", "de", "fr"}
        assert tweet["edit_history_tweet_ids"] == [tweet["id"]] == [tweet["conversation_id"]]
        tags = [h["tag"] for h in tweet.get("entities", {}).get("hashtags", [])]
        assert tags == (["kiddomotion"] if "#kiddomotion" in sighting.text else [])
        user = users[tweet["author_id"]]
        assert user["username"] == sighting.author.username
        assert user["public_metrics"]["followers_count"] == sighting.author.followers


def test_hashtags_mentions_and_from_operators(demo) -> None:
    window = {"start_time": START, "end_time": END, "max_results": 100}
    tagged = [t for b in all_pages(demo, query="#bramblebaby", **window) for t in b.get("data", [])]
    assert tagged and all("#bramblebaby" in t["text"].lower() for t in tagged)
    everyone = [t for b in all_pages(demo, query="Bramble", **window) for t in b.get("data", [])]
    assert len(everyone) == len(truth_ids("bramble-baby")) > len(tagged)
    author = search(demo, query="Bramble", expansions="author_id", **window).json()["includes"]["users"][0]
    for excluded in (author["id"], author["username"]):
        left = [
            t["id"] for b in all_pages(demo, query=f"Bramble -from:{excluded}", **window) for t in b["data"]
        ]
        assert len(left) < len(everyone) and set(left) < {t["id"] for t in everyone}


def test_no_match_is_meta_only(demo) -> None:
    answer = search(demo, query='"no such stroller brand"', start_time=START, end_time=END)
    assert answer.status_code == 200 and answer.json() == {"meta": {"result_count": 0}}


def test_default_page_size_is_ten_and_limits_are_ten_to_hundred(demo) -> None:
    assert search(demo, query=LUMO, start_time=START, end_time=END).json()["meta"]["result_count"] == 10
    for bad in ("9", "101", "x"):
        assert "between 10 and 100" in refused(search(demo, query=LUMO, max_results=bad), "max_results")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (None, "can not be empty"),
        ("", "can not be empty"),
        ("x" * 513, "512"),
        ("lang:en Lumo", "Reference to invalid operator 'lang'"),
        ('"Lumo', "Unterminated quoted phrase"),
        ("(Lumo OR", "Missing closing parenthesis"),
        ("-from:123", "at least one term that is not negated"),
    ],
)
def test_a_missing_long_or_unknown_query_is_a_400_naming_query(demo, query, expected) -> None:
    answer = search(demo, **({"query": query} if query is not None else {}))
    assert expected in refused(answer, "query")


def test_a_512_character_query_is_accepted(demo) -> None:
    query = "Lumo " + " ".join(["-from:1"] * 63) + " " + "x" * (512 - 5 - 63 * 8)
    assert len(query) == 512
    assert search(demo, query=query, start_time=START, end_time=END).status_code == 200


def test_start_time_reaches_back_seven_days_from_todays_midnight(demo) -> None:
    assert search(demo, query=LUMO, start_time="2026-11-13T00:00:00Z", end_time=END).status_code == 200
    message = refused(search(demo, query=LUMO, start_time="2026-11-12T23:59:59Z"), "start_time")
    assert (
        message
        == "Invalid 'start_time':'2026-11-12T23:59Z'. 'start_time' must be on or after 2026-11-13T00:00Z"
    )


def test_end_time_must_be_ten_seconds_before_todays_midnight(demo) -> None:
    assert search(demo, query=LUMO, end_time=END).status_code == 200
    message = refused(search(demo, query=LUMO, end_time="2026-11-19T23:59:51Z"), "end_time")
    assert "must be a minimum of 10 seconds prior to the request time" in message
    assert "after 'start_time'" in refused(
        search(demo, query=LUMO, start_time=END, end_time=START), "end_time"
    )


def test_nothing_from_today_is_served_and_defaults_cover_the_last_seven_days(demo) -> None:
    ids = [t["id"] for b in all_pages(demo, query=LUMO, max_results=100) for t in b["data"]]
    assert ids == truth_ids("lumo", NOW - timedelta(days=7), NOW - timedelta(seconds=30))


def test_answers_carry_rate_limit_headers_and_faults_render_as_x(demo) -> None:
    first = search(demo, query=LUMO)
    assert first.headers["x-rate-limit-limit"] == "450"
    second = search(demo, query=LUMO)
    assert int(second.headers["x-rate-limit-remaining"]) == int(first.headers["x-rate-limit-remaining"]) - 1
    demo.add_faults(SEARCH, ["usage_capped", "rate_limited"])
    capped, limited = search(demo, query=LUMO), search(demo, query=LUMO)
    assert capped.status_code == limited.status_code == 429
    assert capped.json()["type"] == "https://api.twitter.com/2/problems/usage-capped"
    assert limited.json()["title"] == "Too Many Requests" and limited.headers["x-rate-limit-remaining"] == "0"


def test_mention_truth_route_matches_the_generator(demo) -> None:
    rows = requests.get(
        f"{demo.url}/_demo/truth/x/mentions", params={"start": "2026-11-17", "end": "2026-11-18"}, timeout=10
    ).json()
    start, end = datetime(2026, 11, 17, tzinfo=UTC), datetime(2026, 11, 19, tzinfo=UTC)
    expected = truth.search_tweets(start, end, DEMO_TODAY)
    assert [r["id"] for r in rows] == [s.id for s in expected]
    assert {tuple(r["brands"]) for r in rows} >= {("lumo",), ("bramble-baby",), ("kiddo-motion",)}
    assert all(r["followers_count"] == s.author.followers for r, s in zip(rows, expected, strict=True))
