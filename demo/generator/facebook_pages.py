"""The demo company's Facebook Pages data, and the ground truth tests compare the warehouse with.

Everything is a pure function of (page, day) or (page, post): the same call gives the same
answer in any process, and the HTTP server is only a view over these functions.

Conventions the warehouse must agree with:

* Page metrics belong to a **Pacific** day (America/Los_Angeles), as Graph reports them.
  ``followers`` (``page_follows``) is the lifetime total at the end of that day:
  the page's base plus the sum of follows minus unfollows since ``EPOCH``.
* Posts belong to the **UTC** day of ``created_time`` (the landing partition), but
  ``posts_published`` in :func:`account_daily` counts them by Pacific day, like every other
  column of that row.
* Lifetime post metrics grow for a week: value(as_of) = final x min(1, (as_of - created UTC
  date + 1) / 7), rounded down. ``like`` absorbs the rounding so the reaction breakdown always
  sums to the reaction total.
* No data exists before ``EPOCH``.
* The competitors' Pages (``COMPETITOR_PAGES``, see ``demo.competitors``) are generated the same
  way, but Graph serves only their public fields (``followers_count``, ``fan_count``...): no
  insights, no posts (Page Public Content Access is not assumed). Their truth posts exist for
  completeness; the warehouse never reads them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from demo.company import EPOCH, FACEBOOK_PAGES, FACEBOOK_PAGES_BY_ID, MAIN_PAGE, UK_PAGE, FacebookPage
from demo.competitors import BRAMBLE_BABY, KIDDO_MOTION, competitor_with
from demo.generator.common import RunningTotals, days, pacific_day, poisson, seeded, utc_midnight
from demo.generator.messages import caption

PLATFORM = "facebook_pages"

STATUS_TYPES = ("added_photos", "added_video", "mobile_status_update", "shared_story")
STATUS_WEIGHTS = (0.45, 0.20, 0.20, 0.15)
STATUS_VIEW_FACTOR = {
    "added_photos": 1.0,
    "added_video": 1.7,
    "mobile_status_update": 0.55,
    "shared_story": 0.8,
}

REACTION_TYPES = ("like", "love", "haha", "wow", "sad", "angry")
REACTION_WEIGHTS = (0.66, 0.21, 0.05, 0.05, 0.02, 0.01)

GROWTH_DAYS = 7
"""Lifetime post metrics reach their final value on the 7th day (UTC) of a post's life."""

POSTING_HOURS_UTC = {
    MAIN_PAGE: (0, 1, 2, 3, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23),
    UK_PAGE: (7, 8, 9, 10, 11, 12, 13, 17, 18, 19, 20),
    BRAMBLE_BABY.facebook_page_id: (8, 9, 10, 11, 12, 13, 19, 20),
    KIDDO_MOTION.facebook_page_id: (6, 7, 8, 12, 13, 17, 18, 19, 20, 21),
}

COMPETITOR_PAGES: tuple[FacebookPage, ...] = (
    FacebookPage(
        id=BRAMBLE_BABY.facebook_page_id,
        name=BRAMBLE_BABY.name,
        username=BRAMBLE_BABY.handle,
        category="Baby Goods/Kids Goods",
        about="Prams, pushchairs and cosy things for little ones. Made in Bristol.",
        website=BRAMBLE_BABY.website,
        base_followers=52_300,
        daily_follows=48.0,
        daily_unfollows=14.0,
        daily_views=30_000.0,
        posts_per_day_weekday=(0.30, 0.45, 0.20, 0.05),
        posts_per_day_weekend=(0.55, 0.35, 0.08, 0.02),
        post_views=8_200.0,
        is_own=False,
    ),
    FacebookPage(
        id=KIDDO_MOTION.facebook_page_id,
        name=KIDDO_MOTION.name,
        username=KIDDO_MOTION.handle,
        category="Sporting Goods Store",
        about="Running strollers for active families.",
        website=KIDDO_MOTION.website,
        base_followers=12_600,
        daily_follows=16.0,
        daily_unfollows=5.0,
        daily_views=9_000.0,
        posts_per_day_weekday=(0.05, 0.30, 0.40, 0.25),
        posts_per_day_weekend=(0.15, 0.40, 0.30, 0.15),
        post_views=2_600.0,
        is_own=False,
    ),
)
COMPETITOR_PAGES_BY_ID: dict[str, FacebookPage] = {page.id: page for page in COMPETITOR_PAGES}


def facebook_page(account_id: str) -> FacebookPage:
    """The Page (own or a competitor's) with this id; ``KeyError`` names the known ids otherwise."""
    found = FACEBOOK_PAGES_BY_ID.get(str(account_id)) or COMPETITOR_PAGES_BY_ID.get(str(account_id))
    if found is None:
        known = ", ".join([*FACEBOOK_PAGES_BY_ID, *COMPETITOR_PAGES_BY_ID])
        raise KeyError(f"unknown demo Facebook Page {account_id!r}; known pages: {known}")
    return found


@dataclass(frozen=True)
class DailyPageMetrics:
    """One Pacific day of one page, as its daily insights report it."""

    day: date
    follows: int
    unfollows: int
    views: int
    reach: int
    post_engagements: int


@dataclass(frozen=True)
class Post:
    """A published post and its final (fully grown) lifetime metrics."""

    id: str
    account_id: str
    created_time: datetime
    status_type: str
    message: str
    permalink_url: str
    final_views: int
    final_reach: int
    final_reactions_by_type: tuple[tuple[str, int], ...]
    final_comments: int
    final_shares: int
    final_clicks: int

    @property
    def created_date(self) -> date:
        """The UTC day of ``created_time``: the post's landing partition."""
        return self.created_time.date()

    def lifetime(self, as_of: date) -> PostLifetime:
        """The lifetime metrics as the API reports them on ``as_of``."""
        age = min(GROWTH_DAYS, max(0, (as_of - self.created_date).days + 1))
        by_type = {name: final * age // GROWTH_DAYS for name, final in self.final_reactions_by_type}
        total = sum(final for _, final in self.final_reactions_by_type) * age // GROWTH_DAYS
        by_type["like"] = total - sum(value for name, value in by_type.items() if name != "like")
        return PostLifetime(
            views=self.final_views * age // GROWTH_DAYS,
            reach=self.final_reach * age // GROWTH_DAYS,
            reactions=total,
            reactions_by_type={name: by_type[name] for name in REACTION_TYPES},
            comments=self.final_comments * age // GROWTH_DAYS,
            shares=self.final_shares * age // GROWTH_DAYS,
            clicks=self.final_clicks * age // GROWTH_DAYS,
        )


@dataclass(frozen=True)
class PostLifetime:
    """A post's lifetime metrics on one day; ``reactions_by_type`` holds every type, zeros included."""

    views: int
    reach: int
    reactions: int
    reactions_by_type: dict[str, int]
    comments: int
    shares: int
    clicks: int


def _trend(page_day: date) -> float:
    """Slow audience growth (about 20% a year) with a gentle seasonal swell in spring."""
    years = (page_day - EPOCH).days / 365.25
    season = 1 + 0.08 * math.sin(2 * math.pi * (page_day.timetuple().tm_yday - 30) / 365.25)
    return (1 + 0.2 * years) * season


@lru_cache(maxsize=16_384)
def daily_metrics(account_id: str, day: date) -> DailyPageMetrics:
    """The daily page metrics of one page on one Pacific day (any day on or after ``EPOCH``)."""
    page = facebook_page(account_id)
    rng = seeded(PLATFORM, page.id, "daily", day.isoformat())
    weekend = day.weekday() >= 5
    trend = _trend(day)
    spike = rng.uniform(2.0, 3.5) if rng.random() < 0.02 else 1.0
    rhythm = 0.75 if weekend else 1.0
    noise = max(0.5, rng.gauss(1.0, 0.12))
    follows = poisson(rng, page.daily_follows * trend * rhythm * spike * noise)
    unfollows = poisson(rng, page.daily_unfollows * (1 + 0.1 * (day - EPOCH).days / 365.25))
    views = int(page.daily_views * trend * rhythm * spike * max(0.4, rng.gauss(1.0, 0.15)))
    reach = int(views * rng.uniform(0.55, 0.82))
    post_engagements = int(views * rng.uniform(0.022, 0.055))
    return DailyPageMetrics(day, follows, unfollows, views, reach, post_engagements)


def _net_follows(account_id: str, day: date) -> int:
    metrics = daily_metrics(account_id, day)
    return metrics.follows - metrics.unfollows


_FOLLOWERS = RunningTotals(EPOCH, lambda account_id: facebook_page(account_id).base_followers, _net_follows)


def followers(account_id: str, day: date) -> int:
    """``page_follows`` for one Pacific day: the lifetime follower total at the end of ``day``."""
    return _FOLLOWERS.at_end_of(str(account_id), day)


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    scale = sum(weights)
    exact = [total * weight / scale for weight in weights]
    shares = [int(value) for value in exact]
    order = sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _post_id_digits(day: date, ordinal: int, rng_value: int) -> str:
    """18 digits, unique by construction: day index and ordinal, then noise."""
    return f"1{(day - EPOCH).days:05d}{ordinal}{rng_value:011d}"


@lru_cache(maxsize=16_384)
def posts_on(account_id: str, day: date) -> tuple[Post, ...]:
    """The posts one page published on one UTC day, oldest first (none before ``EPOCH``)."""
    page = facebook_page(account_id)
    if day < EPOCH:
        return ()
    rng = seeded(PLATFORM, page.id, "posts", day.isoformat())
    weights = page.posts_per_day_weekend if day.weekday() >= 5 else page.posts_per_day_weekday
    count = rng.choices(range(4), weights=weights)[0]
    hours = POSTING_HOURS_UTC[page.id]
    seconds = sorted({rng.choice(hours) * 3600 + rng.randrange(3600) for _ in range(count)})
    posts = []
    for ordinal, second in enumerate(seconds):
        created = utc_midnight(day) + timedelta(seconds=second)
        status_type = rng.choices(STATUS_TYPES, weights=STATUS_WEIGHTS)[0]
        digits = _post_id_digits(day, ordinal, rng.randrange(10**10, 10**11))
        views = max(
            1,
            int(
                page.post_views * _trend(day) * STATUS_VIEW_FACTOR[status_type] * rng.lognormvariate(0, 0.55)
            ),
        )
        reactions = int(views * rng.uniform(0.012, 0.05))
        by_type = _allocate(reactions, [w * rng.uniform(0.6, 1.4) for w in REACTION_WEIGHTS])
        share_rate = rng.uniform(0.05, 0.35) if status_type == "shared_story" else rng.uniform(0.0, 0.15)
        posts.append(
            Post(
                id=f"{page.id}_{digits}",
                account_id=page.id,
                created_time=created,
                status_type=status_type,
                message=(caption if page.is_own else competitor_with(page.id).caption)(rng, status_type),
                permalink_url=f"{page.link}/posts/{digits}",
                final_views=views,
                final_reach=int(views * rng.uniform(0.55, 0.88)),
                final_reactions_by_type=tuple(zip(REACTION_TYPES, by_type, strict=True)),
                final_comments=int(reactions * rng.uniform(0.03, 0.25)),
                final_shares=int(reactions * share_rate),
                final_clicks=int(views * rng.uniform(0.008, 0.05)),
            )
        )
    return tuple(posts)


def posts_between(account_id: str, since: datetime, until: datetime) -> list[Post]:
    """Posts with ``since <= created_time < until``, oldest first."""
    first = max(since.astimezone(UTC).date(), EPOCH)
    last = (until.astimezone(UTC) - timedelta(microseconds=1)).date()
    found: list[Post] = []
    for day in days(first, last) if first <= last else ():
        found.extend(post for post in posts_on(str(account_id), day) if since <= post.created_time < until)
    return found


def posts_published(account_id: str, day: date, as_of: date | None = None) -> int:
    """How many posts the page published on one Pacific day (only those before ``as_of`` 00:00 UTC).

    A Pacific day ends at 07:00 or 08:00 UTC the next day, so the last Pacific day before the
    server's "today" is still incomplete: posts of its evening do not exist yet.
    """
    cutoff = datetime.combine(as_of, datetime.min.time(), UTC) if as_of else None
    candidates = [*posts_on(str(account_id), day), *posts_on(str(account_id), day + timedelta(days=1))]
    return sum(
        1
        for post in candidates
        if pacific_day(post.created_time) == day and (cutoff is None or post.created_time < cutoff)
    )


# Ground truth: plain dicts, the shape tests and the HTTP truth routes share.


def accounts() -> list[dict]:
    """The demo's Facebook Pages, own first, then the competitors' (``is_own`` False)."""
    return [
        {
            "platform": PLATFORM,
            "account_id": page.id,
            "account_name": page.name,
            "username": page.username,
            "link": page.link,
            "is_own": page.is_own,
        }
        for page in (*FACEBOOK_PAGES, *COMPETITOR_PAGES)
    ]


def account_daily(account_id: str, start: date, end: date, as_of: date | None = None) -> list[dict]:
    """One row per Pacific day from ``start`` to ``end`` (both included, days before ``EPOCH`` skipped).

    Keys: ``date``, ``followers`` (page_follows), ``follows``, ``unfollows``, ``views``, ``reach``,
    ``post_engagements``, ``posts_published`` (posts whose created_time is on that Pacific day,
    counting only posts that exist when the server's today is ``as_of``, if given).
    """
    account_id = facebook_page(account_id).id
    rows = []
    for day in days(max(start, EPOCH), end):
        metrics = daily_metrics(account_id, day)
        rows.append(
            {
                "date": day,
                "followers": followers(account_id, day),
                "follows": metrics.follows,
                "unfollows": metrics.unfollows,
                "views": metrics.views,
                "reach": metrics.reach,
                "post_engagements": metrics.post_engagements,
                "posts_published": posts_published(account_id, day, as_of),
            }
        )
    return rows


def post_record(post: Post, as_of: date) -> dict:
    """The ground-truth row of one post with its lifetime values as of ``as_of``."""
    lifetime = post.lifetime(as_of)
    return {
        "id": post.id,
        "account_id": post.account_id,
        "created_time": post.created_time,
        "status_type": post.status_type,
        "message": post.message,
        "permalink_url": post.permalink_url,
        "reactions": lifetime.reactions,
        "reactions_by_type": lifetime.reactions_by_type,
        "comments": lifetime.comments,
        "shares": lifetime.shares,
        "clicks": lifetime.clicks,
        "views": lifetime.views,
        "reach": lifetime.reach,
    }


def posts(account_id: str, start: date, end: date, as_of: date) -> list[dict]:
    """Posts whose created_time falls on a UTC day from ``start`` to ``end`` (both included), oldest first.

    Lifetime values are as the API reports them on ``as_of`` (the server's "today").
    ``reactions_by_type`` holds all six types, zeros included; Graph omits the zero ones.
    """
    account_id = facebook_page(account_id).id
    return [
        post_record(post, as_of) for day in days(max(start, EPOCH), end) for post in posts_on(account_id, day)
    ]


def snapshot(account_id: str, as_of: date) -> dict:
    """The Page object on ``as_of`` (the truth name every generator shares; see :func:`page_snapshot`)."""
    return page_snapshot(account_id, as_of)


def page_snapshot(account_id: str, as_of: date) -> dict:
    """The Page object as the API serves it on ``as_of``.

    ``followers_count`` is ``page_follows`` of the last complete Pacific day (``as_of`` - 1);
    ``fan_count`` (Page likes) trails it by about 6%.
    """
    page = facebook_page(account_id)
    last_day = as_of - timedelta(days=1)
    followers_count = followers(page.id, last_day) if last_day >= EPOCH else page.base_followers
    return {
        "id": page.id,
        "name": page.name,
        "username": page.username,
        "link": page.link,
        "category": page.category,
        "about": page.about,
        "website": page.website,
        "followers_count": followers_count,
        "fan_count": followers_count - followers_count // 16,
    }
