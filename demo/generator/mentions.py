"""What the web says about Lumo and its competitors: the mentions the listening sources find.

Three places carry mentions, each served in its own wire format by ``demo.platforms``:

* **X**: tweets naming a brand (its name, ``#handle`` or ``@handle``), found by recent search.
  A comparison tweet names two brands, so two brand queries find it: one mention, two sightings.
  Besides them, tweets addressed to ``@lumostrollers`` (support questions, complaints, praise:
  ``DIRECT_PER_DAY``, more on the incident days): the own account's mentions timeline serves
  every tweet here that names ``@lumostrollers`` (``demo.generator.x_support``).
* **Reddit**: self posts about a brand, and link posts sharing an article. Some link posts are
  crossposted into a second subreddit (``crosspost_parent``): same URL, another sighting.
* **RSS/Atom feeds**: articles. An article appears in the Google Alerts feed of each brand
  group it names (its link wrapped in a ``google.com/url`` redirect), and, when the site is
  ParentGear, in that blog's own RSS feed. Articles are also shared on Reddit (with ``utm_*``
  parameters added to the URL).

**One mention = one warehouse row**, identified by ``key``: ``x:<tweet id>`` and
``reddit:<id>`` for posts, ``url:<canonical url>`` for an article wherever it was seen (feeds and
Reddit link posts). A row's time is its earliest sighting, its brands are those its text names,
its reach and engagements add up over sightings (a tweet's author followers; a subreddit's
subscribers; feeds have neither), and its sentiment is the true label of its text.

Volumes, sentiment mixes and the share of non-English text differ by brand; on 2026-11-17 and
2026-11-18 a viral complaint (a Lumo stroller folding while in use) brings a spike of negative
mentions. Everything is a pure function of the day: the same call gives the same mentions in
any process. Nothing exists before ``MENTIONS_EPOCH``; nothing created on or after the server's
today (00:00 UTC) is served.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import quote

from demo import story
from demo.generator.common import days, poisson, seeded, utc_midnight
from demo.generator.voices import BRAND_VOICES, direct_text, draw_language, draw_sentiment, mention_text
from demo.generator.x import snowflake
from demo.story import story_day

MENTIONS_EPOCH = story_day(story.MENTIONS_EPOCH)
INCIDENT_SPIKE: dict[date, dict[str, float]] = {
    story_day(story.INCIDENT_DAYS[0]): {"x": 90.0, "reddit": 8.0, "article": 2.0},
    story_day(story.INCIDENT_DAYS[1]): {"x": 45.0, "reddit": 4.0, "article": 1.0},
}
"""Extra negative Lumo mentions per source on the incident days (Poisson means)."""
DIRECT_PER_DAY = 6.5
"""Tweets addressed to @lumostrollers (questions, complaints, praise) per day, beside ``BRANDS``'."""
DIRECT_INCIDENT_SPIKE: dict[date, float] = {
    story_day(story.INCIDENT_DAYS[0]): 14.0,
    story_day(story.INCIDENT_DAYS[1]): 7.0,
}
"""Extra direct complaints to @lumostrollers on the incident days (Poisson means)."""

FEED_DAYS = 14
"""Feeds carry the entries of the last 14 days before today, newest first."""
FEED_MAX_ENTRIES = 60
REDDIT_LISTING_CAP = 1_000
"""Reddit listings end after about 1,000 items, however far back the posts go."""

GOOGLE_ALERTS_FEEDS = {
    "google-alerts-lumo": ("lumo",),
    "google-alerts-competitors": ("bramble-baby", "kiddo-motion"),
}
BLOG_FEED = "parentgear-blog"
BLOG_SITE = "www.parentgear.example"
FEEDS = (*GOOGLE_ALERTS_FEEDS, BLOG_FEED)

SUBREDDITS = (
    ("BabyBumps", 1_240_000),
    ("beyondthebump", 930_000),
    ("Parenting", 7_400_000),
    ("daddit", 710_000),
    ("BuyItForLife", 2_300_000),
    ("london", 1_100_000),
    ("strollers", 18_500),
)
SITES = (BLOG_SITE, "www.citykids.example", "news.familytimes.example", "www.babyblog.example")
COMPARISON_SHARE = 0.08
"""Share of X mentions that name a second brand."""
CROSSPOST_SHARE = 0.25
ARTICLE_ON_REDDIT_SHARE = 0.4
ENGAGEMENTS = ("like_count", "reply_count", "retweet_count", "quote_count")
"""The public_metrics a tweet's engagements add up."""


@dataclass(frozen=True)
class BrandListening:
    """How much the web talks about one brand, and in which tone."""

    slug: str
    x_per_day: float
    reddit_per_day: float
    articles_per_day: float
    mix: tuple[float, float, float]
    """Probabilities of positive, neutral, negative."""
    foreign_share: float
    """Share of mentions in Spanish, German or French."""


BRANDS: tuple[BrandListening, ...] = (
    BrandListening("lumo", 11.0, 1.4, 0.45, (0.52, 0.33, 0.15), 0.12),
    BrandListening("bramble-baby", 15.0, 1.8, 0.55, (0.44, 0.36, 0.20), 0.10),
    BrandListening("kiddo-motion", 6.0, 0.8, 0.25, (0.40, 0.40, 0.20), 0.18),
)
BRANDS_BY_SLUG = {brand.slug: brand for brand in BRANDS}

ARTICLE_TITLES = {
    "positive": (
        "Review: the {product} from {brand} is the best city stroller we tested",
        "Why parents love the {product} by {brand}",
    ),
    "neutral": (
        "{brand} launches the {product} in two new colours",
        "{brand} {product}: price, weight and where to buy",
    ),
    "negative": (
        "Parents report faulty brakes on the {product} from {brand}",
        "{brand} criticised over slow refunds for the {product}",
    ),
}
INCIDENT_TITLES = (
    "Parents report {brand} {product} hinge failures after viral video",
    "Is the {product} safe? {brand} faces questions after stroller collapse",
)


@dataclass(frozen=True)
class Author:
    id: str
    username: str
    name: str
    followers: int


@dataclass(frozen=True)
class Sighting:
    """One place a mention was seen: what one API serves as one object."""

    key: str
    """The warehouse row this sighting belongs to."""
    source: str
    """``x``, ``reddit`` or ``rss``."""
    id: str
    """The platform's id: tweet id, Reddit id36, feed entry id."""
    brands: tuple[str, ...]
    text: str
    language: str
    sentiment: str
    created_at: datetime
    url: str
    author: Author | None = None
    reach: int | None = None
    engagements: int | None = None
    title: str | None = None
    metrics: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    subreddit: str | None = None
    subscribers: int | None = None
    crosspost_parent: str | None = None
    feed: str | None = None
    is_self: bool = True
    incident: bool = False


@dataclass(frozen=True)
class Row:
    """One mention as the warehouse must count it (its sightings deduplicated)."""

    key: str
    day: date
    first_seen_at: datetime
    brands: tuple[str, ...]
    language: str
    sentiment: str
    reach: int
    engagements: int
    sightings: int
    sources: tuple[str, ...]


# ---------------------------------------------------------------------------------- authors


@lru_cache(maxsize=1)
def authors() -> tuple[Author, ...]:
    """The people who tweet about strollers: mostly small accounts, a few with big audiences."""
    rng = seeded("mentions", "authors")
    first = ("mum", "dad", "parent", "baby", "city", "tiny", "happy", "sleepy", "urban", "twin")
    second = ("walks", "life", "diaries", "steps", "gear", "notes", "runner", "coffee", "days")
    found = []
    for n in range(600):
        username = f"{rng.choice(first)}{rng.choice(second)}{rng.randint(1, 999)}"
        followers = int(math.exp(rng.gauss(5.3, 1.4)))
        moment = datetime(2012, 1, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 4000))
        found.append(Author(snowflake(moment, n), username, username.capitalize(), followers))
    found.append(
        Author(snowflake(datetime(2014, 5, 1, tzinfo=UTC), 9999), "viralparent", "Viral Parent", 250_000)
    )
    return tuple(found)


def _author(rng: random.Random, viral: bool = False) -> Author:
    pool = authors()
    return pool[-1] if viral else pool[rng.randrange(len(pool) - 1)]


# -------------------------------------------------------------------------- per-day mentions


def _moment(rng: random.Random, day: date) -> datetime:
    return utc_midnight(day) + timedelta(seconds=rng.randrange(86_400))


def _x_metrics(rng: random.Random, author: Author, incident: bool) -> dict[str, int]:
    audience = author.followers * (8 if incident else 1)
    likes = poisson(rng, 0.02 * audience + 1)
    return {
        "retweet_count": poisson(rng, likes * 0.15),
        "reply_count": poisson(rng, likes * 0.2 + (3 if incident else 0.3)),
        "like_count": likes,
        "quote_count": poisson(rng, likes * 0.03),
        "bookmark_count": poisson(rng, likes * 0.05),
        "impression_count": poisson(rng, audience * 0.6 + 20),
    }


def _tweets(day: date) -> list[Sighting]:
    found: list[Sighting] = []
    for brand in BRANDS:
        rng = seeded("mentions", "x", brand.slug, day)
        extra = INCIDENT_SPIKE.get(day, {}).get("x", 0.0) if brand.slug == "lumo" else 0.0
        plain, incident = poisson(rng, brand.x_per_day), poisson(rng, extra)
        for n in range(plain + incident):
            is_incident = n >= plain
            language = "en" if is_incident else draw_language(rng, brand.foreign_share)
            other = None
            if not is_incident and language == "en" and rng.random() < COMPARISON_SHARE:
                other = rng.choice([b.slug for b in BRANDS if b.slug != brand.slug])
            text, label = mention_text(
                rng, brand.slug, draw_sentiment(rng, brand.mix), language, other, incident=is_incident
            )
            created = _moment(rng, day)
            author = _author(rng, viral=is_incident and n == plain)
            tweet_id = snowflake(created, rng.getrandbits(22))
            metrics = _x_metrics(rng, author, is_incident)
            found.append(
                Sighting(
                    key=f"x:{tweet_id}",
                    source="x",
                    id=tweet_id,
                    brands=(brand.slug, other) if other else (brand.slug,),
                    text=text,
                    language=language,
                    sentiment=label,
                    created_at=created,
                    url=f"https://x.com/{author.username}/status/{tweet_id}",
                    author=author,
                    reach=author.followers,
                    engagements=sum(
                        metrics[k] for k in ("like_count", "reply_count", "retweet_count", "quote_count")
                    ),
                    metrics=metrics,
                    incident=is_incident,
                )
            )
    return found


def _direct_tweets(day: date) -> list[Sighting]:
    """Tweets addressed to the brand's own account (``@lumostrollers ...``): support questions,
    complaints, praise. A seeded stream of their own, so the mentions drawn above are unchanged;
    they are mention tweets like any other (recent search for ``@lumostrollers`` finds them)."""
    rng = seeded("mentions", "x-direct", "lumo", day)
    plain = poisson(rng, DIRECT_PER_DAY)
    incident = poisson(rng, DIRECT_INCIDENT_SPIKE.get(day, 0.0))
    found: list[Sighting] = []
    for n in range(plain + incident):
        is_incident = n >= plain
        text, label = direct_text(rng, "lumo", incident=is_incident)
        created = _moment(rng, day)
        author = _author(rng)
        tweet_id = snowflake(created, rng.getrandbits(22))
        metrics = _x_metrics(rng, author, is_incident)
        found.append(
            Sighting(
                key=f"x:{tweet_id}", source="x", id=tweet_id, brands=("lumo",), text=text, language="en",
                sentiment=label, created_at=created, url=f"https://x.com/{author.username}/status/{tweet_id}",
                author=author, reach=author.followers,
                engagements=sum(metrics[k] for k in ENGAGEMENTS), metrics=metrics, incident=is_incident,
            )
        )  # fmt: skip
    return found


def _id36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while number:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
    return text or "0"


def _reddit_id(created: datetime, n: int) -> str:
    """Reddit ids grow with time; this one is the creation second and a counter, in base 36."""
    return _id36(int(created.timestamp()) * 64 + n % 64)


def _reddit_post(
    rng: random.Random,
    brands: tuple[str, ...],
    text: str,
    title: str,
    language: str,
    label: str,
    created: datetime,
    n: int,
    incident: bool,
    link: str | None = None,
    key: str | None = None,
    crosspost_parent: str | None = None,
    subreddit: tuple[str, int] | None = None,
) -> Sighting:
    name, subscribers = subreddit or rng.choice(SUBREDDITS)
    post_id = _reddit_id(created, n)
    score = poisson(rng, 40 if incident else 9)
    comments = poisson(rng, 25 if incident else 4)
    permalink = f"/r/{name}/comments/{post_id}/{_slug(title)[:40]}/"
    return Sighting(
        key=key or f"reddit:{post_id}",
        source="reddit",
        id=post_id,
        brands=brands,
        text=text,
        language=language,
        sentiment=label,
        created_at=created,
        url=link or f"https://www.reddit.com{permalink}",
        author=_author(rng),
        reach=subscribers,
        engagements=score + comments,
        title=title,
        metrics={"score": score, "num_comments": comments},
        subreddit=name,
        subscribers=subscribers,
        crosspost_parent=crosspost_parent,
        is_self=link is None,
        incident=incident,
    )


def _reddit_self_posts(day: date) -> list[Sighting]:
    found: list[Sighting] = []
    for brand in BRANDS:
        rng = seeded("mentions", "reddit", brand.slug, day)
        extra = INCIDENT_SPIKE.get(day, {}).get("reddit", 0.0) if brand.slug == "lumo" else 0.0
        plain, incident = poisson(rng, brand.reddit_per_day), poisson(rng, extra)
        for n in range(plain + incident):
            is_incident = n >= plain
            language = "en" if is_incident else draw_language(rng, brand.foreign_share)
            text, label = mention_text(
                rng, brand.slug, draw_sentiment(rng, brand.mix), language, incident=is_incident
            )
            title = text.split(". ")[0][:120]
            found.append(
                _reddit_post(
                    rng, (brand.slug,), text, title, language, label, _moment(rng, day), n, is_incident
                )
            )
    return found


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


@dataclass(frozen=True)
class Article:
    url: str
    site: str
    brands: tuple[str, ...]
    title: str
    summary: str
    language: str
    sentiment: str
    published_at: datetime
    incident: bool


def _articles(day: date) -> list[Article]:
    found: list[Article] = []
    for brand in BRANDS:
        rng = seeded("mentions", "articles", brand.slug, day)
        extra = INCIDENT_SPIKE.get(day, {}).get("article", 0.0) if brand.slug == "lumo" else 0.0
        plain, incident = poisson(rng, brand.articles_per_day), poisson(rng, extra)
        for n in range(plain + incident):
            is_incident = n >= plain
            voice = BRAND_VOICES[brand.slug]
            label = "negative" if is_incident else draw_sentiment(rng, brand.mix)
            template = rng.choice(INCIDENT_TITLES if is_incident else ARTICLE_TITLES[label])
            title = template.format(brand=voice.names[0], product=rng.choice(voice.products))
            summary, _ = mention_text(rng, brand.slug, label, "en", incident=is_incident)
            site = rng.choice(SITES)
            published = _moment(rng, day)
            found.append(
                Article(
                    url=f"https://{site}/{published:%Y/%m/%d}/{_slug(title)}-{n}",
                    site=site,
                    brands=(brand.slug,),
                    title=title,
                    summary=summary,
                    language="en",
                    sentiment=label,
                    published_at=published,
                    incident=is_incident,
                )
            )
    return found


def canonical(url: str) -> str:
    """The URL a mention is deduplicated by (the same rule the extractor applies)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not k.lower().startswith("utm_")])
    return urlunsplit((parts.scheme.lower(), host, parts.path.rstrip("/"), query, ""))


def _article_sightings(article: Article, n: int) -> list[Sighting]:
    rng = seeded("mentions", "article-sightings", article.url)
    key = f"url:{canonical(article.url)}"
    text = f"{article.title}. {article.summary}"
    found: list[Sighting] = []
    for feed, group in GOOGLE_ALERTS_FEEDS.items():
        if any(brand in group for brand in article.brands):
            alerted = article.published_at + timedelta(minutes=rng.randrange(60, 360))
            entry_id = f"tag:google.com,2013:googlealerts/feed:{rng.getrandbits(60)}"
            found.append(
                Sighting(
                    key=key, source="rss", id=entry_id, brands=article.brands, text=text,
                    language=article.language, sentiment=article.sentiment, created_at=alerted,
                    url=article.url, title=article.title, feed=feed, incident=article.incident,
                )
            )  # fmt: skip
    if article.site == BLOG_SITE:
        found.append(
            Sighting(
                key=key, source="rss", id=article.url, brands=article.brands, text=text,
                language=article.language, sentiment=article.sentiment, created_at=article.published_at,
                url=article.url, title=article.title, feed=BLOG_FEED, incident=article.incident,
            )
        )  # fmt: skip
    if rng.random() < ARTICLE_ON_REDDIT_SHARE or article.incident:
        shared = article.published_at + timedelta(minutes=rng.randrange(120, 1_800))
        link = f"{article.url}?utm_source=reddit&utm_medium=social"
        first = _reddit_post(
            rng, article.brands, text, article.title, article.language, article.sentiment, shared,
            n + 32, article.incident, link=link, key=key,
        )  # fmt: skip
        found.append(first)
        if rng.random() < CROSSPOST_SHARE:
            later = shared + timedelta(minutes=rng.randrange(10, 600))
            others = [s for s in SUBREDDITS if s[0] != first.subreddit]
            found.append(
                _reddit_post(
                    rng, article.brands, text, article.title, article.language, article.sentiment,
                    later, n + 48, article.incident, link=link, key=key,
                    crosspost_parent=f"t3_{first.id}", subreddit=rng.choice(others),
                )
            )  # fmt: skip
    return found


@lru_cache(maxsize=4_096)
def sightings_on(day: date) -> tuple[Sighting, ...]:
    """Every sighting created on UTC ``day`` (articles by their own publication day)."""
    if day < MENTIONS_EPOCH:
        return ()
    found = _tweets(day) + _direct_tweets(day) + _reddit_self_posts(day)
    for n, article in enumerate(_articles(day)):
        found += _article_sightings(article, n)
    return tuple(found)


def _visible(sighting: Sighting, as_of: date) -> bool:
    return sighting.created_at < utc_midnight(as_of)


def sightings_between(
    start: date, end: date, as_of: date, sources: Iterable[str] | None = None
) -> list[Sighting]:
    """Sightings created from ``start`` to ``end`` (UTC days) and served by ``as_of``, by time.

    Article sightings come a few hours to a day after the article: look one day further back.
    """
    wanted = set(sources) if sources else {"x", "reddit", "rss"}
    found = [
        s
        for day in days(start - timedelta(days=2), end)
        for s in sightings_on(day)
        if s.source in wanted and _visible(s, as_of) and start <= s.created_at.date() <= end
    ]
    return sorted(found, key=lambda s: (s.created_at, s.id))


# ------------------------------------------------------------------------------ API views


def search_tweets(since: datetime, until: datetime, as_of: date) -> list[Sighting]:
    """Mention tweets created in [since, until), newest first (recent search's order)."""
    found = [
        s
        for s in sightings_between(since.date(), until.date(), as_of, ["x"])
        if since <= s.created_at < until
    ]
    return sorted(found, key=lambda s: (s.created_at, s.id), reverse=True)


def reddit_posts(as_of: date, oldest: date = MENTIONS_EPOCH) -> list[Sighting]:
    """Reddit posts served on ``as_of``, newest first (``sort=new``), up to the listing cap."""
    found = sightings_between(oldest, as_of - timedelta(days=1), as_of, ["reddit"])
    return sorted(found, key=lambda s: (s.created_at, s.id), reverse=True)


def feed_entries(feed: str, as_of: date) -> list[Sighting]:
    """The entries of one feed on ``as_of``: the last ``FEED_DAYS`` days, newest first."""
    if feed not in FEEDS:
        raise KeyError(f"unknown demo feed {feed!r}; known: {', '.join(FEEDS)}")
    found = [
        s
        for s in sightings_between(
            as_of - timedelta(days=FEED_DAYS), as_of - timedelta(days=1), as_of, ["rss"]
        )
        if s.feed == feed
    ]
    return sorted(found, key=lambda s: (s.created_at, s.id), reverse=True)[:FEED_MAX_ENTRIES]


def google_alerts_link(url: str, entry_id: str) -> str:
    """The redirect Google Alerts wraps every result link in."""
    return (
        f"https://www.google.com/url?rct=j&sa=t&url={quote(url, safe='')}&ct=ga"
        f"&cd=CAIyHDk{entry_id[-8:]}&usg=AOvVaw{entry_id[-10:]}"
    )


# ------------------------------------------------------------------------------------ truth


def rows(sightings: Iterable[Sighting]) -> list[Row]:
    """Deduplicate sightings into the warehouse's mention rows (see the module docstring)."""
    grouped: dict[str, list[Sighting]] = {}
    for sighting in sightings:
        grouped.setdefault(sighting.key, []).append(sighting)
    found = []
    for key, group in grouped.items():
        first = min(group, key=lambda s: (s.created_at, s.id))
        found.append(
            Row(
                key=key,
                day=first.created_at.date(),
                first_seen_at=first.created_at,
                brands=first.brands,
                language=first.language,
                sentiment=first.sentiment,
                reach=sum(s.reach or 0 for s in group),
                engagements=sum(s.engagements or 0 for s in group),
                sightings=len(group),
                sources=tuple(sorted({s.source for s in group})),
            )
        )
    return sorted(found, key=lambda r: (r.first_seen_at, r.key))


def share_of_voice(rows_: Iterable[Row]) -> dict[tuple[date, str], dict[str, float]]:
    """Mentions, reach and engagements per (day, brand), and each brand's share of the day.

    A mention naming two brands counts once for each.
    """
    totals: dict[tuple[date, str], dict[str, float]] = {}
    for row in rows_:
        for brand in row.brands:
            cell = totals.setdefault((row.day, brand), {"mentions": 0, "reach": 0, "engagements": 0})
            cell["mentions"] += 1
            cell["reach"] += row.reach
            cell["engagements"] += row.engagements
    for (day, _brand), cell in totals.items():
        for measure in ("mentions", "reach", "engagements"):
            day_total = sum(c[measure] for (d, _), c in totals.items() if d == day)
            cell[f"share_{measure}"] = cell[measure] / day_total if day_total else None
    return totals
