"""Suites for the marts: what BI and the monthly report read must hold before it is published.

One suite per mart, plus volume suites that compare a day's activity with the days before it.
The batch of a daily fact is the run window's days plus any row dated after the latest possible
day (so ``<day>_not_in_future`` sees it); of a monthly fact, the months overlapping the window
plus any later month; of a dimension, the whole table (dimensions are small, and dbt rebuilds
every row on every run).

Every suite checks its keys (not null, unique), its counts (non-negative), its rates (within
[0, 1] where the definition bounds them), its categorical columns (accepted values), its foreign
keys (the batch query sets ``<key>_known`` with an ``exists`` on the dimension, so a duplicated
dimension row cannot fan out the fact) and the pairs that hold by definition (answered items at
most the items needing a response). Severity: **blocking** when a failure can only mean a bug in
the data or the models; **warning** when real data can do it (each is explained where it is
declared). Volume checks use ``$history_start`` (the run window's start minus
``quality.volume.history_days``, so ``$start - $history_start`` is the length of the history)
and ``$min_baseline`` (smaller medians are too noisy to judge).
"""

from __future__ import annotations

from expectations.suites import (
    WARNING,
    Check,
    SuiteSpec,
    all_true,
    at_most,
    has_rows,
    not_in_future,
    ratio_within_volume,
    references,
)

DIM_ACCOUNT = "marts.dim_account"
DIM_POST = "marts.dim_post"


def _daily(column: str) -> str:
    """Rows of the run window, and any row dated after the latest possible day."""
    return f"({column} between $start and $end or {column} > $latest_day)"


def _monthly(column: str) -> str:
    """Months overlapping the run window, and any month after the latest possible day."""
    return f"({column} between cast(date_trunc('month', $start) as date) and $end or {column} > $latest_day)"


def _account_known(platform: str, account_id: str) -> str:
    """SQL: the (platform, account id) pair is an account of dim_account (a null id counts as known)."""
    return (
        f"({account_id} is null or exists (select 1 from {DIM_ACCOUNT} as dim "
        f"where dim.platform = {platform} and dim.account_id = {account_id}))"
    )


def _first_of_month(column: str) -> str:
    return f"{column} = cast(date_trunc('month', {column}) as date)"


def first_of_month(column: str, flag: str) -> Check:
    return all_true(flag, f"{column}_is_first_of_month", f"{column} is the first day of its month")


# ---------------------------------------------------------------------------------------------
# Accounts and posts.

DIM_ACCOUNT_SUITE = SuiteSpec(
    name="marts_dim_account",
    table=DIM_ACCOUNT,
    query=f"""
        select
            account_key, platform, account_id, is_own, is_configured, has_data,
            account_key = platform || ':' || account_id as is_key_consistent
        from {DIM_ACCOUNT}
    """,
    source_columns=("account_key", "platform", "account_id", "is_own", "is_configured", "has_data"),
    key_columns=("account_key",),
    checks=(
        all_true(
            "is_key_consistent", "account_key_is_platform_and_id", "account_key is '<platform>:<account_id>'"
        ),
        # Data for an account missing from config/company.yml is kept (is_configured false) but
        # has no brand and no own/competitor flag: the configuration needs the account.
        all_true("is_configured", "account_is_configured", "every account with data is configured", WARNING),
        has_rows(),
    ),
)

_DIM_POST_COLUMNS = (
    "post_key", "account_key", "platform", "post_id", "account_id", "post_format", "created_date",
    "created_at",
)  # fmt: skip

DIM_POST_SUITE = SuiteSpec(
    name="marts_dim_post",
    table=DIM_POST,
    query=f"""
        select
            {", ".join(_DIM_POST_COLUMNS)},
            post_key = platform || ':' || post_id as is_key_consistent,
            {_account_known("post.platform", "post.account_id")} as account_key_known,
            -- The platform's reporting day is at most a day from the UTC day (Pacific for Meta).
            created_date between cast(created_at as date) - 1 and cast(created_at as date) + 1
                as is_created_date_near_created_at
        from {DIM_POST} as post
    """,
    source_columns=_DIM_POST_COLUMNS,
    key_columns=("post_key",),
    checks=(
        not_in_future("created_date"),
        all_true("is_key_consistent", "post_key_is_platform_and_id", "post_key is '<platform>:<post_id>'"),
        all_true(
            "is_created_date_near_created_at",
            "created_date_near_created_at",
            "created_date is the UTC day of created_at, give or take the reporting time zone",
        ),
    ),
)

_POST_PERFORMANCE_COLUMNS = (
    "post_key", "account_key", "platform", "post_format", "views", "reach", "reactions", "comments",
    "shares", "quotes", "saves", "clicks", "engagements", "engagement_rate",
    "engagement_rate_by_reach", "virality", "created_date", "metrics_as_of",
)  # fmt: skip

FCT_POST_PERFORMANCE = SuiteSpec(
    name="marts_fct_post_performance",
    table="marts.fct_post_performance",
    query=f"""
        select
            {", ".join(_POST_PERFORMANCE_COLUMNS)},
            exists (select 1 from {DIM_POST} as dim where dim.post_key = fct.post_key)
                or post_key is null as post_key_known,
            exists (select 1 from {DIM_ACCOUNT} as dim where dim.account_key = fct.account_key)
                or account_key is null as account_key_known
        from marts.fct_post_performance as fct
        where {_daily("created_date")}
    """,
    source_columns=_POST_PERFORMANCE_COLUMNS,
    key_columns=("post_key",),
    checks=(
        not_in_future("created_date"),
        references("post_key", DIM_POST),
        at_most("reach", "views", severity=WARNING),  # unique viewers, but both are estimates
    ),
)

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
    "shares_on_posts_published": "shares_on_posts_published",
    "views_on_posts_published": "views_on_posts_published",
    "engagements": "engagements",
    "views": "views",
    "reach": "reach",
    "shares": "shares",
    "engagement_rate": "engagement_rate",
    "engagement_rate_by_reach": "engagement_rate_by_reach",
    "engagement_rate_by_followers": "engagement_rate_by_followers",
    "virality": "virality",
}

# ---------------------------------------------------------------------------------------------
# Mart: one row per account per reporting day.

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
            end as followers_vs_previous_reading,
            "{_FCT["account_key"]}" is null or exists (
                select 1 from {DIM_ACCOUNT} as dim where dim.account_key = readings."{_FCT["account_key"]}"
            ) as account_key_known
        from readings
        where {_daily(_DAY)}
    """,
    source_columns=tuple(_FCT.values()),
    key_columns=("account_key", "date_day"),
    table_columns={name: table_name for name, table_name in _FCT.items() if name != table_name},
    checks=(
        not_in_future("date_day"),
        # Unique viewers cannot exceed views by definition, but both are Meta estimates.
        at_most("reach", "views", severity=WARNING),
        # Followers are a level: a tenfold jump or a fall to a tenth from one reading to the next
        # is an extraction or mapping bug (another account's count, a missing digit) or news.
        ratio_within_volume(
            "followers_vs_previous_reading",
            "followers_within_usual_change",
            "followers are within the configured ratio of the account's previous reading",
        ),
        # Raw data for the window but an empty mart would publish nothing over yesterday's data.
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

_ACCOUNT_MONTHLY_COLUMNS = (
    "account_key", "platform", "account_id", "followers_start", "followers_end", "followers_gained",
    "followers_lost", "posts_published", "engagements", "views", "shares",
    "shares_on_posts_published", "views_on_posts_published", "engagement_rate",
    "engagement_rate_by_followers", "amplification_rate", "virality", "days_in_data", "month_start",
    "last_metric_date", "followers_end_date",
)  # fmt: skip

FCT_ACCOUNT_MONTHLY = SuiteSpec(
    name="marts_fct_account_monthly",
    table="marts.fct_account_monthly",
    query=f"""
        select
            {", ".join(_ACCOUNT_MONTHLY_COLUMNS)},
            {_first_of_month("month_start")} as is_month_start,
            last_metric_date between month_start and last_day(month_start)
                as is_last_metric_date_in_month,
            days_in_data between 1 and day(last_day(month_start)) as days_in_data_fit,
            exists (select 1 from {DIM_ACCOUNT} as dim where dim.account_key = fct.account_key)
                or account_key is null as account_key_known
        from marts.fct_account_monthly as fct
        where {_monthly("month_start")}
    """,
    source_columns=_ACCOUNT_MONTHLY_COLUMNS,
    key_columns=("account_key", "month_start"),
    checks=(
        not_in_future("month_start"),
        not_in_future("last_metric_date"),
        first_of_month("month_start", "is_month_start"),
        all_true(
            "is_last_metric_date_in_month",
            "last_metric_date_in_month",
            "last_metric_date lies in the row's month",
        ),
        all_true("days_in_data_fit", "days_in_data_fit_month", "days_in_data is 1 to the month's days"),
        at_most("followers_end_date", "last_metric_date"),
        has_rows(),
    ),
)

# ---------------------------------------------------------------------------------------------
# Web traffic and campaigns.

_SOCIAL_TRAFFIC_COLUMNS = (
    "property_id", "report_date", "social_network", "platform", "social_category", "sessions",
    "engaged_sessions", "total_users", "paid_sessions", "organic_sessions", "key_events",
    "total_revenue", "engagement_rate", "key_event_rate",
)  # fmt: skip

FCT_SOCIAL_TRAFFIC_DAILY = SuiteSpec(
    name="marts_fct_social_traffic_daily",
    table="marts.fct_social_traffic_daily",
    query=f"""
        select
            {", ".join(_SOCIAL_TRAFFIC_COLUMNS)},
            -- `platform` is set only for networks where the company runs its own accounts.
            platform is null or exists (
                select 1 from {DIM_ACCOUNT} as dim where dim.platform = fct.platform and dim.is_own
            ) as platform_known
        from marts.fct_social_traffic_daily as fct
        where {_daily("report_date")}
    """,
    source_columns=_SOCIAL_TRAFFIC_COLUMNS,
    key_columns=("property_id", "report_date", "social_network"),
    checks=(
        not_in_future("report_date"),
        references("platform", DIM_ACCOUNT),
        # GA4 counts an engaged session once among the sessions; more is a join fan-out.
        at_most("engaged_sessions", "sessions"),
        at_most("paid_sessions", "sessions"),
        at_most("organic_sessions", "sessions"),
    ),
)

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

_NEW_SOURCE_COLUMNS = (
    "property_id", "session_source", "social_network", "days_since_first_seen", "sessions",
    "engaged_sessions", "key_events", "total_revenue", "is_social_traffic", "is_new_in_last_7_days",
    "is_new_in_last_30_days", "first_seen_date", "as_of_date",
)  # fmt: skip

# The whole table: it lists only the 30 days up to the newest report day, whatever the window.
FCT_NEW_TRAFFIC_SOURCES = SuiteSpec(
    name="marts_fct_new_traffic_sources",
    table="marts.fct_new_traffic_sources",
    query=f"""
        select
            {", ".join(_NEW_SOURCE_COLUMNS)},
            first_seen_date = as_of_date - days_since_first_seen
                and days_since_first_seen between 0 and 29 as is_first_seen_in_last_30_days
        from marts.fct_new_traffic_sources
    """,
    source_columns=_NEW_SOURCE_COLUMNS,
    key_columns=("property_id", "session_source"),
    checks=(
        not_in_future("as_of_date"),
        all_true(
            "is_first_seen_in_last_30_days",
            "first_seen_in_last_30_days",
            "first_seen_date is as_of_date minus days_since_first_seen, 0 to 29 days back",
        ),
        all_true("is_new_in_last_30_days", "new_in_last_30_days", "every source listed is new in 30 days"),
        at_most("engaged_sessions", "sessions"),
    ),
)

_CAMPAIGN_COLUMNS = (
    "campaign_name", "utm_campaign", "platform", "campaign_status", "cost", "campaign_days",
    "days_with_web_data", "sessions", "engaged_sessions", "key_events", "revenue",
    "cost_per_session", "cost_per_key_event", "platform_sessions", "platform_key_events",
    "days_with_follower_change", "sessions_verdict", "key_events_verdict", "engagements_verdict",
    "sessions_uplift_ci_low", "sessions_uplift_ci_high", "key_events_uplift_ci_low",
    "key_events_uplift_ci_high", "engagements_uplift_ci_low", "engagements_uplift_ci_high",
    "start_date", "end_date",
)  # fmt: skip

# Every campaign whose window overlaps the run window: a load can change any of them.
FCT_CAMPAIGN_PERFORMANCE = SuiteSpec(
    name="marts_fct_campaign_performance",
    table="marts.fct_campaign_performance",
    query=f"""
        select
            {", ".join(_CAMPAIGN_COLUMNS)},
            -- A campaign runs on a platform where the company has its own account.
            platform is null or exists (
                select 1 from {DIM_ACCOUNT} as dim where dim.platform = fct.platform and dim.is_own
            ) as platform_known
        from marts.fct_campaign_performance as fct
        where start_date <= $end and end_date >= $start
    """,
    source_columns=_CAMPAIGN_COLUMNS,
    key_columns=("campaign_name",),
    checks=(
        references("platform", DIM_ACCOUNT),
        at_most("start_date", "end_date"),
        at_most("days_with_web_data", "campaign_days"),
        at_most("days_with_follower_change", "campaign_days"),
        at_most("engaged_sessions", "sessions"),
        # The campaign's tagged sessions are among the platform's sessions of its window.
        at_most("sessions", "platform_sessions"),
        at_most("sessions_uplift_ci_low", "sessions_uplift_ci_high"),
        at_most("key_events_uplift_ci_low", "key_events_uplift_ci_high"),
        at_most("engagements_uplift_ci_low", "engagements_uplift_ci_high"),
    ),
)

# ---------------------------------------------------------------------------------------------
# Listening: mentions, share of voice, the competitor benchmark.

_MENTION_COLUMNS = (
    "mention_key", "mention_source", "source_mention_id", "own_account_id", "sentiment_label",
    "sentiment_score", "language_confidence", "sighting_count", "reach", "engagements",
    "mentions_own_brand", "mentions_competitor", "is_on_own_post", "mention_date", "published_at",
)  # fmt: skip

# No volume check on mentions (nor on support items): they are news-driven, and on clean demo data
# a quiet day falls below a tenth of its median and a busy comment thread passes tenfold.
FCT_MENTIONS = SuiteSpec(
    name="marts_fct_mentions",
    table="marts.fct_mentions",
    query=f"""
        select
            {", ".join(_MENTION_COLUMNS)},
            -- mention_date is the UTC day of published_at (when it was first seen).
            mention_date = cast(published_at as date) as is_mention_date_published_day,
            (sentiment_label = 'unscored') = (sentiment_score is null) as is_score_consistent,
            mentions_own_brand or mentions_competitor as names_a_brand,
            -- A comment on one of our own posts carries the own account it was written to.
            {_account_known("fct.mention_source", "fct.own_account_id")} as own_account_id_known
        from marts.fct_mentions as fct
        where {_daily("mention_date")}
    """,
    source_columns=_MENTION_COLUMNS,
    key_columns=("mention_key",),
    checks=(
        not_in_future("mention_date"),
        references("own_account_id", DIM_ACCOUNT),
        all_true(
            "is_mention_date_published_day",
            "mention_date_is_published_day",
            "mention_date is the UTC day of published_at",
        ),
        all_true(
            "is_score_consistent",
            "sentiment_score_iff_scored",
            "a mention has a sentiment score exactly when its label is not 'unscored'",
        ),
        # Matched by a brand's search query or feed, but its text names no brand (a feed item
        # about something else): worth a look at the queries, not a broken warehouse.
        all_true("names_a_brand", "names_a_brand", "every mention names our brand or a competitor", WARNING),
    ),
)

_SOV_COUNTS = (
    "mentions", "reach", "engagements", "positive_mentions", "neutral_mentions", "negative_mentions",
    "unscored_mentions",
)  # fmt: skip
_SOV_SHARES = ("share_of_voice", "share_of_voice_by_reach", "share_of_voice_by_engagement")
_SENTIMENT_SUM = "positive_mentions + neutral_mentions + negative_mentions + unscored_mentions = mentions"


SENTIMENT_ADDS_UP = all_true(
    "is_sentiment_adding_up",
    "sentiment_counts_add_up",
    "positive, neutral, negative and unscored mentions add up to mentions",
)
"""Both share-of-voice marts: the sentiment counts make up the mentions (their keys, counts,
shares and net sentiment are dbt's tests)."""


_SOV_DAILY_COLUMNS = (
    "share_of_voice_key", "brand_id", "is_own", *_SOV_COUNTS, "market_mentions", *_SOV_SHARES,
    "net_sentiment", "mention_date",
)  # fmt: skip

FCT_SHARE_OF_VOICE_DAILY = SuiteSpec(
    name="marts_fct_share_of_voice_daily",
    table="marts.fct_share_of_voice_daily",
    query=f"""
        select
            {", ".join(_SOV_DAILY_COLUMNS)},
            {_SENTIMENT_SUM} as is_sentiment_adding_up,
            share_of_voice_key = brand_id || ':' || strftime(mention_date, '%Y-%m-%d')
                as is_key_consistent,
            -- Every brand's share of a day with mentions: together, the whole market.
            market_mentions = 0 or abs(sum(share_of_voice) over (partition by mention_date) - 1) < 1e-9
                as is_market_whole
        from marts.fct_share_of_voice_daily
        where {_daily("mention_date")}
    """,
    source_columns=_SOV_DAILY_COLUMNS,
    key_columns=("share_of_voice_key",),
    checks=(
        SENTIMENT_ADDS_UP,
        not_in_future("mention_date"),
        all_true(
            "is_key_consistent",
            "share_of_voice_key_is_brand_and_day",
            "share_of_voice_key is '<brand_id>:<YYYY-MM-DD>'",
        ),
        at_most("mentions", "market_mentions"),
        all_true("is_market_whole", "shares_of_voice_add_up_to_1", "each day's shares of voice add up to 1"),
    ),
)

_SOV_MONTHLY_COLUMNS = (
    "share_of_voice_key", "brand_id", "is_own", "days_with_data", *_SOV_COUNTS, *_SOV_SHARES,
    "net_sentiment", "net_sentiment_share", "month_start", "last_day",
)  # fmt: skip

FCT_SHARE_OF_VOICE_MONTHLY = SuiteSpec(
    name="marts_fct_share_of_voice_monthly",
    table="marts.fct_share_of_voice_monthly",
    query=f"""
        select
            {", ".join(_SOV_MONTHLY_COLUMNS)},
            {_SENTIMENT_SUM} as is_sentiment_adding_up,
            share_of_voice_key = brand_id || ':' || strftime(month_start, '%Y-%m') as is_key_consistent,
            {_first_of_month("month_start")} as is_month_start,
            last_day between month_start and last_day(month_start) as is_last_day_in_month,
            days_with_data between 1 and day(last_day(month_start)) as days_with_data_fit
        from marts.fct_share_of_voice_monthly
        where {_monthly("month_start")}
    """,
    source_columns=_SOV_MONTHLY_COLUMNS,
    key_columns=("share_of_voice_key",),
    checks=(
        SENTIMENT_ADDS_UP,
        not_in_future("month_start"),
        not_in_future("last_day"),
        first_of_month("month_start", "is_month_start"),
        all_true("is_last_day_in_month", "last_day_in_month", "last_day lies in the row's month"),
        all_true("days_with_data_fit", "days_with_data_fit_month", "days_with_data is 1 to the month's days"),
        all_true(
            "is_key_consistent",
            "share_of_voice_key_is_brand_and_month",
            "share_of_voice_key is '<brand_id>:<YYYY-MM>'",
        ),
    ),
)

_BENCHMARK_RANKS = (
    "followers_rank", "follower_growth_rate_rank", "posts_per_week_rank",
    "engagements_per_post_rank", "engagement_rate_per_post_rank", "share_of_voice_rank",
)  # fmt: skip
_BENCHMARK_COLUMNS = (
    "benchmark_key", "brand_id", "platform", "brand", "account_count", "followers_start",
    "followers_end", "follower_growth_rate", "posts_published", "posts_per_week",
    "public_engagements", "engagements_per_post", "engagement_rate_per_post", "share_of_voice",
    "days_covered", "brands_compared", *_BENCHMARK_RANKS, "is_own", "month_start",
    "followers_end_date",
)  # fmt: skip

FCT_COMPETITOR_BENCHMARK_MONTHLY = SuiteSpec(
    name="marts_fct_competitor_benchmark_monthly",
    table="marts.fct_competitor_benchmark_monthly",
    query=f"""
        select
            {", ".join(_BENCHMARK_COLUMNS)},
            benchmark_key = brand_id || ':' || platform || ':' || strftime(month_start, '%Y-%m')
                as is_key_consistent,
            {_first_of_month("month_start")} as is_month_start,
            days_covered between 1 and day(last_day(month_start)) as days_covered_fit,
            -- The brand has an account on the platform (dim_account carries the brand's name).
            brand is null or exists (
                select 1 from {DIM_ACCOUNT} as dim
                where dim.platform = fct.platform and dim.brand = fct.brand
            ) as brand_known
        from marts.fct_competitor_benchmark_monthly as fct
        where {_monthly("month_start")}
    """,
    source_columns=_BENCHMARK_COLUMNS,
    key_columns=("benchmark_key",),
    checks=(
        references("brand", DIM_ACCOUNT, flag="brand_known"),
        not_in_future("month_start"),
        not_in_future("followers_end_date"),
        first_of_month("month_start", "is_month_start"),
        all_true(
            "is_key_consistent",
            "benchmark_key_is_brand_platform_and_month",
            "benchmark_key is '<brand_id>:<platform>:<YYYY-MM>'",
        ),
        all_true("days_covered_fit", "days_covered_fit_month", "days_covered is 1 to the month's days"),
        # A rank is at most the number of brands compared (at least 1 is dbt's test).
        *(at_most(rank, "brands_compared") for rank in _BENCHMARK_RANKS),
    ),
)

# ---------------------------------------------------------------------------------------------
# Support: days and months are the company's time zone.

_CONVERSATION_COLUMNS = (
    "support_item_key", "account_id", "first_inbound_id", "channel", "platform", "timezone",
    "session_number", "inbound_messages", "sla_minutes", "first_response_seconds",
    "first_response_business_seconds", "is_direct_message", "is_question", "is_complaint",
    "needs_response", "is_answered", "is_within_sla", "is_history_incomplete",
    "first_inbound_date", "first_inbound_month", "first_inbound_at", "first_reply_at",
)  # fmt: skip


FCT_SUPPORT_CONVERSATIONS = SuiteSpec(
    name="marts_fct_support_conversations",
    table="marts.fct_support_conversations",
    query=f"""
        select
            {", ".join(c for c in _CONVERSATION_COLUMNS if c != "first_inbound_month")},
            cast(first_inbound_month as date) as first_inbound_month,
            -- The company-time-zone day and month of the first inbound message (UTC).
            first_inbound_date = cast(timezone(timezone, timezone('UTC', first_inbound_at)) as date)
                and cast(first_inbound_month as date) = cast(date_trunc('month', first_inbound_date) as date)
                as is_local_day,
            is_answered = (first_reply_at is not null) as is_answered_consistent,
            -- Answered: within the SLA exactly when the first response came within it.
            first_reply_at is null or is_within_sla = (first_response_seconds <= sla_minutes * 60)
                as is_sla_verdict_consistent,
            {_account_known("fct.platform", "fct.account_id")} as account_known
        from marts.fct_support_conversations as fct
        where {_daily("first_inbound_date")}
    """,
    source_columns=_CONVERSATION_COLUMNS,
    key_columns=("support_item_key",),
    checks=(
        not_in_future("first_inbound_date"),
        references("account_id", DIM_ACCOUNT, flag="account_known"),
        all_true(
            "is_local_day",
            "first_inbound_date_is_local_day",
            "first_inbound_date and _month are the company-time-zone day and month of first_inbound_at",
        ),
        all_true("is_answered_consistent", "is_answered_iff_replied", "is_answered exactly when replied to"),
        all_true(
            "is_sla_verdict_consistent",
            "sla_verdict_matches_response_time",
            "an answered item is within the SLA exactly when its first response came within it",
        ),
        # Business seconds are some of the wall-clock seconds.
        at_most("first_response_business_seconds", "first_response_seconds"),
    ),
)

_STATS_COUNTS = (
    "inbound_items", "items_needing_response", "items_answered", "sla_breaches",
    "sla_breaches_business_hours",
)  # fmt: skip
_STATS_RATES = ("response_rate", "within_sla_share", "within_sla_share_business_hours")
_STATS_MINUTES = tuple(
    f"{stat}_first_response_minutes{variant}"
    for variant in ("", "_business_hours")
    for stat in ("mean", "median", "p90")
)


def _support_stats_suite(name: str, table: str, period: str, window: str) -> SuiteSpec:
    """fct_support_daily and _monthly: one row per period, platform, account and channel (plus
    'all' rows), from the same macro, so the same checks."""
    columns = (period, "platform", "account_id", "channel", *_STATS_COUNTS, *_STATS_RATES, *_STATS_MINUTES)
    return SuiteSpec(
        name=name,
        table=table,
        query=f"""
            select
                {", ".join(c for c in columns if c != period)},
                cast({period} as date) as {period},
                platform = 'all' or {_account_known("fct.platform", "fct.account_id")} as account_known
            from {table} as fct
            where {window}
        """,
        source_columns=columns,
        key_columns=(period, "platform", "account_id", "channel"),
        checks=(
            not_in_future(period),
            references("account_id", DIM_ACCOUNT, flag="account_known"),
            at_most("items_needing_response", "inbound_items"),
            at_most("items_answered", "items_needing_response"),
            at_most("sla_breaches", "items_needing_response"),
            at_most("sla_breaches_business_hours", "items_needing_response"),
            *(
                at_most(f"median_first_response_minutes{variant}", f"p90_first_response_minutes{variant}")
                for variant in ("", "_business_hours")
            ),
            # Each item's business seconds are at most its wall-clock seconds, so are the mean's.
            at_most("mean_first_response_minutes_business_hours", "mean_first_response_minutes"),
        ),
    )


FCT_SUPPORT_DAILY = _support_stats_suite(
    "marts_fct_support_daily", "marts.fct_support_daily", "first_inbound_date", _daily("first_inbound_date")
)
FCT_SUPPORT_MONTHLY = _support_stats_suite(
    "marts_fct_support_monthly",
    "marts.fct_support_monthly",
    "first_inbound_month",
    _monthly("cast(first_inbound_month as date)"),
)


MART_SUITES: tuple[SuiteSpec, ...] = (
    DIM_ACCOUNT_SUITE,
    DIM_POST_SUITE,
    FCT_POST_PERFORMANCE,
    FCT_ACCOUNT_DAILY,
    FCT_ACCOUNT_DAILY_VOLUME,
    FCT_ACCOUNT_MONTHLY,
    FCT_SOCIAL_TRAFFIC_DAILY,
    FCT_SOCIAL_TRAFFIC_DAILY_VOLUME,
    FCT_NEW_TRAFFIC_SOURCES,
    FCT_CAMPAIGN_PERFORMANCE,
    FCT_MENTIONS,
    FCT_SHARE_OF_VOICE_DAILY,
    FCT_SHARE_OF_VOICE_MONTHLY,
    FCT_COMPETITOR_BENCHMARK_MONTHLY,
    FCT_SUPPORT_CONVERSATIONS,
    FCT_SUPPORT_DAILY,
    FCT_SUPPORT_MONTHLY,
)
