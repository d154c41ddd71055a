"""What the data checks expect of each table, as readable lists of GX expectations.

One ``SuiteSpec`` per table: the SQL that reads the run window's batch out of DuckDB into a
DataFrame (JSON payload fields are picked out there, with DuckDB's JSON operators) and the list
of checks GX runs on it. Every check has a short stable name and a severity:

* ``blocking`` — the warehouse must not be published while this fails (bad keys, impossible
  numbers, rows filed under the wrong day);
* ``warning`` — reported in ``audit.check_results`` and Data Docs, but publishing goes ahead.

The window bounds, the expected metric names and the minimum row count are GX *suite parameters*
(``{"$PARAMETER": ...}``) filled in at run time, so the stored suites do not change from run to run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import great_expectations.expectations as gxe
from great_expectations.expectations.metadata_types import FailureSeverity

BLOCKING = "blocking"
WARNING = "warning"
SEVERITIES = (BLOCKING, WARNING)

# Suite parameters, supplied by the runner on every run.
WINDOW_START = {"$PARAMETER": "window_start"}
WINDOW_END = {"$PARAMETER": "window_end"}
PAGE_INSIGHTS_METRICS = {"$PARAMETER": "page_insights_metrics"}
MIN_MART_ROWS = {"$PARAMETER": "min_mart_rows"}

# Column names of marts.fct_account_daily as the dbt model spells them (name used here -> name in
# the table). If the model renames a column, change the right-hand side only. The day column is
# ``metric_date`` in the current model (``date_day`` / ``activity_date`` were the other candidates).
FCT_ACCOUNT_DAILY_COLUMNS = {
    "account_key": "account_key",
    "platform": "platform",
    "account_id": "account_id",
    "date_day": "metric_date",
    "followers": "followers",
    "followers_gained": "followers_gained",
    "followers_lost": "followers_lost",
    "posts_published": "posts_published",
    "engagements": "engagements",
    "views": "views",
    "reach": "reach",
    "engagement_rate": "engagement_rate",
    "engagement_rate_by_reach": "engagement_rate_by_reach",
    "engagement_rate_by_followers": "engagement_rate_by_followers",
}

RAW_COLUMNS_READ = ("account_id", "partition_day", "record", "extracted_at")

# Graph sends timestamps as 2026-11-02T15:02:11+0000.
_GRAPH_TIME = "'%Y-%m-%dT%H:%M:%S%z'"


@dataclass(frozen=True)
class Check:
    """One named expectation and what its failure means for the run."""

    name: str
    severity: str
    expectation: gxe.Expectation

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"check {self.name}: severity must be one of {SEVERITIES}")

    @property
    def columns(self) -> tuple[str, ...]:
        """The DataFrame columns the check reads (empty for table-level checks)."""
        kwargs = self.expectation.configuration.kwargs
        if "column" in kwargs:
            return (kwargs["column"],)
        if "column_A" in kwargs:
            return (kwargs["column_A"], kwargs["column_B"])
        return tuple(kwargs.get("column_list", ()))


@dataclass(frozen=True)
class SuiteSpec:
    """A table, how to read the run window's batch of it, and the checks to run on that batch."""

    name: str
    table: str
    query: str  # DuckDB SQL with $start and $end (inclusive dates)
    source_columns: tuple[str, ...]  # table columns the query reads
    key_columns: tuple[str, ...]  # identify a row in the sample of unexpected rows
    checks: tuple[Check, ...]
    # Batch column -> table column, where they differ (for reporting the table's own names).
    table_columns: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [check.name for check in self.checks]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"suite {self.name}: check names must be unique: {', '.join(duplicates)}")

    @property
    def schema(self) -> str:
        return self.table.split(".", 1)[0]

    @property
    def table_name(self) -> str:
        return self.table.split(".", 1)[1]

    def table_column(self, column: str | None) -> str | None:
        return self.table_columns.get(column, column) if column else column


# ---------------------------------------------------------------------------------------------
# Building blocks. Each returns one Check; severity defaults to blocking.


def _check(
    name: str, severity: str, expectation_cls: type[gxe.Expectation], text: str, **kwargs: Any
) -> Check:
    expectation = expectation_cls(
        **kwargs,
        meta={"check": name, "severity": severity},
        description=f"[{severity}] {text}",
        severity=FailureSeverity.CRITICAL if severity == BLOCKING else FailureSeverity.WARNING,
    )
    return Check(name, severity, expectation)


def not_null(column: str, severity: str = BLOCKING) -> Check:
    return _check(
        f"{column}_not_null",
        severity,
        gxe.ExpectColumnValuesToNotBeNull,
        f"{column} is never null",
        column=column,
    )


def unique(*columns: str, severity: str = BLOCKING) -> Check:
    name = "__".join(columns) + "_unique"
    text = f"({', '.join(columns)}) is unique in the batch"
    if len(columns) == 1:
        return _check(name, severity, gxe.ExpectColumnValuesToBeUnique, text, column=columns[0])
    return _check(name, severity, gxe.ExpectCompoundColumnsToBeUnique, text, column_list=list(columns))


def _rows(where: str | None, label: str) -> tuple[str, str, dict[str, str]]:
    """Name suffix, text and expectation arguments restricting a check to rows matching ``where``."""
    if where is None:
        return "", "", {}
    return f"_{label}", f" (rows where {where})", {"row_condition": where, "condition_parser": "pandas"}


def non_negative(column: str, severity: str = BLOCKING, where: str | None = None, label: str = "") -> Check:
    suffix, scope, rows = _rows(where, label)
    return _check(
        f"{column}_non_negative{suffix}",
        severity,
        gxe.ExpectColumnValuesToBeBetween,
        f"{column} is >= 0 where present{scope}",
        column=column,
        min_value=0,
        **rows,
    )


def at_most_one(column: str, severity: str = BLOCKING) -> Check:
    return _check(
        f"{column}_at_most_1",
        severity,
        gxe.ExpectColumnValuesToBeBetween,
        f"{column} is <= 1 where present",
        column=column,
        max_value=1,
    )


def between_0_and_1(
    column: str, severity: str = BLOCKING, where: str | None = None, label: str = ""
) -> Check:
    suffix, scope, rows = _rows(where, label)
    return _check(
        f"{column}_between_0_and_1{suffix}",
        severity,
        gxe.ExpectColumnValuesToBeBetween,
        f"{column} is between 0 and 1 where present{scope}",
        column=column,
        min_value=0,
        max_value=1,
        **rows,
    )


def in_window(column: str, severity: str = BLOCKING) -> Check:
    return _check(
        f"{column}_in_window",
        severity,
        gxe.ExpectColumnValuesToBeBetween,
        f"{column} lies in the run window",
        column=column,
        min_value=WINDOW_START,
        max_value=WINDOW_END,
    )


def same_day(column: str, partition_column: str, severity: str = BLOCKING) -> Check:
    return _check(
        f"{column}_matches_{partition_column}",
        severity,
        gxe.ExpectColumnPairValuesToBeEqual,
        f"the record's own day ({column}) is the partition it is filed under ({partition_column})",
        column_A=column,
        column_B=partition_column,
        ignore_row_if="both_values_are_missing",
    )


def in_set(column: str, value_set: Any, severity: str = BLOCKING) -> Check:
    return _check(
        f"{column}_expected",
        severity,
        gxe.ExpectColumnValuesToBeInSet,
        f"{column} is one of the expected values",
        column=column,
        value_set=value_set,
    )


def at_most(column_a: str, column_b: str, severity: str = BLOCKING) -> Check:
    return _check(
        f"{column_a}_at_most_{column_b}",
        severity,
        gxe.ExpectColumnPairValuesAToBeGreaterThanB,
        f"{column_a} <= {column_b} where both are present",
        column_A=column_b,
        column_B=column_a,
        or_equal=True,
        ignore_row_if="either_value_is_missing",
    )


def has_rows(severity: str = BLOCKING) -> Check:
    return _check(
        "has_rows",
        severity,
        gxe.ExpectTableRowCountToBeBetween,
        "the window has rows (required only when the raw tables have data for the window)",
        min_value=MIN_MART_ROWS,
    )


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

# ---------------------------------------------------------------------------------------------
# Mart: one row per account per reporting day.

_FCT = FCT_ACCOUNT_DAILY_COLUMNS
NOT_X, ONLY_X = 'platform != "x"', 'platform == "x"'

FCT_ACCOUNT_DAILY = SuiteSpec(
    name="marts_fct_account_daily",
    table="marts.fct_account_daily",
    query=(
        "select "
        + ", ".join(f'"{table_name}" as {name}' for name, table_name in _FCT.items())
        + f' from marts.fct_account_daily where "{_FCT["date_day"]}" between $start and $end'
    ),
    source_columns=tuple(_FCT.values()),
    key_columns=("account_key", "date_day"),
    table_columns={name: table_name for name, table_name in _FCT.items() if name != table_name},
    checks=(
        not_null("account_key"),
        not_null("date_day"),
        unique("account_key", "date_day"),
        in_window("date_day"),  # guards the batch query, which selects by this column
        non_negative("followers"),
        # LinkedIn nets unfollows into its daily gain, so a LinkedIn day can be negative for real.
        non_negative("followers_gained", where='platform != "linkedin"', label="not_linkedin"),
        non_negative("followers_lost"),
        non_negative("posts_published"),
        # X's daily flows are the day-over-day growth of live counters: taking a like back makes
        # a day negative for real, so on X a negative day is a warning, elsewhere a bug.
        non_negative("engagements", where=NOT_X, label="not_x"),
        non_negative("engagements", WARNING, where=ONLY_X, label="x"),
        non_negative("views", where=NOT_X, label="not_x"),
        non_negative("views", WARNING, where=ONLY_X, label="x"),
        non_negative("reach"),
        # Rates. engagement_rate = engagements / views. One view can lead to several engagements
        # (a reaction, a comment and a click), but across a page's whole day engagements above
        # views means a unit or join bug (a percentage stored as 3.2, a fan-out doubling
        # engagements), so above 1 is blocking. Reach counts people once, and an active commenter
        # engages many times: engagements above reach happens for real on small pages, so > 1 is
        # only a warning. Per follower has no upper bound (viral posts reach non-followers).
        between_0_and_1("engagement_rate", where=NOT_X, label="not_x"),
        between_0_and_1("engagement_rate", WARNING, where=ONLY_X, label="x"),
        non_negative("engagement_rate_by_reach"),
        at_most_one("engagement_rate_by_reach", severity=WARNING),
        non_negative("engagement_rate_by_followers"),
        # Unique viewers cannot exceed views by definition, but both are Meta estimates.
        at_most("reach", "views", severity=WARNING),
        # Raw data for the window but an empty mart would publish nothing over yesterday's data.
        has_rows(),
    ),
)

# ---------------------------------------------------------------------------------------------
# Web traffic and campaigns.

_SOCIAL_TRAFFIC_COLUMNS = (
    "property_id", "report_date", "social_network", "sessions", "engaged_sessions", "paid_sessions",
    "key_events", "total_revenue", "engagement_rate",
)  # fmt: skip

FCT_SOCIAL_TRAFFIC_DAILY = SuiteSpec(
    name="marts_fct_social_traffic_daily",
    table="marts.fct_social_traffic_daily",
    query=(
        f"select {', '.join(_SOCIAL_TRAFFIC_COLUMNS)} from marts.fct_social_traffic_daily "
        "where report_date between $start and $end"
    ),
    source_columns=_SOCIAL_TRAFFIC_COLUMNS,
    key_columns=("property_id", "report_date", "social_network"),
    checks=(
        not_null("property_id"),
        not_null("report_date"),
        not_null("social_network"),
        unique("property_id", "report_date", "social_network"),
        in_window("report_date"),
        non_negative("sessions"),
        non_negative("engaged_sessions"),
        non_negative("key_events"),
        non_negative("total_revenue"),
        # GA4 counts an engaged session once among the sessions; more is a join fan-out.
        at_most("engaged_sessions", "sessions"),
        at_most("paid_sessions", "sessions"),
        between_0_and_1("engagement_rate"),
    ),
)

_CAMPAIGN_COLUMNS = (
    "campaign_name", "utm_campaign", "cost", "sessions", "key_events", "revenue", "sessions_verdict",
    "key_events_verdict", "engagements_verdict", "start_date", "end_date",
)  # fmt: skip
VERDICTS = ["better", "worse", "no detectable change", "not enough data"]

# Every campaign whose window overlaps the run window: a load can change any of them.
FCT_CAMPAIGN_PERFORMANCE = SuiteSpec(
    name="marts_fct_campaign_performance",
    table="marts.fct_campaign_performance",
    query=(
        f"select {', '.join(_CAMPAIGN_COLUMNS)} from marts.fct_campaign_performance "
        "where start_date <= $end and end_date >= $start"
    ),
    source_columns=_CAMPAIGN_COLUMNS,
    key_columns=("campaign_name",),
    checks=(
        not_null("campaign_name"),
        unique("campaign_name"),
        unique("utm_campaign"),
        not_null("cost"),
        non_negative("cost"),
        non_negative("sessions"),
        non_negative("key_events"),
        # Refunds can make a day's GA4 revenue negative, but not a campaign's: worth a look.
        non_negative("revenue", WARNING),
        in_set("sessions_verdict", VERDICTS),
        in_set("key_events_verdict", VERDICTS),
        in_set("engagements_verdict", VERDICTS),
    ),
)

SUITES: dict[str, SuiteSpec] = {
    spec.name: spec
    for spec in (
        PAGE_INSIGHTS, PAGE_SNAPSHOT, POSTS, FCT_ACCOUNT_DAILY, FCT_SOCIAL_TRAFFIC_DAILY,
        FCT_CAMPAIGN_PERFORMANCE,
    )
}  # fmt: skip
RAW_SUITES = (PAGE_INSIGHTS, PAGE_SNAPSHOT, POSTS)
