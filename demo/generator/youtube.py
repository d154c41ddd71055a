"""The demo company's YouTube channel, and the ground truth tests compare the warehouse with.

Everything is a pure function of (channel, day) or (channel, week): the same call gives the same
answer in any process, and the HTTP server is only a view over these functions.

Conventions the warehouse must agree with:

* YouTube Analytics reports by **Pacific** day (America/Los_Angeles). A day's channel metrics
  (views, likes, comments, shares, estimatedMinutesWatched, subscribersGained/Lost) are served
  only once the day is ``ANALYTICS_LAG_DAYS`` old: on server day ``today`` the last day with
  rows is ``today - 3``, as the real API serves "data up until the last day for which all
  metrics in the query are available". :func:`account_daily` says ``None`` for the days a run
  on ``as_of`` could not read yet.
* ``followers(day)`` = the channel's base + the sum of (gained - lost) since ``EPOCH``: the
  subscriber total at the end of that Pacific day.
* The channel resource (Data API) on ``as_of`` reports the totals at the end of ``as_of - 1``:
  ``subscriberCount`` exact. YouTube rounds subscriber counts to three significant figures for
  the public; the demo serves the owner's exact count, so the truth needs no rounding rule.
* One to two videos a week, published in Pacific daytime; about a third are Shorts (15-60 s),
  the rest run 2-10 minutes. A video's reporting day is the Pacific day of ``publishedAt``.
* Lifetime video statistics grow front-loaded over ``GROWTH_DAYS`` (14) days:
  value(as_of) = final x (1 - (1 - age/14)^2), age = as_of - publish day + 1, capped at 14,
  rounded down. A video exists on ``as_of`` if it was published before ``as_of`` 00:00 UTC.
* No data exists before ``EPOCH``.
* The competitors' channels (``is_own=False``, see ``demo.competitors``) are generated the same
  way. The Data API serves them (channels, uploads playlist, videos are public); YouTube
  Analytics refuses them (403 ``forbidden``), so their daily metrics only drive the public totals.
"""

from __future__ import annotations

import hashlib
import math
import string
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from demo.company import EPOCH, YOUTUBE_CHANNEL
from demo.competitors import BRAMBLE_BABY, KIDDO_MOTION, Competitor, competitor_with
from demo.generator.common import PACIFIC, RunningTotals, days, pacific_day, poisson, seeded, utc_midnight
from demo.generator.messages import COLOURS, EMOJI, PLACES, PRODUCTS, caption

PLATFORM = "youtube"

ANALYTICS_LAG_DAYS = 3
"""On server day ``today`` YouTube Analytics has rows up to ``today - ANALYTICS_LAG_DAYS``."""

GROWTH_DAYS = 14
"""Lifetime video statistics reach their final value on the 14th (Pacific) day of a video's life."""

SHORTS_MAX_SECONDS = 60
"""Videos this short or shorter are Shorts (the conformed post_format ``reel``)."""

VIDEO_ID_ALPHABET = string.ascii_letters + string.digits + "-_"
VIDEO_ID_LAST = "AEIMQUYcgkosw048"
"""A video id is 11 base64url characters encoding 64 bits, so its last one comes from this set."""


@dataclass(frozen=True)
class Channel:
    """One YouTube channel (own or a competitor's) and the knobs that give it its size and rhythm."""

    id: str
    title: str
    handle: str
    description: str
    published_at: datetime
    country: str
    base_subscribers: int
    """Subscribers at the end of the day before ``EPOCH``."""
    base_views: int
    """Lifetime channel views before ``EPOCH``."""
    daily_views: float
    """Mean channel views on a weekday at ``EPOCH`` (all videos, old and new)."""
    daily_gained: float
    """Mean subscribers gained a day at ``EPOCH``."""
    daily_lost: float
    """Mean subscribers lost a day."""
    two_videos_a_week: float
    """Probability that a week has two videos instead of one."""
    shorts_share: float
    video_views: float
    """Typical final views of a regular video."""
    short_views: float
    """Typical final views of a Short."""
    is_own: bool = True
    """False for a competitor's channel: public Data API only, no Analytics."""

    @property
    def competitor(self) -> Competitor | None:
        return None if self.is_own else competitor_with(self.id)

    @property
    def uploads_playlist_id(self) -> str:
        return "UU" + self.id[2:]

    @property
    def link(self) -> str:
        return f"https://www.youtube.com/{self.handle}"


CHANNELS: tuple[Channel, ...] = (
    Channel(
        id=YOUTUBE_CHANNEL,
        title="Lumo Strollers",
        handle="@lumostrollers",
        description=(
            "Light, foldable strollers for city families. Fold demos, real-parent reviews and "
            "how-tos for every Lumo model. Questions? support@lumo.example"
        ),
        published_at=datetime(2023, 9, 14, 10, 21, 37, tzinfo=UTC),
        country="GB",
        base_subscribers=1_850,
        base_views=96_400,
        daily_views=310.0,
        daily_gained=1.3,
        daily_lost=0.8,
        two_videos_a_week=0.45,
        shorts_share=0.33,
        video_views=650.0,
        short_views=1_700.0,
    ),
    Channel(
        id=BRAMBLE_BABY.youtube_channel_id,
        title=BRAMBLE_BABY.name,
        handle="@bramblebaby",
        description="Pram and pushchair guides from the Bramble Baby team. Hello from Bristol!",
        published_at=datetime(2022, 3, 2, 16, 5, 11, tzinfo=UTC),
        country="GB",
        base_subscribers=1_120,
        base_views=71_900,
        daily_views=190.0,
        daily_gained=0.9,
        daily_lost=0.55,
        two_videos_a_week=0.2,
        shorts_share=0.2,
        video_views=420.0,
        short_views=1_100.0,
        is_own=False,
    ),
    Channel(
        id=KIDDO_MOTION.youtube_channel_id,
        title=KIDDO_MOTION.name,
        handle="@kiddomotion",
        description="Running strollers put to the test: trails, parks and race days.",
        published_at=datetime(2024, 5, 20, 9, 44, 2, tzinfo=UTC),
        country="GB",
        base_subscribers=640,
        base_views=18_300,
        daily_views=120.0,
        daily_gained=0.6,
        daily_lost=0.4,
        two_videos_a_week=0.65,
        shorts_share=0.55,
        video_views=170.0,
        short_views=360.0,
        is_own=False,
    ),
)

CHANNELS_BY_ID: dict[str, Channel] = {channel.id: channel for channel in CHANNELS}


def channel(account_id: str) -> Channel:
    """The channel (own or a competitor's) with this id; ``KeyError`` names the known ids otherwise."""
    try:
        return CHANNELS_BY_ID[str(account_id)]
    except KeyError:
        raise KeyError(
            f"unknown demo YouTube channel {account_id!r}; known: {', '.join(CHANNELS_BY_ID)}"
        ) from None


def last_reported_day(as_of: date) -> date:
    """The last Pacific day YouTube Analytics has rows for when the server's today is ``as_of``."""
    return as_of - timedelta(days=ANALYTICS_LAG_DAYS)


# Daily channel metrics (YouTube Analytics, dimensions=day).


@dataclass(frozen=True)
class DailyChannelMetrics:
    """One Pacific day of one channel, as a YouTube Analytics day report gives it."""

    day: date
    views: int
    estimated_minutes_watched: int
    likes: int
    dislikes: int
    comments: int
    shares: int
    subscribers_gained: int
    subscribers_lost: int
    videos_added_to_playlists: int
    videos_removed_from_playlists: int

    @property
    def average_view_duration(self) -> int:
        """Seconds, as YouTube reports it (an integer)."""
        return self.estimated_minutes_watched * 60 // self.views if self.views else 0

    @property
    def average_view_percentage(self) -> float:
        """Percent of a typical 4-minute video watched, two decimals as YouTube serves it."""
        return round(min(100.0, self.average_view_duration / 2.4), 2)


def _trend(day: date) -> float:
    """Channel growth (about 25% a year) with a pre-Christmas swell in November."""
    years = (day - EPOCH).days / 365.25
    season = 1 + 0.12 * math.exp(-(((day.timetuple().tm_yday - 320) / 25) ** 2))
    return (1 + 0.25 * years) * season


@lru_cache(maxsize=16_384)
def daily_metrics(account_id: str, day: date) -> DailyChannelMetrics:
    """The channel's day report values for one Pacific day (any day on or after ``EPOCH``)."""
    chan = channel(account_id)
    rng = seeded(PLATFORM, chan.id, "daily", day.isoformat())
    trend = _trend(day)
    rhythm = 1.15 if day.weekday() >= 5 else 1.0  # parents watch stroller videos at the weekend
    spike = rng.uniform(2.0, 4.0) if rng.random() < 0.02 else 1.0
    views = int(chan.daily_views * trend * rhythm * spike * max(0.4, rng.gauss(1.0, 0.18)))
    minutes = int(views * rng.uniform(1.3, 2.1))
    likes = poisson(rng, views * rng.uniform(0.018, 0.032))
    return DailyChannelMetrics(
        day=day,
        views=views,
        estimated_minutes_watched=minutes,
        likes=likes,
        dislikes=poisson(rng, likes * 0.03),
        comments=poisson(rng, views * rng.uniform(0.002, 0.005)),
        shares=poisson(rng, views * rng.uniform(0.003, 0.008)),
        subscribers_gained=poisson(rng, chan.daily_gained * trend * rhythm * spike),
        subscribers_lost=poisson(rng, chan.daily_lost * (1 + 0.1 * (day - EPOCH).days / 365.25)),
        videos_added_to_playlists=poisson(rng, views * 0.004),
        videos_removed_from_playlists=poisson(rng, views * 0.0008),
    )


def _net_subscribers(account_id: str, day: date) -> int:
    metrics = daily_metrics(account_id, day)
    return metrics.subscribers_gained - metrics.subscribers_lost


_SUBSCRIBERS = RunningTotals(EPOCH, lambda account_id: channel(account_id).base_subscribers, _net_subscribers)
_VIEWS = RunningTotals(
    EPOCH,
    lambda account_id: channel(account_id).base_views,
    lambda account_id, day: daily_metrics(account_id, day).views,
)


def followers(account_id: str, day: date) -> int:
    """Subscribers at the end of one Pacific day (the base subscribers for the day before EPOCH)."""
    return _SUBSCRIBERS.at_end_of(channel(account_id).id, day)


def lifetime_views(account_id: str, day: date) -> int:
    """Channel views from its start to the end of one Pacific day."""
    return _VIEWS.at_end_of(channel(account_id).id, day)


# Videos.

SHORT_TITLES = (
    "{product} one-hand fold #shorts",
    "Does the {product} fit in a Mini boot? #shorts",
    "{colour} {product} in 20 seconds {emoji} #shorts",
    "Kerb test: {product} vs cobbles #shorts",
    "The fold that parents asked for {emoji} #shorts",
)
VIDEO_TITLES = (
    "{product} review after 6 months: the honest version",
    "How to fold and unfold the {product} (step by step)",
    "{product} vs {other}: which stroller is right for you?",
    "A day out to {place} with the {product} {emoji}",
    "Cleaning the {product} fabric: our 5-minute routine",
    "Unboxing the new {colour} {product}",
    "Travel system set-up: {product} with car seat adapters",
)
CATEGORIES = ("26", "22")  # Howto & Style, People & Blogs
TAGS = ("stroller", "pushchair", "baby gear", "new parents", "travel stroller", "lumo")


@dataclass(frozen=True)
class VideoStats:
    """A video's lifetime statistics on one day."""

    views: int
    likes: int
    comments: int


@dataclass(frozen=True)
class Video:
    """A published video and its final (fully grown) lifetime statistics."""

    id: str
    channel_id: str
    published_at: datetime
    title: str
    description: str
    tags: tuple[str, ...]
    category_id: str
    duration_seconds: int
    final_views: int
    final_likes: int
    final_comments: int

    @property
    def created_date(self) -> date:
        """The Pacific day of ``published_at``: the reporting day and landing partition."""
        return pacific_day(self.published_at)

    @property
    def is_short(self) -> bool:
        return self.duration_seconds <= SHORTS_MAX_SECONDS

    @property
    def post_format(self) -> str:
        return "reel" if self.is_short else "video"

    @property
    def permalink_url(self) -> str:
        return f"https://www.youtube.com/watch?v={self.id}"

    def exists_on(self, as_of: date) -> bool:
        """Whether the API knows the video when the server's today is ``as_of``."""
        return self.published_at < utc_midnight(as_of)

    def lifetime(self, as_of: date) -> VideoStats:
        """The statistics the Data API reports on ``as_of`` (front-loaded growth over 14 days)."""
        age = min(GROWTH_DAYS, max(0, (as_of - self.created_date).days + 1))
        done = GROWTH_DAYS**2 - (GROWTH_DAYS - age) ** 2

        def grown(final: int) -> int:
            return final * done // GROWTH_DAYS**2

        return VideoStats(grown(self.final_views), grown(self.final_likes), grown(self.final_comments))


def iso_duration(seconds: int) -> str:
    """ISO 8601 as the Data API writes ``contentDetails.duration``: PT45S, PT1M, PT1M2S, PT1H2M."""
    if seconds <= 0:
        return "P0D"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return "PT" + "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)


def _video_id(rng: Any) -> str:
    return "".join(rng.choice(VIDEO_ID_ALPHABET) for _ in range(10)) + rng.choice(VIDEO_ID_LAST)


def _title(rng: Any, short: bool, brand: Competitor | None = None) -> str:
    products = rng.sample(PRODUCTS if brand is None else brand.products, 2)
    return rng.choice(SHORT_TITLES if short else VIDEO_TITLES).format(
        product=products[0],
        other=products[1],
        colour=rng.choice(COLOURS),
        place=rng.choice(PLACES),
        emoji=rng.choice(EMOJI),
    )


@lru_cache(maxsize=4_096)
def videos_in_week(account_id: str, monday: date) -> tuple[Video, ...]:
    """The videos a channel published in the (Pacific) week starting ``monday``, oldest first."""
    chan = channel(account_id)
    rng = seeded(PLATFORM, chan.id, "videos", monday.isoformat())
    count = 2 if rng.random() < chan.two_videos_a_week else 1
    weekdays = sorted(rng.sample(range(7), count))
    videos = []
    for weekday in weekdays:
        day = monday + timedelta(days=weekday)
        local = datetime.combine(
            day, time(rng.randrange(7, 19), rng.randrange(60), rng.randrange(60)), PACIFIC
        )
        short = rng.random() < chan.shorts_share
        duration = rng.randint(15, SHORTS_MAX_SECONDS) if short else rng.randint(120, 600)
        typical = chan.short_views if short else chan.video_views
        views = max(5, int(typical * _trend(day) * rng.lognormvariate(0, 0.6)))
        likes = int(views * rng.uniform(0.025, 0.06))
        videos.append(
            Video(
                id=_video_id(rng),
                channel_id=chan.id,
                published_at=local.astimezone(UTC),
                title=_title(rng, short, chan.competitor),
                description=(caption if chan.is_own else chan.competitor.caption)(rng, "added_video"),
                tags=tuple(rng.sample(TAGS if chan.is_own else (*TAGS[:-1], chan.competitor.handle), 3)),
                category_id=rng.choice(CATEGORIES),
                duration_seconds=duration,
                final_views=views,
                final_likes=likes,
                final_comments=int(likes * rng.uniform(0.05, 0.2)),
            )
        )
    return tuple(videos)


def _mondays(first: date, last: date) -> list[date]:
    monday = first - timedelta(days=first.weekday())
    return [monday + timedelta(weeks=n) for n in range((last - monday).days // 7 + 1)]


def videos_between(account_id: str, start: date, end: date) -> list[Video]:
    """Videos whose Pacific publish day is in [start, end] (every one, existing yet or not), oldest first."""
    first = max(start, EPOCH)
    if first > end:
        return []
    found = [video for monday in _mondays(first, end) for video in videos_in_week(str(account_id), monday)]
    return [video for video in found if first <= video.created_date <= end]


@lru_cache(maxsize=64)
def uploads(account_id: str, as_of: date) -> tuple[Video, ...]:
    """Every video the channel has on ``as_of``, newest first (the uploads playlist's order)."""
    found = videos_between(account_id, EPOCH, as_of)
    return tuple(sorted((v for v in found if v.exists_on(as_of)), key=lambda v: v.published_at, reverse=True))


@lru_cache(maxsize=64)
def videos_by_id(as_of: date) -> dict[str, Video]:
    """Every video of every demo channel on ``as_of``, by id."""
    return {video.id: video for chan in CHANNELS for video in uploads(chan.id, as_of)}


def videos_published(account_id: str, day: date, as_of: date | None = None) -> int:
    """How many videos the channel published on one Pacific day (existing on ``as_of``, if given)."""
    return sum(1 for video in videos_between(account_id, day, day) if as_of is None or video.exists_on(as_of))


# Resources as the Data API renders them (every part; the server keeps the parts asked for).


def etag(*parts: object) -> str:
    """A stable etag in Google's style (27 base64url characters)."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()
    return "".join(VIDEO_ID_ALPHABET[int(digest[i : i + 2], 16) % 64] for i in range(0, 54, 2))


def rfc3339(moment: datetime) -> str:
    """The Data API's timestamp format: ``2026-11-02T15:02:11Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _thumbnails(base: str, sizes: dict[str, tuple[int, int]]) -> dict[str, Any]:
    return {name: {"url": f"{base}/{name}.jpg", "width": w, "height": h} for name, (w, h) in sizes.items()}


def channel_resource(account_id: str, as_of: date) -> dict[str, Any]:
    """The channel resource (parts snippet, statistics, contentDetails) the API serves on ``as_of``.

    Counts are strings, as the Data API sends uint64 values. Totals are those at the end of the
    Pacific day ``as_of - 1``; ``subscriberCount`` is exact (see the module docstring).
    """
    chan = channel(account_id)
    last_day = max(as_of - timedelta(days=1), EPOCH - timedelta(days=1))
    subscribers, views = _SUBSCRIBERS.at_end_of(chan.id, last_day), _VIEWS.at_end_of(chan.id, last_day)
    thumbnails = _thumbnails(
        f"https://yt3.ggpht.example/{chan.id}",
        {"default": (88, 88), "medium": (240, 240), "high": (800, 800)},
    )
    return {
        "kind": "youtube#channel",
        "etag": etag("channel", chan.id, as_of),
        "id": chan.id,
        "snippet": {
            "title": chan.title,
            "description": chan.description,
            "customUrl": chan.handle,
            "publishedAt": rfc3339(chan.published_at),
            "thumbnails": thumbnails,
            "localized": {"title": chan.title, "description": chan.description},
            "country": chan.country,
        },
        "contentDetails": {"relatedPlaylists": {"likes": "LL", "uploads": chan.uploads_playlist_id}},
        "statistics": {
            "viewCount": str(views),
            "subscriberCount": str(subscribers),
            "hiddenSubscriberCount": False,
            "videoCount": str(len(uploads(chan.id, as_of))),
        },
    }


def video_resource(video: Video, as_of: date) -> dict[str, Any]:
    """The video resource (parts snippet, contentDetails, statistics, status) on ``as_of``."""
    chan = channel(video.channel_id)
    stats = video.lifetime(as_of)
    thumbnails = _thumbnails(
        f"https://i.ytimg.example/vi/{video.id}",
        {"default": (120, 90), "medium": (320, 180), "high": (480, 360)},
    )
    return {
        "kind": "youtube#video",
        "etag": etag("video", video.id, as_of),
        "id": video.id,
        "snippet": {
            "publishedAt": rfc3339(video.published_at),
            "channelId": chan.id,
            "title": video.title,
            "description": video.description,
            "thumbnails": thumbnails,
            "channelTitle": chan.title,
            "tags": list(video.tags),
            "categoryId": video.category_id,
            "liveBroadcastContent": "none",
            "defaultAudioLanguage": "en-GB",
            "localized": {"title": video.title, "description": video.description},
        },
        "contentDetails": {
            "duration": iso_duration(video.duration_seconds),
            "dimension": "2d",
            "definition": "hd",
            "caption": "false",
            "licensedContent": False,
            "contentRating": {},
            "projection": "rectangular",
        },
        "status": {
            "uploadStatus": "processed",
            "privacyStatus": "public",
            "license": "youtube",
            "embeddable": True,
            "publicStatsViewable": True,
            "madeForKids": False,
        },
        "statistics": {
            "viewCount": str(stats.views),
            "likeCount": str(stats.likes),
            "favoriteCount": "0",  # deprecated by YouTube: always 0
            "commentCount": str(stats.comments),
        },
    }


# Ground truth: plain dicts, the shape tests and the HTTP truth routes share.


def accounts() -> list[dict]:
    """The demo's YouTube channels, own first, then the competitors' (``is_own`` False)."""
    return [
        {
            "platform": PLATFORM,
            "account_id": chan.id,
            "account_name": chan.title,
            "username": chan.handle,
            "link": chan.link,
            "is_own": chan.is_own,
        }
        for chan in CHANNELS
    ]


def snapshot(account_id: str, as_of: date) -> dict[str, Any]:
    """What the channel_snapshot stream lands on ``as_of``: the channel resource, plus ``followers``
    (its ``statistics.subscriberCount`` as an integer) for convenience."""
    resource = channel_resource(account_id, as_of)
    return {**resource, "followers": int(resource["statistics"]["subscriberCount"])}


def account_daily(account_id: str, start: date, end: date, as_of: date | None = None) -> list[dict]:
    """One row per Pacific day from ``start`` to ``end`` (both included, days before ``EPOCH`` skipped).

    Values are what int_youtube__account_daily holds after one extract run on ``as_of`` (the
    server's today): the Analytics columns are ``None`` for days the API had not reported yet
    (after ``as_of - ANALYTICS_LAG_DAYS``), ``reach`` is always ``None`` (YouTube reports no unique
    reach for a channel day). ``followers`` is always the true end-of-day total; the warehouse
    holds it only on the snapshot day. ``as_of=None`` means every day has been reported.
    A competitor's channel is never reported (no Analytics access): its Analytics columns are None.
    """
    chan = channel(account_id)
    reported_until = last_reported_day(as_of) if as_of else date.max
    if not chan.is_own:
        reported_until = date.min
    rows = []
    for day in days(max(start, EPOCH), end):
        metrics = daily_metrics(chan.id, day)
        reported = day <= reported_until
        rows.append(
            {
                "date": day,
                "followers": followers(chan.id, day),
                "followers_gained": metrics.subscribers_gained if reported else None,
                "followers_lost": metrics.subscribers_lost if reported else None,
                "engagements": metrics.likes + metrics.comments + metrics.shares if reported else None,
                "views": metrics.views if reported else None,
                "reach": None,
                "shares": metrics.shares if reported else None,
                "posts_published": videos_published(chan.id, day, as_of),
            }
        )
    return rows


def post_record(video: Video, as_of: date) -> dict[str, Any]:
    """The ground-truth row of one video with its lifetime statistics as of ``as_of``."""
    stats = video.lifetime(as_of)
    return {
        "id": video.id,
        "account_id": video.channel_id,
        "created_time": video.published_at,
        "created_date": video.created_date,
        "post_format": video.post_format,
        "title": video.title,
        "permalink_url": video.permalink_url,
        "duration_seconds": video.duration_seconds,
        "views": stats.views,
        "reach": None,
        "reactions": stats.likes,
        "comments": stats.comments,
        "shares": None,
        "quotes": None,
        "saves": None,
        "clicks": None,
        "engagements": stats.likes + stats.comments,
    }


def posts(account_id: str, start: date, end: date, as_of: date) -> list[dict]:
    """Videos whose Pacific publish day is in [start, end] and that exist on ``as_of``, oldest first.

    Lifetime values are as the Data API reports them on ``as_of``; shares, saves, reach, quotes
    and clicks are ``None`` (the Data API has none of them per video; ``favoriteCount`` is always 0).
    """
    chan = channel(account_id)
    return [post_record(v, as_of) for v in videos_between(chan.id, start, end) if v.exists_on(as_of)]
