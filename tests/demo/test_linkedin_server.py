"""The demo LinkedIn server, over real HTTP: headers, Rest.li 2.0 encoding, statistics windows,
paging, errors and faults in LinkedIn's wire format, and the truth routes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import requests

from demo.generator import linkedin as truth
from demo.server import DemoServer
from demo.state import DEMO_TOKENS
from tests.conftest import DEMO_TODAY

ORG = "10482335"
ORG_URN = "urn%3Ali%3Aorganization%3A10482335"
HEADERS = {
    "Authorization": f"Bearer {DEMO_TOKENS['linkedin']}",
    "LinkedIn-Version": "202609",
    "X-Restli-Protocol-Version": "2.0.0",
}
DAY_MS = 86_400_000


def ms(day: date) -> int:
    return (day - date(1970, 1, 1)).days * DAY_MS


def intervals(first: date, after: date) -> str:
    return f"(timeRange:(start:{ms(first)},end:{ms(after)}),timeGranularityType:DAY)"


def get(server: DemoServer, path_and_query: str, headers: dict[str, str] | None = None) -> requests.Response:
    """A GET with the query string sent exactly as written (Rest.li 2.0 needs it raw)."""
    return requests.get(
        f"{server.url}{path_and_query}", headers=HEADERS if headers is None else headers, timeout=5
    )


def share_stats(server: DemoServer, first: date, after: date) -> requests.Response:
    return get(
        server,
        f"/rest/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity={ORG_URN}"
        f"&timeIntervals={intervals(first, after)}",
    )


def follower_stats(server: DemoServer, first: date, after: date) -> requests.Response:
    return get(
        server,
        f"/rest/organizationalEntityFollowerStatistics?q=organizationalEntity&organizationalEntity={ORG_URN}"
        f"&timeIntervals={intervals(first, after)}",
    )


def error(response: requests.Response) -> tuple[int, str | None, str]:
    body = response.json()
    assert body["status"] == response.status_code
    return response.status_code, body.get("code"), body["message"]


# Gateway checks: token, version, protocol.


def test_every_call_needs_a_current_version_and_the_restli_header(demo) -> None:
    path = f"/rest/networkSizes/{ORG_URN}?edgeType=COMPANY_FOLLOWED_BY_MEMBER"
    assert get(demo, path).json() == {"firstDegreeSize": truth.snapshot(ORG, DEMO_TODAY)["firstDegreeSize"]}
    no_version = {k: v for k, v in HEADERS.items() if k != "LinkedIn-Version"}
    assert error(get(demo, path, no_version))[:2] == (426, "VERSION_MISSING")
    assert error(get(demo, path, {**HEADERS, "LinkedIn-Version": "202402"})) == (
        426,
        "NONEXISTENT_VERSION",
        "Requested version 20240201 is not active",
    )
    # Twelve months back is still served, thirteen is not; next month does not exist yet.
    assert get(demo, path, {**HEADERS, "LinkedIn-Version": "202511"}).status_code == 200
    assert error(get(demo, path, {**HEADERS, "LinkedIn-Version": "202510"}))[1] == "NONEXISTENT_VERSION"
    assert error(get(demo, path, {**HEADERS, "LinkedIn-Version": "202612"}))[1] == "NONEXISTENT_VERSION"
    assert get(demo, path, {**HEADERS, "LinkedIn-Version": "202609.01"}).status_code == 200
    no_restli = {k: v for k, v in HEADERS.items() if k != "X-Restli-Protocol-Version"}
    assert error(get(demo, path, no_restli))[0] == 400


def test_tokens_are_checked_in_linkedins_format(demo) -> None:
    path = f"/rest/networkSizes/{ORG_URN}?edgeType=COMPANY_FOLLOWED_BY_MEMBER"
    no_token = {k: v for k, v in HEADERS.items() if k != "Authorization"}
    assert error(get(demo, path, no_token))[:2] == (401, "EMPTY_ACCESS_TOKEN")
    expired = get(demo, path, {**HEADERS, "Authorization": "Bearer expired-demo-token"})
    assert expired.json() == {
        "status": 401,
        "serviceErrorCode": 65602,
        "code": "EXPIRED_ACCESS_TOKEN",
        "message": "The token used in the request has expired",
    }
    assert error(get(demo, path, {**HEADERS, "Authorization": "Bearer nope"}))[:2] == (
        401,
        "INVALID_ACCESS_TOKEN",
    )


# Rest.li 2.0 encoding.


def test_time_intervals_must_be_raw_and_urns_encoded(demo) -> None:
    first, after = date(2026, 11, 1), date(2026, 11, 3)
    assert share_stats(demo, first, after).status_code == 200
    # requests' own params encoding escapes the parentheses and colons: LinkedIn rejects it.
    escaped = requests.get(
        f"{demo.url}/rest/organizationalEntityShareStatistics",
        params={
            "q": "organizationalEntity",
            "organizationalEntity": f"urn:li:organization:{ORG}",
            "timeIntervals": intervals(first, after),
        },
        headers=HEADERS,
        timeout=5,
    )
    assert "%28timeRange%3A" in escaped.request.url
    assert error(escaped)[:2] == (400, "ILLEGAL_ARGUMENT")
    raw_urn = get(
        demo,
        f"/rest/organizationalEntityShareStatistics?q=organizationalEntity"
        f"&organizationalEntity=urn:li:organization:{ORG}&timeIntervals={intervals(first, after)}",
    )
    assert raw_urn.status_code == 400
    assert (
        get(
            demo, f"/rest/networkSizes/urn:li:organization:{ORG}?edgeType=COMPANY_FOLLOWED_BY_MEMBER"
        ).status_code
        == 400
    )


# Statistics.


def test_share_statistics_are_utc_day_buckets_and_skip_days_without_activity(demo) -> None:
    first, after = date(2025, 12, 26), date(2026, 1, 5)
    elements = share_stats(demo, first, after).json()["elements"]
    active = [
        d
        for d in (first + timedelta(n) for n in range((after - first).days))
        if not truth.day_activity(ORG, d).is_empty
    ]
    assert 0 < len(active) < (after - first).days
    assert [e["timeRange"] for e in elements] == [{"start": ms(d), "end": ms(d) + DAY_MS} for d in active]
    element = elements[0]
    assert set(element) == {"organizationalEntity", "timeRange", "totalShareStatistics"}
    assert set(element["totalShareStatistics"]) == {
        "uniqueImpressionsCount",
        "shareCount",
        "engagement",
        "clickCount",
        "likeCount",
        "impressionCount",
        "commentCount",
    }


def test_share_statistics_stop_at_yesterday(demo) -> None:
    elements = share_stats(demo, DEMO_TODAY - timedelta(days=2), DEMO_TODAY + timedelta(days=2)).json()[
        "elements"
    ]
    assert [e["timeRange"]["start"] for e in elements] == [ms(DEMO_TODAY - timedelta(days=d)) for d in (2, 1)]


def test_follower_statistics_refuse_a_window_ending_after_now_minus_two_days(demo) -> None:
    limit = DEMO_TODAY - timedelta(days=2)
    ok = follower_stats(demo, limit - timedelta(days=5), limit).json()["elements"]
    assert [e["timeRange"]["start"] for e in ok] == [ms(limit - timedelta(days=d)) for d in range(5, 0, -1)]
    assert ok[0]["followerGains"].keys() == {"organicFollowerGain", "paidFollowerGain"}
    assert error(follower_stats(demo, limit - timedelta(days=5), limit + timedelta(days=1))) == (
        400,
        "ILLEGAL_ARGUMENT",
        "Invalid timeIntervals parameter",
    )
    too_old = follower_stats(demo, DEMO_TODAY - timedelta(days=366), DEMO_TODAY - timedelta(days=300))
    assert error(too_old)[2] == "Invalid timeIntervals parameter"


def test_post_statistics_leave_out_posts_nobody_saw(demo) -> None:
    posts = [p for d in range(1, 90) for p in truth.posts_on(ORG, DEMO_TODAY - timedelta(days=d))]
    unseen = next(p for p in posts if p.lifetime(DEMO_TODAY).is_empty)
    seen = next(p for p in posts if p.id.startswith("urn:li:share:") and not p.lifetime(DEMO_TODAY).is_empty)
    ugc = next(p for p in posts if p.id.startswith("urn:li:ugcPost:") and not p.lifetime(DEMO_TODAY).is_empty)
    shares = ",".join(p.id.replace(":", "%3A") for p in (seen, unseen) if p.id.startswith("urn:li:share:"))
    ugc_posts = ",".join(
        p.id.replace(":", "%3A") for p in (ugc, unseen) if p.id.startswith("urn:li:ugcPost:")
    )
    query = f"q=organizationalEntity&organizationalEntity={ORG_URN}&shares=List({shares})"
    if ugc_posts:
        query += f"&ugcPosts=List({ugc_posts})"
    elements = get(demo, f"/rest/organizationalEntityShareStatistics?{query}").json()["elements"]
    assert [e.get("share") or e.get("ugcPost") for e in elements] == [seen.id, ugc.id]
    stats = elements[0]["totalShareStatistics"]
    assert stats["impressionCount"] == seen.lifetime(DEMO_TODAY).impressions


# Posts: paging.


def test_posts_page_with_next_links_and_a_short_page_is_not_the_last(demo) -> None:
    href = f"/rest/posts?q=author&author={ORG_URN}&count=5&start=0&sortBy=LAST_MODIFIED"
    seen, sizes = [], []
    while href and len(sizes) < 20:
        body = get(demo, href).json()
        sizes.append(len(body["elements"]))
        seen += [p["id"] for p in body["elements"]]
        assert body["paging"]["count"] == 5
        href = next((link["href"] for link in body["paging"]["links"] if link["rel"] == "next"), None)
        assert href is None or href.startswith("/rest/posts?")
    assert any(size < 5 for size in sizes), "expected a short page followed by more"
    index = [p.id for p in truth.post_index(ORG, DEMO_TODAY) if not p.is_dsc]
    assert seen == index[: len(seen)]


def test_posts_are_rendered_like_the_posts_api(demo) -> None:
    body = get(demo, f"/rest/posts?q=author&author={ORG_URN}&count=200").json()
    assert body["paging"]["count"] == 100 and len(body["elements"]) <= 100
    post = body["elements"][0]
    assert post["author"] == f"urn:li:organization:{ORG}"
    assert post["id"].startswith(("urn:li:share:", "urn:li:ugcPost:"))
    assert post["lastModifiedAt"] >= post["publishedAt"] >= post["createdAt"]
    assert post["lifecycleState"] == "PUBLISHED" and post["visibility"] == "PUBLIC"
    modified = [p["lastModifiedAt"] for p in body["elements"]]
    assert modified == sorted(modified, reverse=True)
    assert post["publishedAt"] < ms(DEMO_TODAY)


# Errors, faults and headers.


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ("daily_limit", 429, None),
        ("sunset_version", 426, "NONEXISTENT_VERSION"),
        ("error_500", 500, "INTERNAL_SERVER_ERROR"),
        ("expired_token", 401, "EXPIRED_ACCESS_TOKEN"),
        ("unknown_metric", 400, "ILLEGAL_ARGUMENT"),
    ],
)
def test_faults_render_in_linkedins_format(demo, fault, status, code) -> None:
    demo.add_faults("/rest/networkSizes", [fault])
    response = get(demo, f"/rest/networkSizes/{ORG_URN}?edgeType=COMPANY_FOLLOWED_BY_MEMBER")
    assert error(response)[:2] == (status, code)
    if fault == "daily_limit":
        assert response.json()["message"].startswith("Resource level throttle APPLICATION DAY limit")


def test_a_503_comes_from_the_edge_as_html(demo) -> None:
    demo.add_faults("/rest/posts", ["error_503"])
    response = get(demo, f"/rest/posts?q=author&author={ORG_URN}")
    assert response.status_code == 503 and response.headers["content-type"].startswith("text/html")


def test_unknown_resources_and_answer_headers(demo) -> None:
    response = get(demo, "/rest/adAnalytics?q=analytics")
    assert error(response)[:2] == (404, "RESOURCE_NOT_FOUND")
    ok = get(demo, f"/rest/networkSizes/{ORG_URN}?edgeType=COMPANY_FOLLOWED_BY_MEMBER")
    assert ok.headers["x-restli-protocol-version"] == "2.0.0" and ok.headers["x-li-uuid"]


def test_truth_routes(demo) -> None:
    base = f"{demo.url}/_demo/truth/linkedin"
    assert requests.get(f"{base}/accounts", timeout=5).json()[0]["account_id"] == ORG
    snapshot = requests.get(f"{base}/snapshot", params={"account_id": ORG}, timeout=5).json()
    assert (
        snapshot["firstDegreeSize"]
        == snapshot["followers"]
        == truth.followers(ORG, DEMO_TODAY - timedelta(days=1))
    )
    daily = requests.get(
        f"{base}/account_daily", params={"account_id": ORG, "start": "2026-11-10"}, timeout=5
    ).json()
    assert daily[-1]["date"] == "2026-11-19" and daily[-1]["followers_gained"] is None
    assert (
        requests.get(
            f"{base}/posts", params={"account_id": "nope", "start": "2026-11-01"}, timeout=5
        ).status_code
        == 404
    )
