"""The competitors' accounts on the demo server over real HTTP: what each platform's public
endpoints serve for them, what they refuse, and the ground truth that ranks them against Lumo."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import requests

from core.config import load_config
from demo.competitors import BRAMBLE_BABY, COMPETITORS, KIDDO_MOTION
from demo.generator import facebook_pages as facebook_truth
from demo.generator import instagram as instagram_truth
from demo.generator import x as x_truth
from demo.generator import youtube as youtube_truth
from demo.generator.common import utc_midnight
from demo.server import DemoServer
from demo.state import DEMO_TOKENS

TODAY = date(2026, 11, 20)
MONTH = (TODAY - timedelta(days=30), TODAY - timedelta(days=1))
OWN_IG = "17841405822304914"
OWN_X = "1447093205118763008"
OWN_CHANNEL = "UCq7Lm0x2bN9dVfK3tYwQe8A"
OWN_PAGE = "104729381726354"
DISCOVERY_MEDIA = "id,caption,media_type,media_product_type,timestamp,permalink,like_count,comments_count"


def graph(server: DemoServer, path: str, source: str = "facebook_pages", **params: Any) -> requests.Response:
    prefix = "/instagram" if source == "instagram" else ""
    params["access_token"] = DEMO_TOKENS[source]
    return requests.get(f"{server.url}{prefix}/v25.0/{path}", params=params, timeout=10)


def google(server: DemoServer, path: str, **params: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {DEMO_TOKENS['youtube']}"}
    return requests.get(f"{server.url}/{path}", params=params, headers=headers, timeout=10)


def x_get(server: DemoServer, path: str, **params: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {DEMO_TOKENS['x']}"}
    return requests.get(f"{server.url}{path}", params=params, headers=headers, timeout=10)


def discovery(server: DemoServer, username: str, media: str = "media.limit(25)") -> requests.Response:
    fields = (
        f"business_discovery.username({username})"
        f"{{id,username,name,followers_count,follows_count,media_count,{media}{{{DISCOVERY_MEDIA}}}}}"
    )
    return graph(server, OWN_IG, "instagram", fields=fields)


# The competitors are the config's.


def test_the_demo_competitors_are_the_company_config_competitors() -> None:
    config = load_config()
    assert [c.name for c in COMPETITORS] == [c.name for c in config.competitors]
    for competitor in COMPETITORS:
        assert config.competitor_of("x", competitor.x_user_id).name == competitor.name
        assert config.competitor_of("youtube", competitor.youtube_channel_id).name == competitor.name
        assert config.competitor_of("facebook_pages", competitor.facebook_page_id).name == competitor.name
        assert config.competitor_of("instagram", competitor.handle).name == competitor.name


def test_truth_accounts_list_own_accounts_first_then_competitors(demo) -> None:
    for platform, truth in (
        ("x", x_truth),
        ("youtube", youtube_truth),
        ("instagram", instagram_truth),
        ("facebook_pages", facebook_truth),
    ):
        served = requests.get(f"{demo.url}/_demo/truth/{platform}/accounts", timeout=5).json()
        assert served == truth.accounts()
        flags = [a["is_own"] for a in served]
        assert flags == sorted(flags, reverse=True) and flags.count(False) == 2, platform
    instagram_ids = [a["account_id"] for a in instagram_truth.accounts() if not a["is_own"]]
    assert instagram_ids == ["bramblebaby", "kiddomotion"], "competitors are named by username"


def test_competitors_differ_from_lumo_as_the_benchmark_needs() -> None:
    last = TODAY - timedelta(days=1)
    lumo_ig = instagram_truth.followers(OWN_IG, last)
    assert (
        instagram_truth.followers(BRAMBLE_BABY.handle, last)
        > lumo_ig
        > instagram_truth.followers(KIDDO_MOTION.handle, last)
    )
    lumo_yt = youtube_truth.followers(OWN_CHANNEL, last)
    assert lumo_yt > youtube_truth.followers(BRAMBLE_BABY.youtube_channel_id, last)
    assert lumo_yt > youtube_truth.followers(KIDDO_MOTION.youtube_channel_id, last)

    def x_posts(account: str) -> list[dict]:
        return x_truth.posts(account, *MONTH, TODAY)

    lumo_x, kiddo_x, bramble_x = (
        x_posts(OWN_X),
        x_posts(KIDDO_MOTION.x_user_id),
        x_posts(BRAMBLE_BABY.x_user_id),
    )
    assert len(kiddo_x) > len(lumo_x) > len(bramble_x), "Kiddo Motion posts most often on X"
    assert x_truth.followers(KIDDO_MOTION.x_user_id, last) < x_truth.followers(OWN_X, last)

    def per_post(rows: list[dict]) -> float:
        return sum(r["engagements"] for r in rows) / len(rows)

    rates = [per_post(rows) for rows in (lumo_x, kiddo_x, bramble_x)]
    assert len({round(rate) for rate in rates}) == 3, f"engagement per post ties: {rates}"


def test_competitor_posts_never_name_lumo() -> None:
    texts = [t.text for t in x_truth.tweets_between(KIDDO_MOTION.x_user_id, *_utc(MONTH))]
    texts += [p["caption"] for p in instagram_truth.posts(BRAMBLE_BABY.handle, *MONTH, TODAY)]
    texts += [
        p["title"]
        for p in youtube_truth.posts(KIDDO_MOTION.youtube_channel_id, date(2026, 1, 1), *MONTH[1:], TODAY)
    ]
    assert texts and not [text for text in texts if re.search("lumo", text, re.IGNORECASE)]


def _utc(days: tuple[date, date]) -> tuple[datetime, datetime]:
    """The UTC instants from the first day's midnight to the midnight after the last day."""
    return utc_midnight(days[0]), utc_midnight(days[1] + timedelta(days=1))


# X: the same public endpoints as the own account.


@pytest.mark.parametrize("competitor", COMPETITORS, ids=lambda c: c.slug)
def test_x_serves_a_competitor_user_timeline_and_lookup(demo, competitor) -> None:
    user = x_get(demo, f"/2/users/{competitor.x_user_id}", **{"user.fields": "public_metrics,created_at"})
    assert user.status_code == 200
    expected = x_truth.snapshot(competitor.x_user_id, TODAY)
    assert user.json()["data"]["public_metrics"] == expected["public_metrics"]
    assert user.json()["data"]["username"] == competitor.handle

    body = x_get(
        demo,
        f"/2/users/{competitor.x_user_id}/tweets",
        exclude="retweets,replies",
        max_results=100,
        start_time=f"{MONTH[1]}T00:00:00Z",
        end_time=f"{TODAY}T00:00:00Z",
        **{"tweet.fields": "public_metrics,author_id"},
    ).json()
    truth_posts = x_truth.posts(competitor.x_user_id, MONTH[1], MONTH[1], TODAY)
    assert sorted(t["id"] for t in body["data"]) == sorted(p["id"] for p in truth_posts)
    assert {t["author_id"] for t in body["data"]} == {competitor.x_user_id}

    ids = ",".join(p["id"] for p in truth_posts)
    looked_up = x_get(demo, "/2/tweets", ids=ids, **{"tweet.fields": "public_metrics"}).json()["data"]
    by_id = {p["id"]: p for p in truth_posts}
    for tweet in looked_up:
        assert tweet["public_metrics"]["like_count"] == by_id[tweet["id"]]["reactions"]
        assert tweet["public_metrics"]["retweet_count"] == by_id[tweet["id"]]["shares"]
        assert tweet["public_metrics"]["reply_count"] == by_id[tweet["id"]]["comments"]
        assert tweet["public_metrics"]["quote_count"] == by_id[tweet["id"]]["quotes"]


# YouTube: Data API yes, Analytics no.


@pytest.mark.parametrize("competitor", COMPETITORS, ids=lambda c: c.slug)
def test_youtube_data_api_serves_a_competitor_channel_and_its_uploads(demo, competitor) -> None:
    channel_id = competitor.youtube_channel_id
    items = google(demo, "youtube/v3/channels", part="statistics,contentDetails", id=channel_id).json()[
        "items"
    ]
    expected = youtube_truth.snapshot(channel_id, TODAY)
    assert items[0]["statistics"] == expected["statistics"]
    uploads = items[0]["contentDetails"]["relatedPlaylists"]["uploads"]
    page = google(
        demo, "youtube/v3/playlistItems", part="contentDetails", playlistId=uploads, maxResults=5
    ).json()
    newest = youtube_truth.uploads(channel_id, TODAY)[:5]
    assert [i["contentDetails"]["videoId"] for i in page["items"]] == [v.id for v in newest]
    videos = google(demo, "youtube/v3/videos", part="statistics", id=",".join(v.id for v in newest)).json()
    for video, resource in zip(newest, videos["items"], strict=True):
        assert resource["statistics"]["viewCount"] == str(video.lifetime(TODAY).views)


def test_youtube_analytics_refuses_a_competitor_channel(demo) -> None:
    params = {"startDate": "2026-11-01", "endDate": "2026-11-05", "metrics": "views", "dimensions": "day"}
    own = google(demo, "youtubeanalytics/v2/reports", ids=f"channel=={OWN_CHANNEL}", **params)
    assert own.status_code == 200
    for competitor in COMPETITORS:
        answer = google(
            demo, "youtubeanalytics/v2/reports", ids=f"channel=={competitor.youtube_channel_id}", **params
        )
        assert answer.status_code == 403
        assert answer.json()["error"]["errors"][0]["reason"] == "forbidden"


# Instagram: business_discovery through the own account.


@pytest.mark.parametrize("competitor", COMPETITORS, ids=lambda c: c.slug)
def test_business_discovery_serves_the_profile_and_newest_media(demo, competitor) -> None:
    answer = discovery(demo, competitor.handle, "media.limit(4)")
    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] == OWN_IG
    found = body["business_discovery"]
    expected = instagram_truth.snapshot(competitor.handle, TODAY)
    for name in ("id", "username", "name", "followers_count", "follows_count", "media_count"):
        assert found[name] == expected[name], name
    assert found["id"] == competitor.instagram_user_id
    media = found["media"]
    assert set(media["paging"]) == {"cursors"}, "a nested edge pages with cursors only"
    truth_media = instagram_truth.posts(competitor.handle, MONTH[0] - timedelta(days=30), TODAY, TODAY)
    newest = sorted(truth_media, key=lambda p: p["created_time"], reverse=True)[:4]
    assert [m["id"] for m in media["data"]] == [p["id"] for p in newest]
    for item, post in zip(media["data"], newest, strict=True):
        assert item["like_count"] == post["reactions"]
        assert item["comments_count"] == post["comments"]
        assert item["permalink"] == post["permalink"]
        assert set(item) == set(DISCOVERY_MEDIA.split(","))


def test_business_discovery_media_page_with_nested_after_cursors_to_the_end(demo) -> None:
    seen: list[str] = []
    media = "media.limit(100)"
    for _ in range(100):
        found = discovery(demo, KIDDO_MOTION.handle, media).json()["business_discovery"]["media"]
        seen.extend(m["id"] for m in found["data"])
        after = found["paging"]["cursors"].get("after")
        if after is None:
            break
        media = f"media.after({after}).limit(100)"
    else:
        pytest.fail("paging never ended")
    everything = instagram_truth.media_between(
        KIDDO_MOTION.instagram_user_id, *_utc((date(2024, 1, 1), TODAY - timedelta(days=1)))
    )
    assert len(seen) == len(set(seen)) > 200
    assert seen == [m.id for m in sorted(everything, key=lambda m: (m.timestamp, m.id), reverse=True)]
    media_count = instagram_truth.snapshot(KIDDO_MOTION.handle, TODAY)["media_count"]
    assert len(seen) == media_count - instagram_truth.account(KIDDO_MOTION.handle).base_media


def test_lifetime_counts_of_competitor_media_grow_like_own_media() -> None:
    media = next(
        m
        for back in range(10, 30)
        for m in instagram_truth.media_on(BRAMBLE_BABY.instagram_user_id, TODAY - timedelta(days=back))
    )
    counts = [media.lifetime(media.created_date + timedelta(days=age)).likes for age in range(0, 9)]
    assert counts == sorted(counts) and counts[0] == 0 and counts[-1] == counts[-2] > 0


def test_business_discovery_of_an_unknown_username_is_error_110(demo) -> None:
    answer = discovery(demo, "not_a_brand")
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert (error["code"], error["error_subcode"], error["type"]) == (110, 2207013, "OAuthException")
    assert "not_a_brand" in error["error_user_msg"]


def test_business_discovery_refuses_bad_requests(demo) -> None:
    no_username = graph(demo, OWN_IG, "instagram", fields="business_discovery{id}")
    assert no_username.status_code == 400 and no_username.json()["error"]["code"] == 100
    private_field = graph(demo, OWN_IG, "instagram", fields="business_discovery.username(bramblebaby){reach}")
    assert private_field.json()["error"]["code"] == 100
    bad_cursor = discovery(demo, BRAMBLE_BABY.handle, "media.after(nonsense).limit(5)")
    assert bad_cursor.status_code == 400 and bad_cursor.json()["error"]["code"] == 100
    direct = graph(demo, BRAMBLE_BABY.instagram_user_id, "instagram", fields="followers_count")
    assert direct.json()["error"]["code"] == 100, "another account's IG id is not readable directly"


# Facebook Pages: public fields only.


@pytest.mark.parametrize("competitor", COMPETITORS, ids=lambda c: c.slug)
def test_a_competitor_page_serves_its_public_fields(demo, competitor) -> None:
    page_id = competitor.facebook_page_id
    answer = graph(demo, page_id, fields="id,name,followers_count,fan_count,link")
    assert answer.status_code == 200
    expected = facebook_truth.snapshot(page_id, TODAY)
    assert answer.json() == {k: expected[k] for k in ("id", "name", "followers_count", "fan_count", "link")}
    assert expected["followers_count"] == facebook_truth.followers(page_id, TODAY - timedelta(days=1))


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("{page}/insights", {"metric": "page_follows", "period": "day"}),
        ("{page}/published_posts", {"fields": "id"}),
        ("{page}", {"fields": "id,access_token"}),
    ],
)
def test_a_competitor_page_refuses_insights_and_posts_with_a_permission_error(demo, path, params) -> None:
    answer = graph(demo, path.format(page=KIDDO_MOTION.facebook_page_id), **params)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == 10 and error["message"].startswith("(#10)")
    own = graph(demo, path.format(page=OWN_PAGE), **params)
    assert own.status_code == 200


def test_truth_routes_serve_competitors(demo) -> None:
    base = f"{demo.url}/_demo/truth"
    snapshot = requests.get(
        f"{base}/instagram/snapshot", params={"account_id": "bramblebaby", "as_of": "2026-11-20"}, timeout=5
    ).json()
    assert snapshot["followers_count"] == instagram_truth.snapshot("bramblebaby", TODAY)["followers_count"]
    posts = requests.get(
        f"{base}/x/posts",
        params={"account_id": KIDDO_MOTION.x_user_id, "start": "2026-11-10", "end": "2026-11-12"},
        timeout=5,
    ).json()
    assert [p["id"] for p in posts] == [
        p["id"] for p in x_truth.posts(KIDDO_MOTION.x_user_id, date(2026, 11, 10), date(2026, 11, 12), TODAY)
    ]
    page = requests.get(
        f"{base}/facebook_pages/page_snapshot",
        params={"account_id": BRAMBLE_BABY.facebook_page_id},
        timeout=5,
    )
    assert page.status_code == 200 and page.json()["name"] == "Bramble Baby"
    youtube = requests.get(
        f"{base}/youtube/snapshot", params={"account_id": BRAMBLE_BABY.youtube_channel_id}, timeout=5
    )
    assert youtube.status_code == 200 and youtube.json()["id"] == BRAMBLE_BABY.youtube_channel_id
