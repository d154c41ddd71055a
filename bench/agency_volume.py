"""An agency's landing zone, generated: every stream in the shape its extractor lands it.

Writes ``<root>/<source>/<stream>/account=<id>/day=<YYYY-MM-DD>/data.jsonl`` files (the layout
of ``extractors.landing``) for every stream of the eight sources, each record the API object as
the extractor lands it (its extra ``_`` fields included), plus the company configuration that
names the accounts (``company.yml``; the warehouse reads it through ``WAREHOUSE_COMPANY_CONFIG``).

The landing zone is the one a daily pipeline would have left after ``--days`` days: day
partitions hold the last reading of their day (a post's lifetime counters as of the last run
that re-read it, ``post_lookback_days`` after it was published), snapshot partitions one reading
per day. A post's daily readings therefore land where the real extractors keep them: X's
``tweet_metrics`` (every tweet of the last 28 days, each day) and Instagram's
``business_discovery`` (a competitor's media of the last 28 days, each day); other platforms'
post streams keep the latest reading only. ``daily_run`` lands what one more day's run re-lands.

Volumes are per account and day, times ``--scale``: at scale 1 and 100 accounts over 1,095 days
about 35 M rows (19 GiB): 1 M posts, 24 M post-day readings, 10 M mentions, 5 M GA rows.
Accounts: a fifth (at least five) are the company's own, spread over the five platforms (every
stream); the rest are competitors with a Facebook Page, an Instagram, an X and a YouTube account
each (LinkedIn has no public API for others' pages). Everything is a function of the seed, the
account and the day: two runs write the same bytes, and nothing is held in memory beyond one
partition.

    python -m bench.agency_volume --out /tmp/agency --accounts 100 --days 1095 --scale 1
"""

from __future__ import annotations

import argparse
import json
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from core.config import CompanyConfig, parse_config
from core.settings import PROJECT_ROOT
from extractors.landing import Partition, partition_path

Record = dict[str, Any]
END = date(2026, 11, 30)
POST_LOOKBACK = 28  # every platform's post_lookback_days in the generated config

# Records per account (or listening target, feed, GA property) and day at scale 1.
RATES: dict[str, float] = {
    "facebook_posts": 10,
    "facebook_comments": 200,
    "facebook_conversations": 20,  # five messages each
    "instagram_media": 10,
    "instagram_comments": 150,
    "competitor_media": 10,  # a competitor's Instagram media, read through business_discovery
    "x_tweets": 24,
    "x_search": 300,
    "x_mentions": 100,
    "x_replies": 50,
    "linkedin_posts": 5,
    "youtube_videos": 2,
    "reddit_posts": 40,
    "rss_entries": 30,
    "ga_traffic": 1500,
    "ga_landing_pages": 3000,
}


@dataclass(frozen=True)
class Volume:
    """How much to generate: accounts, days ending on ``end``, and a factor on every rate."""

    accounts: int = 100
    days: int = 1095
    scale: float = 1.0
    end: date = END
    seed: int = 18

    @property
    def start(self) -> date:
        return self.end - timedelta(days=self.days - 1)

    @property
    def own_per_platform(self) -> int:
        return max(1, self.accounts // 25)

    @property
    def competitors(self) -> int:
        return max(1, (self.accounts - 5 * self.own_per_platform) // 4)


@dataclass
class Landed:
    """What a generation wrote: rows per (source, stream), files, and the headline volumes."""

    rows: Counter[tuple[str, str]] = field(default_factory=Counter)
    files: int = 0
    bytes: int = 0
    post_readings: int = 0  # tweet_metrics rows and business_discovery media items
    competitor_media: int = 0  # competitors' Instagram posts, seen only inside business_discovery
    partitions: list[Partition] = field(default_factory=list)

    POSTS = frozenset(
        {
            ("facebook_pages", "posts"),
            ("instagram", "media"),
            ("x", "tweets"),
            ("linkedin", "posts"),
            ("youtube", "videos"),
        }
    )
    MENTIONS = frozenset(
        {
            ("x", "search"),
            ("x", "mentions"),
            ("reddit", "search"),
            ("rss", "entries"),
            ("facebook_pages", "comments"),
            ("instagram", "comments"),
        }
    )

    def total(self, streams: frozenset[tuple[str, str]] | None = None) -> int:
        return sum(n for key, n in self.rows.items() if streams is None or key in streams)

    def summary(self) -> dict[str, int]:
        ga = sum(n for (source, _), n in self.rows.items() if source == "google_analytics")
        return {
            "rows": self.total(),
            "files": self.files,
            "posts": self.total(self.POSTS) + self.competitor_media,
            "post-day readings": self.post_readings,
            "mentions": self.total(self.MENTIONS),
            "GA rows": ga,
            "MiB": self.bytes // 2**20,
        }


# ---------------------------------------------------------------- deterministic numbers and text


def _hash(*parts: object) -> int:
    return zlib.crc32("|".join(str(p) for p in parts).encode())


def _count(rate: float, scale: float, *key: object) -> int:
    """About ``rate * scale`` a day, varying by ±30 % with the key; fractions round by the key."""
    mean = rate * scale * (0.7 + 0.6 * (_hash("n", *key) % 1000) / 1000)
    whole = int(mean)
    return whole + (1 if (_hash("f", *key) % 1000) / 1000 < mean - whole else 0)


def _mix(h: int, i: int, modulo: int) -> int:
    return ((h ^ (i * 2654435761)) * 40503) % modulo


OPENERS = (
    "Absolutely love our",
    "Week three with the",
    "Honest review of the",
    "Does anyone know if the",
    "Really disappointed with the",
    "Just saw the new",
    "Can I change the delivery address for the",
    "Best purchase this year: the",
    "The wheel on our",
    "Mi marido adora el",
    "Wir lieben den",
    "Any tips for folding the",
)
PRODUCTS = ("Glide", "Nova", "Pocket", "Twin", "Trail", "Cocoon", "Flex", "Jog")
CLOSERS = (
    "Folds in one hand and the ride is so smooth 😍",
    "fits a standard car seat adapter?",
    "broke after two weeks, is a refund possible?",
    "so light on the bus, would buy again",
    "the basket is smaller than it looks in the photos",
    "arrived late and the box was damaged",
    "perfect for city walks with a newborn 🌿",
    "customer service answered within the hour, brilliant",
    "is it worth the price compared to the others?",
    "y es muy fácil de plegar",
    "und er passt in jeden Kofferraum",
)
OWN_TEXT = (
    "Meet the {p} in Sage: made for little explorers 🌿 #strollerlife",
    "30 seconds to set up the {p} ✨",
    "Question for the parents: what's the one thing your stroller has to do?",
    "Weekend plans? The {p} is ready for the farmers' market 👶",
    "60 seconds with our designers on the new {p} edition 📦",
)


def _mention_text(h: int, i: int, keyword: str) -> str:
    opener = OPENERS[_mix(h, i, len(OPENERS))]
    product = PRODUCTS[_mix(h, i + 7, len(PRODUCTS))]
    closer = CLOSERS[_mix(h, i + 13, len(CLOSERS))]
    return f"{opener} {keyword} {product}, {closer}"


def _own_text(h: int, i: int) -> str:
    return OWN_TEXT[_mix(h, i, len(OWN_TEXT))].format(p=PRODUCTS[_mix(h, i + 3, len(PRODUCTS))])


def _graph_time(day: date, seconds: int) -> str:
    return (datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)).strftime(
        "%Y-%m-%dT%H:%M:%S+0000"
    )


def _x_time(day: date, seconds: int) -> str:
    return (datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z"
    )


def _epoch(day: date, seconds: int = 0) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) + seconds


def _seconds(h: int, i: int, n: int) -> int:
    """A time of day for the i-th of n records: between 09:00 and 24:00 UTC, so the UTC and the
    Pacific day of a post are the same (Meta's insights report Pacific days)."""
    return 9 * 3600 + (i * 54000) // max(n, 1) + _mix(h, i, max(54000 // max(n, 1), 1))


def _grow(base: int, age_days: int) -> int:
    """A lifetime counter ``age_days`` after publication: most of it in the first days."""
    return base * min(age_days + 1, 7) // 7


# ---------------------------------------------------------------- accounts and the config


@dataclass(frozen=True)
class Acct:
    """An account (or listening target, feed, GA property) as a partition key, with its index."""

    id: str
    name: str
    index: int
    keyword: str = ""


def agency_config(volume: Volume) -> dict[str, Any]:
    """The company configuration (as YAML data) for the volume's own and competitors' accounts:
    the shipped ``config/company.yml`` with its accounts, competitors and post look-backs replaced."""
    base = yaml.safe_load((PROJECT_ROOT / "config" / "company.yml").read_text(encoding="utf-8"))
    n = volume.own_per_platform
    base["accounts"] = {
        "facebook_pages": [{"id": str(104000000000000 + i), "name": f"Lumo Page {i}"} for i in range(n)],
        "instagram": [{"id": str(17841400000000000 + i), "name": f"lumo_ig_{i}"} for i in range(n)],
        "x": [{"id": str(1447000000000000000 + i), "name": f"lumo_x_{i}"} for i in range(n)],
        "linkedin": [{"id": str(10480000 + i), "name": f"Lumo Org {i}"} for i in range(n)],
        "youtube": [{"id": f"UCown{i:019d}", "name": f"Lumo Channel {i}"} for i in range(n)],
    }
    base["competitors"] = [
        {
            "name": f"Rival {c:03d}",
            "keywords": [f"Rival {c:03d}", f"#rival{c:03d}"],
            "accounts": {
                "facebook_pages": [{"id": str(110000000000000 + c), "name": f"Rival {c:03d}"}],
                "instagram": [{"id": f"rival{c:03d}", "name": f"rival{c:03d}"}],
                "x": [{"id": str(1389000000000000000 + c), "name": f"rival{c:03d}"}],
                "youtube": [{"id": f"UCriv{c:019d}", "name": f"Rival {c:03d}"}],
            },
        }
        for c in range(volume.competitors)
    ]
    return base


def write_config(volume: Volume, path: Path) -> CompanyConfig:
    """Write the agency's ``company.yml`` to ``path``; the validated config."""
    data = agency_config(volume)
    config = parse_config(data, origin=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return config


# ---------------------------------------------------------------- one stream's records for one day
#
# Each function returns the records of one (account, day) partition as the run extracting on
# ``run_day`` (the morning after the last day it read) lands them.


def facebook_page_insights(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "fbpi", a.id, day)
    end = _graph_time(day + timedelta(days=1), 8 * 3600)
    return [
        {
            "name": metric,
            "period": "day",
            "values": [{"value": 50 + _mix(h, i, 5000), "end_time": end}],
            "title": metric.replace("_", " ").title(),
            "description": "Daily: generated.",
            "id": f"{a.id}/insights/{metric}/day",
        }
        for i, metric in enumerate(g.config.sources.facebook_pages.page_insights_metrics)
    ]


def facebook_page_snapshot(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    followers = 5000 + a.index * 37 + (day - g.volume.start).days * 3
    return [
        {
            "id": a.id,
            "name": a.name,
            "followers_count": followers,
            "fan_count": followers - 400,
            "link": f"https://www.facebook.com/page{a.id}",
        }
    ]


def _facebook_post_ids(g: Generator, a: Acct, day: date) -> list[str]:
    n = _count(RATES["facebook_posts"], g.volume.scale, "fbp", a.id, day)
    return [f"{a.id}_{day.toordinal() * 10000 + i}" for i in range(n)]


def _post_insight(post_id: str, name: str, value: Any, title: str) -> Record:
    return {
        "name": name,
        "period": "lifetime",
        "values": [{"value": value}],
        "title": title,
        "description": "Lifetime: generated.",
        "id": f"{post_id}/insights/{name}/lifetime",
    }


def facebook_posts(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "fbp", a.id, day)
    ids = _facebook_post_ids(g, a, day)
    age = (run_day - day).days
    records = []
    for i, post_id in enumerate(ids):
        reactions = _grow(_mix(h, i, 300), age)
        like = reactions * 3 // 4
        views = _grow(200 + _mix(h, i + 1, 5000), age)

        records.append(
            {
                "id": post_id,
                "created_time": _graph_time(day, _seconds(h, i, len(ids))),
                "message": _own_text(h, i),
                "permalink_url": f"https://www.facebook.com/page{a.id}/posts/{post_id.split('_')[1]}",
                "status_type": "added_photos" if i % 3 else "mobile_status_update",
                "reactions": {"data": [], "summary": {"total_count": reactions, "viewer_reaction": "NONE"}},
                "comments": {
                    "data": [],
                    "summary": {
                        "order": "chronological",
                        "total_count": _grow(_mix(h, i, 40), age),
                        "can_comment": True,
                    },
                },
                **({"shares": {"count": _grow(_mix(h, i, 30), age)}} if i % 4 else {}),
                "insights": {
                    "data": [
                        _post_insight(post_id, "post_media_view", views, "Lifetime Post Media Views"),
                        _post_insight(
                            post_id,
                            "post_total_media_view_unique",
                            views * 4 // 5,
                            "Lifetime Post Media Viewers",
                        ),
                        _post_insight(
                            post_id, "post_clicks", _grow(_mix(h, i, 60), age), "Lifetime Post Clicks"
                        ),
                        _post_insight(
                            post_id,
                            "post_reactions_by_type_total",
                            {"like": like, "love": reactions - like} if reactions else {},
                            "Lifetime Total post Reactions by Type.",
                        ),
                    ]
                },
            }
        )
    return records


def facebook_comments(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "fbc", a.id, day)
    n = _count(RATES["facebook_comments"], g.volume.scale, "fbc", a.id, day)
    posts = _facebook_post_ids(g, a, day) or _facebook_post_ids(g, a, day - timedelta(days=1))
    if not posts:
        return []
    return [
        {
            "id": f"{day.toordinal() * 100000 + i}_{a.index}{_mix(h, i, 10**9)}",
            "message": _mention_text(h, i, g.brand_keyword),
            "created_time": _graph_time(day, _seconds(h, i, n)),
            "from": {"id": str(72700000000000000 + _mix(h, i, 10**12)), "name": f"Parent {_mix(h, i, 9999)}"},
            "like_count": _mix(h, i, 5),
            "comment_count": _mix(h, i + 1, 3),
            "_post_id": posts[i % len(posts)],
        }
        for i in range(n)
    ]


def facebook_conversations(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    records = []
    for back in (1, 0):  # conversations updated on the snapshot day and the day before
        updated = day - timedelta(days=back)
        h = _hash(g.seed, "fbm", a.id, updated)
        n = _count(RATES["facebook_conversations"], g.volume.scale, "fbm", a.id, updated)
        for c in range(n):
            conversation = f"t_{updated.toordinal() * 1000 + c}{a.index:04d}"
            customer = str(4300000000000000 + _mix(h, c, 10**9))
            start = _seconds(h, c, n) - 9 * 3600
            last = _graph_time(updated, start + 4 * 600)
            for m in range(5):
                page = m % 2 == 1
                sender = {"name": a.name, "email": f"{a.id}@facebook.com", "id": a.id}
                other = {
                    "name": f"Customer {customer[-4:]}",
                    "email": f"{customer}@facebook.com",
                    "id": customer,
                }
                records.append(
                    {
                        "id": f"m_{conversation}_{m}",
                        "created_time": _graph_time(updated, start + m * 600),
                        "from": sender if page else other,
                        "to": {"data": [other if page else sender]},
                        "message": "Got them, thanks! A replacement is on its way."
                        if page
                        else _mention_text(h, c + m, g.brand_keyword),
                        "_conversation_id": conversation,
                        "_conversation_updated_time": last,
                        "_conversation_message_count": 5,
                    }
                )
    return records


TOTAL_VALUE_MEDIA_METRICS = frozenset({"views", "shares"})


def instagram_account_insights(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "igai", a.id, day)
    end = _graph_time(day + timedelta(days=1), 8 * 3600)
    settings = g.config.sources.instagram
    series = [
        {
            "name": metric,
            "period": "day",
            "values": [{"value": 10 + _mix(h, i, 4000), "end_time": end}],
            "title": metric.replace("_", " ").capitalize(),
            "description": "Generated.",
            "id": f"{a.id}/insights/{metric}/day",
        }
        for i, metric in enumerate(settings.account_time_series_metrics)
    ]
    totals = [
        {
            "name": metric,
            "period": "day",
            "title": metric.replace("_", " ").capitalize(),
            "description": "Generated.",
            "total_value": {"value": 5 + _mix(h, i + 10, 3000)},
            "id": f"{a.id}/insights/{metric}/day",
        }
        for i, metric in enumerate(settings.account_total_value_metrics)
    ]
    return series + totals


def instagram_account_snapshot(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    return [
        {
            "id": a.id,
            "username": a.name,
            "name": a.name,
            "followers_count": 18000 + a.index * 11 + (day - g.volume.start).days * 5,
            "follows_count": 312,
            "media_count": 1400 + (day - g.volume.start).days,
            "website": "https://lumo.example",
            "biography": "Light, foldable strollers for city families 👶🌿",
        }
    ]


def _instagram_media(g: Generator, a: Acct, day: date, rate: str, run_day: date) -> list[Record]:
    h = _hash(g.seed, rate, a.id, day)
    n = _count(RATES[rate], g.volume.scale, rate, a.id, day)
    age = (run_day - day).days
    return [
        {
            "id": str(179000000000000000 + a.index * 10**11 + day.toordinal() * 1000 + i),
            "caption": _own_text(h, i),
            "media_type": "VIDEO" if i % 3 == 0 else "IMAGE",
            "media_product_type": "REELS" if i % 3 == 0 else "FEED",
            "timestamp": _graph_time(day, _seconds(h, i, n)),
            "permalink": f"https://www.instagram.com/p/{a.index:03d}{day.toordinal()}{i:03d}/",
            "like_count": _grow(_mix(h, i, 400), age),
            "comments_count": _grow(_mix(h, i, 30), age),
        }
        for i in range(n)
    ]


def instagram_media(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    media = _instagram_media(g, a, day, "instagram_media", run_day)
    return [{**m, "shortcode": m["permalink"].rsplit("/", 2)[1]} for m in media]


def instagram_media_insights(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    records = []
    for m in _instagram_media(g, a, day, "instagram_media", run_day):
        likes, comments = m["like_count"], m["comments_count"]
        values = {
            "views": likes * 25,
            "reach": likes * 18,
            "likes": likes,
            "comments": comments,
            "shares": likes // 20,
            "saved": likes // 15,
            "total_interactions": likes + comments + likes // 20 + likes // 15,
        }
        records += [
            {
                "name": metric,
                "period": "lifetime",
                # Graph answers some lifetime media metrics as a total, the others as a series.
                **(
                    {"total_value": {"value": values.get(metric, 0)}}
                    if metric in TOTAL_VALUE_MEDIA_METRICS
                    else {"values": [{"value": values.get(metric, 0)}]}
                ),
                "title": metric.capitalize(),
                "description": "Generated.",
                "id": f"{m['id']}/insights/{metric}/lifetime",
            }
            for metric in g.config.sources.instagram.media_insights_metrics
        ]
    return records


def instagram_comments(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "igc", a.id, day)
    n = _count(RATES["instagram_comments"], g.volume.scale, "igc", a.id, day)
    media = _instagram_media(g, a, day, "instagram_media", run_day) or _instagram_media(
        g, a, day - timedelta(days=1), "instagram_media", run_day
    )
    if not media:
        return []
    records = []
    for i in range(n):
        seconds = _seconds(h, i, n)
        comment_id = str(178000000000000000 + a.index * 10**11 + day.toordinal() * 10**5 + i)
        reply = {
            "id": str(int(comment_id) + 5 * 10**16),
            "text": "Thanks for asking! We've sent you the details in a private message.",
            "timestamp": _graph_time(day, seconds + 1800),
            "username": a.name,
        }
        records.append(
            {
                "id": comment_id,
                "text": _mention_text(h, i, g.brand_keyword),
                "timestamp": _graph_time(day, seconds),
                "username": f"parent_{_mix(h, i, 99999)}",
                "like_count": _mix(h, i, 4),
                **({"replies": {"data": [reply]}} if i % 2 == 0 else {}),
                "_media_id": media[i % len(media)]["id"],
            }
        )
    return records


def instagram_business_discovery(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    media: list[Record] = []
    for back in range(POST_LOOKBACK + 1):
        published = day - timedelta(days=back)
        if published >= g.volume.start:
            media += reversed(_instagram_media(g, a, published, "competitor_media", run_day))
            g.landed.competitor_media += len(media) if back == 0 else 0
    g.landed.post_readings += len(media)
    return [
        {
            "id": str(17841460000000000 + a.index),
            "username": a.id,
            "name": a.name,
            "followers_count": 9000 + a.index * 13 + (day - g.volume.start).days * 2,
            "follows_count": 1020,
            "media_count": 2350 + (day - g.volume.start).days,
            "media": {"data": media},
        }
    ]


def x_user(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    return [
        {
            "public_metrics": {
                "followers_count": 3600 + a.index * 17 + (day - g.volume.start).days * 4,
                "following_count": 851,
                "tweet_count": 7692 + (day - g.volume.start).days * 20,
                "listed_count": 35,
                "like_count": 6201,
                "media_count": 2614,
            },
            "created_at": "2022-03-08T16:33:07.000Z",
            "description": f"Strollers for active families #{a.name}",
            "username": a.name,
            "name": a.name,
            "verified": False,
            "id": a.id,
        }
    ]


def _tweets(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "xt", a.id, day)
    n = _count(RATES["x_tweets"], g.volume.scale, "xt", a.id, day)
    age = (run_day - day).days
    records = []
    for i in range(n):
        tweet_id = str(2100000000000000000 + a.index * 10**12 + day.toordinal() * 10**5 + i)
        likes = _grow(_mix(h, i, 200), age)
        records.append(
            {
                "created_at": _x_time(day, _seconds(h, i, n)),
                "public_metrics": {
                    "retweet_count": likes // 8,
                    "reply_count": likes // 12,
                    "like_count": likes,
                    "quote_count": likes // 40,
                    "bookmark_count": likes // 20,
                    "impression_count": likes * 30 + 100,
                },
                "edit_history_tweet_ids": [tweet_id],
                "id": tweet_id,
                "text": _own_text(h, i),
            }
        )
    return records


def x_tweets(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    records = []
    for i, tweet in enumerate(_tweets(g, a, day, run_day)):
        key = f"3_{tweet['id']}"
        photo = {"attachments": {"media_keys": [key]}} if i % 3 == 0 else {}
        records.append(
            {
                **tweet,
                **photo,
                "entities": {"hashtags": [{"start": 0, "end": 12, "tag": "strollerlife"}]},
                "conversation_id": tweet["id"],
                "lang": "en",
                "_media": [{"media_key": key, "type": "photo"}] if photo else [],
            }
        )
    return records


def x_tweet_metrics(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    records: list[Record] = []
    for back in range(POST_LOOKBACK + 1):
        published = day - timedelta(days=back)
        if published >= g.volume.start:
            records += _tweets(g, a, published, run_day)
    g.landed.post_readings += len(records)
    return records


def _author(h: int, i: int) -> Record:
    user = str(300000000000000000 + _mix(h, i, 10**15))
    followers = _mix(h, i + 5, 2000) if i % 500 else 150000
    return {
        "username": f"parent{user[-6:]}",
        "name": f"Parent {user[-6:]}",
        "public_metrics": {
            "followers_count": followers,
            "following_count": 300,
            "tweet_count": 1500,
            "listed_count": 2,
            "like_count": 800,
            "media_count": 90,
        },
        "id": user,
    }


def x_search(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "xs", a.id, day)
    n = _count(RATES["x_search"], g.volume.scale, "xs", a.id, day)
    records = []
    for i in range(n):
        tweet_id = str(2200000000000000000 + a.index * 10**12 + day.toordinal() * 10**5 + i)
        author = _author(h, i)
        records.append(
            {
                "created_at": _x_time(day, _mix(h, i, 86400)),
                "public_metrics": {
                    "retweet_count": _mix(h, i, 5),
                    "reply_count": _mix(h, i + 1, 4),
                    "like_count": _mix(h, i + 2, 30),
                    "quote_count": 0,
                    "bookmark_count": _mix(h, i + 3, 3),
                    "impression_count": 100 + _mix(h, i + 4, 900),
                },
                "lang": "en",
                "author_id": author["id"],
                "conversation_id": tweet_id,
                "edit_history_tweet_ids": [tweet_id],
                "id": tweet_id,
                "text": _mention_text(h, i, a.keyword),
                "_author": author,
                "_query": f'("{a.keyword}") -is:retweet',
            }
        )
    return records


def _mention_ids(a: Acct, day: date, n: int) -> list[str]:
    return [str(2300000000000000000 + a.index * 10**12 + day.toordinal() * 10**5 + i) for i in range(n)]


def x_mentions(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "xm", a.id, day)
    ids = _mention_ids(a, day, _count(RATES["x_mentions"], g.volume.scale, "xm", a.id, day))
    records = []
    for i, tweet_id in enumerate(ids):
        author = _author(h, i)
        records.append(
            {
                "created_at": _x_time(day, _seconds(h, i, len(ids))),
                "author_id": author["id"],
                "conversation_id": tweet_id,
                "public_metrics": {
                    "retweet_count": 0,
                    "reply_count": 1,
                    "like_count": _mix(h, i, 20),
                    "quote_count": 0,
                    "bookmark_count": 0,
                    "impression_count": 100 + _mix(h, i, 500),
                },
                "lang": "en",
                "entities": {
                    "mentions": [{"start": 0, "end": len(a.name) + 1, "username": a.name, "id": a.id}]
                },
                "edit_history_tweet_ids": [tweet_id],
                "id": tweet_id,
                "text": f"@{a.name} " + _mention_text(h, i, g.brand_keyword),
                "_author": author,
            }
        )
    return records


def x_replies(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "xm", a.id, day)
    mentions = _mention_ids(a, day, _count(RATES["x_mentions"], g.volume.scale, "xm", a.id, day))
    n = min(len(mentions), _count(RATES["x_replies"], g.volume.scale, "xr", a.id, day))
    records = []
    for i in range(n):
        author = _author(h, i)
        reply_id = str(int(mentions[i]) + 10**16)
        records.append(
            {
                "created_at": _x_time(day, _seconds(h, i, len(mentions)) + 900),
                "author_id": a.id,
                "conversation_id": mentions[i],
                "in_reply_to_user_id": author["id"],
                "referenced_tweets": [{"type": "replied_to", "id": mentions[i]}],
                "lang": "en",
                "edit_history_tweet_ids": [reply_id],
                "id": reply_id,
                "text": f"@{author['username']} Thanks for asking: we've DMed you the details.",
            }
        )
    return records


def linkedin_network_size(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    return [{"firstDegreeSize": 4000 + a.index * 7 + (day - g.volume.start).days * 2}]


def _share_statistics(h: int, i: int) -> Record:
    impressions = 300 + _mix(h, i, 1500)
    likes, comments, clicks, shares = (
        impressions // 60,
        impressions // 400,
        impressions // 30,
        impressions // 900,
    )
    return {
        "uniqueImpressionsCount": impressions * 7 // 10,
        "shareCount": shares,
        "engagement": (likes + comments + clicks + shares) / impressions,
        "clickCount": clicks,
        "likeCount": likes,
        "impressionCount": impressions,
        "commentCount": comments,
    }


def linkedin_share_statistics(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "liss", a.id, day)
    return [
        {
            "organizationalEntity": f"urn:li:organization:{a.id}",
            "timeRange": {"start": _epoch(day) * 1000, "end": _epoch(day + timedelta(days=1)) * 1000},
            "totalShareStatistics": _share_statistics(h, 0),
        }
    ]


def linkedin_follower_statistics(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "lifs", a.id, day)
    return [
        {
            "timeRange": {"start": _epoch(day) * 1000, "end": _epoch(day + timedelta(days=1)) * 1000},
            "followerGains": {"organicFollowerGain": _mix(h, 0, 12), "paidFollowerGain": _mix(h, 1, 3)},
            "organizationalEntity": f"urn:li:organization:{a.id}",
        }
    ]


def _linkedin_shares(g: Generator, a: Acct, day: date) -> list[str]:
    n = _count(RATES["linkedin_posts"], g.volume.scale, "lip", a.id, day)
    return [
        f"urn:li:share:{7500000000000000000 + a.index * 10**12 + day.toordinal() * 100 + i}" for i in range(n)
    ]


def linkedin_posts(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "lip", a.id, day)
    shares = _linkedin_shares(g, a, day)
    records = []
    for i, share in enumerate(shares):
        published = _epoch(day, _seconds(h, i, len(shares))) * 1000
        records.append(
            {
                "isReshareDisabledByAuthor": False,
                "createdAt": published - 3000,
                "lifecycleState": "PUBLISHED",
                "lastModifiedAt": published,
                "visibility": "PUBLIC",
                "publishedAt": published,
                "author": f"urn:li:organization:{a.id}",
                "id": share,
                "distribution": {
                    "feedDistribution": "MAIN_FEED",
                    "targetEntities": [],
                    "thirdPartyDistributionChannels": [],
                },
                "commentary": _own_text(h, i) + " {hashtag|\\#|newparents}",
                "lifecycleStateInfo": {"isEditedByAuthor": False},
                "content": {
                    "article": {
                        "source": "https://lumo.example/journal/parent-survey",
                        "title": "What 2,000 parents told us about city strollers",
                        "description": "From the Lumo journal.",
                        "thumbnail": "urn:li:image:D4E12AQe6hSmxfVI_GkQQc3",
                    }
                },
            }
        )
    return records


def linkedin_post_statistics(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "lips", a.id, day)
    return [
        {
            "organizationalEntity": f"urn:li:organization:{a.id}",
            "share": share,
            "totalShareStatistics": _share_statistics(h, i),
        }
        for i, share in enumerate(_linkedin_shares(g, a, day))
    ]


def _thumbnails(url: str, sizes: tuple[tuple[str, int, int], ...]) -> Record:
    return {name: {"url": f"{url}/{name}.jpg", "width": w, "height": h} for name, w, h in sizes}


CHANNEL_THUMBNAILS = (("default", 88, 88), ("medium", 240, 240), ("high", 800, 800))
VIDEO_THUMBNAILS = (("default", 120, 90), ("medium", 320, 180), ("high", 480, 360))


def youtube_channel_snapshot(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    days = (day - g.volume.start).days
    return [
        {
            "kind": "youtube#channel",
            "etag": f"etag{a.index}",
            "id": a.id,
            "snippet": {
                "title": a.name,
                "description": "Fold demos, real-parent reviews and how-tos.",
                "customUrl": f"@channel{a.index}",
                "publishedAt": "2023-09-14T10:21:37Z",
                "thumbnails": _thumbnails(f"https://yt3.ggpht.example/{a.id}", CHANNEL_THUMBNAILS),
                "localized": {"title": a.name, "description": "Fold demos, real-parent reviews and how-tos."},
                "country": "GB",
            },
            "contentDetails": {"relatedPlaylists": {"likes": "LL", "uploads": "UU" + a.id[2:]}},
            "statistics": {
                "viewCount": str(500000 + days * 900),
                "subscriberCount": str(2900 + a.index * 5 + days),
                "hiddenSubscriberCount": False,
                "videoCount": str(200 + days // 3),
            },
        }
    ]


def youtube_channel_daily(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "ytd", a.id, day)
    return [
        {
            "day": day.isoformat(),
            "views": 300 + _mix(h, 0, 2000),
            "estimatedMinutesWatched": 600 + _mix(h, 1, 4000),
            "likes": _mix(h, 2, 40),
            "comments": _mix(h, 3, 8),
            "shares": _mix(h, 4, 10),
            "subscribersGained": _mix(h, 5, 6),
            "subscribersLost": _mix(h, 6, 3),
        }
    ]


def youtube_videos(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "ytv", a.id, day)
    n = _count(RATES["youtube_videos"], g.volume.scale, "ytv", a.id, day)
    age = (run_day - day).days
    records = []
    for i in range(n):
        video_id = f"v{a.index:04d}{day.toordinal()}{i:02d}"
        title = _own_text(h, i)
        views = _grow(100 + _mix(h, i, 5000), age)
        records.append(
            {
                "kind": "youtube#video",
                "etag": f"etag{video_id}",
                "id": video_id,
                "snippet": {
                    "publishedAt": _x_time(day, _seconds(h, i, n)).replace(".000Z", "Z"),
                    "channelId": a.id,
                    "title": title,
                    "description": title,
                    "thumbnails": _thumbnails(f"https://i.ytimg.example/vi/{video_id}", VIDEO_THUMBNAILS),
                    "channelTitle": a.name,
                    "tags": ["lumo", "baby gear", "pushchair"],
                    "categoryId": "26",
                    "liveBroadcastContent": "none",
                    "defaultAudioLanguage": "en-GB",
                    "localized": {"title": title, "description": title},
                },
                "contentDetails": {
                    "duration": f"PT{2 + i % 9}M{_mix(h, i, 60)}S",
                    "dimension": "2d",
                    "definition": "hd",
                    "caption": "false",
                    "licensedContent": False,
                    "contentRating": {},
                    "projection": "rectangular",
                },
                "statistics": {
                    "viewCount": str(views),
                    "likeCount": str(views // 30),
                    "favoriteCount": "0",
                    "commentCount": str(views // 200),
                },
            }
        )
    return records


CHANNELS = (
    ("google", "organic", "(organic)", "Organic Search"),
    ("facebook.com", "referral", "(referral)", "Organic Social"),
    ("instagram", "social", "spring_launch", "Organic Social"),
    ("t.co", "referral", "(referral)", "Organic Social"),
    ("(direct)", "(none)", "(direct)", "Direct"),
    ("newsletter", "email", "weekly_digest", "Email"),
    ("linkedin.com", "referral", "(referral)", "Organic Social"),
    ("youtube.com", "referral", "(referral)", "Organic Video"),
)


def _ga_metrics(h: int, i: int) -> dict[str, str]:
    sessions = 1 + _mix(h, i, 200)
    return {
        "sessions": str(sessions),
        "engagedSessions": str(sessions * 7 // 10),
        "totalUsers": str(sessions * 8 // 10 + 1),
        "keyEvents": str(sessions // 40),
        "totalRevenue": f"{sessions * 3.7:.2f}",
    }


def google_analytics_traffic(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "gat", day)
    n = _count(RATES["ga_traffic"], g.volume.scale, "gat", day)
    records = []
    for i in range(n):
        source, medium, campaign, channel = CHANNELS[i % len(CHANNELS)]
        records.append(
            {
                "date": day.strftime("%Y%m%d"),
                "sessionSource": source if i < len(CHANNELS) else f"{source}.{i}",
                "sessionMedium": medium,
                "sessionCampaignName": campaign,
                "sessionDefaultChannelGroup": channel,
                **_ga_metrics(h, i),
            }
        )
    return records


def google_analytics_landing_pages(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "gal", day)
    n = _count(RATES["ga_landing_pages"], g.volume.scale, "gal", day)
    return [
        {
            "date": day.strftime("%Y%m%d"),
            "landingPagePlusQueryString": f"/products/{PRODUCTS[i % len(PRODUCTS)].lower()}?v={i}",
            "sessionSource": CHANNELS[i % len(CHANNELS)][0],
            "sessionMedium": CHANNELS[i % len(CHANNELS)][1],
            **_ga_metrics(h, i),
        }
        for i in range(n)
    ]


def reddit_search(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "rd", a.id, day)
    n = _count(RATES["reddit_posts"], g.volume.scale, "rd", a.id, day)
    records = []
    for i in range(n):
        post_id = f"{a.index:03x}{day.toordinal():06x}{i:03x}"
        text = _mention_text(h, i, a.keyword)
        slug = f"{post_id}/{text[:30].lower().replace(' ', '-')}/"
        records.append(
            {
                "id": post_id,
                "name": f"t3_{post_id}",
                "subreddit": "Parenting",
                "subreddit_name_prefixed": "r/Parenting",
                "title": text[:80],
                "selftext": text,
                "author": f"parent{_mix(h, i, 99999)}",
                "author_fullname": f"t2_{_mix(h, i, 10**8):x}",
                "created_utc": float(_epoch(day, _mix(h, i, 86400))),
                "score": _mix(h, i, 50),
                "ups": _mix(h, i, 50),
                "num_comments": _mix(h, i + 1, 20),
                "permalink": f"/r/Parenting/comments/{slug}",
                "url": f"https://www.reddit.com/r/Parenting/comments/{slug}",
                "is_self": True,
                "subreddit_subscribers": 7400000,
                "over_18": False,
                "domain": "self.Parenting",
                "_query": f'"{a.keyword}"',
            }
        )
    return records


def rss_entries(g: Generator, a: Acct, day: date, run_day: date) -> list[Record]:
    h = _hash(g.seed, "rss", a.id, day)
    n = _count(RATES["rss_entries"], g.volume.scale, "rss", a.id, day)
    records = []
    for i in range(n):
        keyword = g.keywords[_mix(h, i, len(g.keywords))]
        link = f"https://www.{a.id}.example/{day:%Y/%m/%d}/{i}"
        published = _x_time(day, _mix(h, i, 86400)).replace(".000Z", "Z")
        records.append(
            {
                "id": link,
                "link": link,
                "title": _mention_text(h, i, keyword)[:70],
                "summary": _mention_text(h, i + 1, keyword),
                "published": published,
                "updated": published,
                "author": f"Writer {_mix(h, i, 500)}",
                "_feed": {"name": a.id, "title": a.name, "link": f"https://www.{a.id}.example/"},
                "_canonical_url": link.replace("https://www.", "https://"),
            }
        )
    return records


# ---------------------------------------------------------------- the streams and the writer


@dataclass(frozen=True)
class StreamSpec:
    """One landed stream: whose partitions, day or snapshot partitioned, how far a run re-reads."""

    source: str
    stream: str
    audience: str  # own, all (own and competitors'), competitors, listening, feeds, property
    records: Callable[[Generator, Acct, date, date], list[Record]]
    lookback: int = 0  # days a daily run re-lands before its day (0: snapshot or day only)


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec("facebook_pages", "page_insights", "own", facebook_page_insights, 2),
    StreamSpec("facebook_pages", "page_snapshot", "all", facebook_page_snapshot),
    StreamSpec("facebook_pages", "posts", "own", facebook_posts, POST_LOOKBACK),
    StreamSpec("facebook_pages", "comments", "own", facebook_comments, 7),
    StreamSpec("facebook_pages", "conversations", "own", facebook_conversations),
    StreamSpec("instagram", "account_snapshot", "own", instagram_account_snapshot),
    StreamSpec("instagram", "account_insights", "own", instagram_account_insights, 2),
    StreamSpec("instagram", "media", "own", instagram_media, POST_LOOKBACK),
    StreamSpec("instagram", "media_insights", "own", instagram_media_insights, POST_LOOKBACK),
    StreamSpec("instagram", "comments", "own", instagram_comments, 7),
    StreamSpec("instagram", "business_discovery", "competitors", instagram_business_discovery),
    StreamSpec("x", "user", "all", x_user),
    StreamSpec("x", "tweets", "all", x_tweets, POST_LOOKBACK),
    StreamSpec("x", "tweet_metrics", "all", x_tweet_metrics),
    StreamSpec("x", "search", "listening", x_search, 6),
    StreamSpec("x", "mentions", "own", x_mentions, 6),
    StreamSpec("x", "replies", "own", x_replies, 6),
    StreamSpec("linkedin", "network_size", "own", linkedin_network_size),
    StreamSpec("linkedin", "share_statistics", "own", linkedin_share_statistics, 3),
    StreamSpec("linkedin", "follower_statistics", "own", linkedin_follower_statistics, 3),
    StreamSpec("linkedin", "posts", "own", linkedin_posts, POST_LOOKBACK),
    StreamSpec("linkedin", "post_statistics", "own", linkedin_post_statistics, POST_LOOKBACK),
    StreamSpec("youtube", "channel_snapshot", "all", youtube_channel_snapshot),
    StreamSpec("youtube", "channel_daily", "own", youtube_channel_daily, 3),
    StreamSpec("youtube", "videos", "all", youtube_videos, POST_LOOKBACK),
    StreamSpec("google_analytics", "traffic", "property", google_analytics_traffic, 3),
    StreamSpec("google_analytics", "landing_pages", "property", google_analytics_landing_pages, 3),
    StreamSpec("reddit", "search", "listening", reddit_search, 3),
    StreamSpec("rss", "entries", "feeds", rss_entries),
)


class Generator:
    """Writes the landing zone of one company configuration and volume."""

    def __init__(self, root: Path, config: CompanyConfig, volume: Volume, run_id: str = "agency-volume"):
        self.root, self.config, self.volume, self.run_id = root, config, volume, run_id
        self.seed = volume.seed
        self.brand_keyword = config.brand.keywords[0]
        self.keywords = [t.keywords[0] for t in config.listening_targets()]
        self.landed = Landed()

    def accounts(self, spec: StreamSpec) -> list[Acct]:
        config = self.config
        if spec.audience == "listening":
            return [Acct(t.id, t.name, i, t.keywords[0]) for i, t in enumerate(config.listening_targets())]
        if spec.audience == "feeds":
            return [Acct(f.name, f.name, i) for i, f in enumerate(config.sources.rss.feeds)]
        if spec.audience == "property":
            return [Acct(str(config.sources.google_analytics.property_id), "GA4", 0)]
        own = [Acct(a.id, a.name, i) for i, a in enumerate(config.own_accounts(spec.source))]
        competitors = [
            Acct(a.id, a.name, 500 + i) for i, a in enumerate(config.competitor_accounts(spec.source))
        ]
        return {"own": own, "competitors": competitors, "all": own + competitors}[spec.audience]

    def write(self, spec: StreamSpec, account: Acct, day: date, run_day: date) -> Partition:
        # The landing writer's format, without its per-file fsync and temporary-file rename: these
        # files are a benchmark's input, not a system of record, and at agency volume (hundreds of
        # thousands of partitions) the fsyncs alone would cost minutes.
        records = spec.records(self, account, day, run_day)
        extracted_at = f"{run_day.isoformat()}T02:{account.index % 60:02d}:00+00:00"
        path = partition_path(self.root, spec.source, spec.stream, account.id, day)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(
            json.dumps(
                {"record": r, "extracted_at": extracted_at, "run_id": self.run_id},
                ensure_ascii=False,
                separators=(",", ":"),
            )
            + "\n"
            for r in records
        ).encode()
        path.write_bytes(text)
        self.landed.rows[(spec.source, spec.stream)] += len(records)
        self.landed.files += 1
        self.landed.bytes += len(text)
        return Partition(spec.source, spec.stream, account.id, day, path, len(records))

    def history(self, progress: Callable[[str], None] | None = None) -> Landed:
        """Every partition of every stream for the volume's days, as the daily runs left them."""
        start, end = self.volume.start, self.volume.end
        days = [start + timedelta(days=n) for n in range(self.volume.days)]
        for spec in STREAMS:
            for account in self.accounts(spec):
                for day in days:
                    # A day partition's last reading was taken by the run ``lookback`` days later.
                    run_day = min(day + timedelta(days=spec.lookback), end) + timedelta(days=1)
                    self.write(spec, account, day, run_day)
            if progress:
                progress(
                    f"{spec.source}/{spec.stream}: {self.landed.rows[(spec.source, spec.stream)]:,} rows"
                )
        return self.landed

    def daily_run(self, day: date) -> list[Partition]:
        """The partitions the daily run for ``day`` re-lands: each stream's look-back and the day."""
        run_day = day + timedelta(days=1)
        partitions = []
        for spec in STREAMS:
            for account in self.accounts(spec):
                for back in range(spec.lookback, -1, -1):
                    partitions.append(self.write(spec, account, day - timedelta(days=back), run_day))
        self.landed.partitions = partitions
        return partitions


def generate(
    out: Path, volume: Volume, progress: Callable[[str], None] | None = None
) -> tuple[CompanyConfig, Landed]:
    """Write ``out/company.yml`` and the landing zone ``out/landing`` for ``volume``."""
    config = write_config(volume, out / "company.yml")
    landed = Generator(out / "landing", config, volume).history(progress)
    return config, landed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for company.yml and landing/")
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--scale", type=float, default=1.0, help="factor on every per-account rate")
    parser.add_argument("--end", type=date.fromisoformat, default=END, help="last day generated")
    args = parser.parse_args()
    volume = Volume(args.accounts, args.days, args.scale, args.end)
    began = time.monotonic()
    config, landed = generate(args.out, volume, progress=lambda line: print(line, flush=True))
    seconds = time.monotonic() - began
    own = sum(len(getattr(config.accounts, p)) for p in type(config.accounts).model_fields)
    print(f"{own} own and {volume.competitors * 4} competitors' accounts, {volume.start}..{volume.end}")
    for name, value in landed.summary().items():
        print(f"  {name:<18} {value:>14,}")
    print(f"  {'seconds':<18} {seconds:>14,.0f}  ({landed.total() / seconds:,.0f} rows/s)")


if __name__ == "__main__":
    main()
