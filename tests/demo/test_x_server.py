"""The demo X API v2 server, over real HTTP: wire format, paging, time bounds, errors, faults, truth."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests

from demo.generator import x as truth
from demo.platforms.x import PLATFORM
from demo.server import DemoServer
from demo.state import DEMO_TOKENS
from tests.conftest import DEMO_TODAY

ACCOUNT = "1447093205118763008"
TOKEN = DEMO_TOKENS["x"]
TWEET_FIELDS = "created_at,public_metrics,attachments,entities,referenced_tweets,conversation_id,lang"
X_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$")
INVALID_REQUEST = "https://api.twitter.com/2/problems/invalid-request"


def get(server: DemoServer, path: str, token: str | None = TOKEN, **params: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{server.url}{path}", params=params, headers=headers, timeout=10)


def timeline(server: DemoServer, **params: Any) -> requests.Response:
    return get(server, f"/2/users/{ACCOUNT}/tweets", **params)


def iso(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def all_pages(server: DemoServer, **params: Any) -> list[list[dict]]:
    pages, token = [], None
    while True:
        body = timeline(server, **params, **({"pagination_token": token} if token else {})).json()
        pages.append(body.get("data", []))
        token = body["meta"].get("next_token")
        if token is None:
            return pages


def test_missing_or_expired_token_is_an_x_401_problem(demo) -> None:
    for token in (None, "expired-demo-token", "not-a-token"):
        answer = get(demo, f"/2/users/{ACCOUNT}", token=token)
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json() == {
            "title": "Unauthorized",
            "type": "about:blank",
            "status": 401,
            "detail": "Unauthorized",
        }
        assert "x-rate-limit-limit" not in answer.headers


def test_every_answer_carries_rate_limit_headers_counting_down(demo) -> None:
    first = get(demo, f"/2/users/{ACCOUNT}")
    second = get(demo, f"/2/users/{ACCOUNT}")
    lookup = get(demo, "/2/tweets", ids="1")
    assert first.headers["x-rate-limit-limit"] == "300" and lookup.headers["x-rate-limit-limit"] == "450"
    assert int(second.headers["x-rate-limit-remaining"]) == int(first.headers["x-rate-limit-remaining"]) - 1
    reset = int(first.headers["x-rate-limit-reset"])
    assert reset % 900 == 0 and time.time() < reset <= time.time() + 900
    invalid = get(demo, "/2/tweets", ids="x")
    assert invalid.status_code == 400 and "x-rate-limit-remaining" in invalid.headers


def test_user_lookup_serves_requested_fields_and_truth(demo) -> None:
    answer = get(demo, f"/2/users/{ACCOUNT}", **{"user.fields": "public_metrics,created_at,verified"})
    snapshot = truth.snapshot(ACCOUNT, DEMO_TODAY)
    assert answer.json() == {
        "data": {
            "public_metrics": snapshot["public_metrics"],
            "created_at": "2021-10-10T06:54:40.000Z",
            "verified": False,
            "id": ACCOUNT,
            "name": "Lumo Strollers",
            "username": "lumostrollers",
        }
    }
    assert snapshot["public_metrics"]["followers_count"] == truth.followers(
        ACCOUNT, DEMO_TODAY - timedelta(days=1)
    )
    assert 5_000 < snapshot["public_metrics"]["followers_count"] < 7_000


def test_unknown_user_is_a_200_with_errors(demo) -> None:
    body = get(demo, "/2/users/12345").json()
    assert body == {
        "errors": [
            {
                "value": "12345",
                "detail": "Could not find user with id: [12345].",
                "title": "Not Found Error",
                "resource_type": "user",
                "parameter": "id",
                "resource_id": "12345",
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
        ]
    }


@pytest.mark.parametrize(
    ("path", "params", "parameter", "message"),
    [
        (
            f"/2/users/{ACCOUNT}",
            {"user.fields": "followers"},
            "user.fields",
            "The `user.fields` query parameter value [followers] is not one of [affiliation,",
        ),
        (
            f"/2/users/{ACCOUNT}/tweets",
            {"max_results": "4"},
            "max_results",
            "The `max_results` query parameter value [4] is not between 5 and 100",
        ),
        (
            f"/2/users/{ACCOUNT}/tweets",
            {"limit": "5"},
            "limit",
            "The query parameter [limit] is not one of [id,since_id,until_id,max_results,",
        ),
        (
            f"/2/users/{ACCOUNT}/tweets",
            {"pagination_token": "nope"},
            "pagination_token",
            "The `pagination_token` query parameter value [nope] is not valid",
        ),
        (
            f"/2/users/{ACCOUNT}/tweets",
            {"start_time": "2026-11-02"},
            "start_time",
            "Invalid 'start_time':'2026-11-02'",
        ),
        (
            f"/2/users/{ACCOUNT}/tweets",
            {"start_time": "2026-11-02T00:00:00Z", "end_time": "2026-11-01T00:00:00Z"},
            "end_time",
            "Invalid 'end_time':'2026-11-01T00:00:00Z'. 'end_time' must be after 'start_time'",
        ),
        (
            "/2/tweets",
            {"ids": "12,abc"},
            "ids",
            "The `ids` query parameter value [abc] does not match ^[0-9]{1,19}$",
        ),
        (
            "/2/tweets",
            {"ids": ",".join(str(n) for n in range(1, 102))},
            "ids",
            "The number of values in the `ids` query parameter list [101] is not between 1 and 100",
        ),
        ("/2/tweets", {}, "ids", "The `ids` query parameter can not be empty"),
    ],
)
def test_invalid_requests_are_400_problems_naming_the_parameter(
    demo, path, params, parameter, message
) -> None:
    answer = get(demo, path, **params)
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["title"] == "Invalid Request" and body["type"] == INVALID_REQUEST
    assert body["detail"] == "One or more parameters to your request was invalid."
    (error,) = body["errors"]
    assert list(error["parameters"]) == [parameter]
    assert error["message"].startswith(message)


def test_end_time_must_be_ten_seconds_in_the_past(demo) -> None:
    too_late = (datetime.now(UTC) - timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = timeline(demo, end_time=too_late)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["message"] == (
        f"Invalid 'end_time':'{too_late}'. "
        "'end_time' must be a minimum of 10 seconds prior to the request time."
    )
    fine = (datetime.now(UTC) - timedelta(seconds=15)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert timeline(demo, end_time=fine).status_code == 200


def test_timeline_pages_newest_first_and_omits_next_token_on_the_last_page(demo) -> None:
    params = {
        "start_time": iso(date(2026, 10, 1)),
        "end_time": iso(date(2026, 11, 1)),
        "exclude": "retweets,replies",
        "tweet.fields": TWEET_FIELDS,
        "max_results": 7,
    }
    pages = all_pages(demo, **params)
    assert len(pages) > 3 and all(len(page) == 7 for page in pages[:-1]) and 1 <= len(pages[-1]) <= 7
    paged = [tweet for page in pages for tweet in page]
    whole = timeline(demo, **{**params, "max_results": 100}).json()
    assert "next_token" not in whole["meta"]
    assert paged == whole["data"]
    assert whole["meta"] == {
        "result_count": len(paged),
        "newest_id": paged[0]["id"],
        "oldest_id": paged[-1]["id"],
    }
    ids = [int(tweet["id"]) for tweet in paged]
    assert ids == sorted(ids, reverse=True)
    expected = truth.original_tweets(ACCOUNT, date(2026, 10, 1), date(2026, 10, 31), DEMO_TODAY)
    assert sorted(t["id"] for t in paged) == sorted(t.id for t in expected)
    for tweet in paged:
        assert X_TIME.match(tweet["created_at"])
        assert tweet["edit_history_tweet_ids"] == [tweet["id"]] and tweet["lang"] == "en"
        created = datetime.fromisoformat(tweet["created_at"].replace("Z", "+00:00"))
        assert abs((truth.snowflake_time(tweet["id"]) - created).total_seconds()) < 1


def test_previous_token_pages_back(demo) -> None:
    params = {"start_time": iso(date(2026, 10, 1)), "end_time": iso(date(2026, 11, 1)), "max_results": 5}
    first = timeline(demo, **params).json()
    assert "previous_token" not in first["meta"]
    second = timeline(demo, **params, pagination_token=first["meta"]["next_token"]).json()
    back = timeline(demo, **params, pagination_token=second["meta"]["previous_token"]).json()
    assert back["data"] == first["data"]


def test_exclude_leaves_out_replies_and_retweets_but_keeps_quotes(demo) -> None:
    params = {"start_time": iso(date(2026, 10, 1)), "end_time": iso(date(2026, 11, 1)), "max_results": 100}
    params["tweet.fields"] = "referenced_tweets,in_reply_to_user_id"
    everything = [t for page in all_pages(demo, **params) for t in page]
    own = [t for page in all_pages(demo, **params, exclude="retweets,replies") for t in page]
    kinds = {ref["type"] for t in everything for ref in t.get("referenced_tweets", [])}
    assert kinds == {"replied_to", "retweeted", "quoted"}
    assert any(t["text"].startswith("RT @") for t in everything)
    assert all("in_reply_to_user_id" in t for t in everything if t["text"].startswith("@"))
    own_kinds = {ref["type"] for t in own for ref in t.get("referenced_tweets", [])}
    assert own_kinds == {"quoted"}
    assert len(own) < len(everything)


def test_start_time_is_inclusive_and_end_time_exclusive(demo) -> None:
    tweet = truth.original_tweets(ACCOUNT, date(2026, 11, 5), date(2026, 11, 5), DEMO_TODAY)[0]
    at = tweet.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    after = (tweet.created_at + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    starting = timeline(demo, start_time=at, end_time=after).json()
    assert [t["id"] for t in starting["data"]] == [tweet.id]
    ending = timeline(demo, start_time=iso(date(2026, 11, 5)), end_time=at).json()
    assert tweet.id not in [t["id"] for t in ending.get("data", [])]


def test_nothing_from_today_and_an_empty_window_has_only_meta(demo) -> None:
    body = timeline(demo, start_time=iso(DEMO_TODAY - timedelta(days=1)), max_results=100).json()
    assert body["data"] and all(t["id"] for t in body["data"])
    assert max(truth.snowflake_time(t["id"]) for t in body["data"]).date() < DEMO_TODAY
    empty = timeline(demo, start_time=iso(date(2023, 1, 1)), end_time=iso(date(2023, 2, 1)))
    assert empty.json() == {"meta": {"result_count": 0}}


def test_media_expansion_gives_each_key_a_type(demo) -> None:
    params = {
        "start_time": iso(date(2026, 9, 1)),
        "end_time": iso(date(2026, 11, 1)),
        "max_results": 100,
        "exclude": "retweets,replies",
        "tweet.fields": "attachments,entities",
        "expansions": "attachments.media_keys",
        "media.fields": "type,url,width",
    }
    body = timeline(demo, **params).json()
    media = {m["media_key"]: m for m in body["includes"]["media"]}
    keys = [k for t in body["data"] for k in t.get("attachments", {}).get("media_keys", [])]
    assert sorted(keys) == sorted(media)
    assert {m["type"] for m in media.values()} == {"photo", "video", "animated_gif"}
    assert all(("url" in m) == (m["type"] == "photo") and "width" in m for m in media.values())
    prefixes = {m["type"]: k.split("_")[0] for k, m in media.items()}
    assert prefixes == {"photo": "3", "video": "7", "animated_gif": "16"}
    with_media = [t for t in body["data"] if t.get("attachments")]
    assert all(any("media_key" in u for u in t["entities"]["urls"]) for t in with_media)
    links = [
        u
        for t in body["data"]
        if not t.get("attachments")
        for u in t.get("entities", {}).get("urls", [])
        if "unwound_url" in u
    ]
    assert links and all(u["expanded_url"].startswith("https://") for u in links)


def test_text_escapes_html_characters_like_x(demo) -> None:
    tweet = next(
        t
        for day in truth.days(date(2025, 1, 1), date(2026, 11, 19))
        for t in truth.tweets_on(ACCOUNT, day)
        if t.is_original and "<" in t.text and t.exists_on(DEMO_TODAY)
    )
    body = get(demo, "/2/tweets", ids=tweet.id).json()
    served = body["data"][0]["text"]
    assert "<" not in served and "&lt;" in served
    assert served.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == tweet.text


def test_lookup_keeps_order_and_reports_deleted_ids_beside_the_data(demo) -> None:
    live = truth.original_tweets(ACCOUNT, date(2026, 11, 10), date(2026, 11, 12), DEMO_TODAY)
    gone = next(
        t
        for day in truth.days(date(2025, 1, 1), date(2026, 11, 12))
        for t in truth.tweets_on(ACCOUNT, day)
        if t.deleted_on is not None and t.deleted_on <= DEMO_TODAY
    )
    ids = [live[1].id, gone.id, live[0].id]
    body = get(demo, "/2/tweets", ids=",".join(ids), **{"tweet.fields": "public_metrics,created_at"}).json()
    assert [t["id"] for t in body["data"]] == [live[1].id, live[0].id]
    assert body["data"][0]["public_metrics"] == live[1].metrics(DEMO_TODAY).as_public_metrics()
    assert body["errors"] == [
        {
            "value": gone.id,
            "detail": f"Could not find tweet with ids: [{gone.id}].",
            "title": "Not Found Error",
            "resource_type": "tweet",
            "parameter": "ids",
            "resource_id": gone.id,
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        }
    ]
    before_deletion = get(demo, "/2/tweets", ids=gone.id).json()
    assert "data" not in before_deletion and len(before_deletion["errors"]) == 1


def test_counters_grow_for_three_days(demo) -> None:
    tweet = truth.original_tweets(ACCOUNT, date(2026, 11, 1), date(2026, 11, 1), DEMO_TODAY)[0]
    values = [tweet.metrics(tweet.created_date + timedelta(days=n)).impression_count for n in range(5)]
    assert (
        values[0] == 0
        and values[0] < values[1] < values[2] < values[3] == values[4] == tweet.final.impression_count
    )


def test_faults_render_in_x_wire_format(demo) -> None:
    demo.add_faults("/2/", ["rate_limited", "usage_capped", "unknown_metric", "error_500", "error_503"])
    limited = get(demo, f"/2/users/{ACCOUNT}")
    assert limited.status_code == 429
    assert limited.json() == {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }
    assert limited.headers["x-rate-limit-remaining"] == "0"
    assert time.time() < int(limited.headers["x-rate-limit-reset"]) <= time.time() + 3

    capped = get(demo, f"/2/users/{ACCOUNT}/tweets")
    assert capped.status_code == 429
    assert capped.json() == {
        "title": "UsageCapExceeded",
        "detail": "Usage cap exceeded: Monthly product cap",
        "type": "https://api.twitter.com/2/problems/usage-capped",
        "period": "Monthly",
        "scope": "Product",
    }
    assert capped.headers["x-rate-limit-remaining"] != "0"

    unknown = get(demo, "/2/tweets", ids="1")
    assert unknown.status_code == 400 and unknown.json()["type"] == INVALID_REQUEST
    assert unknown.json()["errors"][0]["parameters"] == {"tweet.fields": ["impression_count"]}

    assert get(demo, "/2/tweets", ids="1").json()["title"] == "Internal Server Error"
    unavailable = get(demo, "/2/tweets", ids="1")
    assert unavailable.status_code == 503 and "x-rate-limit-limit" not in unavailable.headers


def test_same_request_gives_same_body_across_instances(demo) -> None:
    params = {
        "start_time": iso(date(2026, 10, 1)),
        "end_time": iso(date(2026, 10, 20)),
        "tweet.fields": TWEET_FIELDS,
        "expansions": "attachments.media_keys",
        "media.fields": "type",
    }
    with DemoServer(today=DEMO_TODAY) as other:
        assert timeline(demo, **params).text == timeline(other, **params).text
        assert get(demo, f"/2/users/{ACCOUNT}").text == get(other, f"/2/users/{ACCOUNT}").text


def test_claims_only_the_v2_prefix_and_unknown_paths_are_404(demo) -> None:
    assert PLATFORM.claims("/2/users/1") and PLATFORM.claims("/2")
    assert (
        not PLATFORM.claims("/20/users") and not PLATFORM.claims("/v2.0/x") and not PLATFORM.claims("/rest/2")
    )
    missing = get(demo, "/2/spaces/search")
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == 34


def test_truth_routes_match_the_generator(demo) -> None:
    base = f"{demo.url}/_demo/truth/x"
    assert requests.get(f"{base}/accounts", timeout=5).json() == truth.accounts()
    params = {"account_id": ACCOUNT, "start": "2026-11-10", "end": "2026-11-12"}
    daily = requests.get(f"{base}/account_daily", params=params, timeout=5).json()
    expected = truth.account_daily(ACCOUNT, date(2026, 11, 10), date(2026, 11, 12), DEMO_TODAY)
    assert [d["engagements"] for d in daily] == [d["engagements"] for d in expected]
    posts = requests.get(f"{base}/posts", params=params, timeout=5).json()
    assert [p["id"] for p in posts] == [
        p["id"] for p in truth.posts(ACCOUNT, date(2026, 11, 10), date(2026, 11, 12), DEMO_TODAY)
    ]
    snapshot = requests.get(f"{base}/snapshot", params={"account_id": ACCOUNT}, timeout=5).json()
    assert snapshot == truth.snapshot(ACCOUNT, DEMO_TODAY)
    assert requests.get(f"{base}/snapshot", params={"account_id": "1"}, timeout=5).status_code == 404
