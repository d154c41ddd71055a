"""Competitor accounts through the extractors, against the demo server over real HTTP.

The streams that read public data (X ``user``/``tweets``/``tweet_metrics``, YouTube
``channel_snapshot``/``videos``, Facebook ``page_snapshot``) run for the competitors' accounts too;
the ones that need the owner's rights never ask for them. Instagram reads competitors through
``business_discovery``. Expected numbers come from the demo generators.
"""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from core.config import CompanyConfig, parse_config
from core.settings import PROJECT_ROOT
from demo.competitors import BRAMBLE_BABY, COMPETITORS, KIDDO_MOTION
from demo.generator import facebook_pages as facebook_truth
from demo.generator import instagram as instagram_truth
from demo.generator import x as x_truth
from demo.generator import youtube as youtube_truth
from demo.server import DemoServer
from extractors.core import Window
from extractors.errors import ExtractError, Where
from extractors.facebook_pages import PACIFIC, FacebookPages, graph_time
from extractors.instagram import BusinessDiscovery, Instagram
from extractors.landing import partition_path
from extractors.x import X
from extractors.youtube import YouTube
from tests.conftest import DEMO_TODAY, demo_connection

YESTERDAY = DEMO_TODAY - timedelta(days=1)
OWN_IG = "17841405822304914"
SOURCES = {"x": X, "youtube": YouTube, "facebook_pages": FacebookPages, "instagram": Instagram}


def run(
    source: str, config: CompanyConfig, server: DemoServer, root: Path, window: Window, **kwargs: object
) -> list:
    extra = kwargs.pop("extra", {})
    connection = demo_connection(source, server, **extra)  # type: ignore[arg-type]
    return SOURCES[source](config, connection).run(window, root, "t1", today=DEMO_TODAY, **kwargs)


def records(root: Path, source: str, stream: str, account: str, day: date) -> list[dict]:
    path = partition_path(root, source, stream, account, day)
    return [json.loads(line)["record"] for line in path.read_text().splitlines()]


def requested(server: DemoServer, fragment: str) -> list[dict]:
    return [r for r in server.requests() if fragment in r["path"]]


def edited(change: object) -> CompanyConfig:
    """The shipped demo config after ``change(data)`` edits its YAML data."""
    data = yaml.safe_load((PROJECT_ROOT / "config" / "company.yml").read_text())
    data = copy.deepcopy(data)
    change(data)  # type: ignore[operator]
    return parse_config(data)


# Streams that run for competitors as well.


def test_every_public_stream_targets_own_then_competitor_accounts(company, demo) -> None:
    expected_streams = {
        "x": {"user", "tweets", "tweet_metrics"},
        "youtube": {"channel_snapshot", "videos"},
        "facebook_pages": {"page_snapshot"},
        "instagram": {"business_discovery"},
    }
    for name, streams in expected_streams.items():
        source = SOURCES[name](company, demo_connection(name, demo))
        competitors = {a.id for a in company.competitor_accounts(name)}
        reading = {s.name for s in source.streams() if competitors & {a.id for a in source.targets(s)}}
        assert reading == streams, name
        for stream in source.streams():
            ids = [a.id for a in source.targets(stream)]
            own = [a.id for a in company.own_accounts(name)]
            if "own" in stream.audience:
                assert ids[: len(own)] == own, (name, stream.name)


@pytest.mark.parametrize("competitor", COMPETITORS, ids=lambda c: c.slug)
def test_x_competitor_user_tweets_and_metrics_equal_truth(company, demo, tmp_path, competitor) -> None:
    account = competitor.x_user_id
    window = Window(date(2026, 11, 10), date(2026, 11, 19))
    run("x", company, demo, tmp_path, window, accounts=[account], streams=["user", "tweets", "tweet_metrics"])
    (user,) = records(tmp_path, "x", "user", account, YESTERDAY)
    assert user["public_metrics"] == x_truth.snapshot(account, DEMO_TODAY)["public_metrics"]
    lookback = company.sources.x.tweet_lookback_days
    expected = {
        p["id"]: p
        for p in x_truth.posts(account, window.start - timedelta(days=lookback), window.end, DEMO_TODAY)
    }
    landed = {
        t["id"]: (day, t)
        for day in Window(window.start - timedelta(days=lookback), window.end).days()
        for t in records(tmp_path, "x", "tweets", account, day)
    }
    assert landed.keys() == expected.keys()
    for tweet_id, (day, tweet) in landed.items():
        assert day == expected[tweet_id]["created_date"]
        assert tweet["public_metrics"]["like_count"] == expected[tweet_id]["reactions"]
    metrics = {t["id"]: t for t in records(tmp_path, "x", "tweet_metrics", account, YESTERDAY)}
    recent = x_truth.posts(account, YESTERDAY - timedelta(days=lookback), YESTERDAY, DEMO_TODAY)
    assert metrics.keys() == {p["id"] for p in recent}
    assert all(metrics[p["id"]]["public_metrics"]["retweet_count"] == p["shares"] for p in recent)


def test_youtube_competitor_channels_land_snapshot_and_videos_but_no_analytics(
    company, demo, tmp_path
) -> None:
    window = Window(date(2026, 11, 1), date(2026, 11, 19))
    run("youtube", company, demo, tmp_path, window)
    analytics = requested(demo, "/youtubeanalytics/")
    assert analytics and all(
        r["query"]["ids"] == f"channel=={company.own_accounts('youtube')[0].id}" for r in analytics
    ), "Analytics is never asked about a competitor's channel"
    for competitor in COMPETITORS:
        channel = competitor.youtube_channel_id
        (snapshot,) = records(tmp_path, "youtube", "channel_snapshot", channel, YESTERDAY)
        assert snapshot["statistics"] == youtube_truth.snapshot(channel, DEMO_TODAY)["statistics"]
        lookback = company.sources.youtube.video_lookback_days
        start = window.start - timedelta(days=lookback)
        expected = {p["id"]: p for p in youtube_truth.posts(channel, start, window.end, DEMO_TODAY)}
        landed = {
            v["id"]: v
            for day in Window(start, window.end).days()
            for v in records(tmp_path, "youtube", "videos", channel, day)
        }
        assert landed.keys() == expected.keys() and expected
        assert all(int(v["statistics"]["viewCount"]) == expected[i]["views"] for i, v in landed.items())
        assert not partition_path(tmp_path, "youtube", "channel_daily", channel, window.end).exists()


def test_facebook_competitor_pages_land_public_fields_and_nothing_else(company, demo, tmp_path) -> None:
    run("facebook_pages", company, demo, tmp_path, Window(YESTERDAY, YESTERDAY))
    for competitor in COMPETITORS:
        page = competitor.facebook_page_id
        (snapshot,) = records(tmp_path, "facebook_pages", "page_snapshot", page, YESTERDAY)
        expected = facebook_truth.snapshot(page, DEMO_TODAY)
        assert snapshot == {k: expected[k] for k in ("id", "name", "followers_count", "fan_count", "link")}
        asked = [r["path"] for r in requested(demo, f"/{page}")]
        assert asked == [f"/v25.0/{page}"], "only the Page node: never its insights or posts"
        assert not partition_path(tmp_path, "facebook_pages", "posts", page, YESTERDAY).exists()
    assert all(r["status"] == 200 for r in demo.requests())


# Instagram business_discovery.


def test_business_discovery_window_reads_the_media_lookback_and_lands_the_snapshot_day(company) -> None:
    stream = BusinessDiscovery("v25.0", company.sources.instagram, (), {})
    run_window = Window(date(2026, 11, 1), date(2026, 11, 3))  # a backfill: the reading is today's
    window = stream.window(run_window, DEMO_TODAY)
    lookback = company.sources.instagram.media_lookback_days
    assert window == Window(run_window.start - timedelta(days=lookback), YESTERDAY)
    assert stream.partition_days(window, set(), DEMO_TODAY, Where("instagram")) == [YESTERDAY]


@pytest.mark.parametrize("competitor", COMPETITORS, ids=lambda c: c.slug)
def test_business_discovery_merges_media_pages_into_one_snapshot_record(
    company, demo, tmp_path, competitor
) -> None:
    run_window = Window(date(2026, 11, 12), date(2026, 11, 19))
    landed = run(
        "instagram",
        company,
        demo,
        tmp_path,
        run_window,
        streams=["business_discovery"],
        accounts=[competitor.handle],
        extra={"page_size": 5},
    )
    assert [(p.stream, p.account, p.day, p.rows) for p in landed] == [
        ("business_discovery", competitor.handle, YESTERDAY, 1)
    ]
    calls = requested(demo, f"/instagram/v25.0/{OWN_IG}")
    assert len(calls) > 2, "several media pages at limit 5"
    assert "after(" not in calls[0]["query"]["fields"]
    assert all(".after(" in c["query"]["fields"] for c in calls[1:])
    (record,) = records(tmp_path, "instagram", "business_discovery", competitor.handle, YESTERDAY)
    expected = instagram_truth.snapshot(competitor.handle, DEMO_TODAY)
    for name in ("id", "username", "name", "followers_count", "follows_count", "media_count"):
        assert record[name] == expected[name], name
    assert set(record["media"]) == {"data"}, "pages merged: no paging left"
    start = run_window.start - timedelta(days=company.sources.instagram.media_lookback_days)
    truth_media = {p["id"]: p for p in instagram_truth.posts(competitor.handle, start, YESTERDAY, DEMO_TODAY)}
    landed_media = {m["id"]: m for m in record["media"]["data"]}
    assert landed_media.keys() == truth_media.keys()
    for media_id, media in landed_media.items():
        assert media["like_count"] == truth_media[media_id]["reactions"]
        assert media["comments_count"] == truth_media[media_id]["comments"]
        assert media["media_product_type"] == truth_media[media_id]["media_product_type"]


def test_business_discovery_rerun_lands_the_same_rows(company, demo, tmp_path) -> None:
    window = Window(YESTERDAY, YESTERDAY)
    kwargs = {"streams": ["business_discovery"], "accounts": [BRAMBLE_BABY.handle]}
    run("instagram", company, demo, tmp_path / "first", window, **kwargs)
    run("instagram", company, demo, tmp_path / "second", window, **kwargs)
    first = records(tmp_path / "first", "instagram", "business_discovery", BRAMBLE_BABY.handle, YESTERDAY)
    second = records(tmp_path / "second", "instagram", "business_discovery", BRAMBLE_BABY.handle, YESTERDAY)
    assert first == second and first[0]["media"]["data"]


def test_business_discovery_runs_for_competitors_only_and_never_asks_their_insights(
    company, demo, tmp_path
) -> None:
    run("instagram", company, demo, tmp_path, Window(YESTERDAY, YESTERDAY))
    for competitor in COMPETITORS:
        assert partition_path(
            tmp_path, "instagram", "business_discovery", competitor.handle, YESTERDAY
        ).exists()
        assert not partition_path(tmp_path, "instagram", "media", competitor.handle, YESTERDAY).exists()
        assert not requested(demo, f"/{competitor.instagram_user_id}")
        assert not requested(demo, f"/{competitor.handle}")
    assert not partition_path(tmp_path, "instagram", "business_discovery", OWN_IG, YESTERDAY).exists()
    assert all(r["status"] == 200 for r in demo.requests())


def test_an_unknown_competitor_username_names_the_competitor_and_the_config_field(demo, tmp_path) -> None:
    def misspell(data: dict) -> None:
        data["competitors"][1]["accounts"]["instagram"] = [{"id": "17841461029384756", "name": "kiddo"}]

    config = edited(misspell)
    with pytest.raises(ExtractError) as caught:
        run("instagram", config, demo, tmp_path, Window(YESTERDAY, YESTERDAY), streams=["business_discovery"])
    error = caught.value
    assert error.platform_code == 110
    assert "17841461029384756" in error.message and KIDDO_MOTION.name in error.message
    assert "competitors[].accounts.instagram" in error.hint and "username" in error.hint
    assert error.where.account == "17841461029384756"


def test_business_discovery_without_an_own_instagram_account_says_so(demo, tmp_path) -> None:
    def no_own_account(data: dict) -> None:
        data["accounts"]["instagram"] = []

    config = edited(no_own_account)
    with pytest.raises(ExtractError) as caught:
        run("instagram", config, demo, tmp_path, Window(YESTERDAY, YESTERDAY))
    assert "own Instagram account" in caught.value.message
    assert "accounts.instagram" in caught.value.hint
    assert not demo.requests(), "nothing is asked without an account to ask through"


def test_media_older_than_the_window_stop_the_paging(company, demo, tmp_path) -> None:
    run(
        "instagram",
        company,
        demo,
        tmp_path,
        Window(YESTERDAY, YESTERDAY),
        streams=["business_discovery"],
        accounts=[KIDDO_MOTION.handle],
        extra={"page_size": 10},
    )
    (record,) = records(tmp_path, "instagram", "business_discovery", KIDDO_MOTION.handle, YESTERDAY)
    pages = len(requested(demo, f"/instagram/v25.0/{OWN_IG}"))
    assert pages == len(record["media"]["data"]) // 10 + 1, "one page past the window at most"
    start = YESTERDAY - timedelta(days=company.sources.instagram.media_lookback_days)
    days = [graph_time(m["timestamp"]).astimezone(PACIFIC).date() for m in record["media"]["data"]]
    assert min(days) >= start > date(2026, 1, 1)
