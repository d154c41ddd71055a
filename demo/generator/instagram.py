"""The demo company's Instagram account(s), and the ground truth tests compare the warehouse with.

Everything is a pure function of (account, day) or (account, media): the same call gives the same
answer in any process, and the HTTP server is only a view over these functions.

Conventions the warehouse must agree with:

* Account metrics belong to a **Pacific** day (America/Los_Angeles), as Graph reports them, and so
  does a media's reporting day (the Pacific day of its ``timestamp``). Media are generated per UTC
  day at UK posting hours (07:00-22:59 UTC), so a winter post before 08:00 UTC belongs to the
  previous Pacific day, and a post of the last Pacific day before "today" may not exist yet.
* Lifetime media metrics grow for a week of Pacific days: value(as_of) = final x min(7, age) / 7,
  rounded down, with age = as_of - the media's Pacific day. ``total_interactions`` is the sum of the
  grown likes, comments, shares and saves.
* Account interactions and views on a Pacific day are what the account's media gained that day
  (the growth above) plus activity the media list does not show (stories, older posts, the
  profile), so they track the posts without equalling them. Reach is unique accounts and is below
  views.
* ``follower_count`` (new followers that day) is only served for the 30 days before "today";
  unfollows exist (the total grows by follows minus unfollows) but Instagram does not report them.
* No data exists before ``EPOCH``.
* The competitors' accounts (``COMPETITOR_ACCOUNTS``, see ``demo.competitors``) are generated the
  same way but reachable only through ``business_discovery`` from an own account, by username:
  profile counts and media with ``like_count``/``comments_count`` (lifetime, growing as above),
  no insights. The truth names them by username, as the company config does.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from demo.company import EPOCH, INSTAGRAM_ACCOUNT
from demo.competitors import BRAMBLE_BABY, KIDDO_MOTION, competitor_with
from demo.generator.common import RunningTotals, days, pacific_day, poisson, seeded, utc_midnight
from demo.generator.messages import caption

PLATFORM = "instagram"

GROWTH_DAYS = 7
"""Lifetime media metrics reach their final value on the 7th Pacific day of a media's life."""

FOLLOWER_COUNT_DAYS = 30
"""``follower_count`` is served only for the last 30 days before today."""

POSTING_HOURS_UTC = tuple(range(7, 23))

# (media_product_type, media_type) and how often each is posted.
KINDS: tuple[tuple[str, str], ...] = (
    ("REELS", "VIDEO"),
    ("FEED", "IMAGE"),
    ("FEED", "CAROUSEL_ALBUM"),
    ("FEED", "VIDEO"),
)
KIND_WEIGHTS = (0.35, 0.30, 0.25, 0.10)
VIEW_FACTOR = {"REELS": 2.6, "IMAGE": 1.0, "CAROUSEL_ALBUM": 1.35, "VIDEO": 1.2}
SHORTCODE_ALPHABET = string.ascii_letters + string.digits + "_-"


@dataclass(frozen=True)
class InstagramAccount:
    """One Instagram professional account (own or a competitor's) and the knobs that give it its
    size and rhythm."""

    id: str
    username: str
    name: str
    biography: str
    website: str
    follows_count: int
    base_followers: int
    """Followers at the end of the day before ``EPOCH``."""
    base_media: int
    """Media published before ``EPOCH`` (they count in ``media_count`` only)."""
    daily_follows: float
    """Mean new followers on a weekday at ``EPOCH``; grows slowly with time."""
    daily_unfollows: float
    posts_per_day: tuple[float, float, float, float]
    """Probabilities of 0, 1, 2, 3 posts on a UTC day."""
    media_views: float
    """Typical lifetime views of an image post."""
    background_views: float
    """Mean daily views the media list does not explain (stories, older posts, the profile)."""
    is_own: bool = True

    @property
    def link(self) -> str:
        return f"https://www.instagram.com/{self.username}/"


ACCOUNTS: tuple[InstagramAccount, ...] = (
    InstagramAccount(
        id=INSTAGRAM_ACCOUNT,
        username="lumostrollers",
        name="Lumo Strollers",
        biography="Light, foldable strollers for city families 👶🌿 Designed to go where you go.",
        website="https://lumo.example",
        follows_count=312,
        base_followers=8_600,
        base_media=418,
        daily_follows=11.0,
        daily_unfollows=4.4,
        posts_per_day=(0.28, 0.52, 0.17, 0.03),
        media_views=3_200.0,
        background_views=1_400.0,
    ),
)

ACCOUNTS_BY_ID: dict[str, InstagramAccount] = {account.id: account for account in ACCOUNTS}
"""The own accounts: the only IG users the Graph routes answer for directly."""

COMPETITOR_ACCOUNTS: tuple[InstagramAccount, ...] = (
    InstagramAccount(
        id=BRAMBLE_BABY.instagram_user_id,
        username=BRAMBLE_BABY.handle,
        name=BRAMBLE_BABY.name,
        biography="Prams, pushchairs and cosy things for little ones 🌿",
        website=BRAMBLE_BABY.website,
        follows_count=540,
        base_followers=23_500,
        base_media=1_260,
        daily_follows=24.0,
        daily_unfollows=9.0,
        posts_per_day=(0.50, 0.42, 0.07, 0.01),
        media_views=7_800.0,
        background_views=3_000.0,
        is_own=False,
    ),
    InstagramAccount(
        id=KIDDO_MOTION.instagram_user_id,
        username=KIDDO_MOTION.handle,
        name=KIDDO_MOTION.name,
        biography="Running strollers for active families 🏃‍♀️",
        website=KIDDO_MOTION.website,
        follows_count=1_020,
        base_followers=3_900,
        base_media=890,
        daily_follows=6.0,
        daily_unfollows=2.5,
        posts_per_day=(0.12, 0.45, 0.33, 0.10),
        media_views=1_500.0,
        background_views=600.0,
        is_own=False,
    ),
)
COMPETITORS_BY_USERNAME: dict[str, InstagramAccount] = {a.username: a for a in COMPETITOR_ACCOUNTS}
_ALL_BY_ID: dict[str, InstagramAccount] = {a.id: a for a in (*ACCOUNTS, *COMPETITOR_ACCOUNTS)}


def account(account_id: str) -> InstagramAccount:
    """The account with this IG user id (a competitor's also by its username); ``KeyError``
    names the known ones otherwise."""
    key = str(account_id)
    found = _ALL_BY_ID.get(key) or COMPETITORS_BY_USERNAME.get(key)
    if found is None:
        known = ", ".join([*ACCOUNTS_BY_ID, *COMPETITORS_BY_USERNAME])
        raise KeyError(f"unknown demo Instagram account {account_id!r}; known: {known}")
    return found


@dataclass(frozen=True)
class MediaLifetime:
    """A media's lifetime insights on one day."""

    views: int
    reach: int
    likes: int
    comments: int
    shares: int
    saved: int
    follows: int
    profile_visits: int

    @property
    def total_interactions(self) -> int:
        return self.likes + self.comments + self.shares + self.saved


ZERO = MediaLifetime(0, 0, 0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class Media:
    """A published media object and its final (fully grown) lifetime insights."""

    id: str
    account_id: str
    timestamp: datetime
    media_product_type: str
    media_type: str
    caption: str
    shortcode: str
    final: MediaLifetime
    avg_watch_time_ms: int | None
    """``ig_reels_avg_watch_time`` (reels only)."""

    @property
    def created_date(self) -> date:
        """The Pacific day of ``timestamp``: the media's reporting day and landing partition."""
        return pacific_day(self.timestamp)

    @property
    def permalink(self) -> str:
        kind = "reel" if self.media_product_type == "REELS" else "p"
        return f"https://www.instagram.com/{kind}/{self.shortcode}/"

    @property
    def post_format(self) -> str:
        if self.media_product_type == "REELS":
            return "reel"
        return {"CAROUSEL_ALBUM": "carousel", "VIDEO": "video", "IMAGE": "image"}.get(
            self.media_type, "other"
        )

    def lifetime(self, as_of: date) -> MediaLifetime:
        """The lifetime insights as the API serves them on ``as_of`` (zero before its Pacific day)."""
        age = min(GROWTH_DAYS, max(0, (as_of - self.created_date).days))
        if age == 0:
            return ZERO
        return MediaLifetime(*(value * age // GROWTH_DAYS for value in _fields(self.final)))

    def exists_on(self, as_of: date) -> bool:
        """Whether the API lists the media on ``as_of`` (published before that UTC midnight)."""
        return self.timestamp < utc_midnight(as_of)


def _trend(day: date) -> float:
    """Audience growth (about 25% a year) with a spring swell, like the Facebook page."""
    years = (day - EPOCH).days / 365.25
    season = 1 + 0.08 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 30) / 365.25)
    return (1 + 0.25 * years) * season


def _media_id(day: date, ordinal: int, noise: int, prefix: str = "179") -> str:
    """18 digits starting 179 (180 for competitors' media), unique by construction (prefix, UTC
    day index and ordinal), then noise."""
    return f"{prefix}{(day - EPOCH).days:05d}{ordinal}{noise:09d}"


@lru_cache(maxsize=16_384)
def media_on_utc_day(account_id: str, day: date) -> tuple[Media, ...]:
    """The media one account published on one UTC day, oldest first (none before ``EPOCH``)."""
    owner = account(account_id)
    if day < EPOCH:
        return ()
    rng = seeded(PLATFORM, owner.id, "media", day.isoformat())
    count = rng.choices(range(4), weights=owner.posts_per_day)[0]
    seconds = sorted({rng.choice(POSTING_HOURS_UTC) * 3600 + rng.randrange(3600) for _ in range(count)})
    found = []
    for ordinal, second in enumerate(seconds):
        product_type, media_type = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
        factor = VIEW_FACTOR["REELS" if product_type == "REELS" else media_type]
        views = max(20, int(owner.media_views * _trend(day) * factor * rng.lognormvariate(0, 0.5)))
        reach = int(views * rng.uniform(0.55, 0.8))
        likes = int(reach * rng.uniform(0.025, 0.075))
        share_rate = rng.uniform(0.08, 0.3) if product_type == "REELS" else rng.uniform(0.01, 0.12)
        save_rate = rng.uniform(0.1, 0.3) if media_type == "CAROUSEL_ALBUM" else rng.uniform(0.03, 0.14)
        final = MediaLifetime(
            views=views,
            reach=reach,
            likes=likes,
            comments=int(likes * rng.uniform(0.02, 0.12)),
            shares=int(likes * share_rate),
            saved=int(likes * save_rate),
            follows=int(reach * rng.uniform(0.0005, 0.003)),
            profile_visits=int(reach * rng.uniform(0.005, 0.02)),
        )
        found.append(
            Media(
                id=_media_id(day, ordinal, rng.randrange(10**9), "179" if owner.is_own else "180"),
                account_id=owner.id,
                timestamp=utc_midnight(day) + timedelta(seconds=second),
                media_product_type=product_type,
                media_type=media_type,
                caption=(caption if owner.is_own else competitor_with(owner.id).caption)(
                    rng, "added_video" if media_type == "VIDEO" else "added_photos"
                ),
                shortcode="".join(rng.choice(SHORTCODE_ALPHABET) for _ in range(11)),
                final=final,
                avg_watch_time_ms=rng.randrange(4_000, 14_000) if product_type == "REELS" else None,
            )
        )
    return tuple(found)


@lru_cache(maxsize=16_384)
def media_on(account_id: str, day: date) -> tuple[Media, ...]:
    """The media whose Pacific day is ``day``, oldest first, whether or not they exist yet."""
    candidates = (*media_on_utc_day(account_id, day), *media_on_utc_day(account_id, day + timedelta(days=1)))
    return tuple(media for media in candidates if media.created_date == day)


def media_between(account_id: str, since: datetime, until: datetime) -> list[Media]:
    """Media with ``since <= timestamp < until``, oldest first."""
    first = max(since.astimezone(UTC).date(), EPOCH)
    last = (until.astimezone(UTC) - timedelta(microseconds=1)).date()
    found: list[Media] = []
    for day in days(first, last) if first <= last else ():
        found.extend(m for m in media_on_utc_day(account(account_id).id, day) if since <= m.timestamp < until)
    return found


def media_by_id(media_id: str) -> Media | None:
    """The media with this id, found from the UTC day encoded in it (None when there is none)."""
    if len(media_id) != 18 or not media_id.isdigit() or not media_id.startswith("179"):
        return None
    day = EPOCH + timedelta(days=int(media_id[3:8]))
    for owner in ACCOUNTS:
        for media in media_on_utc_day(owner.id, day):
            if media.id == media_id:
                return media
    return None


@dataclass(frozen=True)
class DailyAccountMetrics:
    """One Pacific day of one account, as its daily insights report it."""

    day: date
    follows: int
    """``follower_count``: new followers that day."""
    unfollows: int
    """Not reported by the API; the total moves by follows - unfollows."""
    views: int
    reach: int
    likes: int
    comments: int
    shares: int
    saves: int
    replies: int
    """Story replies, part of ``total_interactions``."""
    accounts_engaged: int

    @property
    def total_interactions(self) -> int:
        return self.likes + self.comments + self.shares + self.saves + self.replies


@lru_cache(maxsize=16_384)
def daily_metrics(account_id: str, day: date) -> DailyAccountMetrics:
    """The daily account metrics of one account on one Pacific day (any day on or after ``EPOCH``)."""
    owner = account(account_id)
    rng = seeded(PLATFORM, owner.id, "daily", day.isoformat())
    trend = _trend(day)
    weekend = day.weekday() >= 5
    noise = max(0.5, rng.gauss(1.0, 0.12))
    growth = [0] * 8
    for created in days(max(EPOCH, day - timedelta(days=GROWTH_DAYS - 1)), day):
        for media in media_on(owner.id, created):
            before, after = media.lifetime(day), media.lifetime(day + timedelta(days=1))
            for index, (old, new) in enumerate(zip(_fields(before), _fields(after), strict=True)):
                growth[index] += new - old
    views, _reach, likes, comments, shares, saved, _follows, _visits = growth
    background = owner.background_views * trend * (0.85 if weekend else 1.0) * noise
    views += int(background)
    likes += poisson(rng, background * 0.012)
    comments += poisson(rng, background * 0.0012)
    shares += poisson(rng, background * 0.0015)
    saved += poisson(rng, background * 0.001)
    replies = poisson(rng, background * 0.002)
    reach = int(views * rng.uniform(0.42, 0.62))
    follows = poisson(rng, owner.daily_follows * trend * (0.8 if weekend else 1.0) * noise)
    unfollows = poisson(rng, owner.daily_unfollows)
    interactions = likes + comments + shares + saved + replies
    return DailyAccountMetrics(
        day=day,
        follows=follows,
        unfollows=unfollows,
        views=views,
        reach=reach,
        likes=likes,
        comments=comments,
        shares=shares,
        saves=saved,
        replies=replies,
        accounts_engaged=int(interactions * rng.uniform(0.55, 0.8)),
    )


def _fields(lifetime: MediaLifetime) -> tuple[int, ...]:
    return (
        lifetime.views,
        lifetime.reach,
        lifetime.likes,
        lifetime.comments,
        lifetime.shares,
        lifetime.saved,
        lifetime.follows,
        lifetime.profile_visits,
    )


def _net_follows(account_id: str, day: date) -> int:
    metrics = daily_metrics(account_id, day)
    return metrics.follows - metrics.unfollows


_FOLLOWERS = RunningTotals(EPOCH, lambda account_id: account(account_id).base_followers, _net_follows)


def followers(account_id: str, day: date) -> int:
    """The lifetime follower total at the end of Pacific ``day``."""
    return _FOLLOWERS.at_end_of(account(account_id).id, day)


def follower_count_available(day: date, as_of: date) -> bool:
    """Whether ``follower_count`` is served for ``day`` on ``as_of``: only the last 30 days."""
    return 1 <= (as_of - day).days <= FOLLOWER_COUNT_DAYS


def media_count(account_id: str, as_of: date) -> int:
    """``media_count`` on ``as_of``: media before ``EPOCH`` plus every media published since."""
    owner = account(account_id)
    cutoff = utc_midnight(as_of)
    return owner.base_media + len(media_between(owner.id, utc_midnight(EPOCH), cutoff))


# Ground truth: plain dicts, the shape tests and the HTTP truth routes share.


def accounts() -> list[dict]:
    """The demo's Instagram accounts, own first, then the competitors' (``is_own`` False).

    ``account_name`` is the @username; a competitor's ``account_id`` is its username too, as the
    company config names it (business_discovery takes usernames), and ``ig_user_id`` its IG id.
    """
    return [
        {
            "platform": PLATFORM,
            "account_id": owner.id if owner.is_own else owner.username,
            "account_name": owner.username,
            "username": owner.username,
            "link": owner.link,
            "is_own": owner.is_own,
            "ig_user_id": owner.id,
        }
        for owner in (*ACCOUNTS, *COMPETITOR_ACCOUNTS)
    ]


def _followers_on(owner: InstagramAccount, as_of: date) -> int:
    """``followers_count`` served on ``as_of``: the total at the end of Pacific ``as_of - 1``."""
    last_day = as_of - timedelta(days=1)
    return followers(owner.id, last_day) if last_day >= EPOCH else owner.base_followers


def business_discovery(username: str, as_of: date) -> dict:
    """A competitor's public profile as ``business_discovery`` serves it on ``as_of`` (no media).

    ``KeyError`` for a username that is not a demo competitor (Graph: error 110).
    """
    owner = COMPETITORS_BY_USERNAME[username]
    return {
        "id": owner.id,
        "username": owner.username,
        "name": owner.name,
        "biography": owner.biography,
        "website": owner.website,
        "followers_count": _followers_on(owner, as_of),
        "follows_count": owner.follows_count,
        "media_count": media_count(owner.id, as_of),
        "profile_picture_url": f"https://scontent.cdninstagram.com/v/t51.2885-19/{owner.id}_profile.jpg",
    }


def snapshot(account_id: str, as_of: date) -> dict:
    """The IG User node as the API serves it on ``as_of`` (a competitor's: its business_discovery
    profile, by username or IG id).

    ``followers_count`` is the total at the end of the last complete Pacific day (``as_of`` - 1),
    so the snapshot landed for yesterday equals :func:`followers` of yesterday.
    """
    owner = account(account_id)
    if not owner.is_own:
        return business_discovery(owner.username, as_of)
    last_day = as_of - timedelta(days=1)
    return {
        "id": owner.id,
        "ig_id": int(owner.id[-10:]),
        "username": owner.username,
        "name": owner.name,
        "biography": owner.biography,
        "website": owner.website,
        "followers_count": followers(owner.id, last_day) if last_day >= EPOCH else owner.base_followers,
        "follows_count": owner.follows_count,
        "media_count": media_count(owner.id, as_of),
        "profile_picture_url": f"https://scontent.cdninstagram.com/v/t51.2885-19/{owner.id}_profile.jpg",
    }


def posts_published(account_id: str, day: date, as_of: date) -> int:
    """Media whose Pacific day is ``day`` and that exist on ``as_of``."""
    return sum(1 for media in media_on(account(account_id).id, day) if media.exists_on(as_of))


def account_daily(account_id: str, start: date, end: date, as_of: date) -> list[dict]:
    """One row per Pacific day from ``start`` to ``end`` (both included, days before ``EPOCH`` skipped).

    Each value is what int_instagram__account_daily holds after one extract run on ``as_of``
    (None where it is null), except ``followers``, which is always the true end-of-day total.
    A competitor has no insights: only ``followers`` and ``posts_published`` are known.
    """
    owner = account(account_id)
    rows = []
    for day in days(max(start, EPOCH), end):
        if not owner.is_own:
            rows.append(_public_daily(owner, day, as_of))
            continue
        metrics = daily_metrics(owner.id, day)
        rows.append(
            {
                "date": day,
                "followers": followers(owner.id, day),
                "followers_gained": metrics.follows if follower_count_available(day, as_of) else None,
                "followers_lost": None,
                "engagements": metrics.total_interactions,
                "views": metrics.views,
                "reach": metrics.reach,
                "shares": metrics.shares,
                "posts_published": posts_published(owner.id, day, as_of),
            }
        )
    return rows


def _public_daily(owner: InstagramAccount, day: date, as_of: date) -> dict:
    return {
        "date": day,
        "followers": followers(owner.id, day),
        "followers_gained": None,
        "followers_lost": None,
        "engagements": None,
        "views": None,
        "reach": None,
        "shares": None,
        "posts_published": posts_published(owner.id, day, as_of),
    }


def post_record(media: Media, as_of: date) -> dict:
    """The ground-truth row of one media with its lifetime values as of ``as_of``."""
    lifetime = media.lifetime(as_of)
    return {
        "id": media.id,
        "account_id": media.account_id,
        "created_time": media.timestamp,
        "created_date": media.created_date,
        "post_format": media.post_format,
        "media_product_type": media.media_product_type,
        "media_type": media.media_type,
        "caption": media.caption,
        "permalink": media.permalink,
        "views": lifetime.views,
        "reach": lifetime.reach,
        "reactions": lifetime.likes,
        "comments": lifetime.comments,
        "shares": lifetime.shares,
        "quotes": None,
        "saves": lifetime.saved,
        "clicks": None,
        "engagements": lifetime.total_interactions,
    }


def posts(account_id: str, start: date, end: date, as_of: date) -> list[dict]:
    """Media whose Pacific day is from ``start`` to ``end`` (both included) and that exist on ``as_of``,
    oldest first, with lifetime values as the API serves them on ``as_of``.

    A competitor's media (``account_id`` its username) carry only what business_discovery shows:
    ``reactions`` (like_count), ``comments`` (comments_count) and their sum as ``engagements``.
    """
    owner = account(account_id)
    record = post_record if owner.is_own else public_post_record
    return [
        record(media, as_of)
        for day in days(max(start, EPOCH), end)
        for media in media_on(owner.id, day)
        if media.exists_on(as_of)
    ]


def public_post_record(media: Media, as_of: date) -> dict:
    """The ground-truth row of a competitor's media: the counts business_discovery serves."""
    lifetime = media.lifetime(as_of)
    return {
        **post_record(media, as_of),
        "account_id": account(media.account_id).username,
        "views": None,
        "reach": None,
        "shares": None,
        "saves": None,
        "engagements": lifetime.likes + lifetime.comments,
    }
