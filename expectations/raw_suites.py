"""Suites for the raw streams: what each landed batch must look like before dbt reads it.

Each raw table holds one JSON ``record`` per row, filed under ``partition_day`` for an account
(see ARCHITECTURE.md). Every stream table gets up to three suites:

* a **row suite** (``raw_<table>``): the run window's partitions, payload fields picked out with
  DuckDB's JSON operators. Keys not null and each from one landed file, counts non-negative,
  rates within [0, 1], the record's own day equal to the partition it is filed under (where the
  partition means that day), and no partition dated after the latest possible day;
* a **payload-field suite** (``raw_<table>_payload_fields``): the field names the window's
  records carry, against the reviewed list in ``payload_fields.yml`` (a new field is reported,
  not silently dropped; a field every record should carry is reported when missing);
* a **volume suite** (``raw_<table>_volume``), for the streams whose rows per day mean something:
  each window day's rows against the median of the days before it.

What a stream's ``partition_day`` means (activity day, created day, or the run's snapshot day)
is decided by its extractor (``extractors/<source>.py``); the suites follow it. The
``raw.company__*`` tables are mirrors of the validated configuration file, not streams: they have
no suites here.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from core.sources import stream as stream_facts
from expectations.suites import (
    PAGE_INSIGHTS_METRICS,
    WARNING,
    Check,
    SuiteSpec,
    all_true,
    at_most,
    at_most_one,
    in_set,
    non_negative,
    not_in_future,
    not_null,
    ratio_within_volume,
    same_day,
)

RAW_COLUMNS_READ = ("account_id", "partition_day", "record", "extracted_at", "_source_file")
PAYLOAD_FIELDS_FILE = Path(__file__).with_name("payload_fields.yml")
PAYLOAD_SUFFIX = "_payload_fields"
VOLUME_SUFFIX = "_volume"

# Graph sends timestamps as 2026-11-02T15:02:11+0000.
_GRAPH_TIME = "'%Y-%m-%dT%H:%M:%S%z'"
# Rows of the run window, and any row dated after the latest possible day (a partition from the
# future is filed wrong whatever the window: reading it here is what lets a check see it).
_BATCH_ROWS = "partition_day between $start and $end or partition_day > $latest_day"


def graph_day(path: str, tz: str = "UTC") -> str:
    """SQL: the day in ``tz`` of a Graph timestamp at JSON ``path`` (e.g. ``record->>'created_time'``)."""
    return f"cast(timezone('{tz}', try_strptime({path}, {_GRAPH_TIME})) as date)"


def iso_day(path: str, tz: str = "UTC") -> str:
    """SQL: the day in ``tz`` of an ISO 8601 timestamp (X's ``...000Z``, YouTube's ``...Z``)."""
    return f"cast(timezone('{tz}', try_cast({path} as timestamptz)) as date)"


def epoch_day(path: str) -> str:
    """SQL: the UTC day of an epoch-seconds value (Reddit's ``created_utc``, a float)."""
    return f"cast(timezone('UTC', to_timestamp(try_cast({path} as double))) as date)"


def millis_day(path: str) -> str:
    """SQL: the UTC day of an epoch-milliseconds value (LinkedIn)."""
    return f"cast(timezone('UTC', to_timestamp(try_cast({path} as bigint) / 1000.0)) as date)"


def number(path: str) -> str:
    """SQL: a JSON number, or a number sent as a string (GA4, YouTube Data API), as a double."""
    return f"try_cast({path} as double)"


# ---------------------------------------------------------------------------------------------
# Row suites


def batch_key(table: str, fields: dict[str, str]) -> tuple[str, ...]:
    """The batch columns of the stream's key (``core.sources``): ``account_id`` and
    ``partition_day`` as they are, a column of ``fields`` by its name, a record field by the one
    column of ``fields`` that reads it."""
    source, stream = table.split("__", 1)
    found = []
    for name in stream_facts(source, stream).key:
        if name in ("account_id", "partition_day") or name in fields:
            found.append(name)
            continue
        reading = [column for column, sql in fields.items() if f"record->>'{name}'" in sql]
        if len(reading) != 1:
            raise ValueError(
                f"raw.{table}: the key field {name!r} (core.sources) must be read by exactly one "
                f"batch column; found {reading or 'none'}: add it to the suite's fields"
            )
        found.append(reading[0])
    return tuple(found)


def row_suite(
    table: str,
    fields: dict[str, str],
    *checks: Check,
    own_day: str | None = None,
) -> SuiteSpec:
    """The row suite of ``raw.<table>``: the checks every stream shares, then ``checks``.

    ``fields`` maps batch columns to SQL over ``record``. What identifies a row is the stream's
    key in the registry (``core.sources``), as batch columns (``batch_key``); its columns other
    than account_id and partition_day are the record's own key, which must not be null.

    A key may repeat inside one landed file: the API sent the object twice (a feed re-sending a
    revised entry, a page of results shifted by a new post) and staging keeps one by the stream's
    documented rule, so no published number changes. The same key from two landed files is
    blocking: two partitions claim one object, or the loader read a file twice or under the wrong
    account, and staging could keep the wrong one. ``own_day`` names the field
    holding the day the record says it belongs to, which must be the partition it is filed under.
    """
    key = batch_key(table, fields)
    record_key = [column for column in key if column not in ("account_id", "partition_day")]
    columns = ",\n            ".join(f"{sql} as {name}" for name, sql in fields.items())
    common = (
        not_null("account_id"),
        not_null("partition_day"),
        not_null("extracted_at"),
        *(not_null(column) for column in record_key),
        all_true(
            "landed_once",
            "__".join(key) + "_landed_once",
            f"({', '.join(key)}) comes from one landed file",
        ),
        not_in_future("partition_day"),
        *((same_day(own_day, "partition_day"),) if own_day else ()),
    )
    return SuiteSpec(
        name=f"raw_{table}",
        table=f"raw.{table}",
        query=f"""
        select
            * exclude (_source_file),
            count(distinct _source_file) over (partition by {", ".join(key)}) = 1 as landed_once
        from (
            select
                account_id,
                partition_day,
                extracted_at,
                _source_file,
                {columns}
            from raw.{table}
            where {_BATCH_ROWS}
        )
        """,
        source_columns=RAW_COLUMNS_READ,
        key_columns=tuple(dict.fromkeys(("account_id", "partition_day", *record_key))),
        checks=common + checks,
    )


def non_negatives(*columns: str) -> tuple[Check, ...]:
    return tuple(non_negative(column) for column in columns)


def counters(path: str, names: Iterable[str]) -> dict[str, str]:
    """Batch columns named like the numbers at ``<path>.<name>`` (e.g. X's public_metrics)."""
    return {name: number(f"{path}->>'{name}'") for name in names}


# ---------------------------------------------------------------------------------------------
# Facebook Pages

# A daily Graph insight value belongs to the Pacific day before its end_time.
_INSIGHT_VALUE_DAY = graph_day("record->'values'->0->>'end_time'", "America/Los_Angeles") + " - 1"

PAGE_INSIGHTS = row_suite(
    "facebook_pages__page_insights",
    {
        "metric_name": "record->>'name'",
        "period": "record->>'period'",
        "metric_value": number("record->'values'->0->>'value'"),
        "value_day": _INSIGHT_VALUE_DAY,
    },
    non_negative("metric_value"),
    # Meta retires and renames metrics; an unknown name is news, not a broken warehouse.
    in_set("metric_name", PAGE_INSIGHTS_METRICS, severity=WARNING),
    # Missing or non-numeric value (e.g. an object-valued metric): dbt would read it as null.
    not_null("metric_value", severity=WARNING),
    own_day="value_day",
)

PAGE_SNAPSHOT = row_suite(
    "facebook_pages__page_snapshot",
    {
        "page_id": "record->>'id'",
        "followers_count": number("record->>'followers_count'"),
        "fan_count": number("record->>'fan_count'"),
    },
    not_null("page_id"),
    *non_negatives("followers_count", "fan_count"),
)

POSTS = row_suite(
    "facebook_pages__posts",
    {
        "post_id": "record->>'id'",
        # A posts partition is the Pacific day of created_time, like the insights.
        "created_day": graph_day("record->>'created_time'", "America/Los_Angeles"),
        "reactions": number("record->'reactions'->'summary'->>'total_count'"),
        "comments": number("record->'comments'->'summary'->>'total_count'"),
        "shares": "coalesce(" + number("record->'shares'->>'count'") + ", 0)",  # absent when 0
        # Smallest numeric lifetime insight value (post_reactions_by_type_total is an object).
        "min_insight_value": """list_min(list_transform(
                list_filter(
                    json_extract(record, '$.insights.data[*].values[0].value'),
                    v -> json_type(v) in ('BIGINT', 'UBIGINT', 'DOUBLE')
                ),
                v -> cast(v as double)
            ))""",
    },
    # A post lives in exactly one partition (its created day), so it is unique in any window.
    *non_negatives("reactions", "comments", "shares", "min_insight_value"),
    own_day="created_day",
)

COMMENTS = row_suite(
    "facebook_pages__comments",
    {
        "comment_id": "record->>'id'",
        "post_id": "record->>'_post_id'",
        "created_day": graph_day("record->>'created_time'"),  # filed under its UTC day
        "like_count": number("record->>'like_count'"),
        "reply_count": number("record->>'comment_count'"),
    },
    not_null("post_id"),
    *non_negatives("like_count", "reply_count"),
    own_day="created_day",
)

# Messenger messages, re-read every run and filed under the run's snapshot day.
CONVERSATIONS = row_suite(
    "facebook_pages__conversations",
    {
        "message_id": "record->>'id'",
        "conversation_id": "record->>'_conversation_id'",
        "conversation_message_count": number("record->>'_conversation_message_count'"),
    },
    not_null("conversation_id"),
    non_negative("conversation_message_count"),
)

# ---------------------------------------------------------------------------------------------
# Instagram

# Time-series values carry their end_time (the Pacific day before it); a total_value is asked
# for one Pacific day and carries no day of its own, so it counts as its partition's.
_IG_VALUE_DAY = f"""case when (record->'values') is not null
            then {_INSIGHT_VALUE_DAY} else partition_day end"""
_IG_VALUE = "coalesce({}, {})".format(
    number("record->'values'->0->>'value'"), number("record->'total_value'->>'value'")
)

ACCOUNT_INSIGHTS = row_suite(
    "instagram__account_insights",
    {
        "metric_name": "record->>'name'",
        "period": "record->>'period'",
        "metric_value": _IG_VALUE,
        "value_day": _IG_VALUE_DAY,
    },
    non_negative("metric_value"),
    own_day="value_day",
)

ACCOUNT_SNAPSHOT = row_suite(
    "instagram__account_snapshot",
    {
        "ig_user_id": "record->>'id'",
        "followers_count": number("record->>'followers_count'"),
        "follows_count": number("record->>'follows_count'"),
        "media_count": number("record->>'media_count'"),
    },
    not_null("ig_user_id"),
    *non_negatives("followers_count", "follows_count", "media_count"),
)

# Competitors' accounts (account_id is the username) with their recent media, per snapshot day.
BUSINESS_DISCOVERY = row_suite(
    "instagram__business_discovery",
    {
        "ig_user_id": "record->>'id'",
        "followers_count": number("record->>'followers_count'"),
        "media_count": number("record->>'media_count'"),
        # Smallest public counter of the listed media.
        "min_media_count": """list_min(list_transform(
                list_concat(
                    json_extract_string(record, '$.media.data[*].like_count'),
                    json_extract_string(record, '$.media.data[*].comments_count')
                ),
                v -> try_cast(v as double)
            ))""",
    },
    not_null("ig_user_id"),
    *non_negatives("followers_count", "media_count", "min_media_count"),
)

MEDIA = row_suite(
    "instagram__media",
    {
        "media_id": "record->>'id'",
        "created_day": graph_day("record->>'timestamp'", "America/Los_Angeles"),
        "like_count": number("record->>'like_count'"),
        "comments_count": number("record->>'comments_count'"),
    },
    *non_negatives("like_count", "comments_count"),
    own_day="created_day",
)

# Lifetime insights of each media, filed under the media's day; the record carries no day.
MEDIA_INSIGHTS = row_suite(
    "instagram__media_insights",
    {
        "insight_id": "record->>'id'",  # <media_id>/insights/<metric>/<period>
        "metric_name": "record->>'name'",
        "metric_value": _IG_VALUE,
    },
    not_null("metric_name"),
    non_negative("metric_value"),
)

IG_COMMENTS = row_suite(
    "instagram__comments",
    {
        "comment_id": "record->>'id'",
        "media_id": "record->>'_media_id'",
        "created_day": graph_day("record->>'timestamp'"),  # filed under its UTC day
        "like_count": number("record->>'like_count'"),
    },
    not_null("media_id"),
    non_negative("like_count"),
    own_day="created_day",
)

# ---------------------------------------------------------------------------------------------
# X: tweets are filed under the UTC day of created_at; public_metrics are live counters.

_TWEET_COUNTS = ("impression_count", "like_count", "retweet_count", "reply_count", "quote_count")
_TWEET_COUNTERS = counters("record->'public_metrics'", _TWEET_COUNTS)
_TWEET_DAY = iso_day("record->>'created_at'")

X_USER = row_suite(
    "x__user",
    {
        "user_id": "record->>'id'",
        **counters(
            "record->'public_metrics'",
            ("followers_count", "following_count", "tweet_count", "listed_count"),
        ),
    },
    not_null("user_id"),
    *non_negatives("followers_count", "following_count", "tweet_count", "listed_count"),
)

X_TWEETS = row_suite(
    "x__tweets",
    {"tweet_id": "record->>'id'", "created_day": _TWEET_DAY, **_TWEET_COUNTERS},
    *non_negatives(*_TWEET_COUNTS),
    own_day="created_day",
)

# The counters of recent tweets re-read under the run's snapshot day.
X_TWEET_METRICS = row_suite(
    "x__tweet_metrics",
    {"tweet_id": "record->>'id'", **_TWEET_COUNTERS},
    *non_negatives(*_TWEET_COUNTS),
)

# A tweet naming two brands is found by both queries: unique per listening target.
X_SEARCH = row_suite(
    "x__search",
    {"tweet_id": "record->>'id'", "created_day": _TWEET_DAY, **_TWEET_COUNTERS},
    *non_negatives(*_TWEET_COUNTS),
    own_day="created_day",
)

X_MENTIONS = row_suite(
    "x__mentions",
    {"tweet_id": "record->>'id'", "created_day": _TWEET_DAY, **_TWEET_COUNTERS},
    *non_negatives(*_TWEET_COUNTS),
    own_day="created_day",
)

X_REPLIES = row_suite(
    "x__replies",
    {"tweet_id": "record->>'id'", "created_day": _TWEET_DAY},
    own_day="created_day",
)

# ---------------------------------------------------------------------------------------------
# LinkedIn

_SHARE_COUNTS = (
    "impressionCount", "uniqueImpressionsCount", "clickCount", "likeCount", "commentCount", "shareCount",
)  # fmt: skip
_SHARE_COUNTERS = {
    **counters("record->'totalShareStatistics'", _SHARE_COUNTS),
    "engagement": number("record->'totalShareStatistics'->>'engagement'"),
}
# LinkedIn's own rate, (clicks + likes + comments + shares) / impressions: negative is a bug,
# above 1 (more interactions than impressions) is odd but it is LinkedIn's number to report.
_ENGAGEMENT_RATE = (non_negative("engagement"), at_most_one("engagement", severity=WARNING))

NETWORK_SIZE = row_suite(
    "linkedin__network_size",
    {"followers": number("record->>'firstDegreeSize'")},
    not_null("followers"),
    non_negative("followers"),
)

# Daily buckets filed under the UTC day of timeRange.start.
SHARE_STATISTICS = row_suite(
    "linkedin__share_statistics",
    {"range_day": millis_day("record->'timeRange'->>'start'"), **_SHARE_COUNTERS},
    *non_negatives(*_SHARE_COUNTS),
    *_ENGAGEMENT_RATE,
    own_day="range_day",
)

# Net of unfollows: a day's organic gain can be negative, so the gains are not checked for sign.
FOLLOWER_STATISTICS = row_suite(
    "linkedin__follower_statistics",
    {
        "range_day": millis_day("record->'timeRange'->>'start'"),
        "organic_follower_gain": number("record->'followerGains'->>'organicFollowerGain'"),
    },
    own_day="range_day",
)

# A post belongs to the UTC day it was published (created, if never published).
LINKEDIN_POSTS = row_suite(
    "linkedin__posts",
    {
        "post_id": "record->>'id'",
        "post_day": millis_day("coalesce(record->>'publishedAt', record->>'createdAt')"),
    },
    own_day="post_day",
)

# Lifetime statistics of each post, filed under its post's day; the record carries no day.
POST_STATISTICS = row_suite(
    "linkedin__post_statistics",
    {"post_urn": "coalesce(record->>'share', record->>'ugcPost')", **_SHARE_COUNTERS},
    *non_negatives(*_SHARE_COUNTS),
    *_ENGAGEMENT_RATE,
)

# ---------------------------------------------------------------------------------------------
# YouTube

CHANNEL_SNAPSHOT = row_suite(
    "youtube__channel_snapshot",
    {
        "channel_id": "record->>'id'",
        **counters("record->'statistics'", ("subscriberCount", "viewCount", "videoCount")),
    },
    not_null("channel_id"),
    *non_negatives("subscriberCount", "viewCount", "videoCount"),
)

_CHANNEL_DAILY_COUNTS = (
    "views", "estimatedMinutesWatched", "likes", "comments", "shares", "subscribersGained",
    "subscribersLost",
)  # fmt: skip

# One Analytics report row per day (a Pacific day), filed under its `day`.
CHANNEL_DAILY = row_suite(
    "youtube__channel_daily",
    {"report_day": "try_cast(record->>'day' as date)", **counters("record", _CHANNEL_DAILY_COUNTS)},
    *non_negatives(*_CHANNEL_DAILY_COUNTS),
    own_day="report_day",
)

VIDEOS = row_suite(
    "youtube__videos",
    {
        "video_id": "record->>'id'",
        "published_day": iso_day("record->'snippet'->>'publishedAt'", "America/Los_Angeles"),
        **counters("record->'statistics'", ("viewCount", "likeCount", "commentCount")),
    },
    *non_negatives("viewCount", "likeCount", "commentCount"),
    own_day="published_day",
)

# ---------------------------------------------------------------------------------------------
# Google Analytics: one report row per dimension combination, filed under its `date` (YYYYMMDD).

_GA_COUNTS = ("sessions", "engagedSessions", "totalUsers", "keyEvents")
_GA_FIELDS = {
    "report_day": "cast(try_strptime(record->>'date', '%Y%m%d') as date)",
    **counters("record", (*_GA_COUNTS, "totalRevenue")),
}
_GA_CHECKS = (
    *non_negatives(*_GA_COUNTS),
    # Refunds can make a day's revenue negative for real: worth a look, not a broken load.
    non_negative("totalRevenue", severity=WARNING),
    # GA4 counts an engaged session once among the sessions.
    at_most("engagedSessions", "sessions"),
)


def _ga_dimensions(*names: str) -> dict[str, str]:
    return {name: f"record->>'{name}'" for name in names}


TRAFFIC = row_suite(
    "google_analytics__traffic",
    {
        **_ga_dimensions(
            "sessionSource", "sessionMedium", "sessionCampaignName", "sessionDefaultChannelGroup"
        ),
        **_GA_FIELDS,
    },
    *_GA_CHECKS,
    own_day="report_day",
)

LANDING_PAGES = row_suite(
    "google_analytics__landing_pages",
    {**_ga_dimensions("landingPagePlusQueryString", "sessionSource", "sessionMedium"), **_GA_FIELDS},
    *_GA_CHECKS,
    own_day="report_day",
)

# ---------------------------------------------------------------------------------------------
# Listening: Reddit search and RSS feeds

# Filed under the UTC day of created_utc. A post found by two brands' queries lands under both
# (account_id is the listening target). Reddit scores go below zero for real: not checked.
REDDIT_SEARCH = row_suite(
    "reddit__search",
    {
        "post_id": "record->>'id'",
        "created_day": epoch_day("record->>'created_utc'"),
        "num_comments": number("record->>'num_comments'"),
        "subreddit_subscribers": number("record->>'subreddit_subscribers'"),
    },
    *non_negatives("num_comments", "subreddit_subscribers"),
    own_day="created_day",
)

# A feed's entries as read on the run's snapshot day (account_id is the feed's name).
RSS_ENTRIES = row_suite(
    "rss__entries",
    {"entry_id": "record->>'id'"},
)

ROW_SUITES: tuple[SuiteSpec, ...] = (
    PAGE_INSIGHTS, PAGE_SNAPSHOT, POSTS, COMMENTS, CONVERSATIONS,
    ACCOUNT_INSIGHTS, ACCOUNT_SNAPSHOT, BUSINESS_DISCOVERY, MEDIA, MEDIA_INSIGHTS, IG_COMMENTS,
    X_USER, X_TWEETS, X_TWEET_METRICS, X_SEARCH, X_MENTIONS, X_REPLIES,
    NETWORK_SIZE, SHARE_STATISTICS, FOLLOWER_STATISTICS, LINKEDIN_POSTS, POST_STATISTICS,
    CHANNEL_SNAPSHOT, CHANNEL_DAILY, VIDEOS,
    TRAFFIC, LANDING_PAGES,
    REDDIT_SEARCH, RSS_ENTRIES,
)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Payload-field suites: which fields the window's records carry, against payload_fields.yml.


@cache
def payload_fields() -> dict[str, dict[str, Any]]:
    """The reviewed field lists, per raw table (without the ``raw.`` schema)."""
    lists = yaml.safe_load(PAYLOAD_FIELDS_FILE.read_text())
    for table, entry in lists.items():
        unknown = set(entry) - {"known", "required", "open"}
        missing = set(entry["required"]) - set(entry["known"])
        if unknown or missing:
            raise ValueError(
                f"{PAYLOAD_FIELDS_FILE.name}: {table}: unknown keys {sorted(unknown)} or required "
                f"fields not in known {sorted(missing)}"
            )
    return lists


def _sql_list(values: Iterable[str]) -> str:
    return "[" + ", ".join("'" + value.replace("'", "''") + "'" for value in sorted(values)) + "]"


def payload_suite(table: str, known: list[str], required: list[str], open_ended: bool = False) -> SuiteSpec:
    """One batch row per field seen in the window's records or required of them, with counts.

    Top-level fields, and the fields of each object a ``known`` entry names as ``object.field``.
    """
    objects = sorted({field.split(".", 1)[0] for field in known if "." in field})
    nested = "".join(
        f"""
            union all
            select '{name}.' || unnest(json_keys(record->'{name}')) from records
            where json_type(record->'{name}') = 'OBJECT'"""
        for name in objects
    )
    checks = [
        # Missing from some records: dbt reads nulls. Fields the models cannot work without (the
        # key and the day) are checked not null by the row suite too, which blocks.
        all_true(
            "required_in_every_record",
            "required_field_present",
            "every record carries each required field (payload_fields.yml)",
            WARNING,
        )
    ]
    if not open_ended:
        # A new field is news (the API added data, or renamed a field we read): a warning
        # naming it, so the field list and the models are reviewed instead of dropping it.
        checks.insert(
            0,
            all_true(
                "is_known",
                "payload_field_known",
                "every field the records carry is a known field (payload_fields.yml)",
                WARNING,
            ),
        )
    return SuiteSpec(
        name=f"raw_{table}{PAYLOAD_SUFFIX}",
        table=f"raw.{table}",
        query=f"""
        with records as (
            select record from raw.{table} where partition_day between $start and $end
        ),
        fields as (
            select unnest(json_keys(record)) as field from records{nested}
        ),
        seen as (
            select field, count(*) as records_with_field from fields group by field
        ),
        listed as (
            select field from seen
            union
            select unnest({_sql_list(required)}) as field
        ),
        total as (
            select count(*) as records from records
        )
        select
            listed.field,
            coalesce(seen.records_with_field, 0) as records_with_field,
            total.records,
            list_contains({_sql_list(known)}, listed.field) as is_known,
            case when list_contains({_sql_list(required)}, listed.field)
                then coalesce(seen.records_with_field, 0) = total.records
            end as required_in_every_record
        from listed
        cross join total
        left join seen on listed.field = seen.field
        where total.records > 0
        """,
        source_columns=("partition_day", "record"),
        key_columns=("field", "records_with_field", "records"),
        checks=tuple(checks),
    )


PAYLOAD_SUITES: tuple[SuiteSpec, ...] = tuple(
    payload_suite(table, entry["known"], entry["required"], entry.get("open", False))
    for table, entry in payload_fields().items()
)


# ---------------------------------------------------------------------------------------------
# Volume suites: each window day's rows against the median of the days before it.
#
# Judged: streams with rows every day whose count is steady — the metric lists (page and
# account insights), the GA4 reports, X tweets, mentions and search — and the snapshot streams
# whose one reading per run holds many records (Messenger messages, re-read tweet counters,
# feed entries), judged on the days that have a reading (a backfill files its one reading under
# yesterday only, so a day without one is normal). The total over all accounts: per account,
# most series are below the minimum baseline.
#
# Not judged: streams of one row per account per day (snapshots of accounts, LinkedIn and
# YouTube daily statistics, network size): their count is the number of accounts, below any
# baseline; posts, media and videos (a few a day, and a day without any is normal); comments,
# replies and Reddit posts, which follow what was published and what people talk about (a quiet
# day draws 90 % fewer for real in the demo's own data); media and post statistics, one row per
# post filed under the post's day.
#
# A day stream's day without rows counts as 0 rows: a stream that stopped landing (while its
# siblings load) is flagged from its first empty day, once it has a baseline. None of the judged
# day streams reports late (LinkedIn's and YouTube's daily statistics, which do, are not judged).

VOLUME_STREAMS = {
    table: stream_facts(*table.split("__", 1)).partitioned_by
    for table in (
        "facebook_pages__page_insights",
        "facebook_pages__conversations",
        "google_analytics__traffic",
        "google_analytics__landing_pages",
        "instagram__account_insights",
        "x__tweets",
        "x__mentions",
        "x__search",
        "x__tweet_metrics",
        "rss__entries",
    )
}
"""The judged streams, each with its partitioning (``core.sources``)."""


def volume_suite(table: str, partitioned_by: str) -> SuiteSpec:
    # A snapshot stream is judged on the days with a reading; a day stream on every day the run
    # read day by day ($read_end), an empty one included.
    judged = "daily.rows is not null" if partitioned_by == "snapshot" else "days.day <= $read_end"
    return SuiteSpec(
        name=f"raw_{table}{VOLUME_SUFFIX}",
        table=f"raw.{table}",
        query=f"""
        with daily as (
            select partition_day as day, count(*) as rows
            from raw.{table}
            where partition_day between $history_start and $end
            group by partition_day
        ),
        days as (
            select cast(day as date) as day
            from generate_series(cast($start as date), cast($end as date), interval 1 day) as g(day)
        ),
        counted as (
            select
                days.day,
                coalesce(daily.rows, 0) as rows,
                (
                    select median(history.rows) from daily as history
                    where history.day < days.day
                ) as baseline,
                {judged} as is_judged
            from days
            left join daily on days.day = daily.day
        )
        select
            day,
            rows,
            baseline,
            case when is_judged and baseline >= $min_baseline then rows / baseline end as ratio
        from counted
        order by day
        """,
        source_columns=("partition_day",),
        key_columns=("day", "rows", "baseline"),
        checks=(
            # Strict bounds: a day with 90 % fewer rows (ratio 0.1), or ten times as many, is flagged.
            ratio_within_volume(
                "ratio",
                "day_rows_within_usual_volume",
                "a day's rows are strictly within the configured ratios of the median of the days before",
            ),
        ),
    )


VOLUME_SUITES: tuple[SuiteSpec, ...] = tuple(
    volume_suite(table, partitioned_by) for table, partitioned_by in VOLUME_STREAMS.items()
)

RAW_SUITES: tuple[SuiteSpec, ...] = ROW_SUITES + PAYLOAD_SUITES + VOLUME_SUITES
