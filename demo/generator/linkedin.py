"""The demo company's LinkedIn page data, and the ground truth tests compare the warehouse with.

Everything is a pure function of (organization, day) or (organization, week): the same call gives
the same answer in any process, and the HTTP server is only a view over these functions.

Conventions the warehouse must agree with:

* LinkedIn reports by **UTC** day (epoch-ms midnight buckets); a post belongs to the UTC day of
  its ``publishedAt``.
* Followers: ``followers(day)`` = base + every daily gain (organic + paid) since ``EPOCH``.
  LinkedIn's gains are net of unfollows, so a rare day is negative. ``networkSizes`` serves the
  total at the end of yesterday; follower statistics are served up to today - 3 (the API refuses
  a window ending later than now - 2 days).
* Posts go out 3-5 times a week on weekdays, in US business hours, except during the company's
  year-end shutdown (22 Dec - 4 Jan). A post's activity spreads over its first 7 UTC days;
  its lifetime statistics on ``as_of`` are the days before ``as_of``.
* Daily share statistics = the activity of the posts of the last 7 days + a trickle on older
  content. A day with no activity at all (the shutdown produces a few) is left out of the
  API's answer, as LinkedIn does; so is the lifetime element of a post nobody saw.
* About 1 post in 20 is not distributed to the feed (``feedDistribution: NONE``) and gets no
  impressions. Some weeks also carry a sponsored-only ("dark", ``isDsc``) post: it sits in the
  page's post index but the author finder filters it out, which makes short, non-final pages.
* No data exists before ``EPOCH``.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from demo.company import EPOCH, LINKEDIN_ORGANIZATION
from demo.generator.common import RunningTotals, days, poisson, seeded, utc_midnight
from demo.generator.messages import caption

PLATFORM = "linkedin"

ACTIVITY_DAYS = 7
ACTIVITY_WEIGHTS = (0.42, 0.24, 0.13, 0.09, 0.06, 0.035, 0.025)
"""Share of a post's lifetime activity on each UTC day of its first week."""

FOLLOWER_LAG_DAYS = 3
"""Follower statistics exist up to today - 3 (a window may end no later than now - 2 days)."""
RETENTION_DAYS = 365
"""LinkedIn serves statistics for a rolling 12 months."""

KINDS = ("text", "image", "video", "article", "multi_image")
KIND_WEIGHTS = (0.15, 0.35, 0.15, 0.2, 0.15)
KIND_IMPRESSIONS = {"text": 0.8, "image": 1.0, "video": 1.35, "article": 0.85, "multi_image": 1.2}
CAPTION_STYLE = {
    "text": "mobile_status_update",
    "image": "added_photos",
    "multi_image": "added_photos",
    "video": "added_video",
    "article": "shared_story",
}
POST_FORMAT = {
    "text": "text",
    "image": "image",
    "video": "video",
    "article": "link",
    "multi_image": "carousel",
}
ARTICLES = (
    ("How we crash-test every Lumo stroller", "crash-testing"),
    ("Lumo opens a new distribution centre in Reno", "reno-distribution-centre"),
    ("What 2,000 parents told us about city strollers", "parent-survey"),
    ("Meet our retail partners: independent baby stores", "retail-partners"),
    ("Designing for one-hand folds", "one-hand-fold"),
    ("Our supplier code of conduct, updated", "supplier-code"),
)
LITTLE_TEXT_RESERVED = re.compile(r"([\\|{}@\[\]()<>#*_~])")


@dataclass(frozen=True)
class Organization:
    """One own LinkedIn page (an organization) and the knobs that give it its size and rhythm."""

    id: str
    name: str
    vanity_name: str
    base_followers: int
    """Followers at the end of the day before ``EPOCH``."""
    organic_gain: float
    """Mean new organic followers on a weekday at ``EPOCH``; grows slowly."""
    organic_loss: float
    """Mean unfollows a day (LinkedIn nets them into the gain)."""
    posts_per_week: tuple[float, float, float]
    """Probabilities of 3, 4 and 5 posts in a week."""
    post_impressions: float
    """Typical lifetime impressions of a post."""
    background_impressions: float
    """Impressions on a weekday of content older than a week."""

    @property
    def urn(self) -> str:
        return f"urn:li:organization:{self.id}"

    @property
    def link(self) -> str:
        return f"https://www.linkedin.com/company/{self.id}/"


ORGANIZATIONS: tuple[Organization, ...] = (
    Organization(
        id=LINKEDIN_ORGANIZATION,
        name="Lumo Strollers",
        vanity_name="lumo-strollers",
        base_followers=2_640,
        organic_gain=1.45,
        organic_loss=0.5,
        posts_per_week=(0.35, 0.45, 0.20),
        post_impressions=620.0,
        background_impressions=55.0,
    ),
)
ORGANIZATIONS_BY_ID: dict[str, Organization] = {org.id: org for org in ORGANIZATIONS}


def organization(account_id: str) -> Organization:
    """The own organization with this id; ``KeyError`` names the known ids otherwise."""
    try:
        return ORGANIZATIONS_BY_ID[str(account_id)]
    except KeyError:
        known = ", ".join(ORGANIZATIONS_BY_ID)
        raise KeyError(f"unknown demo LinkedIn organization {account_id!r}; known: {known}") from None


@dataclass(frozen=True)
class Stats:
    """Share statistics counts (a day of the page, or a post's lifetime)."""

    impressions: int = 0
    unique_impressions: int = 0
    clicks: int = 0
    likes: int = 0
    comments: int = 0
    shares: int = 0

    def __add__(self, other: Stats) -> Stats:
        return Stats(
            self.impressions + other.impressions,
            self.unique_impressions + other.unique_impressions,
            self.clicks + other.clicks,
            self.likes + other.likes,
            self.comments + other.comments,
            self.shares + other.shares,
        )

    @property
    def is_empty(self) -> bool:
        """No actions and no impressions: LinkedIn leaves such a day or post out."""
        return self == Stats()

    @property
    def engagements(self) -> int:
        """The warehouse's engagements: likes + comments + shares + clicks."""
        return self.likes + self.comments + self.shares + self.clicks

    def total_share_statistics(self) -> dict:
        """``totalShareStatistics`` as LinkedIn sends it (``engagement`` is its own rate)."""
        rate = self.engagements / self.impressions if self.impressions else 0.0
        return {
            "uniqueImpressionsCount": self.unique_impressions,
            "shareCount": self.shares,
            "engagement": rate,
            "clickCount": self.clicks,
            "likeCount": self.likes,
            "impressionCount": self.impressions,
            "commentCount": self.comments,
        }


@dataclass(frozen=True)
class Post:
    """A post of the page with its activity per day of its first week."""

    id: str
    """``urn:li:share:<n>`` or ``urn:li:ugcPost:<n>``."""
    account_id: str
    kind: str
    published_at: datetime
    created_at: datetime
    edited_at: datetime | None
    commentary: str
    content: dict | None
    feed_distribution: str
    is_dsc: bool
    """Sponsored-only ("dark") post: in the index, filtered out by the author finder."""
    daily: tuple[Stats, ...]
    """Activity on each of the ACTIVITY_DAYS UTC days from the publication day."""

    @property
    def published_date(self) -> date:
        return self.published_at.date()

    @property
    def post_format(self) -> str:
        return POST_FORMAT[self.kind]

    def lifetime(self, as_of: date) -> Stats:
        """Lifetime statistics as the API serves them on ``as_of``: the days before it."""
        elapsed = (as_of - self.published_date).days
        total = Stats()
        for stats in self.daily[: max(0, elapsed)]:
            total += stats
        return total

    def last_modified_at(self, as_of: date) -> datetime:
        """``lastModifiedAt`` as of the start of ``as_of`` (an edit after that has not happened)."""
        if self.edited_at is not None and self.edited_at < utc_midnight(as_of):
            return self.edited_at
        return self.published_at


def _trend(day: date) -> float:
    """Slow growth (about 25% a year) with a dip in August."""
    years = (day - EPOCH).days / 365.25
    summer = 0.8 if day.month == 8 else 1.0
    return (1 + 0.25 * years) * summer


def is_shutdown(day: date) -> bool:
    """The company's year-end shutdown: nobody posts, and nobody looks much either."""
    return (day.month == 12 and day.day >= 22) or (day.month == 1 and day.day <= 4)


def allocate(total: int, weights: tuple[float, ...]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    scale = sum(weights)
    exact = [total * weight / scale for weight in weights]
    parts = [int(value) for value in exact]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _token(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits + "-_") for _ in range(length))


def _activity_id(rng: random.Random, moment: datetime) -> str:
    """A 19-digit LinkedIn activity id: milliseconds since 1970 in the top bits, like real ids."""
    millis = int(moment.timestamp() * 1000)
    return str((millis << 22) | rng.getrandbits(22))


def little_text(text: str) -> str:
    """Text in LinkedIn's "little text" format: reserved characters escaped, hashtags as templates."""
    escaped = LITTLE_TEXT_RESERVED.sub(r"\\\1", text)
    return re.sub(r"\\#(\w+)", lambda m: "{hashtag|\\#|" + m.group(1) + "}", escaped)


def _content(rng: random.Random, kind: str) -> dict | None:
    if kind == "image":
        return {"media": {"id": f"urn:li:image:C4E22AQ{_token(rng, 16)}", "altText": "A Lumo stroller"}}
    if kind == "video":
        return {"media": {"id": f"urn:li:video:D4E05AQ{_token(rng, 16)}", "title": "Lumo in motion"}}
    if kind == "multi_image":
        images = [
            {"id": f"urn:li:image:C4E22AQ{_token(rng, 16)}", "altText": f"Slide {n + 1}"}
            for n in range(rng.randint(3, 6))
        ]
        return {"multiImage": {"images": images}}
    if kind == "article":
        title, slug = rng.choice(ARTICLES)
        return {
            "article": {
                "source": f"https://lumo.example/journal/{slug}",
                "title": title,
                "description": "From the Lumo journal.",
                "thumbnail": f"urn:li:image:D4E12AQ{_token(rng, 16)}",
            }
        }
    return None


def _post(org: Organization, rng: random.Random, published: datetime, is_dsc: bool) -> Post:
    kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
    ugc = kind in {"video", "multi_image"} or rng.random() < 0.2
    urn = f"urn:li:{'ugcPost' if ugc else 'share'}:{_activity_id(rng, published)}"
    scheduled = rng.random() < 0.4
    created = published - (
        timedelta(minutes=rng.randint(60, 3 * 24 * 60)) if scheduled else timedelta(seconds=rng.randint(1, 9))
    )
    edited = published + timedelta(minutes=rng.randint(10, 30 * 60)) if rng.random() < 0.15 else None
    distributed = not is_dsc and rng.random() >= 0.05
    daily: tuple[Stats, ...] = (Stats(),) * ACTIVITY_DAYS
    if distributed:
        impressions = max(
            1,
            int(
                org.post_impressions
                * _trend(published.date())
                * KIND_IMPRESSIONS[kind]
                * rng.lognormvariate(0, 0.5)
            ),
        )
        likes = int(impressions * rng.uniform(0.01, 0.035))
        finals = (
            impressions,
            int(impressions * rng.uniform(0.62, 0.8)),
            int(impressions * (rng.uniform(0.03, 0.08) if kind == "article" else rng.uniform(0.008, 0.035))),
            likes,
            int(likes * rng.uniform(0.03, 0.2)),
            int(likes * rng.uniform(0.0, 0.12)),
        )
        per_metric = [allocate(final, ACTIVITY_WEIGHTS) for final in finals]
        daily = tuple(Stats(*(values[k] for values in per_metric)) for k in range(ACTIVITY_DAYS))
    return Post(
        id=urn,
        account_id=org.id,
        kind=kind,
        published_at=published,
        created_at=created,
        edited_at=edited,
        commentary=little_text(caption(rng, CAPTION_STYLE[kind])),
        content=_content(rng, kind),
        feed_distribution="MAIN_FEED" if distributed else "NONE",
        is_dsc=is_dsc,
        daily=daily,
    )


@lru_cache(maxsize=4_096)
def week_posts(account_id: str, monday: date) -> tuple[Post, ...]:
    """Every post of the ISO week starting ``monday`` (dark ones included), oldest first."""
    org = organization(account_id)
    rng = seeded(PLATFORM, org.id, "week", monday.isoformat())
    count = rng.choices((3, 4, 5), weights=org.posts_per_week)[0]
    slots = [(offset, False) for offset in rng.sample(range(5), count)]
    if rng.random() < 0.3:
        slots.append((rng.randrange(5), True))
    posts = []
    for offset, is_dsc in sorted(slots):
        day = monday + timedelta(days=offset)
        moment = utc_midnight(day) + timedelta(
            hours=rng.randint(14, 22),
            minutes=rng.randrange(60),
            seconds=rng.randrange(60),
            milliseconds=rng.randrange(1000),
        )
        post = _post(org, rng, moment, is_dsc)
        if day >= EPOCH and not is_shutdown(day):
            posts.append(post)
    return tuple(sorted(posts, key=lambda p: p.published_at))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def all_posts_on(account_id: str, day: date) -> tuple[Post, ...]:
    """Every post published on a UTC day, dark ones included."""
    return tuple(p for p in week_posts(str(account_id), _monday(day)) if p.published_date == day)


def posts_on(account_id: str, day: date) -> tuple[Post, ...]:
    """The organic posts (what the author finder returns) published on a UTC day, oldest first."""
    return tuple(p for p in all_posts_on(account_id, day) if not p.is_dsc)


def post_index(account_id: str, as_of: date) -> list[Post]:
    """Every post before ``as_of`` (dark ones included), newest ``lastModifiedAt`` first."""
    posts = [
        post
        for monday in days(_monday(EPOCH), _monday(as_of))
        if monday.weekday() == 0
        for post in week_posts(str(account_id), monday)
        if post.published_at < utc_midnight(as_of)
    ]
    return sorted(posts, key=lambda p: (p.last_modified_at(as_of), p.id), reverse=True)


def post_by_urn(account_id: str, urn: str) -> Post | None:
    """The page's post with this URN, found from the time encoded in its id."""
    match = re.fullmatch(r"urn:li:(?:share|ugcPost):([0-9]+)", urn)
    if match is None:
        return None
    moment = datetime.fromtimestamp((int(match.group(1)) >> 22) / 1000, tz=UTC)
    return next((p for p in all_posts_on(account_id, moment.date()) if p.id == urn), None)


@lru_cache(maxsize=16_384)
def _background(account_id: str, day: date) -> Stats:
    org = organization(account_id)
    rng = seeded(PLATFORM, org.id, "background", day.isoformat())
    factor = 0.45 if day.weekday() >= 5 else 1.0
    if is_shutdown(day):
        factor *= 0.015
    impressions = poisson(rng, org.background_impressions * _trend(day) * factor)
    return Stats(
        impressions=impressions,
        unique_impressions=round(impressions * rng.uniform(0.7, 0.9)),
        clicks=poisson(rng, impressions * 0.015),
        likes=poisson(rng, impressions * 0.012),
        comments=poisson(rng, impressions * 0.001),
        shares=poisson(rng, impressions * 0.0008),
    )


@lru_cache(maxsize=16_384)
def day_activity(account_id: str, day: date) -> Stats:
    """The page's share statistics for one UTC day (empty before ``EPOCH``)."""
    if day < EPOCH:
        return Stats()
    total = _background(str(account_id), day)
    for back in range(ACTIVITY_DAYS):
        for post in posts_on(account_id, day - timedelta(days=back)):
            total += post.daily[back]
    return total


@lru_cache(maxsize=16_384)
def follower_gains(account_id: str, day: date) -> tuple[int, int]:
    """(organic, paid) follower gains of one UTC day; organic is net of unfollows."""
    org = organization(account_id)
    rng = seeded(PLATFORM, org.id, "followers", day.isoformat())
    rhythm = 0.5 if day.weekday() >= 5 else 1.0
    if is_shutdown(day):
        rhythm *= 0.4
    boost = 1 + 0.15 * len(posts_on(org.id, day))
    organic = poisson(rng, org.organic_gain * _trend(day) * rhythm * boost) - poisson(rng, org.organic_loss)
    campaign = seeded(PLATFORM, org.id, "campaign", _monday(day).isoformat()).random() < 0.1
    paid = poisson(rng, 3.0) if campaign and day.weekday() < 5 else 0
    return organic, paid


_FOLLOWERS = RunningTotals(
    EPOCH,
    lambda account_id: organization(account_id).base_followers,
    lambda account_id, day: sum(follower_gains(account_id, day)),
)


def followers(account_id: str, day: date) -> int:
    """The organization's follower total at the end of a UTC day."""
    return _FOLLOWERS.at_end_of(organization(account_id).id, day)


def statistics_days(as_of: date) -> tuple[date, date]:
    """First and last day the share statistics serve on ``as_of``."""
    return max(EPOCH, as_of - timedelta(days=RETENTION_DAYS)), as_of - timedelta(days=1)


def extracted_days(as_of: date) -> tuple[date, date, date]:
    """(first statistics day, last follower day, last share day) a run on ``as_of`` lands.

    The extractor stays a day inside the 12-month limit, so its first day is ``as_of`` - 364.
    """
    first = max(EPOCH, as_of - timedelta(days=RETENTION_DAYS - 1))
    return first, as_of - timedelta(days=FOLLOWER_LAG_DAYS), as_of - timedelta(days=1)


# Ground truth: plain dicts, the shape tests and the HTTP truth routes share.


def accounts() -> list[dict]:
    """The own LinkedIn pages of the demo company."""
    return [
        {
            "platform": PLATFORM,
            "account_id": org.id,
            "account_name": org.name,
            "username": org.vanity_name,
            "link": org.link,
        }
        for org in ORGANIZATIONS
    ]


def snapshot(account_id: str, as_of: date) -> dict:
    """What ``networkSizes`` serves on ``as_of`` (``firstDegreeSize``: the total at the end of
    yesterday), plus ``followers``, the same number under the conformed name."""
    size = followers(account_id, as_of - timedelta(days=1))
    return {"firstDegreeSize": size, "followers": size}


def account_daily(account_id: str, start: date, end: date, as_of: date) -> list[dict]:
    """What int_linkedin__account_daily holds for ``start``..``end`` after one run over them on ``as_of``.

    A day has a row when something was landed for it: share statistics with activity, follower
    statistics (every day up to ``as_of`` - 3) or the network-size snapshot (filed under
    ``as_of`` - 1 when ``end`` is that day). Share metrics of a day without activity are 0 when
    the follower statistics vouch that the day was read, null otherwise. ``followers`` is the
    true total (the warehouse holds it only on the snapshot day).
    """
    org = organization(account_id)
    first, last_follower_day, last_share_day = extracted_days(as_of)
    snapshot_day = as_of - timedelta(days=1) if end == as_of - timedelta(days=1) else None
    rows = []
    for day in days(max(start, first), min(end, last_share_day)):
        activity = day_activity(org.id, day)
        has_followers = day <= last_follower_day
        if activity.is_empty and not has_followers and day != snapshot_day:
            continue
        measured = not activity.is_empty or has_followers
        organic, paid = follower_gains(org.id, day)
        rows.append(
            {
                "date": day,
                "followers": followers(org.id, day),
                "followers_gained": organic + paid if has_followers else None,
                "followers_lost": None,
                "engagements": activity.engagements if measured else None,
                "views": activity.impressions if measured else None,
                "reach": activity.unique_impressions if measured else None,
                "shares": activity.shares if measured else None,
                "posts_published": len(posts_on(org.id, day)),
            }
        )
    return rows


def post_record(post: Post, as_of: date) -> dict:
    """The ground-truth row of one post with its lifetime values as of ``as_of``."""
    stats = post.lifetime(as_of)
    return {
        "id": post.id,
        "account_id": post.account_id,
        "created_time": post.published_at,
        "created_date": post.published_date,
        "post_format": post.post_format,
        "views": stats.impressions,
        "reach": stats.unique_impressions,
        "reactions": stats.likes,
        "comments": stats.comments,
        "shares": stats.shares,
        "quotes": None,
        "saves": None,
        "clicks": stats.clicks,
        "engagements": stats.engagements,
    }


def posts(account_id: str, start: date, end: date, as_of: date) -> list[dict]:
    """Posts published on a UTC day from ``start`` to ``end`` (both included) before ``as_of``.

    Lifetime values are those the API serves on ``as_of``; a post without statistics (LinkedIn
    leaves out posts nobody saw) has zeros, as the warehouse records it.
    """
    org = organization(account_id)
    last = min(end, as_of - timedelta(days=1))
    return [
        post_record(post, as_of) for day in days(max(start, EPOCH), last) for post in posts_on(org.id, day)
    ]
