"""The ``comments`` streams of the Facebook Pages and Instagram extractors against the demo Graph
server, over real HTTP: what lands equals the generator's truth, re-runs replace partitions, and
Graph errors are retried or reported with where they happened and what to do."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from core.config import CompanyConfig
from demo.generator import comments as truth
from demo.generator import facebook_pages
from demo.generator.common import utc_midnight
from demo.server import DemoServer
from extractors.core import Source, Window
from extractors.errors import ExtractError
from extractors.facebook_pages import FacebookPages
from extractors.instagram import Instagram
from extractors.landing import partition_path
from tests.conftest import DEMO_TODAY, demo_connection

PAGES = ("104729381726354", "187263549910273")
IG_USER = "17841405822304914"
RUN = Window(date(2026, 11, 16), date(2026, 11, 19))  # the incident days and the days around them


def facebook(
    config: CompanyConfig, server: DemoServer, token: str | None = None, **extra: object
) -> FacebookPages:
    return FacebookPages(config, demo_connection("facebook_pages", server, token, **extra))


def instagram(
    config: CompanyConfig, server: DemoServer, token: str | None = None, **extra: object
) -> Instagram:
    return Instagram(config, demo_connection("instagram", server, token, **extra))


def comments_window(source: Source, run: Window = RUN) -> Window:
    return next(s for s in source.streams() if s.name == "comments").window(run, DEMO_TODAY)


def landed(root: Path, source: str, account: str, window: Window) -> dict[date, list[dict]]:
    found = {}
    for day in window.days():
        path = partition_path(root, source, "comments", account, day)
        found[day] = [json.loads(line)["record"] for line in path.read_text().splitlines()]
    return found


def graph_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")


def comment_calls(server: DemoServer) -> list[dict]:
    return [r for r in server.requests() if r["path"].endswith("/comments")]


# What lands equals the truth.


def test_facebook_comments_land_as_sent_and_equal_the_truth(company, demo, tmp_path) -> None:
    fb = facebook(company, demo, page_size=25)
    window = comments_window(fb)
    assert window.start == RUN.start - timedelta(days=company.sources.facebook_pages.comment_lookback_days)
    fb.run(RUN, tmp_path, "t1", streams=["comments"], today=DEMO_TODAY)
    for page in PAGES:
        by_day = landed(tmp_path, "facebook_pages", page, window)
        expected = truth.comments_between("facebook_pages", page, window.start, window.end, DEMO_TODAY)
        rows = [row for day in window.days() for row in by_day[day]]
        assert sorted(r["id"] for r in rows) == sorted(e["comment_id"] for e in expected)
        assert len({r["id"] for r in rows}) == len(rows), "each comment lands once"
        by_id = {r["id"]: r for r in rows}
        for want in expected:
            got = by_id[want["comment_id"]]
            assert graph_time(got["created_time"]) == want["created_at"]
            assert got in by_day[want["created_at"].date()], "partitioned by the UTC day of created_time"
            assert got["message"] == want["text"] and got["_post_id"] == want["post_id"]
            assert got["like_count"] == want["like_count"] and got["comment_count"] == want["reply_count"]
            assert got.get("parent") == ({"id": want["parent_id"]} if want["parent_id"] else None)
            if want["is_author_visible"]:
                assert got["from"] == {"id": want["author_id"], "name": want["author_name"]}
            else:
                assert "from" not in got
        assert any("from" not in r for r in rows), "comments without an author land too"
        replies = [r for r in rows if r.get("from", {}).get("id") == page]
        assert replies and all("parent" in r for r in replies), "the Page's own replies land too"


def test_instagram_comments_land_with_replies_nested_and_equal_the_truth(company, demo, tmp_path) -> None:
    ig = instagram(company, demo, page_size=5)
    window = comments_window(ig)
    ig.run(RUN, tmp_path, "t1", streams=["comments"], today=DEMO_TODAY)
    by_day = landed(tmp_path, "instagram", IG_USER, window)
    expected = truth.comments_between("instagram", IG_USER, window.start, window.end, DEMO_TODAY)
    top = [e for e in expected if e["parent_id"] is None]
    rows = [row for day in window.days() for row in by_day[day]]
    assert sorted(r["id"] for r in rows) == sorted(e["comment_id"] for e in top)
    by_id = {r["id"]: r for r in rows}
    for want in top:
        got = by_id[want["comment_id"]]
        assert got in by_day[want["created_at"].date()]
        assert graph_time(got["timestamp"]) == want["created_at"]
        assert (got["text"], got["username"], got["like_count"], got["_media_id"]) == (
            want["text"],
            want["author_name"],
            want["like_count"],
            want["post_id"],
        )
        replies = [
            c
            for c in truth.visible_thread("instagram", want["post_id"], DEMO_TODAY)
            if c.parent_id == want["comment_id"]
        ]
        assert [r["id"] for r in got.get("replies", {}).get("data", [])] == [r.id for r in replies]
    brand = [
        r for row in rows for r in row.get("replies", {}).get("data", []) if r["username"] == "lumostrollers"
    ]
    assert brand, "the own account's replies land nested in the comments they answer"


# Re-runs and partitions.


def test_a_rerun_lands_the_same_rows_and_replaces_partitions(company, demo, tmp_path) -> None:
    fb = facebook(company, demo)
    window = comments_window(fb)
    fb.run(RUN, tmp_path, "t1", streams=["comments"], accounts=[PAGES[0]], today=DEMO_TODAY)
    first = landed(tmp_path, "facebook_pages", PAGES[0], window)
    stale = partition_path(tmp_path, "facebook_pages", "comments", PAGES[0], RUN.end)
    stale.write_text(stale.read_text() + json.dumps({"record": {"id": "stale"}, "run_id": "t0"}) + "\n")

    landed_again = fb.run(RUN, tmp_path, "t2", streams=["comments"], accounts=[PAGES[0]], today=DEMO_TODAY)
    assert [p.day for p in landed_again] == window.days()
    assert landed(tmp_path, "facebook_pages", PAGES[0], window) == first
    lines = [json.loads(line) for p in landed_again for line in p.path.read_text().splitlines()]
    assert lines and {line["run_id"] for line in lines} == {"t2"}


def test_days_without_comments_land_empty_partitions(company, demo, tmp_path) -> None:
    run = Window(date(2023, 6, 1), date(2023, 6, 3))  # before the demo company existed
    landed_ = instagram(company, demo).run(run, tmp_path, "t1", streams=["comments"], today=DEMO_TODAY)
    assert landed_ and all(p.rows == 0 and p.path.read_text() == "" for p in landed_)


def test_only_posts_of_the_lookback_are_read(company, demo, tmp_path) -> None:
    fb = facebook(company, demo)
    fb.run(
        Window(RUN.end, RUN.end), tmp_path, "t1", streams=["comments"], accounts=[PAGES[0]], today=DEMO_TODAY
    )
    listing = [r for r in demo.requests() if r["path"].endswith("/published_posts")]
    assert len(listing) == 1 and listing[0]["query"]["fields"] == "id,created_time"
    settings = company.sources.facebook_pages
    since = datetime.fromtimestamp(int(listing[0]["query"]["since"]), tz=UTC)
    assert since == utc_midnight(RUN.end - timedelta(days=settings.post_lookback_days))
    assert settings.post_lookback_days > settings.comment_lookback_days
    listed = facebook_pages.posts_between(PAGES[0], since, utc_midnight(RUN.end + timedelta(days=1)))
    calls = comment_calls(demo)
    assert {r["path"].split("/")[2] for r in calls} == {post.id for post in listed}
    assert all(r["query"]["filter"] == "stream" and r["query"]["order"] == "chronological" for r in calls)


# Errors.


@pytest.mark.parametrize(
    ("make", "faults"),
    [(facebook, ["throttle_80001", "throttle_4"]), (instagram, ["throttle_80002", "error_500"])],
)
def test_throttling_is_retried_then_succeeds(company, demo, tmp_path, make, faults) -> None:
    source = make(company, demo)
    run = Window(RUN.end, RUN.end)
    demo.add_faults("/comments", faults)
    partitions = source.run(run, tmp_path, "t1", streams=["comments"], today=DEMO_TODAY)
    statuses = [c["status"] for c in comment_calls(demo)]
    assert statuses[:2] != [200, 200] and statuses[2] == 200 and all(s == 200 for s in statuses[2:])
    account = partitions[0].account
    window = comments_window(source, run)
    expected = truth.comments_between(source.name, account, window.start, window.end, DEMO_TODAY)
    rows = [r for day in window.days() for r in landed(tmp_path, source.name, account, window)[day]]
    top = [e for e in expected if source.name == "facebook_pages" or e["parent_id"] is None]
    assert sorted(r["id"] for r in rows) == sorted(e["comment_id"] for e in top)


@pytest.mark.parametrize(("make", "node"), [(facebook, "post"), (instagram, "media")])
def test_expired_token_fails_fast_naming_where_and_what_to_do(company, demo, tmp_path, make, node) -> None:
    source = make(company, demo)
    account = source.config.own_accounts(source.name)[0].id
    window = comments_window(source)
    demo.add_faults("/comments", ["expired_token"])
    with pytest.raises(ExtractError) as caught:
        source.run(RUN, tmp_path, "t1", streams=["comments"], accounts=[account], today=DEMO_TODAY)
    message = str(caught.value)
    assert (
        f"source={source.name} stream=comments account={account} day={window.start}..{window.end}" in message
    )
    assert f"comments of {node} " in message and "190/463" in message
    assert f"{source.name}_default" in message and "What to do" in message
    assert len(comment_calls(demo)) == 1, "an expired token is not retried"
    assert not (tmp_path / source.name / "comments").exists(), "nothing lands from a failed stream"
