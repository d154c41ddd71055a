"""Suites for the marts: what BI and the monthly report read must hold before it is published."""

from __future__ import annotations

from expectations.suites import (
    WARNING,
    SuiteSpec,
    at_most,
    at_most_one,
    between_0_and_1,
    has_rows,
    in_set,
    in_window,
    non_negative,
    not_null,
    unique,
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
    "engagements": "engagements",
    "views": "views",
    "reach": "reach",
    "engagement_rate": "engagement_rate",
    "engagement_rate_by_reach": "engagement_rate_by_reach",
    "engagement_rate_by_followers": "engagement_rate_by_followers",
}


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


MART_SUITES: tuple[SuiteSpec, ...] = (FCT_ACCOUNT_DAILY, FCT_SOCIAL_TRAFFIC_DAILY, FCT_CAMPAIGN_PERFORMANCE)
