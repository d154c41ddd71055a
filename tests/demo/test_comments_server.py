"""Comments on own Facebook posts and Instagram media: the demo Graph routes over real HTTP and the
generator's truth (counts, timing, brand replies, the incident burst)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import requests

from demo.generator import comments as truth
from demo.generator import facebook_pages, instagram
from demo.generator.common import days, utc_midnight
from demo.server import DemoServer
from demo.state import DEMO_TOKENS, EXPIRED_DEMO_TOKEN

TODAY = date(2026, 11, 20)
PAGE = "104729381726354"
IG_USER = "17841405822304914"
FB_FIELDS = "id,message,created_time,from{id,name},like_count,comment_count,parent{id}"
IG_FIELDS = "id,text,timestamp,username,like_count,replies{id,text,timestamp,username}"
GRAPH_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$")
INCIDENT_DAYS = (date(2026, 11, 17), date(2026, 11, 18))


def fb(server: DemoServer, path: str, token: str = DEMO_TOKENS["facebook_pages"], **params: object):
    return requests.get(f"{server.url}/v25.0/{path}", params={"access_token": token, **params}, timeout=10)


def ig(server: DemoServer, path: str, token: str = DEMO_TOKENS["instagram"], **params: object):
    return requests.get(
        f"{server.url}/instagram/v25.0/{path}", params={"access_token": token, **params}, timeout=10
    )


def all_pages(first: requests.Response) -> tuple[list[dict], int]:
    """Every item, following ``paging.next`` as sent; and how many pages that took."""
    assert first.status_code == 200, first.text
    body, items, pages = first.json(), [], 1
    items.extend(body["data"])
    while "next" in body.get("paging", {}):
        assert body["paging"]["cursors"]["after"] in body["paging"]["next"]
        response = requests.get(body["paging"]["next"], timeout=10)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["data"])
        pages += 1
    return items, pages


def graph_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")


def busiest_post(day: date) -> facebook_pages.Post:
    return max(facebook_pages.posts_on(PAGE, day), key=lambda post: post.final_comments)


def busiest_media(first: date, last: date) -> instagram.Media:
    found = [m for day in days(first, last) for m in instagram.media_on_utc_day(IG_USER, day)]
    return max(found, key=lambda media: media.final.comments)


# Facebook


def test_facebook_stream_serves_every_comment_and_reply_in_graph_format(demo: DemoServer) -> None:
    post = busiest_post(date(2026, 11, 12))
    expected = truth.visible_thread("facebook_pages", post.id, TODAY)
    served, pages = all_pages(
        fb(demo, f"{post.id}/comments", filter="stream", order="chronological", fields=FB_FIELDS, limit=7)
    )
    assert pages == -(-len(expected) // 7) and pages > 3
    assert [c["id"] for c in served] == [c.id for c in expected]  # oldest first, replies in place
    for got, want in zip(served, expected, strict=True):
        assert GRAPH_TIME.match(got["created_time"])
        assert graph_time(got["created_time"]) == want.created_at
        assert got["message"] == want.text
        assert got["like_count"] == want.like_count
        assert got["comment_count"] == truth.reply_count(want, TODAY)
        assert got.get("parent") == ({"id": want.parent_id} if want.parent_id else None)
        assert set(got) <= {"id", "message", "created_time", "from", "like_count", "comment_count", "parent"}
    assert any(c.parent_id for c in expected) and any(c.is_brand_reply for c in expected)


def test_facebook_omits_from_for_people_who_have_not_authorised_the_app(demo: DemoServer) -> None:
    posts = [
        p for day in days(date(2026, 11, 2), date(2026, 11, 6)) for p in facebook_pages.posts_on(PAGE, day)
    ]
    hidden = visible = 0
    for post in posts:
        served, _ = all_pages(fb(demo, f"{post.id}/comments", filter="stream", fields=FB_FIELDS, limit=100))
        by_id = {c.id: c for c in truth.visible_thread("facebook_pages", post.id, TODAY)}
        for comment in served:
            want = by_id[comment["id"]]
            if want.is_author_visible:
                visible += 1
                assert comment["from"] == {"id": want.author.id, "name": want.author.name}
            else:
                hidden += 1
                assert "from" not in comment
            if want.is_brand_reply:
                assert comment["from"] == {"id": PAGE, "name": "Lumo Strollers"}
    assert 0.1 < hidden / (hidden + visible) < 0.3


def test_facebook_toplevel_filter_count_equals_the_posts_comment_counter(demo: DemoServer) -> None:
    # A week-old post's counter is final; the default filter (toplevel) serves exactly that many.
    posts = [
        p for day in days(date(2026, 11, 1), date(2026, 11, 6)) for p in facebook_pages.posts_on(PAGE, day)
    ]
    for post in posts:
        served, _ = all_pages(fb(demo, f"{post.id}/comments", limit=100))
        assert all("parent" not in c for c in served)
        default_fields = {"id", "message", "created_time"}  # and "from" when the author is known
        assert all(default_fields <= set(c) <= default_fields | {"from"} for c in served)
        assert len(served) == post.lifetime(TODAY).comments == post.final_comments


def test_facebook_reverse_order_and_before_cursor(demo: DemoServer) -> None:
    post = busiest_post(date(2026, 11, 12))
    newest, _ = all_pages(fb(demo, f"{post.id}/comments", order="reverse_chronological", limit=10))
    oldest, _ = all_pages(fb(demo, f"{post.id}/comments", limit=10))
    assert [c["id"] for c in newest] == [c["id"] for c in reversed(oldest)]
    second = requests.get(
        fb(demo, f"{post.id}/comments", limit=10).json()["paging"]["next"], timeout=10
    ).json()
    back = requests.get(second["paging"]["previous"], timeout=10).json()
    assert [c["id"] for c in back["data"]] == [c["id"] for c in oldest[:10]]


def test_facebook_comment_errors_follow_graph(demo: DemoServer) -> None:
    post = busiest_post(date(2026, 11, 12))
    unborn = facebook_pages.posts_on(PAGE, TODAY)[0]  # published today: not served yet
    for path in (f"{PAGE}_100000000000000000", f"{unborn.id}"):
        error = fb(demo, f"{path}/comments").json()["error"]
        assert (error["code"], error["error_subcode"]) == (100, 33)
    assert fb(demo, f"{PAGE}/comments").json()["error"]["code"] == 100
    assert "(bogus)" in fb(demo, f"{post.id}/comments", fields="id,bogus").json()["error"]["message"]
    assert fb(demo, f"{post.id}/comments", filter="everything").json()["error"]["code"] == 100
    assert fb(demo, f"{post.id}/comments", after="not-a-cursor").json()["error"]["code"] == 100
    expired = fb(demo, f"{post.id}/comments", token=EXPIRED_DEMO_TOKEN)
    assert expired.status_code == 400 and expired.json()["error"]["code"] == 190
    demo.add_faults("/comments", ["throttle_80001"])
    throttled = fb(demo, f"{post.id}/comments")
    assert throttled.json()["error"]["code"] == 80001 and "X-Business-Use-Case-Usage" in throttled.headers


# Instagram


def test_instagram_comments_come_newest_first_with_replies_nested(demo: DemoServer) -> None:
    media = busiest_media(date(2026, 11, 1), date(2026, 11, 12))
    thread = truth.visible_thread("instagram", media.id, TODAY)
    top = sorted((c for c in thread if c.parent_id is None), key=lambda c: c.created_at, reverse=True)
    served, pages = all_pages(ig(demo, f"{media.id}/comments", fields=IG_FIELDS, limit=5))
    assert pages == -(-len(top) // 5) and pages > 1
    assert [c["id"] for c in served] == [c.id for c in top]
    for got, want in zip(served, top, strict=True):
        assert GRAPH_TIME.match(got["timestamp"]) and graph_time(got["timestamp"]) == want.created_at
        assert (got["text"], got["username"], got["like_count"]) == (
            want.text,
            want.author.name,
            want.like_count,
        )
        replies = [c for c in thread if c.parent_id == want.id]
        if replies:
            assert [r["id"] for r in got["replies"]["data"]] == [r.id for r in replies]
            assert all(set(r) == {"id", "text", "timestamp", "username"} for r in got["replies"]["data"])
        else:
            assert "replies" not in got
    brand = [
        r for c in served for r in c.get("replies", {}).get("data", []) if r["username"] == "lumostrollers"
    ]
    assert brand, "the own account answers some comments"


def test_instagram_comments_count_includes_replies(demo: DemoServer) -> None:
    media_list = [
        m
        for day in days(date(2026, 11, 1), date(2026, 11, 8))
        for m in instagram.media_on_utc_day(IG_USER, day)
    ]
    for media in media_list:
        node = ig(demo, media.id, fields="comments_count").json()
        served, _ = all_pages(
            ig(demo, f"{media.id}/comments", fields="id,username,replies{id,username}", limit=100)
        )
        # The demo's counter leaves the brand's own replies out (see demo.generator.comments).
        replies = [r for c in served for r in c.get("replies", {}).get("data", [])]
        total = len(served) + sum(r["username"] != "lumostrollers" for r in replies)
        assert total == node["comments_count"] == media.final.comments


def test_instagram_comment_errors(demo: DemoServer) -> None:
    media = busiest_media(date(2026, 11, 1), date(2026, 11, 12))
    assert ig(demo, f"{IG_USER}/comments").json()["error"]["code"] == 100
    assert ig(demo, "179999999999999999/comments").json()["error"]["error_subcode"] == 33
    assert "(bogus)" in ig(demo, f"{media.id}/comments", fields="bogus").json()["error"]["message"]
    assert ig(demo, f"{media.id}/comments", token=EXPIRED_DEMO_TOKEN).json()["error"]["code"] == 190


# Truth


@pytest.mark.parametrize(("platform", "account"), [("facebook_pages", PAGE), ("instagram", IG_USER)])
def test_truth_route_serves_the_generators_comments(demo: DemoServer, platform: str, account: str) -> None:
    start, end = date(2026, 11, 10), date(2026, 11, 19)
    served = requests.get(
        f"{demo.url}/_demo/truth/{platform}/comments",
        params={"account_id": account, "start": start.isoformat()},
        timeout=10,
    ).json()
    expected = truth.comments_between(platform, account, start, end, TODAY)
    assert [row["comment_id"] for row in served] == [row["comment_id"] for row in expected]
    assert served[0]["created_at"].replace("Z", "+00:00") == expected[0]["created_at"].isoformat()
    assert (
        requests.get(
            f"{demo.url}/_demo/truth/{platform}/comments",
            params={"account_id": "nope", "start": "2026-11-01"},
            timeout=10,
        ).status_code
        == 404
    )


@pytest.mark.parametrize(("platform", "account"), [("facebook_pages", PAGE), ("instagram", IG_USER)])
def test_truth_comments_timing_languages_and_brand_replies(platform: str, account: str) -> None:
    rows = truth.comments_between(platform, account, date(2026, 9, 1), date(2026, 11, 19), TODAY)
    assert all(row["created_at"] < utc_midnight(TODAY) for row in rows)
    assert all(date(2026, 9, 1) <= row["created_at"].date() <= date(2026, 11, 19) for row in rows)
    posts = {
        p.id: p
        for d in days(date(2026, 8, 25), date(2026, 11, 19))
        for p in truth.own_posts_on(platform, account, d)
    }
    by_id = {row["comment_id"]: row for row in rows}
    top = [row for row in rows if row["parent_id"] is None]
    for row in top:
        age = row["created_at"] - posts[row["post_id"]].created_at
        assert timedelta(0) < age < timedelta(days=3)
    people = [row for row in rows if not row["is_brand_reply"] and not row["is_incident"]]
    english = sum(row["language"] == "en" for row in people) / len(people)
    assert 0.83 < english < 0.93
    assert {row["language"] for row in people} == {"en", "es", "de", "fr"}
    assert (
        Counter(row["sentiment"] for row in people if row["parent_id"] is None)["positive"] > len(top) * 0.4
    )
    replies = [row for row in rows if row["is_brand_reply"]]
    delays = [
        row["created_at"] - by_id[row["parent_id"]]["created_at"]
        for row in replies
        if row["parent_id"] in by_id
    ]
    assert replies and all(row["author_id"] == account for row in replies)
    assert all(row["parent_id"] is not None for row in replies)
    assert all(timedelta(0) < d < timedelta(days=1) for d in delays)
    late = sum(d > timedelta(minutes=60) for d in delays) / len(delays)
    assert 0.2 < late < 0.6, "some brand replies miss a 60-minute target, most do not"
    for row in rows:  # reply_count is the replies visible that day
        assert row["reply_count"] == sum(
            1
            for r in truth.thread(platform, row["post_id"])
            if r.parent_id == row["comment_id"] and r.visible_on(TODAY)
        )


@pytest.mark.parametrize(("platform", "account"), [("facebook_pages", PAGE), ("instagram", IG_USER)])
def test_incident_days_bring_a_burst_of_negative_comments(platform: str, account: str) -> None:
    rows = truth.comments_between(platform, account, date(2026, 11, 3), date(2026, 11, 19), TODAY)
    incident = [row for row in rows if row["is_incident"]]
    assert {row["created_at"].date() for row in incident} == set(INCIDENT_DAYS)
    assert all(row["sentiment"] == "negative" and row["parent_id"] is None for row in incident)
    negative = Counter(row["created_at"].date() for row in rows if row["sentiment"] == "negative")
    usual = max(count for day, count in negative.items() if day not in INCIDENT_DAYS)
    assert negative[INCIDENT_DAYS[0]] > 2 * usual


def test_truth_is_a_pure_function_of_its_coordinates() -> None:
    post = busiest_post(date(2026, 11, 12))
    first = truth.visible_thread("facebook_pages", post.id, TODAY)
    truth.thread.cache_clear()
    assert truth.visible_thread("facebook_pages", post.id, TODAY) == first
    earlier = truth.visible_thread("facebook_pages", post.id, date(2026, 11, 13))
    assert earlier == [c for c in first if c.created_at < datetime(2026, 11, 13, tzinfo=UTC)]
