"""Suites for the raw streams: what each landed batch must look like before dbt reads it.

Each raw table holds one JSON ``record`` per row, filed under ``partition_day`` for an account
(see ARCHITECTURE.md). The batch is the run window's partitions; payload fields are picked out
with DuckDB's JSON operators.
"""

from __future__ import annotations

from expectations.suites import (
    PAGE_INSIGHTS_METRICS,
    WARNING,
    SuiteSpec,
    in_set,
    in_window,
    non_negative,
    not_null,
    same_day,
    unique,
)

RAW_COLUMNS_READ = ("account_id", "partition_day", "record", "extracted_at")

# Graph sends timestamps as 2026-11-02T15:02:11+0000.
_GRAPH_TIME = "'%Y-%m-%dT%H:%M:%S%z'"


# ---------------------------------------------------------------------------------------------
# Raw Facebook streams: the run window's partitions, payload fields picked out of `record`.
#
# The batch is selected by partition_day, so `partition_day_in_window` guards the batch query
# itself; the checks that catch a misfiled record compare the day inside the payload with the
# partition it was filed under (`*_matches_partition_day`): that is what keeps a wrong day out of
# the window.

PAGE_INSIGHTS = SuiteSpec(
    name="raw_facebook_pages__page_insights",
    table="raw.facebook_pages__page_insights",
    query=f"""
        select
            account_id,
            partition_day,
            record->>'name' as metric_name,
            record->>'period' as period,
            try_cast(record->'values'->0->>'value' as double) as metric_value,
            -- A daily value belongs to the Pacific day before its end_time.
            cast(timezone('America/Los_Angeles',
                try_strptime(record->'values'->0->>'end_time', {_GRAPH_TIME})) as date) - 1 as value_day,
            extracted_at
        from raw.facebook_pages__page_insights
        where partition_day between $start and $end
    """,
    source_columns=RAW_COLUMNS_READ,
    key_columns=("account_id", "partition_day", "metric_name"),
    checks=(
        not_null("account_id"),
        not_null("partition_day"),
        not_null("metric_name"),
        not_null("extracted_at"),
        unique("account_id", "metric_name", "partition_day"),
        non_negative("metric_value"),
        in_window("partition_day"),
        same_day("value_day", "partition_day"),
        # Meta retires and renames metrics; an unknown name is news, not a broken warehouse.
        in_set("metric_name", PAGE_INSIGHTS_METRICS, severity=WARNING),
        # Missing or non-numeric value (e.g. an object-valued metric): dbt would read it as null.
        not_null("metric_value", severity=WARNING),
    ),
)

PAGE_SNAPSHOT = SuiteSpec(
    name="raw_facebook_pages__page_snapshot",
    table="raw.facebook_pages__page_snapshot",
    query="""
        select
            account_id,
            partition_day,
            record->>'id' as page_id,
            try_cast(record->>'followers_count' as bigint) as followers_count,
            try_cast(record->>'fan_count' as bigint) as fan_count,
            extracted_at
        from raw.facebook_pages__page_snapshot
        where partition_day between $start and $end
    """,
    source_columns=RAW_COLUMNS_READ,
    key_columns=("account_id", "partition_day"),
    checks=(
        not_null("account_id"),
        not_null("partition_day"),
        not_null("extracted_at"),
        unique("account_id", "partition_day"),
        non_negative("followers_count"),
        non_negative("fan_count"),
        in_window("partition_day"),
    ),
)

POSTS = SuiteSpec(
    name="raw_facebook_pages__posts",
    table="raw.facebook_pages__posts",
    query=f"""
        select
            account_id,
            partition_day,
            record->>'id' as post_id,
            -- A posts partition is the Pacific day of created_time, like the insights.
            cast(
                timezone('America/Los_Angeles', try_strptime(record->>'created_time', {_GRAPH_TIME}))
                as date
            ) as created_day,
            try_cast(record->'reactions'->'summary'->>'total_count' as bigint) as reactions,
            try_cast(record->'comments'->'summary'->>'total_count' as bigint) as comments,
            coalesce(try_cast(record->'shares'->>'count' as bigint), 0) as shares,  -- absent when 0
            -- Smallest numeric lifetime insight value (post_reactions_by_type_total is an object).
            list_min(list_transform(
                list_filter(
                    json_extract(record, '$.insights.data[*].values[0].value'),
                    v -> json_type(v) in ('BIGINT', 'UBIGINT', 'DOUBLE')
                ),
                v -> cast(v as double)
            )) as min_insight_value,
            extracted_at
        from raw.facebook_pages__posts
        where partition_day between $start and $end
    """,
    source_columns=RAW_COLUMNS_READ,
    key_columns=("account_id", "partition_day", "post_id"),
    checks=(
        not_null("account_id"),
        not_null("partition_day"),
        not_null("post_id"),
        not_null("extracted_at"),
        # A post lives in exactly one partition (its created day), so it is unique in any window.
        unique("post_id"),
        non_negative("reactions"),
        non_negative("comments"),
        non_negative("shares"),
        non_negative("min_insight_value"),
        in_window("partition_day"),
        same_day("created_day", "partition_day"),
    ),
)


RAW_SUITES: tuple[SuiteSpec, ...] = (PAGE_INSIGHTS, PAGE_SNAPSHOT, POSTS)
