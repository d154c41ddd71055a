"""The demo company's X account, its tweets, and the ground truth tests compare the warehouse with.

Everything is a pure function of (account, day) or (account, tweet): the same call gives the same
answer in any process, and the HTTP server (``demo.platforms.x``) is only a view over it.

Conventions the warehouse must agree with:

* X reports in **UTC** days. ``followers`` is the lifetime total at the end of a UTC day: the
  account's base plus the follows minus unfollows of every day since ``EPOCH``. The user object
  served on ``as_of`` carries the total at the end of ``as_of - 1``.
* Each day brings 1-3 original tweets (text, photo, several photos, video, GIF, link, quote),
  plus replies to customers and a few retweets; the warehouse reads only the originals (the
  extractor asks for ``exclude=retweets,replies``), so the truth counts only those.
* ``public_metrics`` are live counters that grow for three days: value(as_of) =
  final x min(3, as_of - created UTC day) / 3, rounded down. X serves nothing created on or
  after the server's today (00:00 UTC).
* About one tweet in 120 is deleted a few days later: from that day on the timeline omits it
  and ``GET /2/tweets?ids=`` answers a "Not Found Error" for its id.
* Tweet and media ids are Snowflake ids: they encode the creation instant, so they sort by time.
* No data exists before ``EPOCH``.
* The competitors' accounts (``is_own=False``, see ``demo.competitors``) are generated the same
  way and served by the same routes: user lookup, timelines and tweet lookup are public. Their
  tweets speak of their own products, never Lumo's.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from demo.company import EPOCH, X_ACCOUNT
from demo.competitors import BRAMBLE_BABY, KIDDO_MOTION, Competitor, competitor_with
from demo.generator.common import RunningTotals, days, poisson, seeded, utc_midnight
from demo.generator.messages import caption

PLATFORM = "x"

TWITTER_EPOCH_MS = 1_288_834_974_657
"""Snowflake ids count milliseconds from this instant (2010-11-04T01:42:54.657Z)."""

GROWTH_DAYS = 3
"""Tweet counters reach their final value on the third day after the tweet's UTC day."""

ORIGINAL_KINDS = ("text", "photo", "photos", "video", "animated_gif", "link", "quote")
ORIGINAL_WEIGHTS = (0.20, 0.26, 0.09, 0.14, 0.04, 0.19, 0.08)
CAPTION_STYLE = {
    "text": "mobile_status_update",
    "photo": "added_photos",
    "photos": "added_photos",
    "video": "added_video",
    "animated_gif": "added_video",
    "link": "shared_story",
}
IMPRESSION_FACTOR = {
    "text": 0.7,
    "photo": 1.15,
    "photos": 1.3,
    "video": 1.8,
    "animated_gif": 1.1,
    "link": 0.8,
    "quote": 0.75,
}
POST_FORMAT = {
    "text": "text",
    "quote": "text",  # its only URL is the quoted tweet on x.com: not an external link
    "photo": "image",
    "photos": "carousel",
    "video": "video",
    "animated_gif": "video",
    "link": "link",
}
MEDIA_KEY_PREFIX = {"photo": "3", "video": "7", "animated_gif": "16"}
DELETION_RATE = 1 / 120

# Other X users the brand talks with (id, username).
CUSTOMERS = (
    ("1329874410223181824", "priya_walks"),
    ("918273645501837312", "dadonthego"),
    ("1502938475610234880", "citymum_ldn"),
    ("1187263549102837760", "twinsandcoffee"),
    ("1620394857712345088", "babygearreview"),
    ("1098273645123456000", "parkrun_parent"),
    ("1388877766554433280", "sleepless_sam"),
    ("1711223344556677120", "strollerdad"),
)
PRESS = (
    ("https://www.parentgear.example/reviews/{slug}", "Review: the {product}, tested for a month"),
    ("https://lumo.example/journal/{slug}", "Lumo journal: {product} care and folding tips"),
    ("https://www.citykids.example/guides/{slug}", "The best city strollers of the year"),
    ("https://lumo.example/stockists", "Find a Lumo stockist near you"),
)
PRODUCT_SLUGS = ("lumo-glide", "lumo-nova", "lumo-pocket", "lumo-twin", "lumo-trail")
QUOTE_COMMENTS = (
    "This made our week 💚",
    "Couldn't have said it better.",
    "Thank you for sharing! 👶",
    "Yes! The fold really is that quick.",
    "We see you, night-shift parents ✨",
)
REPLY_TEMPLATES = (
    "So sorry to hear that! Please DM us your order number and we'll sort it today.",
    "Thank you, that's lovely to hear 💚",
    "Great question! The {product} fits most cabin bag sizers, we'd check with your airline too.",
    "Yes, the rain cover fits every {product} since 2023.",
    "Our team is on it, we'll be in touch by email shortly.",
    "Love this photo! Mind if we share it?",
    "Happy to help: the wheels click off with the red button on the inside of the frame.",
)
RETWEET_TEMPLATES = (
    "First walk with the {product} and our little one slept the whole way 😍",
    "Honestly the best thing we bought before the baby arrived. #lumostrollers",
    "Took the {product} on the tube today, folded it one-handed like a pro.",
)


@dataclass(frozen=True)
class XAccount:
    """One X account (own or a competitor's) and the knobs that give it its size and rhythm."""

    id: str
    username: str
    name: str
    description: str
    location: str
    url: str
    base_followers: int
    """Followers at the end of the day before ``EPOCH``."""
    daily_follows: float
    daily_unfollows: float
    base_following: int
    base_listed: int
    base_likes: int
    """Tweets the account had liked before ``EPOCH``."""
    base_tweets: int
    """Tweets (all kinds) posted before ``EPOCH``."""
    base_media: int
    originals_per_day: tuple[float, float, float]
    """Probabilities of 1, 2, 3 original tweets on a UTC day."""
    replies_per_day: float
    retweets_per_day: float
    impressions_per_follower: float
    """Typical lifetime impressions of a photo tweet, per follower."""
    is_own: bool = True
    """False for a competitor's account (read through the same public endpoints)."""

    @property
    def competitor(self) -> Competitor | None:
        return None if self.is_own else competitor_with(self.id)

    @property
    def created_at(self) -> datetime:
        return snowflake_time(self.id)

    @property
    def link(self) -> str:
        return f"https://x.com/{self.username}"


X_ACCOUNTS: tuple[XAccount, ...] = (
    XAccount(
        id=X_ACCOUNT,
        username="lumostrollers",
        name="Lumo Strollers",
        description=(
            "Light, foldable strollers for city families 👶 Designed in London. "
            "Help: 9-6 weekdays, DMs open. #lumostrollers"
        ),
        location="London, UK",
        url="https://t.co/Lm0StR0ll3",
        base_followers=4_870,
        daily_follows=2.9,
        daily_unfollows=2.6,
        base_following=388,
        base_listed=31,
        base_likes=2_140,
        base_tweets=1_930,
        base_media=610,
        originals_per_day=(0.45, 0.37, 0.18),
        replies_per_day=1.6,
        retweets_per_day=0.35,
        impressions_per_follower=0.19,
    ),
    XAccount(
        id=BRAMBLE_BABY.x_user_id,
        username=BRAMBLE_BABY.handle,
        name=BRAMBLE_BABY.name,
        description="Prams, pushchairs and cosy things for little ones 🌿 #bramblebaby",
        location="Bristol, UK",
        url="https://t.co/Br4mbl3B4b",
        base_followers=9_400,
        daily_follows=4.1,
        daily_unfollows=3.2,
        base_following=512,
        base_listed=58,
        base_likes=3_020,
        base_tweets=2_870,
        base_media=940,
        originals_per_day=(0.62, 0.30, 0.08),
        replies_per_day=0.9,
        retweets_per_day=0.2,
        impressions_per_follower=0.17,
        is_own=False,
    ),
    XAccount(
        id=KIDDO_MOTION.x_user_id,
        username=KIDDO_MOTION.handle,
        name=KIDDO_MOTION.name,
        description="Running strollers for active families 🏃‍♀️ #kiddomotion",
        location="Manchester, UK",
        url="https://t.co/K1dd0M0t10",
        base_followers=2_150,
        daily_follows=2.2,
        daily_unfollows=1.4,
        base_following=801,
        base_listed=12,
        base_likes=4_410,
        base_tweets=3_350,
        base_media=720,
        originals_per_day=(0.05, 0.30, 0.65),
        replies_per_day=1.1,
        retweets_per_day=0.6,
        impressions_per_follower=0.20,
        is_own=False,
    ),
)

X_ACCOUNTS_BY_ID: dict[str, XAccount] = {account.id: account for account in X_ACCOUNTS}


def x_account(account_id: str) -> XAccount:
    """The X account (own or a competitor's) with this id; ``KeyError`` names the known ids otherwise."""
    try:
        return X_ACCOUNTS_BY_ID[str(account_id)]
    except KeyError:
        known = ", ".join(X_ACCOUNTS_BY_ID)
        raise KeyError(f"unknown demo X account {account_id!r}; known accounts: {known}") from None


def snowflake(moment: datetime, rng_bits: int) -> str:
    """A Snowflake id for ``moment``: milliseconds since the Twitter epoch, then 22 machine bits."""
    millis = int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS
    return str((millis << 22) | (rng_bits & 0x3FFFFF))


def snowflake_time(snowflake_id: str) -> datetime:
    """The instant a Snowflake id was minted."""
    return datetime.fromtimestamp(((int(snowflake_id) >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)


@dataclass(frozen=True)
class Metrics:
    """A tweet's public_metrics."""

    impression_count: int
    like_count: int
    retweet_count: int
    reply_count: int
    quote_count: int
    bookmark_count: int

    @property
    def engagements(self) -> int:
        """The warehouse's X engagements: likes + replies + retweets + quotes + bookmarks."""
        return (
            self.like_count + self.reply_count + self.retweet_count + self.quote_count + self.bookmark_count
        )

    def as_public_metrics(self) -> dict[str, int]:
        """In the key order X sends."""
        return {
            "retweet_count": self.retweet_count,
            "reply_count": self.reply_count,
            "like_count": self.like_count,
            "quote_count": self.quote_count,
            "bookmark_count": self.bookmark_count,
            "impression_count": self.impression_count,
        }


@dataclass(frozen=True)
class Media:
    media_key: str
    type: str  # photo, video, animated_gif
    width: int
    height: int
    duration_ms: int | None


@dataclass(frozen=True)
class UrlEntity:
    start: int
    end: int
    url: str
    expanded_url: str
    display_url: str
    media_key: str | None = None
    title: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Tweet:
    """A tweet as posted, with its final (fully grown) public_metrics."""

    id: str
    account_id: str
    created_at: datetime
    kind: str  # an ORIGINAL_KINDS value, "reply" or "retweet"
    text: str
    """The text as written (X serves it with &, < and > escaped as HTML entities)."""
    media: tuple[Media, ...]
    urls: tuple[UrlEntity, ...]
    referenced: tuple[tuple[str, str], ...]
    """(type, tweet id): quoted, replied_to or retweeted."""
    in_reply_to_user_id: str | None
    conversation_id: str
    final: Metrics
    deleted_on: date | None

    @property
    def created_date(self) -> date:
        """The UTC day of ``created_at``: X's reporting day and the landing partition."""
        return self.created_at.date()

    @property
    def is_original(self) -> bool:
        """What the timeline returns with ``exclude=retweets,replies`` (quotes included)."""
        return self.kind in ORIGINAL_KINDS

    @property
    def post_format(self) -> str:
        return POST_FORMAT.get(self.kind, "other")

    def exists_on(self, as_of: date) -> bool:
        """Served when the server's today is ``as_of``: created before it and not deleted yet."""
        return self.created_at < utc_midnight(as_of) and (self.deleted_on is None or as_of < self.deleted_on)

    def metrics(self, as_of: date) -> Metrics:
        """public_metrics as X serves them on ``as_of``."""
        age = min(GROWTH_DAYS, max(0, (as_of - self.created_date).days))
        final = self.final
        return Metrics(
            impression_count=final.impression_count * age // GROWTH_DAYS,
            like_count=final.like_count * age // GROWTH_DAYS,
            retweet_count=final.retweet_count * age // GROWTH_DAYS,
            reply_count=final.reply_count * age // GROWTH_DAYS,
            quote_count=final.quote_count * age // GROWTH_DAYS,
            bookmark_count=final.bookmark_count * age // GROWTH_DAYS,
        )


# Followers.


@lru_cache(maxsize=16_384)
def daily_follows(account_id: str, day: date) -> tuple[int, int]:
    """(follows, unfollows) of one account on one UTC day."""
    account = x_account(account_id)
    rng = seeded(PLATFORM, account.id, "follows", day.isoformat())
    years = (day - EPOCH).days / 365.25
    spike = rng.uniform(2.0, 4.0) if rng.random() < 0.02 else 1.0
    follows = poisson(rng, account.daily_follows * (1 + 0.15 * years) * spike)
    unfollows = poisson(rng, account.daily_unfollows)
    return follows, unfollows


def _net_follows(account_id: str, day: date) -> int:
    follows, unfollows = daily_follows(account_id, day)
    return follows - unfollows


_FOLLOWERS = RunningTotals(EPOCH, lambda account_id: x_account(account_id).base_followers, _net_follows)


def followers(account_id: str, day: date) -> int:
    """The lifetime follower total at the end of one UTC day."""
    return _FOLLOWERS.at_end_of(x_account(account_id).id, day)


# Tweets.


def _t_co(rng: random.Random) -> str:
    return "https://t.co/" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(10))


def _media(rng: random.Random, kind: str, created: datetime) -> tuple[Media, ...]:
    if kind in {"photo", "photos"}:
        count, media_type = (1 if kind == "photo" else rng.choice((2, 2, 3, 4))), "photo"
    elif kind in {"video", "animated_gif"}:
        count, media_type = 1, kind
    else:
        return ()
    uploaded = created - timedelta(seconds=rng.randrange(20, 600))
    found = []
    for n in range(count):
        minted = snowflake(uploaded + timedelta(seconds=n), rng.getrandbits(22))
        key = f"{MEDIA_KEY_PREFIX[media_type]}_{minted}"
        width, height = rng.choice(((1080, 1350), (1200, 1200), (1920, 1080), (1080, 1920)))
        duration = rng.randrange(6_000, 95_000) if media_type == "video" else None
        if media_type == "animated_gif":
            width, height = 498, 280
        found.append(Media(key, media_type, width, height, duration))
    return tuple(found)


def _original_text(
    rng: random.Random, kind: str, tweet_id: str, brand: Competitor | None = None
) -> tuple[str, tuple[UrlEntity, ...], tuple[tuple[str, str], ...]]:
    """Text, URL entities and referenced tweets of an original tweet (in ``brand``'s voice if given)."""
    urls: list[UrlEntity] = []
    referenced: list[tuple[str, str]] = []
    if kind == "quote":
        text = rng.choice(QUOTE_COMMENTS)
        _, username = rng.choice(CUSTOMERS)
        quoted = str(int(tweet_id) - rng.randrange(1, 4 * 86_400_000) * (1 << 22))
        target = f"https://twitter.com/{username}/status/{quoted}"
        referenced.append(("quoted", quoted))
        short = _t_co(rng)
        urls.append(
            UrlEntity(len(text) + 1, len(text) + 1 + len(short), short, target, f"x.com/{username}/st…")
        )
        return f"{text} {short}", tuple(urls), tuple(referenced)
    text = caption(rng, CAPTION_STYLE[kind]) if brand is None else brand.caption(rng, CAPTION_STYLE[kind])
    if kind == "link":
        pattern, title = rng.choice(PRESS)
        slug = rng.choice(PRODUCT_SLUGS)
        product = slug.replace("-", " ").title()
        target = pattern.format(slug=slug)
        if brand is not None:
            product = rng.choice(brand.products)
            slug = product.lower().replace(" ", "-")
            target, title = f"{brand.website}/journal/{slug}", "{product}: everything new this season"
        short = _t_co(rng)
        display = target.removeprefix("https://").removeprefix("www.")
        display = display if len(display) <= 26 else display[:25] + "…"
        urls.append(
            UrlEntity(
                len(text) + 1,
                len(text) + 1 + len(short),
                short,
                target,
                display,
                title=title.format(product=product),
                description=f"Everything you need to know about the {product}.",
            )
        )
        text = f"{text} {short}"
    return text, tuple(urls), tuple(referenced)


def _final_metrics(rng: random.Random, kind: str, audience: int, account: XAccount) -> Metrics:
    if kind == "reply":
        impressions = int(rng.uniform(20, 260))
    elif kind == "retweet":
        impressions = 0
    else:
        viral = rng.uniform(4.0, 12.0) if rng.random() < 1 / 70 else 1.0
        impressions = int(
            audience
            * account.impressions_per_follower
            * IMPRESSION_FACTOR[kind]
            * rng.lognormvariate(0, 0.55)
            * viral
        )
    impressions = max(1 if kind != "retweet" else 0, impressions)
    likes = int(impressions * rng.uniform(0.008, 0.035))
    if kind == "retweet":
        likes = int(rng.uniform(2, 40))
    return Metrics(
        impression_count=impressions,
        like_count=likes,
        retweet_count=int(likes * rng.uniform(0.05, 0.25)),
        reply_count=int(likes * rng.uniform(0.03, 0.2)),
        quote_count=int(likes * rng.uniform(0.0, 0.05)),
        bookmark_count=int(likes * rng.uniform(0.02, 0.18)),
    )


def _entity_offsets(text: str, pattern: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(1)) for m in re.finditer(pattern, text)]


@lru_cache(maxsize=8_192)
def tweets_on(account_id: str, day: date) -> tuple[Tweet, ...]:
    """Every tweet (originals, replies, retweets) one account posted on one UTC day, oldest first."""
    account = x_account(account_id)
    if day < EPOCH:
        return ()
    rng = seeded(PLATFORM, account.id, "tweets", day.isoformat())
    weekend = day.weekday() >= 5
    originals = rng.choices((1, 2, 3), weights=account.originals_per_day)[0]
    replies = poisson(rng, account.replies_per_day * (0.5 if weekend else 1.0))
    retweets = poisson(rng, account.retweets_per_day)
    plan = (
        [("original", rng.randrange(7 * 3600, 21 * 3600)) for _ in range(originals)]
        + [("reply", rng.randrange(8 * 3600, 19 * 3600)) for _ in range(replies)]
        + [("retweet", rng.randrange(9 * 3600, 22 * 3600)) for _ in range(retweets)]
    )
    used: set[int] = set()
    timed = []
    for role, second in plan:
        while second in used:
            second += 1
        used.add(second)
        timed.append((second, role))
    audience = followers(account.id, day - timedelta(days=1))
    found = []
    for second, role in sorted(timed):
        created = utc_midnight(day) + timedelta(seconds=second)
        tweet_id = snowflake(created + timedelta(milliseconds=rng.randrange(1000)), rng.getrandbits(22))
        kind = rng.choices(ORIGINAL_KINDS, weights=ORIGINAL_WEIGHTS)[0] if role == "original" else role
        in_reply_to = None
        conversation_id = tweet_id
        referenced: tuple[tuple[str, str], ...] = ()
        urls: tuple[UrlEntity, ...] = ()
        brand = account.competitor
        if role == "reply":
            customer_id, username = rng.choice(CUSTOMERS)
            product = rng.choice(PRODUCT_SLUGS).replace("-", " ").title()
            product = product if brand is None else rng.choice(brand.products)
            text = f"@{username} " + rng.choice(REPLY_TEMPLATES).format(product=product)
            parent = str(int(tweet_id) - rng.randrange(60_000, 6 * 3_600_000) * (1 << 22))
            referenced = (("replied_to", parent),)
            in_reply_to, conversation_id = customer_id, parent
        elif role == "retweet":
            _, username = rng.choice(CUSTOMERS)
            product = rng.choice(PRODUCT_SLUGS).replace("-", " ").title()
            original = str(int(tweet_id) - rng.randrange(60_000, 24 * 3_600_000) * (1 << 22))
            template = rng.choice(RETWEET_TEMPLATES)
            if brand is not None:
                product = rng.choice(brand.products)
                template = template.replace("#lumostrollers", brand.hashtags[0])
            text = f"RT @{username}: " + template.format(product=product)
            referenced = (("retweeted", original),)
        else:
            text, urls, referenced = _original_text(rng, kind, tweet_id, brand)
        media = _media(rng, kind, created)
        if media:
            short = _t_co(rng)
            what = "video" if media[0].type != "photo" else "photo"
            start = len(text) + 1
            urls = (
                *urls,
                UrlEntity(
                    start,
                    start + len(short),
                    short,
                    f"https://x.com/{account.username}/status/{tweet_id}/{what}/1",
                    f"pic.x.com/{short.rsplit('/', 1)[1].lower()}",
                    media_key=media[0].media_key,
                ),
            )
            text = f"{text} {short}"
        deleted_on = None
        if rng.random() < DELETION_RATE:
            deleted_on = day + timedelta(days=rng.randrange(1, 7))
        found.append(
            Tweet(
                id=tweet_id,
                account_id=account.id,
                created_at=created,
                kind=kind,
                text=text,
                media=media,
                urls=urls,
                referenced=referenced,
                in_reply_to_user_id=in_reply_to,
                conversation_id=conversation_id,
                final=_final_metrics(rng, kind, audience, account),
                deleted_on=deleted_on,
            )
        )
    return tuple(found)


def hashtags(text: str) -> list[tuple[int, int, str]]:
    """(start, end, tag) of each #hashtag, in code points as X counts them."""
    return _entity_offsets(text, r"(?<![\w&])#(\w+)")


def mentions(text: str) -> list[tuple[int, int, str]]:
    """(start, end, username) of each @mention."""
    return _entity_offsets(text, r"(?<!\w)@(\w{1,15})")


USER_IDS = {username: user_id for user_id, username in CUSTOMERS}


def tweets_between(account_id: str, since: datetime, until: datetime) -> list[Tweet]:
    """Tweets (every kind) with ``since <= created_at < until``, oldest first."""
    first = max(since.astimezone(UTC).date(), EPOCH)
    last = (until.astimezone(UTC) - timedelta(microseconds=1)).date()
    found: list[Tweet] = []
    for day in days(first, last) if first <= last else ():
        found.extend(t for t in tweets_on(x_account(account_id).id, day) if since <= t.created_at < until)
    return found


def find_tweet(tweet_id: str) -> Tweet | None:
    """The tweet of any demo account with this id (the id tells its day)."""
    try:
        day = snowflake_time(tweet_id).date()
    except (ValueError, OverflowError, OSError):
        return None
    for account in X_ACCOUNTS:
        for tweet in tweets_on(account.id, day):
            if tweet.id == tweet_id:
                return tweet
    return None


def _tweets_posted(account_id: str, day: date) -> int:
    return len(tweets_on(account_id, day))


def _tweets_deleted(account_id: str, day: date) -> int:
    """Tweets deleted on ``day`` (they were posted in the six days before)."""
    return sum(
        1
        for back in range(1, 7)
        for tweet in tweets_on(account_id, day - timedelta(days=back))
        if tweet.deleted_on == day
    )


def _media_posted(account_id: str, day: date) -> int:
    return sum(len(t.media) for t in tweets_on(account_id, day))


_POSTED = RunningTotals(EPOCH, lambda account_id: x_account(account_id).base_tweets, _tweets_posted)
_DELETED = RunningTotals(EPOCH, lambda account_id: 0, _tweets_deleted)
_MEDIA = RunningTotals(EPOCH, lambda account_id: x_account(account_id).base_media, _media_posted)


def snapshot(account_id: str, as_of: date) -> dict:
    """The user object ``GET /2/users/:id`` serves on ``as_of`` with every field the demo knows.

    ``public_metrics.followers_count`` is the total at the end of ``as_of - 1`` (UTC);
    ``tweet_count`` counts every kind of tweet posted before ``as_of`` and not deleted.
    """
    account = x_account(account_id)
    last_day = as_of - timedelta(days=1)
    elapsed = max(0, (last_day - EPOCH).days + 1)
    week = tweets_between(account.id, utc_midnight(as_of - timedelta(days=7)), utc_midnight(as_of))
    live = [t for t in week if t.exists_on(as_of)]
    return {
        "id": account.id,
        "name": account.name,
        "username": account.username,
        "created_at": format_time(account.created_at),
        "description": account.description,
        "location": account.location,
        "url": account.url,
        "protected": False,
        "verified": False,
        "verified_type": "none",
        "profile_image_url": (
            f"https://pbs.twimg.com/profile_images/{account.id[:10]}/"
            f"{'lumo' if account.is_own else account.username}_normal.jpg"
        ),
        "most_recent_tweet_id": live[-1].id if live else None,
        "public_metrics": {
            "followers_count": followers(account.id, last_day),
            "following_count": account.base_following + elapsed // 21,
            "tweet_count": _POSTED.at_end_of(account.id, last_day) - _DELETED.at_end_of(account.id, as_of),
            "listed_count": account.base_listed + elapsed // 45,
            "like_count": account.base_likes + elapsed * 17 // 10,
            "media_count": _MEDIA.at_end_of(account.id, last_day),
        },
    }


def format_time(moment: datetime) -> str:
    """X's timestamp format: ``2026-11-02T15:02:11.000Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# Ground truth: plain dicts, the shape tests and the HTTP truth routes share.


def accounts() -> list[dict]:
    """The demo's X accounts, own first, then the competitors' (``is_own`` False)."""
    return [
        {
            "platform": PLATFORM,
            "account_id": account.id,
            "account_name": account.name,
            "username": account.username,
            "link": account.link,
            "is_own": account.is_own,
        }
        for account in X_ACCOUNTS
    ]


def original_tweets(account_id: str, start: date, end: date, as_of: date) -> list[Tweet]:
    """Original tweets (quotes included) on UTC days ``start``..``end`` that exist on ``as_of``."""
    account = x_account(account_id)
    return [
        tweet
        for day in days(max(start, EPOCH), end)
        for tweet in tweets_on(account.id, day)
        if tweet.is_original and tweet.exists_on(as_of)
    ]


def post_record(tweet: Tweet, as_of: date) -> dict:
    """The ground-truth row of one tweet, in int_x__posts' vocabulary, lifetime values of ``as_of``."""
    metrics = tweet.metrics(as_of)
    return {
        "id": tweet.id,
        "account_id": tweet.account_id,
        "created_time": tweet.created_at,
        "created_date": tweet.created_date,
        "post_format": tweet.post_format,
        "views": metrics.impression_count,
        "reach": None,
        "reactions": metrics.like_count,
        "comments": metrics.reply_count,
        "shares": metrics.retweet_count,
        "quotes": metrics.quote_count,
        "saves": metrics.bookmark_count,
        "clicks": None,
        "engagements": metrics.engagements,
    }


def posts(account_id: str, start: date, end: date, as_of: date) -> list[dict]:
    """Original tweets created on UTC days ``start``..``end`` (both included), oldest first, with
    their lifetime values as X serves them on ``as_of`` (tweets deleted by then are gone)."""
    return [post_record(tweet, as_of) for tweet in original_tweets(account_id, start, end, as_of)]


def account_daily(account_id: str, start: date, end: date, as_of: date) -> list[dict]:
    """One row per UTC day from ``start`` to ``end`` (days before ``EPOCH`` skipped): what
    int_x__account_daily holds after one extract run on ``as_of``.

    X has no account-level daily metrics: the warehouse credits each tweet's first observation
    in full to the tweet's day, so after a single run a day's engagements, views and shares are
    the lifetime values (as of ``as_of``) of the tweets created that day; None when no tweet was.
    ``followers`` is the true end-of-day total (the warehouse has it only on the snapshot's day);
    X reports no daily follows, unfollows or reach: None.
    """
    account = x_account(account_id)
    rows = []
    for day in days(max(start, EPOCH), end):
        metrics = [t.metrics(as_of) for t in original_tweets(account.id, day, day, as_of)]
        rows.append(
            {
                "date": day,
                "followers": followers(account.id, day),
                "followers_gained": None,
                "followers_lost": None,
                "engagements": sum(m.engagements for m in metrics) if metrics else None,
                "views": sum(m.impression_count for m in metrics) if metrics else None,
                "reach": None,
                "shares": sum(m.retweet_count for m in metrics) if metrics else None,
                "posts_published": len(metrics),
            }
        )
    return rows
