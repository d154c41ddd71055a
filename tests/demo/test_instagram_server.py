"""The demo Instagram Graph API over real HTTP: paths, shapes, paging, errors, faults, headers, truth."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from demo.generator import instagram as truth
from demo.generator.common import PACIFIC, pacific_midnight_utc
from demo.server import DemoServer
from demo.state import DEMO_TOKENS

TODAY = date(2026, 11, 20)
TOKEN = DEMO_TOKENS["instagram"]
ACCOUNT = "17841405822304914"
MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,timestamp,permalink,like_count,comments_count,shortcode"
)


@pytest.fixture
def server(demo: DemoServer) -> DemoServer:
    return demo


def ig(server: DemoServer, path: str, token: str | None = TOKEN, **params: object) -> requests.Response:
    if token is not None:
        params["access_token"] = token
    return requests.get(f"{server.url}/instagram/v25.0/{path}", params=params, timeout=5)


def pacific_unix(day: date) -> int:
    return int(pacific_midnight_utc(day).timestamp())


def series(server: DemoServer, metric: str, first: date, after_last: date) -> requests.Response:
    return ig(
        server,
        f"{ACCOUNT}/insights",
        metric=metric,
        period="day",
        metric_type="time_series",
        since=pacific_unix(first),
        until=pacific_unix(after_last),
    )


def total(server: DemoServer, metric: str, first: date, after_last: date) -> requests.Response:
    return ig(
        server,
        f"{ACCOUNT}/insights",
        metric=metric,
        period="day",
        metric_type="total_value",
        since=pacific_unix(first),
        until=pacific_unix(after_last),
    )


def error_of(answer: requests.Response) -> dict:
    assert answer.status_code >= 400, answer.text
    return answer.json()["error"]


def a_media(product_type: str, media_type: str) -> truth.Media:
    for day in (TODAY - timedelta(days=n) for n in range(2, 60)):
        for media in truth.media_on(ACCOUNT, day):
            if (media.media_product_type, media.media_type) == (product_type, media_type):
                return media
    raise AssertionError(f"no {product_type}/{media_type} media in the last two months")


def test_only_the_instagram_prefix_is_claimed(server) -> None:
    assert ig(server, ACCOUNT, fields="id").status_code == 200
    facebook = requests.get(f"{server.url}/v25.0/{ACCOUNT}", params={"access_token": TOKEN}, timeout=5)
    assert error_of(facebook)["error_subcode"] == 33, "Facebook's Graph does not know the IG user"
    assert requests.get(f"{server.url}/instagram/{ACCOUNT}", timeout=5).status_code == 404
    assert all(r["path"].startswith(("/instagram/v25.0/", "/v25.0/")) for r in server.requests())


def test_tokens_as_graph_checks_them(server) -> None:
    assert error_of(ig(server, ACCOUNT, token=None))["code"] == 104
    assert error_of(ig(server, ACCOUNT, token="nope"))["error_subcode"] == 467
    expired = ig(server, ACCOUNT, token="expired-demo-token")
    assert (error_of(expired)["code"], error_of(expired)["error_subcode"]) == (190, 463)
    assert expired.headers["WWW-Authenticate"].startswith('OAuth "Facebook Platform" "invalid_token"')
    bearer = requests.get(
        f"{server.url}/instagram/v21.0/{ACCOUNT}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
    )
    assert bearer.json() == {"id": ACCOUNT}
    assert bearer.headers["facebook-api-version"] == "v21.0"


def test_user_node_fields_and_usage_headers(server) -> None:
    answer = ig(server, ACCOUNT, fields="id,username,followers_count,media_count")
    snapshot = truth.snapshot(ACCOUNT, TODAY)
    assert answer.json() == {k: snapshot[k] for k in ("id", "username", "followers_count", "media_count")}
    assert 15_000 < snapshot["followers_count"] < 22_000
    buc = json.loads(answer.headers["X-Business-Use-Case-Usage"])
    assert buc[ACCOUNT][0]["type"] == "instagram"
    assert "call_count" in json.loads(answer.headers["X-App-Usage"])
    refused = error_of(ig(server, ACCOUNT, fields="id,fan_count"))
    assert refused["message"] == "(#100) Tried accessing nonexisting field (fan_count) on node type (IGUser)"


def test_time_series_values_end_at_the_next_pacific_midnight(server) -> None:
    first, after = date(2026, 10, 30), date(2026, 11, 3)  # DST ends Nov 1
    body = series(server, "reach,follower_count", first, after).json()
    reach = {r["name"]: r for r in body["data"]}["reach"]
    assert reach["id"] == f"{ACCOUNT}/insights/reach/day" and reach["period"] == "day"
    assert [v["end_time"] for v in reach["values"]] == [
        "2026-10-31T07:00:00+0000",
        "2026-11-01T07:00:00+0000",
        "2026-11-02T08:00:00+0000",
        "2026-11-03T08:00:00+0000",
    ]
    assert [v["value"] for v in reach["values"]] == [
        truth.daily_metrics(ACCOUNT, first + timedelta(days=n)).reach for n in range(4)
    ]
    previous = parse_qs(urlparse(body["paging"]["previous"]).query)
    assert previous["until"] == [str(pacific_unix(first))] and "access_token" in previous


def test_follower_count_is_served_for_the_last_30_days_only(server) -> None:
    oldest = TODAY - timedelta(days=30)
    body = series(
        server, "reach,follower_count", oldest - timedelta(days=2), oldest + timedelta(days=2)
    ).json()
    by_name = {r["name"]: r for r in body["data"]}
    assert len(by_name["reach"]["values"]) == 4
    days = [
        datetime.strptime(v["end_time"], "%Y-%m-%dT%H:%M:%S%z").astimezone(PACIFIC).date()
        for v in by_name["follower_count"]["values"]
    ]
    assert [d - timedelta(days=1) for d in days] == [oldest, oldest + timedelta(days=1)]
    older = series(server, "follower_count", oldest - timedelta(days=10), oldest - timedelta(days=5)).json()
    assert older == {"data": []}, "no data is an empty set, never zeros"


def test_today_is_never_served(server) -> None:
    body = series(server, "reach", TODAY - timedelta(days=2), TODAY + timedelta(days=1)).json()
    assert len(body["data"][0]["values"]) == 2
    assert total(server, "views", TODAY, TODAY + timedelta(days=1)).json() == {"data": []}


def test_total_value_sums_over_since_until(server) -> None:
    day = date(2026, 11, 10)
    one = total(server, "views,total_interactions", day, day + timedelta(days=1)).json()["data"]
    two = total(server, "views,total_interactions", day, day + timedelta(days=2)).json()["data"]
    metrics = [truth.daily_metrics(ACCOUNT, day), truth.daily_metrics(ACCOUNT, day + timedelta(days=1))]
    assert [r["total_value"] for r in one] == [
        {"value": metrics[0].views},
        {"value": metrics[0].total_interactions},
    ]
    assert [r["total_value"]["value"] for r in two] == [
        sum(m.views for m in metrics),
        sum(m.total_interactions for m in metrics),
    ]
    assert list(one[0]) == ["name", "period", "title", "description", "total_value", "id"]
    assert "values" not in one[0]


def test_metric_type_mismatches_are_refused(server) -> None:
    day = date(2026, 11, 10)
    assert error_of(series(server, "reach,views,likes", day, day + timedelta(days=1)))["message"] == (
        "(#100) The following metrics (views, likes) should be specified with parameter "
        "metric_type=total_value"
    )
    assert (
        "follower_count" in error_of(total(server, "follower_count", day, day + timedelta(days=1)))["message"]
    )
    assert total(server, "reach", day, day + timedelta(days=1)).json()["data"][0]["total_value"]["value"] == (
        truth.daily_metrics(ACCOUNT, day).reach
    )


def test_account_metric_errors(server) -> None:
    day = date(2026, 11, 10)
    retired = error_of(total(server, "views,impressions", day, day + timedelta(days=1)))
    assert retired["code"] == 100 and "impressions metric is no longer supported" in retired["message"]
    unknown = error_of(total(server, "views,page_media_view", day, day + timedelta(days=1)))
    assert unknown["message"].startswith("(#100) metric[1] must be one of the following values: reach,")
    too_long = error_of(series(server, "reach", day - timedelta(days=31), day))
    assert "30 days" in too_long["message"]
    assert error_of(ig(server, f"{ACCOUNT}/insights", period="day"))["code"] == 3001


def test_media_edge_pages_newest_first_with_cursors(server) -> None:
    since, until = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC)
    params = {
        "fields": MEDIA_FIELDS,
        "limit": 7,
        "since": int(since.timestamp()),
        "until": int(until.timestamp()),
    }
    pages, seen = [], []
    body = ig(server, f"{ACCOUNT}/media", **params).json()
    while True:
        pages.append(body)
        seen += body["data"]
        if "next" not in body["paging"]:
            break
        assert len(body["data"]) == 7
        body = requests.get(body["paging"]["next"], timeout=5).json()
    expected = sorted(truth.media_between(ACCOUNT, since, until), key=lambda m: m.timestamp, reverse=True)
    assert [m["id"] for m in seen] == [m.id for m in expected]
    assert "previous" not in pages[0]["paging"] and "previous" in pages[1]["paging"]
    assert all(set(p["paging"]["cursors"]) == {"before", "after"} for p in pages)
    first = seen[0]
    assert datetime.strptime(first["timestamp"], "%Y-%m-%dT%H:%M:%S+0000")
    assert first["like_count"] == expected[0].lifetime(TODAY).likes
    assert set(first) == set(MEDIA_FIELDS.split(","))


def test_media_edge_serves_nothing_at_or_after_today(server) -> None:
    body = ig(server, f"{ACCOUNT}/media", fields="id,timestamp", limit=100).json()
    assert body["data"], "expected media"
    newest = datetime.strptime(body["data"][0]["timestamp"], "%Y-%m-%dT%H:%M:%S%z")
    assert newest < datetime(2026, 11, 20, tzinfo=UTC)
    tomorrow = truth.media_on_utc_day(ACCOUNT, TODAY) or truth.media_on_utc_day(
        ACCOUNT, TODAY + timedelta(days=1)
    )
    assert tomorrow, "expected a generated media on or after today"
    assert error_of(ig(server, f"{tomorrow[0].id}/insights", metric="reach"))["error_subcode"] == 33
    assert error_of(ig(server, f"{ACCOUNT}/media", fields="id", after="garbage"))["code"] == 100


def test_media_insights_shapes_and_ids(server) -> None:
    media = a_media("REELS", "VIDEO")
    body = ig(
        server, f"{media.id}/insights", metric="views,reach,likes,shares,saved,total_interactions"
    ).json()
    by_name = {r["name"]: r for r in body["data"]}
    lifetime = media.lifetime(TODAY)
    assert by_name["views"]["total_value"] == {"value": lifetime.views} and "values" not in by_name["views"]
    assert by_name["shares"]["total_value"] == {"value": lifetime.shares}
    assert by_name["reach"]["values"] == [{"value": lifetime.reach}]
    assert by_name["total_interactions"]["values"] == [{"value": lifetime.total_interactions}]
    assert all(
        r["period"] == "lifetime" and r["id"] == f"{media.id}/insights/{r['name']}/lifetime"
        for r in body["data"]
    )
    assert "paging" not in body


def test_media_insights_refuse_retired_and_unsupported_metrics(server) -> None:
    reel, carousel = a_media("REELS", "VIDEO"), a_media("FEED", "CAROUSEL_ALBUM")
    retired = error_of(ig(server, f"{reel.id}/insights", metric="reach,plays"))
    assert retired["code"] == 100 and "plays metric is no longer supported" in retired["message"]
    unsupported = error_of(ig(server, f"{reel.id}/insights", metric="reach,follows,profile_visits"))
    assert unsupported["message"] == (
        "(#100) The Media Insights API does not support the follows, profile_visits metric "
        "for this media product type."
    )
    assert error_of(ig(server, f"{carousel.id}/insights", metric="ig_reels_avg_watch_time"))["code"] == 100
    assert ig(server, f"{carousel.id}/insights", metric="follows").status_code == 200


def test_lifetime_media_metrics_grow_for_a_week() -> None:
    media = a_media("FEED", "IMAGE")
    values = [media.lifetime(media.created_date + timedelta(days=n)).views for n in range(10)]
    assert values[0] == 0 and values[1] > 0
    assert values == sorted(values) and values[7] == values[9] == media.final.views


def test_account_interactions_track_the_media_they_come_from() -> None:
    for day in (date(2026, 11, 2) + timedelta(days=n) for n in range(10)):
        gained = sum(
            m.lifetime(day + timedelta(days=1)).total_interactions - m.lifetime(day).total_interactions
            for c in (day - timedelta(days=n) for n in range(7))
            for m in truth.media_on(ACCOUNT, c)
        )
        metrics = truth.daily_metrics(ACCOUNT, day)
        assert gained <= metrics.total_interactions <= gained * 1.5 + 150
        assert metrics.reach < metrics.views and metrics.accounts_engaged <= metrics.total_interactions


def test_same_request_gives_same_body(server) -> None:
    first = ig(server, f"{ACCOUNT}/media", fields=MEDIA_FIELDS, limit=5).json()
    assert ig(server, f"{ACCOUNT}/media", fields=MEDIA_FIELDS, limit=5).json() == first


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ("throttle_80002", 400, 80002),
        ("throttle_4", 403, 4),
        ("throttle_17", 400, 17),
        ("throttle_613", 400, 613),
    ],
)
def test_throttle_faults_in_graph_format(server, fault, status, code) -> None:
    server.add_faults("/instagram/", [fault])
    answer = ig(server, ACCOUNT)
    assert answer.status_code == status and error_of(answer)["code"] == code
    assert error_of(answer)["is_transient"] is True and "Retry-After" not in answer.headers


def test_other_faults(server) -> None:
    server.add_faults("/instagram/", ["throttle_80001", "error_503", "error_500", "unknown_metric"])
    assert ig(server, ACCOUNT).status_code == 200, "80001 is the Pages code: not Instagram's"
    unavailable = ig(server, ACCOUNT)
    assert unavailable.status_code == 503 and unavailable.headers["content-type"].startswith("text/html")
    assert error_of(ig(server, ACCOUNT))["code"] == 1
    assert error_of(ig(server, f"{ACCOUNT}/insights"))["message"].startswith(
        "(#100) metric[0] must be one of"
    )


def test_truth_routes(server) -> None:
    base = f"{server.url}/_demo/truth/instagram"
    assert requests.get(f"{base}/accounts", timeout=5).json() == truth.accounts()
    rows = requests.get(
        f"{base}/account_daily", params={"account_id": ACCOUNT, "start": "2026-10-01"}, timeout=5
    ).json()
    assert rows[-1]["date"] == "2026-11-19" and rows[0]["followers_gained"] is None
    assert rows[-1]["followers_gained"] == truth.daily_metrics(ACCOUNT, date(2026, 11, 19)).follows
    posts = requests.get(
        f"{base}/posts", params={"account_id": ACCOUNT, "start": "2026-11-01"}, timeout=5
    ).json()
    assert [p["id"] for p in posts] == [
        p["id"] for p in truth.posts(ACCOUNT, date(2026, 11, 1), date(2026, 11, 19), TODAY)
    ]
    assert requests.get(f"{base}/snapshot", params={"account_id": "nope"}, timeout=5).status_code == 404
