"""The demo Reddit Data API, over real HTTP: token grant, wire format, search, paging, limits, faults."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests

from demo.generator import mentions as truth
from demo.platforms.reddit import rate_windows
from demo.server import DemoServer
from demo.state import DEMO_REDDIT_CLIENT_ID, DEMO_REDDIT_CLIENT_SECRET, DEMO_TOKENS
from tests.conftest import DEMO_TODAY

TOKEN = DEMO_TOKENS["reddit"]
AGENT = "python:lumo-tests:1.0 (by /u/lumo_data)"
LUMO = '"Lumo Strollers" OR "Lumo stroller" OR #lumostrollers OR @lumostrollers'
EVERY_BRAND = "Lumo OR Bramble OR Kiddo"
MIDNIGHT = datetime.combine(DEMO_TODAY, datetime.min.time(), UTC)
POST_FIELDS = {
    "id",
    "name",
    "subreddit",
    "subreddit_name_prefixed",
    "title",
    "selftext",
    "author",
    "author_fullname",
    "created_utc",
    "score",
    "ups",
    "num_comments",
    "permalink",
    "url",
    "is_self",
    "subreddit_subscribers",
    "over_18",
    "domain",
}


def grant(
    server: DemoServer,
    client: tuple[str, str] | None = (DEMO_REDDIT_CLIENT_ID, DEMO_REDDIT_CLIENT_SECRET),
    agent: str | None = AGENT,
    grant_type: str = "client_credentials",
) -> requests.Response:
    return requests.post(
        f"{server.url}/api/v1/access_token",
        auth=client,
        data={"grant_type": grant_type},
        headers={"User-Agent": agent},
        timeout=10,
    )


def get(
    server: DemoServer, path: str, token: str | None = TOKEN, agent: str | None = AGENT, **params: Any
) -> requests.Response:
    headers = {"User-Agent": agent, "Authorization": f"bearer {token}" if token else None}
    return requests.get(f"{server.url}{path}", params=params, headers=headers, timeout=30)


def search(server: DemoServer, path: str = "/search", **params: Any) -> dict[str, Any]:
    answer = get(server, path, **{"sort": "new", "raw_json": 1, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()


def every_page(server: DemoServer, path: str = "/search", **params: Any) -> list[dict[str, Any]]:
    """The ``data`` of every child, paging with ``after`` until it is null."""
    posts, after = [], None
    while True:
        body = search(server, path, **params, **({"after": after} if after else {}))
        posts += [child["data"] for child in body["data"]["children"]]
        after = body["data"]["after"]
        if after is None:
            return posts


def expected(brand: str, since: datetime | None = None, subreddit: str | None = None) -> list[truth.Sighting]:
    """The brand's posts served today, newest first (what ``sort=new`` lists)."""
    return [
        post
        for post in truth.reddit_posts(DEMO_TODAY)
        if brand in post.brands
        and (since is None or post.created_at >= since)
        and (subreddit is None or post.subreddit == subreddit)
    ]


def test_token_grant_for_the_app_credentials(demo) -> None:
    answer = grant(demo)
    assert answer.status_code == 200
    assert answer.json() == {"access_token": TOKEN, "token_type": "bearer", "expires_in": 3600, "scope": "*"}
    assert "x-ratelimit-used" not in answer.headers


@pytest.mark.parametrize(
    "client", [None, (DEMO_REDDIT_CLIENT_ID, "wrong-secret"), ("other-app", DEMO_REDDIT_CLIENT_SECRET)]
)
def test_token_grant_refuses_wrong_credentials(demo, client) -> None:
    answer = grant(demo, client)
    assert answer.status_code == 401
    assert answer.json() == {"message": "Unauthorized", "error": 401}


def test_token_grant_names_an_unsupported_grant_type(demo) -> None:
    answer = grant(demo, grant_type="password")
    assert answer.status_code == 200 and answer.json() == {"error": "unsupported_grant_type"}


def test_search_needs_a_valid_bearer_token(demo) -> None:
    for token in (None, "expired-demo-token", "not-a-token"):
        answer = get(demo, "/search", token=token, q=LUMO)
        assert answer.status_code == 401
        assert answer.json() == {"message": "Unauthorized", "error": 401}
        assert "x-ratelimit-remaining" not in answer.headers


@pytest.mark.parametrize("agent", [None, "", "python-requests/2.32.3", "curl/8.5.0"])
def test_generic_user_agents_are_throttled(demo, agent) -> None:
    for answer in (get(demo, "/search", agent=agent, q=LUMO), grant(demo, agent=agent)):
        assert answer.status_code == 429
        assert answer.json() == {"message": "Too Many Requests", "error": 429}
    assert get(demo, "/search", q=LUMO).status_code == 200


def test_rate_limit_headers_count_down_on_every_answer(demo) -> None:
    first, second = get(demo, "/search", q=LUMO), get(demo, "/r/Parenting/search", q=LUMO)
    used = int(first.headers["x-ratelimit-used"])
    assert int(second.headers["x-ratelimit-used"]) == used + 1
    assert first.headers["x-ratelimit-remaining"] == f"{600 - used:.1f}"
    assert second.headers["x-ratelimit-remaining"] == f"{600 - used - 1:.1f}"
    assert 0 < int(first.headers["x-ratelimit-reset"]) <= 600
    missing = get(demo, "/r/NoSuchSub/search", q=LUMO)
    assert missing.status_code == 404 and "x-ratelimit-remaining" in missing.headers


def test_a_spent_window_answers_429_until_it_resets() -> None:
    with DemoServer(today=DEMO_TODAY) as server:
        rate_windows(server.state).configure(limit=2, window_seconds=600)
        answers = [get(server, "/search", q=LUMO, t="day") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["1.0", "0.0", "0.0"]
    assert answers[2].json() == {"message": "Too Many Requests", "error": 429}
    assert 0 < int(answers[2].headers["x-ratelimit-reset"]) <= 600


def test_listing_wire_format_and_posts_equal_truth(demo) -> None:
    since = MIDNIGHT - timedelta(days=30)
    body = search(demo, q=LUMO, t="month", limit=100)
    assert body["kind"] == "Listing"
    assert set(body["data"]) == {"after", "before", "dist", "modhash", "children"}
    assert body["data"]["before"] is None and body["data"]["modhash"] == ""
    children = body["data"]["children"]
    assert body["data"]["dist"] == len(children) and {c["kind"] for c in children} == {"t3"}
    posts = [c["data"] for c in children]
    wanted = expected("lumo", since)
    assert 30 < len(wanted) < 100
    assert [p["id"] for p in posts] == [s.id for s in wanted]
    assert body["data"]["after"] is None
    for post, sighting in zip(posts, wanted, strict=True):
        assert POST_FIELDS <= set(post) <= POST_FIELDS | {"crosspost_parent"}
        assert post["name"] == f"t3_{sighting.id}"
        assert isinstance(post["created_utc"], float)
        assert post["created_utc"] == sighting.created_at.timestamp()
        assert (
            post["subreddit"] == sighting.subreddit
            and post["subreddit_name_prefixed"] == f"r/{sighting.subreddit}"
        )
        assert post["subreddit_subscribers"] == sighting.subscribers
        assert post["score"] == post["ups"] == sighting.metrics["score"]
        assert post["num_comments"] == sighting.metrics["num_comments"]
        assert post["title"] == sighting.title and post["url"] == sighting.url
        assert post["author"] == sighting.author.username and post["author_fullname"].startswith("t2_")
        assert post["permalink"].startswith(f"/r/{sighting.subreddit}/comments/{sighting.id}/")
        assert post.get("crosspost_parent") == sighting.crosspost_parent
        if sighting.is_self:
            assert post["is_self"] and post["selftext"] == sighting.text
            assert post["url"] == f"https://www.reddit.com{post['permalink']}"
            assert post["domain"] == f"self.{sighting.subreddit}"
        else:
            assert not post["is_self"] and post["selftext"] == ""
            assert "utm_source=reddit" in post["url"] and not post["domain"].startswith("www.")
    assert {p["is_self"] for p in posts} == {True, False}, "self posts and link posts"


def test_crossposts_name_their_parent(demo) -> None:
    posts = every_page(demo, q=EVERY_BRAND, limit=100, t="month")
    by_name = {p["name"]: p for p in posts}
    crossposts = [p for p in posts if "crosspost_parent" in p]
    assert crossposts, "the demo crossposts about a quarter of shared articles"
    for post in crossposts:
        parent = by_name[post["crosspost_parent"]]
        assert parent["url"] == post["url"] and parent["subreddit"] != post["subreddit"]
        assert parent["created_utc"] < post["created_utc"]


def test_paging_with_after_gives_the_same_posts_as_one_page(demo) -> None:
    one = search(demo, q=LUMO, t="month", limit=100)["data"]["children"]
    first = search(demo, q=LUMO, t="month", limit=10)
    assert (
        first["data"]["dist"] == 10
        and first["data"]["after"] == first["data"]["children"][-1]["data"]["name"]
    )
    paged = every_page(demo, q=LUMO, t="month", limit=10)
    assert [p["id"] for p in paged] == [c["data"]["id"] for c in one]
    gone = search(demo, q=LUMO, t="month", after="t3_zzzzzzzz")
    assert gone["data"]["children"] == [] and gone["data"]["after"] is None


def test_limit_defaults_to_25_and_is_cut_to_100(demo) -> None:
    assert search(demo, q=EVERY_BRAND)["data"]["dist"] == 25
    assert search(demo, q=EVERY_BRAND, limit=500)["data"]["dist"] == 100


def test_listings_end_at_the_cap(demo) -> None:
    everything = truth.reddit_posts(DEMO_TODAY)
    assert len(everything) > truth.REDDIT_LISTING_CAP
    posts = every_page(demo, q=EVERY_BRAND, limit=100, t="all")
    assert len(posts) == truth.REDDIT_LISTING_CAP
    assert [p["id"] for p in posts] == [s.id for s in everything[: truth.REDDIT_LISTING_CAP]]


@pytest.mark.parametrize(
    ("t", "span"), [("hour", timedelta(hours=1)), ("day", timedelta(days=1)), ("week", timedelta(days=7))]
)
def test_time_filter_counts_back_from_today_midnight(demo, t, span) -> None:
    posts = every_page(demo, q=EVERY_BRAND, limit=100, t=t)
    created = [p["created_utc"] for p in posts]
    wanted = [s for s in truth.reddit_posts(DEMO_TODAY) if s.created_at >= MIDNIGHT - span]
    assert created == [s.created_at.timestamp() for s in wanted]
    assert all(c < MIDNIGHT.timestamp() for c in created), "nothing from today is served"


def test_sort_new_is_newest_first_and_top_is_by_score(demo) -> None:
    new = every_page(demo, q=EVERY_BRAND, limit=100, t="week")
    top = every_page(demo, q=EVERY_BRAND, limit=100, t="week", sort="top")
    assert [p["created_utc"] for p in new] == sorted((p["created_utc"] for p in new), reverse=True)
    assert [p["score"] for p in top] == sorted((p["score"] for p in top), reverse=True)
    assert {p["id"] for p in new} == {p["id"] for p in top} and new != top


def test_query_terms_and_or_match_title_and_text(demo) -> None:
    bramble = every_page(demo, q='"bramble baby"', limit=100, t="month")
    assert [p["id"] for p in bramble] == [
        s.id for s in expected("bramble-baby", MIDNIGHT - timedelta(days=30))
    ]
    both = every_page(demo, q='"Bramble Baby" OR "Kiddo Motion"', limit=100, t="month")
    assert len(both) == len(bramble) + len(expected("kiddo-motion", MIDNIGHT - timedelta(days=30)))
    narrow = every_page(demo, q='"Bramble Baby" refund', limit=100, t="month")
    assert narrow and all("refund" in (p["title"] + p["selftext"]).lower() for p in narrow)
    assert len(narrow) < len(bramble)
    assert search(demo, q="nosuchbrandanywhere", t="all")["data"]["children"] == []


def test_subreddit_search_is_restricted_only_with_restrict_sr(demo) -> None:
    since = MIDNIGHT - timedelta(days=30)
    inside = every_page(demo, "/r/parenting/search", q=LUMO, t="month", limit=100, restrict_sr=1)
    assert [p["id"] for p in inside] == [s.id for s in expected("lumo", since, "Parenting")]
    assert inside and {p["subreddit"] for p in inside} == {"Parenting"}
    everywhere = every_page(demo, "/r/Parenting/search", q=LUMO, t="month", limit=100)
    assert [p["id"] for p in everywhere] == [s.id for s in expected("lumo", since)]
    missing = get(demo, "/r/NoSuchSub/search", q=LUMO, restrict_sr=1)
    assert missing.status_code == 404 and missing.json() == {"message": "Not Found", "error": 404}


def test_without_raw_json_markup_comes_escaped(demo) -> None:
    hostile = next(
        s for s in truth.reddit_posts(DEMO_TODAY) if s.is_self and "<" in s.text and '"' not in s.title[:30]
    )
    query = {"q": f'"{hostile.title[:30]}"', "t": "all", "limit": 100}
    raw = next(p for p in every_page(demo, **query) if p["id"] == hostile.id)
    escaped = next(
        c["data"]
        for c in get(demo, "/search", sort="new", **query).json()["data"]["children"]
        if c["data"]["id"] == hostile.id
    )
    assert raw["selftext"] == hostile.text
    assert escaped["selftext"] == hostile.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_only_link_results_are_posts(demo) -> None:
    assert search(demo, q=LUMO, t="month", type="sr")["data"]["children"] == []
    assert search(demo, q=LUMO, t="month", type="sr,link")["data"]["children"]


@pytest.mark.parametrize(
    ("fault", "status", "body"),
    [
        ("rate_limited", 429, {"message": "Too Many Requests", "error": 429}),
        ("error_500", 500, {"message": "Internal Server Error", "error": 500}),
        ("expired_token", 401, {"message": "Unauthorized", "error": 401}),
    ],
)
def test_json_faults(demo, fault, status, body) -> None:
    demo.add_faults("/search", [fault])
    answer = get(demo, "/search", q=LUMO)
    assert answer.status_code == status and answer.json() == body
    if fault == "rate_limited":
        assert answer.headers["x-ratelimit-remaining"] == "0.0"
        assert answer.headers["x-ratelimit-reset"] == "1"
    assert get(demo, "/search", q=LUMO).status_code == 200, "a fault is used once"


def test_outage_and_truncated_answers(demo) -> None:
    demo.add_faults("/search", ["error_503", "malformed_json"])
    outage = get(demo, "/search", q=LUMO)
    assert outage.status_code == 503 and outage.headers["content-type"].startswith("text/html")
    truncated = get(demo, "/search", q=LUMO, t="week")
    assert truncated.status_code == 200
    with pytest.raises(ValueError):
        truncated.json()


def test_truth_over_http_equals_python_truth(demo) -> None:
    start = date(2026, 11, 10)
    served = requests.get(
        f"{demo.url}/_demo/truth/reddit/posts",
        params={"brand": "kiddo-motion", "start": start.isoformat()},
        timeout=30,
    ).json()
    wanted = [
        s
        for s in truth.reddit_posts(DEMO_TODAY)
        if "kiddo-motion" in s.brands and s.created_at.date() >= start
    ]
    assert [p["id"] for p in served] == [s.id for s in wanted] and served
    assert {p["_key"] for p in served} == {s.key for s in wanted}
    unknown = requests.get(
        f"{demo.url}/_demo/truth/reddit/posts",
        params={"brand": "acme", "start": start.isoformat()},
        timeout=30,
    )
    assert unknown.status_code == 404 and "kiddo-motion" in unknown.text


def test_request_log_shows_the_search_but_not_the_token(demo) -> None:
    search(demo, q=LUMO, t="day")
    entry = demo.requests()[-1]
    assert entry["path"] == "/search" and entry["query"]["q"] == LUMO
    assert TOKEN not in str(demo.requests())
