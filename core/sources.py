"""The registry of sources and their streams: each fact about a stream is written here, once.

Orchestration (which sources the daily DAG extracts, which streams the hourly run reads), the
extractors (a stream's key, how it is partitioned, whom it reads, which setting is its look-back),
the raw checks (the key a landed row must be unique by), the loader (a raw table per stream), the
config (a source's longest look-back) and the report (a platform's label and colour) all read it.
It is plain data, cheap to import: DAG files read it while Airflow parses them.

A stream's ``key`` names the fields of the landed record (as the platform sends them) that
identify a row, with ``account_id`` and ``partition_day``, the landing zone's own columns, where
the same object is filed once per account or once per day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Audience = Literal["own", "competitors", "listening"]


@dataclass(frozen=True)
class StreamFacts:
    name: str
    key: tuple[str, ...]
    partitioned_by: Literal["day", "snapshot"] = "day"
    """``day``: a run rewrites every day of its window; ``snapshot``: one reading, filed under the
    run's last day (``extractors.core.Stream``)."""
    audience: tuple[Audience, ...] = ("own",)
    """Whom it reads: the company's ``own`` accounts, the ``competitors``' accounts on the
    platform, or the ``listening`` targets (the brand and each competitor, with their keywords)."""
    lookback: str | None = None
    """The source's setting (``sources.<source>.<setting>`` in company.yml) that says how many
    days before a run's window the stream reads again; None: it reads only the window."""
    hourly: bool = False
    """Also read by the hourly listening run (mentions and the support inbox)."""


@dataclass(frozen=True)
class SourceFacts:
    name: str
    extractor: str
    """``module:Class`` of its extractor, imported only when the source runs."""
    streams: tuple[StreamFacts, ...]
    label: str
    colour: str | None = None
    """A social platform's colour in the report's charts (None: not a platform)."""
    competitor_posts: bool = False
    """The platform's public API lists a competitor's posts (X's timeline, YouTube's uploads,
    Instagram's business_discovery); a Facebook Page's posts need Page Public Content Access and
    LinkedIn has no public API. The competitor benchmark counts posts only where this holds
    (dbt's ``platforms`` seed carries it; a test holds the seed to this)."""

    @property
    def platform(self) -> bool:
        """A social platform: the company lists its own accounts on it (``accounts:``)."""
        return self.colour is not None

    def stream(self, name: str) -> StreamFacts:
        for stream in self.streams:
            if stream.name == name:
                return stream
        known = ", ".join(s.name for s in self.streams)
        raise KeyError(f"source {self.name} has no stream {name!r}; its streams: {known}")


_SNAPSHOT = ("account_id", "partition_day")
_INSIGHT = ("account_id", "name", "period", "partition_day")

SOURCES: tuple[SourceFacts, ...] = (
    SourceFacts(
        "facebook_pages",
        "extractors.facebook_pages:FacebookPages",
        (
            StreamFacts("page_insights", _INSIGHT, lookback="insights_lookback_days"),
            StreamFacts("page_snapshot", _SNAPSHOT, "snapshot", ("own", "competitors")),
            StreamFacts("posts", ("id",), lookback="post_lookback_days"),
            StreamFacts("comments", ("id",), lookback="comment_lookback_days", hourly=True),
            StreamFacts(
                "conversations",
                ("id", "partition_day"),
                "snapshot",
                lookback="conversation_lookback_days",
                hourly=True,
            ),
        ),
        label="Facebook",
        colour="#1877f2",
    ),
    SourceFacts(
        "instagram",
        "extractors.instagram:Instagram",
        (
            StreamFacts("account_snapshot", _SNAPSHOT, "snapshot"),
            StreamFacts("account_insights", _INSIGHT, lookback="insights_lookback_days"),
            StreamFacts("media", ("id",), lookback="media_lookback_days"),
            StreamFacts("media_insights", ("id",), lookback="media_lookback_days"),
            StreamFacts("comments", ("id",), lookback="comment_lookback_days", hourly=True),
            StreamFacts("business_discovery", _SNAPSHOT, "snapshot", ("competitors",), "media_lookback_days"),
        ),
        label="Instagram",
        colour="#c13584",
        competitor_posts=True,
    ),
    SourceFacts(
        "x",
        "extractors.x:X",
        (
            StreamFacts("user", _SNAPSHOT, "snapshot", ("own", "competitors")),
            StreamFacts("tweets", ("id",), audience=("own", "competitors"), lookback="tweet_lookback_days"),
            StreamFacts("tweet_metrics", ("id", "partition_day"), "snapshot", ("own", "competitors")),
            # A tweet naming two brands is found by both queries: one row per listening target.
            StreamFacts(
                "search",
                ("account_id", "id"),
                audience=("listening",),
                lookback="search_lookback_days",
                hourly=True,
            ),
            StreamFacts("mentions", ("id",), lookback="search_lookback_days", hourly=True),
            StreamFacts("replies", ("id",), lookback="search_lookback_days", hourly=True),
        ),
        label="X",
        colour="#14171a",
        competitor_posts=True,
    ),
    SourceFacts(
        "linkedin",
        "extractors.linkedin:LinkedIn",
        (
            StreamFacts("network_size", _SNAPSHOT, "snapshot"),
            StreamFacts("share_statistics", _SNAPSHOT, lookback="statistics_lookback_days"),
            StreamFacts("follower_statistics", _SNAPSHOT, lookback="statistics_lookback_days"),
            StreamFacts("posts", ("id",), lookback="post_lookback_days"),
            StreamFacts("post_statistics", ("post_urn",), lookback="post_lookback_days"),
        ),
        label="LinkedIn",
        colour="#0a66c2",
    ),
    SourceFacts(
        "youtube",
        "extractors.youtube:YouTube",
        (
            StreamFacts("channel_snapshot", _SNAPSHOT, "snapshot", ("own", "competitors")),
            StreamFacts("channel_daily", _SNAPSHOT, lookback="report_lookback_days"),
            StreamFacts("videos", ("id",), audience=("own", "competitors"), lookback="video_lookback_days"),
        ),
        label="YouTube",
        colour="#ff0000",
        competitor_posts=True,
    ),
    SourceFacts(
        "google_analytics",
        "extractors.google_analytics:GoogleAnalytics",
        (
            StreamFacts(
                "traffic",
                (
                    "account_id",
                    "date",
                    "sessionSource",
                    "sessionMedium",
                    "sessionCampaignName",
                    "sessionDefaultChannelGroup",
                ),
                lookback="lookback_days",
            ),
            StreamFacts(
                "landing_pages",
                ("account_id", "date", "landingPagePlusQueryString", "sessionSource", "sessionMedium"),
                lookback="lookback_days",
            ),
        ),
        label="Google Analytics",
    ),
    SourceFacts(
        "reddit",
        "extractors.reddit:Reddit",
        # A post found by two brands' queries lands under both (account_id is the listening target).
        (
            StreamFacts(
                "search", ("account_id", "id"), audience=("listening",), lookback="lookback_days", hourly=True
            ),
        ),
        label="Reddit",
    ),
    SourceFacts(
        "rss",
        "extractors.rss:Rss",
        # A feed's entries as read on the run's snapshot day (account_id is the feed's name).
        (StreamFacts("entries", ("account_id", "id", "partition_day"), "snapshot", hourly=True),),
        label="RSS and Atom feeds",
    ),
)

BY_NAME: dict[str, SourceFacts] = {source.name: source for source in SOURCES}
SOURCE_NAMES: tuple[str, ...] = tuple(BY_NAME)
PLATFORMS: tuple[str, ...] = tuple(source.name for source in SOURCES if source.platform)
"""The social platforms, in the order the report lists them (the keys of ``accounts:``)."""
HOURLY_STREAMS: dict[str, tuple[str, ...]] = {
    source.name: tuple(
        s.name for s in sorted((s for s in source.streams if s.hourly), key=lambda s: "own" not in s.audience)
    )
    for source in SOURCES
    if any(s.hourly for s in source.streams)
}
"""What the hourly listening run reads, per source: the support inbox and the mentions of the own
accounts first, then the listening searches (a source stops at its first failing stream, so a
failed search never keeps the inbox from being read)."""


def source(name: str) -> SourceFacts:
    """The source called ``name``; KeyError lists the known ones."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(BY_NAME)}") from None


def stream(source_name: str, stream_name: str) -> StreamFacts:
    return source(source_name).stream(stream_name)
