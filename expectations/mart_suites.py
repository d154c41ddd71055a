"""Suites for the marts: what only Great Expectations says about what BI and the report read.

Every other contract of a mart (keys, not-null, accepted values, relationships, ranges, parts at
most their whole, keys built from their parts, no day in the future, the rules a model states
about its own numbers) is a dbt test in the model's yml, stated once. What stays here needs more
than the mart itself:

* **volume**: a day compared with the median of the days before it (a platform's views, a
  property's social sessions) and an account's followers compared with its previous reading;
* **a mart holds rows** when the raw tables have data for the run window (``has_rows``: the
  runner sets ``$min_mart_rows`` from the raw tables).

The batch of a daily fact is the run window's days; of a monthly fact, the months overlapping
the window; of a dimension, the whole table. Severity: **blocking** when a failure can only mean
a bug in the data or the models; **warning** when real data can do it. Volume checks use
``$history_start`` (the run window's start minus ``quality.volume.history_days``, so ``$start -
$history_start`` is the length of the history) and ``$min_baseline`` (smaller medians are too
noisy to judge).
"""

from __future__ import annotations

from expectations.suites import SuiteSpec, has_rows, ratio_within_volume

DIM_ACCOUNT = "marts.dim_account"


def _daily(column: str) -> str:
    """Rows of the run window."""
    return f"{column} between $start and $end"


def _monthly(column: str) -> str:
    """Months overlapping the run window."""
    return f"{column} between cast(date_trunc('month', $start) as date) and $end"


# ---------------------------------------------------------------------------------------------
# Accounts.

# Raw data for the window but an empty mart would publish nothing over yesterday's data.
DIM_ACCOUNT_SUITE = SuiteSpec(
    name="marts_dim_account",
    table=DIM_ACCOUNT,
    query=f"select account_key from {DIM_ACCOUNT}",
    source_columns=("account_key",),
    key_columns=("account_key",),
    checks=(has_rows(),),
)

# Column names of marts.fct_account_daily as the dbt model spells them (name used here -> name in
# the table). If the model renames a column, change the right-hand side only. The day column is
# ``metric_date`` in the current model (``date_day`` / ``activity_date`` were the other candidates).
FCT_ACCOUNT_DAILY_COLUMNS = {
    "account_key": "account_key",
    "platform": "platform",
    "date_day": "metric_date",
    "followers": "followers",
    "views": "views",
}

_FCT = FCT_ACCOUNT_DAILY_COLUMNS
_DAY = f'"{_FCT["date_day"]}"'

FCT_ACCOUNT_DAILY = SuiteSpec(
    name="marts_fct_account_daily",
    table="marts.fct_account_daily",
    query=f"""
        with readings as (
            select
                *,
                -- The account's previous followers reading, however many days back (platforms
                -- without a daily total have readings only on snapshot days).
                lag("{_FCT["followers"]}" ignore nulls) over (
                    partition by "{_FCT["account_key"]}" order by {_DAY}
                ) as previous_followers
            from marts.fct_account_daily
        )
        select
            {", ".join(f'"{table_name}" as {name}' for name, table_name in _FCT.items())},
            previous_followers,
            case
                when previous_followers >= $min_baseline
                    then "{_FCT["followers"]}" / previous_followers
            end as followers_vs_previous_reading
        from readings
        where {_daily(_DAY)}
    """,
    source_columns=tuple(_FCT.values()),
    key_columns=("account_key", "date_day"),
    table_columns={name: table_name for name, table_name in _FCT.items() if name != table_name},
    checks=(
        # Followers are a level: a tenfold jump or a fall to a tenth from one reading to the next
        # is an extraction or mapping bug (another account's count, a missing digit) or news.
        ratio_within_volume(
            "followers_vs_previous_reading",
            "followers_within_usual_change",
            "followers are within the configured ratio of the account's previous reading",
        ),
        has_rows(),
    ),
)


def _volume_query(table: str, series: str, day: str, measure: str) -> str:
    """One row per ``series`` per window day: the day's sum of ``measure`` and the median of that
    sum over the ``$start - $history_start`` days before it (a rolling history, so a long window
    is not judged against its own distant past); the ratio is null below ``$min_baseline``."""
    return f"""
        with daily as (
            select {series}, {day} as day, sum({measure}) as {measure}
            from {table}
            where {measure} is not null and {day} between $history_start and $end
            group by all
        ),
        history_days as (
            select cast(cast($start as date) - cast($history_start as date) as integer) as days
        ),
        baseline as (
            select
                batch.{series}, batch.day, median(history.{measure}) as baseline_{measure}
            from daily as batch
            cross join history_days
            inner join daily as history
                on history.{series} = batch.{series}
                and history.day between batch.day - history_days.days and batch.day - 1
            where batch.day between $start and $end
            group by all
        )
        select
            daily.{series}, daily.day as {day}, daily.{measure}, baseline.baseline_{measure},
            case
                when baseline.baseline_{measure} >= $min_baseline
                    then daily.{measure} / baseline.baseline_{measure}
            end as {measure}_vs_history
        from daily
        left join baseline
            on daily.{series} = baseline.{series} and daily.day = baseline.day
        where daily.day between $start and $end
    """


# Per platform, not per account: one X account's day swings twentyfold with a viral post, but a
# platform's total falling to a tenth (an account's extraction silently empty, a unit change) or
# jumping tenfold (rows loaded twice) is worth a look. Views, not engagements: LinkedIn's small
# engagement counts halve and double from day to day.
FCT_ACCOUNT_DAILY_VOLUME = SuiteSpec(
    name="marts_fct_account_daily_volume",
    table="marts.fct_account_daily",
    query=_volume_query("marts.fct_account_daily", "platform", _DAY, "views"),
    source_columns=("platform", _FCT["date_day"], "views"),
    key_columns=("platform", _FCT["date_day"], "views", "baseline_views"),
    checks=(
        ratio_within_volume(
            "views_vs_history",
            "platform_views_within_usual_volume",
            "a platform's views that day are within the configured ratio of their recent median",
        ),
    ),
)

FCT_ACCOUNT_MONTHLY = SuiteSpec(
    name="marts_fct_account_monthly",
    table="marts.fct_account_monthly",
    query=f"""
        select account_key, month_start
        from marts.fct_account_monthly
        where {_monthly("month_start")}
    """,
    source_columns=("account_key", "month_start"),
    key_columns=("account_key", "month_start"),
    checks=(has_rows(),),
)

# ---------------------------------------------------------------------------------------------
# Web traffic.

# A property's social sessions per day: steady from day to day, so a tenth of the usual (a tag
# removed from the site, the GA4 export cut short) or ten times (rows loaded twice) is news.
FCT_SOCIAL_TRAFFIC_DAILY_VOLUME = SuiteSpec(
    name="marts_fct_social_traffic_daily_volume",
    table="marts.fct_social_traffic_daily",
    query=_volume_query("marts.fct_social_traffic_daily", "property_id", "report_date", "sessions"),
    source_columns=("property_id", "report_date", "sessions"),
    key_columns=("property_id", "report_date", "sessions", "baseline_sessions"),
    checks=(
        ratio_within_volume(
            "sessions_vs_history",
            "property_sessions_within_usual_volume",
            "a property's social sessions that day are within the configured ratio of their recent median",
        ),
    ),
)


# No volume check on mentions (nor on support items): they are news-driven, and on clean demo data
# a quiet day falls below a tenth of its median and a busy comment thread passes tenfold.

MART_SUITES: tuple[SuiteSpec, ...] = (
    DIM_ACCOUNT_SUITE,
    FCT_ACCOUNT_DAILY,
    FCT_ACCOUNT_DAILY_VOLUME,
    FCT_ACCOUNT_MONTHLY,
    FCT_SOCIAL_TRAFFIC_DAILY_VOLUME,
)
