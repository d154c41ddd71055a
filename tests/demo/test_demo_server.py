"""The demo API server, over real HTTP: Graph wire format, determinism, paging, errors, faults, truth."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from demo.generator import facebook_pages as truth
from demo.generator.common import pacific_day
from demo.server import DemoServer
from demo.state import DEMO_FACEBOOK_TOKEN

TODAY = date(2026, 11, 20)
TOKEN = DEMO_FACEBOOK_TOKEN
MAIN, UK = "104729381726354", "187263549910273"
POST_FIELDS = (
    "id,created_time,message,permalink_url,status_type,shares,"
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),"
    "insights.metric(post_media_view,post_total_media_view_unique,post_clicks,post_reactions_by_type_total)"
)


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(today=TODAY) as running:
        yield running


@pytest.fixture(autouse=True)
def clean(server: DemoServer) -> None:
    server.clear_faults()
    server.clear_requests()


def graph(server: DemoServer, path: str, token: str | None = TOKEN, **params: object) -> requests.Response:
    if token is not None:
        params["access_token"] = token
    return requests.get(f"{server.url}/v21.0/{path}", params=params, timeout=5)


def unix(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def test_health(server: DemoServer) -> None:
    assert requests.get(f"{server.url}/_demo/health", timeout=5).json() == {
        "status": "ok",
        "today": "2026-11-20",
    }


def test_same_request_gives_same_body_twice_and_across_instances(server: DemoServer) -> None:
    calls = [
        (MAIN, {"fields": "id,name,followers_count,fan_count,link"}),
        (
            f"{MAIN}/insights",
            {"metric": "page_media_view,page_follows", "since": "2026-10-01", "until": "2026-11-20"},
        ),
        (f"{UK}/published_posts", {"fields": POST_FIELDS, "limit": 7, "since": unix(date(2026, 9, 1))}),
    ]
    with DemoServer(today=TODAY) as other:
        for path, params in calls:
            first, second = graph(server, path, **params), graph(server, path, **params)
            third = graph(other, path, **params)
            assert first.status_code == 200
            assert first.text == second.text
            assert first.text.replace(server.url, "BASE") == third.text.replace(other.url, "BASE")


def test_page_node_has_only_requested_fields_and_matches_truth(server: DemoServer) -> None:
    body = graph(server, MAIN, fields="name,followers_count,fan_count,link").json()
    snapshot = truth.page_snapshot(MAIN, TODAY)
    assert list(body) == ["name", "followers_count", "fan_count", "link", "id"]
    assert (
        body["followers_count"]
        == snapshot["followers_count"]
        == truth.followers(MAIN, TODAY - timedelta(days=1))
    )
    assert body["fan_count"] == snapshot["fan_count"] < body["followers_count"]
    assert graph(server, UK).json() == {"name": "Lumo Strollers UK", "id": UK}


def test_insights_end_time_follows_pacific_midnight_across_dst(server: DemoServer) -> None:
    body = graph(
        server,
        f"{MAIN}/insights",
        metric="page_follows,page_media_view",
        period="day",
        since="2026-10-31",
        until="2026-11-02",
    ).json()
    rows = truth.account_daily(MAIN, date(2026, 10, 31), date(2026, 11, 1))
    follows, views = body["data"]
    assert [v["end_time"] for v in follows["values"]] == [
        "2026-11-01T07:00:00+0000",
        "2026-11-02T08:00:00+0000",
    ]
    assert [v["value"] for v in follows["values"]] == [row["followers"] for row in rows]
    assert [v["value"] for v in views["values"]] == [row["views"] for row in rows]
    assert follows["id"] == f"{MAIN}/insights/page_follows/day"
    assert set(follows) == {"name", "period", "values", "title", "description", "id"}


def test_insights_until_is_exclusive_and_stops_before_today(server: DemoServer) -> None:
    by_date = graph(
        server, f"{MAIN}/insights", metric="page_daily_follows_unique", since="2026-11-15", until="2026-11-25"
    ).json()
    since = int(datetime(2026, 11, 15, 8, tzinfo=UTC).timestamp())
    until = int(datetime(2026, 11, 25, 8, tzinfo=UTC).timestamp())
    by_unix = graph(
        server, f"{MAIN}/insights", metric="page_daily_follows_unique", since=since, until=until
    ).json()
    values = by_date["data"][0]["values"]
    assert values == by_unix["data"][0]["values"]
    assert [v["end_time"][:10] for v in values] == [
        "2026-11-16",
        "2026-11-17",
        "2026-11-18",
        "2026-11-19",
        "2026-11-20",
    ]
    window = graph(
        server, f"{MAIN}/insights", metric="page_daily_follows_unique", since="2026-11-10", until="2026-11-12"
    ).json()
    assert [v["end_time"][:10] for v in window["data"][0]["values"]] == ["2026-11-11", "2026-11-12"]


def test_insights_paging_shifts_the_window_and_keeps_offering_next(server: DemoServer) -> None:
    body = graph(
        server, f"{MAIN}/insights", metric="page_follows", since="2026-11-10", until="2026-11-17"
    ).json()
    next_params = parse_qs(urlparse(body["paging"]["next"]).query)
    previous_params = parse_qs(urlparse(body["paging"]["previous"]).query)
    assert next_params["since"] == [str(int(datetime(2026, 11, 17, 8, tzinfo=UTC).timestamp()))]
    assert previous_params["until"] == [str(int(datetime(2026, 11, 10, 8, tzinfo=UTC).timestamp()))]
    future = requests.get(body["paging"]["next"], timeout=5).json()
    assert [v["end_time"][:10] for v in future["data"][0]["values"]] == [
        "2026-11-18",
        "2026-11-19",
        "2026-11-20",
    ]
    further = requests.get(future["paging"]["next"], timeout=5).json()
    assert further["data"][0]["values"] == [] and "next" in further["paging"]


def test_insights_metric_rules(server: DemoServer) -> None:
    retired = graph(server, f"{MAIN}/insights", metric="page_media_view,page_impressions,page_follows")
    assert retired.status_code == 400
    assert retired.json()["error"]["code"] == 100
    assert retired.json()["error"]["message"] == "(#100) The value must be a valid insights metric"
    mixed = graph(server, f"{MAIN}/insights", metric="page_media_view,page_video_views_by_color").json()
    assert [result["name"] for result in mixed["data"]] == ["page_media_view"]
    assert graph(server, f"{MAIN}/insights", metric="page_video_views_by_color").json() == {"data": []}
    missing = graph(server, f"{MAIN}/insights").json()["error"]
    assert (missing["code"], missing["error_subcode"]) == (3001, 1504028)
    too_long = graph(
        server, f"{MAIN}/insights", metric="page_follows", since="2026-01-01", until="2026-11-01"
    )
    assert too_long.status_code == 400 and "90 days" in too_long.json()["error"]["message"]


def collect_posts(server: DemoServer, account: str, since: date, until: date, limit: int) -> list[dict]:
    pages = []
    response = graph(
        server,
        f"{account}/published_posts",
        fields=POST_FIELDS,
        limit=limit,
        since=unix(since),
        until=unix(until),
    )
    while True:
        body = response.json()
        pages.append(body)
        if "next" not in body.get("paging", {}):
            return pages
        assert parse_qs(urlparse(body["paging"]["next"]).query)["after"] == [
            body["paging"]["cursors"]["after"]
        ]
        response = requests.get(body["paging"]["next"], timeout=5)


def test_posts_paging_returns_exactly_the_truth(server: DemoServer) -> None:
    pages = collect_posts(server, MAIN, date(2026, 10, 20), date(2026, 11, 20), limit=5)
    served = [post for page in pages for post in page["data"]]
    expected = truth.posts(MAIN, date(2026, 10, 20), date(2026, 11, 19), as_of=TODAY)
    assert len(pages) > 2
    assert all(len(page["data"]) == 5 for page in pages[:-1])
    assert len(server.requests()) == len(pages)
    assert [post["id"] for post in served] == [row["id"] for row in reversed(expected)]
    for post, row in zip(served, reversed(expected), strict=True):
        insights = {item["name"]: item["values"][0]["value"] for item in post["insights"]["data"]}
        assert post["created_time"] == row["created_time"].strftime("%Y-%m-%dT%H:%M:%S+0000")
        assert post["message"] == row["message"] and post["status_type"] == row["status_type"]
        assert post["reactions"]["summary"]["total_count"] == row["reactions"]
        assert post["comments"]["summary"]["total_count"] == row["comments"]
        assert post.get("shares", {"count": 0})["count"] == row["shares"]
        assert ("shares" in post) == (row["shares"] > 0)
        assert insights["post_media_view"] == row["views"]
        assert insights["post_total_media_view_unique"] == row["reach"]
        assert insights["post_clicks"] == row["clicks"]
        assert insights["post_reactions_by_type_total"] == {
            k: v for k, v in row["reactions_by_type"].items() if v
        }


def test_posts_stop_at_today_and_empty_window_has_no_paging(server: DemoServer) -> None:
    body = graph(
        server,
        f"{MAIN}/published_posts",
        limit=100,
        since=unix(TODAY - timedelta(days=3)),
        until=unix(TODAY + timedelta(days=5)),
    ).json()
    assert body["data"]
    assert all(post["created_time"] < "2026-11-20" for post in body["data"])
    assert set(body["data"][0]) == {"created_time", "message", "id"}
    assert graph(server, f"{MAIN}/published_posts", since=unix(TODAY)).json() == {"data": []}


def test_retired_post_metric_fails_the_request(server: DemoServer) -> None:
    response = graph(
        server, f"{MAIN}/published_posts", fields="id,insights.metric(post_clicks,post_impressions)"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == 100


def test_auth_and_unknown_object_errors(server: DemoServer) -> None:
    missing = graph(server, MAIN, token=None)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == 104
    expired = graph(server, MAIN, token="expired-demo-token")
    error = expired.json()["error"]
    assert expired.status_code == 400 and (error["code"], error["error_subcode"]) == (190, 463)
    assert error["type"] == "OAuthException" and error["fbtrace_id"]
    assert expired.headers["WWW-Authenticate"].startswith(
        'OAuth "Facebook Platform" "invalid_token" "Error validating access token: Session has expired'
    )
    invalid = graph(server, MAIN, token="nope").json()["error"]
    assert (invalid["code"], invalid["error_subcode"]) == (190, 467)
    bearer = requests.get(
        f"{server.url}/v25.0/{MAIN}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
    )
    assert bearer.status_code == 200 and bearer.headers["facebook-api-version"] == "v25.0"
    unknown = graph(server, "123456789").json()["error"]
    assert (unknown["code"], unknown["error_subcode"]) == (100, 33) and "'123456789'" in unknown["message"]


def test_usage_headers_on_every_graph_answer(server: DemoServer) -> None:
    for response in (graph(server, MAIN), graph(server, MAIN, token="nope")):
        assert set(json.loads(response.headers["X-App-Usage"])) == {
            "call_count",
            "total_time",
            "total_cputime",
        }
        (usage,) = json.loads(response.headers["X-Business-Use-Case-Usage"])[MAIN]
        assert usage["type"] == "pages" and usage["estimated_time_to_regain_access"] == 0


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ("throttle_4", 403, 4),
        ("throttle_17", 400, 17),
        ("throttle_32", 400, 32),
        ("throttle_613", 400, 613),
        ("throttle_80001", 400, 80001),
        ("error_500", 500, 1),
        ("expired_token", 400, 190),
        ("unknown_metric", 400, 100),
    ],
)
def test_json_faults(server: DemoServer, fault: str, status: int, code: int) -> None:
    server.add_faults("/insights", [fault])
    faulted = graph(server, f"{MAIN}/insights", metric="page_follows")
    assert faulted.status_code == status
    assert faulted.json()["error"]["code"] == code
    assert "Retry-After" not in faulted.headers
    if fault.startswith("throttle") or fault == "error_500":
        assert faulted.json()["error"]["is_transient"] is True
    if fault == "throttle_80001":
        (usage,) = json.loads(faulted.headers["X-Business-Use-Case-Usage"])[MAIN]
        assert usage["call_count"] == 100 and usage["estimated_time_to_regain_access"] == 0
    if fault == "expired_token":
        assert "invalid_token" in faulted.headers["WWW-Authenticate"]
    assert graph(server, f"{MAIN}/insights", metric="page_follows").status_code == 200
    assert [entry["fault"] for entry in server.requests()] == [fault, None]


def test_non_json_faults(server: DemoServer) -> None:
    server.add_faults(MAIN, ["error_503", "malformed_json"])
    proxy = graph(server, MAIN)
    assert proxy.status_code == 503 and proxy.headers["content-type"].startswith("text/html")
    broken = graph(server, MAIN)
    assert broken.status_code == 200 and broken.headers["content-type"] == "application/json"
    with pytest.raises(ValueError):
        broken.json()
    assert graph(server, MAIN).json()["id"] == MAIN


def test_slow_fault_trips_a_read_timeout(server: DemoServer) -> None:
    server.add_faults("published_posts", ["slow:0.6"])
    with pytest.raises(requests.Timeout):
        requests.get(
            f"{server.url}/v21.0/{MAIN}/published_posts", params={"access_token": TOKEN}, timeout=0.2
        )
    assert graph(server, f"{MAIN}/published_posts").status_code == 200


def test_faults_match_paths_and_are_used_once_in_order(server: DemoServer) -> None:
    added = requests.post(
        f"{server.url}/_demo/faults",
        timeout=5,
        json={"match": r"/insights$", "faults": ["throttle_32", "error_500"]},
    )
    assert added.status_code == 200
    assert graph(server, MAIN).status_code == 200
    assert graph(server, f"{MAIN}/insights", metric="page_follows").json()["error"]["code"] == 32
    assert graph(server, f"{MAIN}/insights", metric="page_follows").status_code == 500
    assert graph(server, f"{MAIN}/insights", metric="page_follows").status_code == 200
    requests.post(f"{server.url}/_demo/faults", json={"match": "", "faults": ["error_500"]}, timeout=5)
    requests.delete(f"{server.url}/_demo/faults", timeout=5)
    assert graph(server, MAIN).status_code == 200
    bad = requests.post(f"{server.url}/_demo/faults", json={"match": "", "faults": ["boom"]}, timeout=5)
    assert bad.status_code == 400


def test_request_log_hides_the_token_and_can_be_cleared(server: DemoServer) -> None:
    graph(server, f"{UK}/insights", metric="page_follows")
    requests.get(f"{server.url}/_demo/health", timeout=5)
    log = requests.get(f"{server.url}/_demo/requests", timeout=5).json()
    assert log == [
        {
            "method": "GET",
            "path": f"/v21.0/{UK}/insights",
            "query": {"metric": "page_follows"},
            "status": 200,
            "fault": None,
        }
    ]
    requests.delete(f"{server.url}/_demo/requests", timeout=5)
    assert server.requests() == []


def test_chaos_is_deterministic_and_never_fails_three_times_in_a_row() -> None:
    runs = []
    for _ in range(2):
        with DemoServer(today=TODAY, chaos_rate=0.5, chaos_seed=7) as chaotic:
            runs.append([graph(chaotic, MAIN).status_code for _ in range(40)])
    assert runs[0] == runs[1]
    assert 5 < sum(status != 200 for status in runs[0]) < 30
    assert "x" * 3 not in "".join("x" if status != 200 else "." for status in runs[0])
    # A server that has served other requests under another seed draws, once its chaos restarts
    # with seed 7, what a fresh server with seed 7 draws (the soak's days stay reproducible).
    with DemoServer(today=TODAY, chaos_rate=0.5, chaos_seed=3) as restarted:
        other = [graph(restarted, MAIN).status_code for _ in range(40)]
        restarted.state.restart_chaos(7)
        assert [graph(restarted, MAIN).status_code for _ in range(40)] == runs[0] != other


def test_truth_over_http_equals_python_truth(server: DemoServer) -> None:
    base = f"{server.url}/_demo/truth/facebook_pages"
    daily = requests.get(
        f"{base}/account_daily", params={"account_id": UK, "start": "2026-11-01"}, timeout=5
    ).json()
    assert daily == json.loads(
        json.dumps(truth.account_daily(UK, date(2026, 11, 1), date(2026, 11, 19)), default=str)
    )
    posts = requests.get(
        f"{base}/posts", params={"account_id": MAIN, "start": "2026-11-10"}, timeout=5
    ).json()
    assert [post["id"] for post in posts] == [
        row["id"] for row in truth.posts(MAIN, date(2026, 11, 10), date(2026, 11, 19), TODAY)
    ]
    snapshot = requests.get(f"{base}/page_snapshot", params={"account_id": MAIN}, timeout=5).json()
    assert snapshot == truth.page_snapshot(MAIN, TODAY)
    assert requests.get(f"{base}/page_snapshot", params={"account_id": "1"}, timeout=5).status_code == 404


@pytest.mark.parametrize("account", [MAIN, UK])
def test_truth_invariants(account: str) -> None:
    start, end = date(2025, 11, 1), date(2026, 11, 19)
    rows = truth.account_daily(account, start, end)
    previous = truth.followers(account, start - timedelta(days=1))
    for row in rows:
        assert row["followers"] == previous + row["follows"] - row["unfollows"]
        assert 0 < row["reach"] <= row["views"]
        previous = row["followers"]
    assert rows[-1]["followers"] > rows[0]["followers"]
    weekday = [row["views"] for row in rows if row["date"].weekday() < 5]
    weekend = [row["views"] for row in rows if row["date"].weekday() >= 5]
    assert sum(weekend) / len(weekend) < sum(weekday) / len(weekday)

    posts = truth.posts(account, start, end, as_of=TODAY)
    assert len({post["id"] for post in posts}) == len(posts)
    assert sum(row["posts_published"] for row in rows[1:-1]) == sum(
        1 for post in posts if rows[1]["date"] <= pacific_day(post["created_time"]) <= rows[-2]["date"]
    )
    by_day: dict[date, int] = {}
    for post in posts:
        by_day[post["created_time"].date()] = by_day.get(post["created_time"].date(), 0) + 1
        assert post["id"].startswith(f"{account}_")
    assert max(by_day.values()) <= 3

    for post in posts[-40:]:
        created = post["created_time"].date()
        history = [
            truth.post_record(p, created + timedelta(days=age))
            for p in truth.posts_on(account, created)
            if p.id == post["id"]
            for age in range(9)
        ]
        for earlier, later in itertools.pairwise(history):
            assert later["reactions"] >= earlier["reactions"] and later["views"] >= earlier["views"]
        for record in history:
            assert sum(record["reactions_by_type"].values()) == record["reactions"]
            assert min(record["reactions_by_type"].values()) >= 0
            assert record["reach"] <= record["views"]
        assert history[6] == history[8] and history[5]["views"] <= history[6]["views"]


def test_sizes_and_captions_look_like_the_brief() -> None:
    main = truth.page_snapshot(MAIN, TODAY)["followers_count"]
    uk = truth.page_snapshot(UK, TODAY)["followers_count"]
    assert 20_000 < main < 100_000 and 1_000 < uk < 10_000
    captions = [
        post["message"]
        for account in (MAIN, UK)
        for post in truth.posts(account, date(2024, 1, 1), date(2026, 11, 19), TODAY)
    ]
    hostile = sum("<" in caption for caption in captions)
    assert 0.01 < hostile / len(captions) < 0.05
    assert {post["status_type"] for post in truth.posts(MAIN, date(2026, 1, 1), date(2026, 3, 1), TODAY)} == {
        "added_photos",
        "added_video",
        "mobile_status_update",
        "shared_story",
    }
