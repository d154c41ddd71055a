"""What the monthly report says: every number, read from the published snapshot's marts.

The report never reads the live warehouse: it opens ``data/published/warehouse.duckdb`` read-only,
so it shows exactly what BI shows, and a run that was held back by its checks never reaches it.

A number that has no data behind it is ``None`` and is shown as "no data", never as 0: a month
the warehouse does not cover (the year before the first load, say) says so. The days a source
delivered nothing within the month are listed per source and account in :attr:`Report.gaps`.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from core.config import CompanyConfig
from core.settings import pinned_today
from core.sources import PLATFORMS

TOP_POSTS = 5
MIN_COVERAGE = 0.9  # a change is shown when both months hold this share of the KPI's source-days
DASH = "\u2013"


class ReportError(ValueError):
    """The report cannot be built; the message says why and what to do."""


@dataclass(frozen=True)
class Month:
    """A calendar month: ``Month(2026, 10)``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``"2026-10"`` -> ``Month(2026, 10)``."""
        try:
            year, month = (int(part) for part in text.strip().split("-"))
            date(year, month, 1)
        except ValueError:
            raise ReportError(f"month {text!r} is not a month: write it as YYYY-MM, e.g. 2026-10") from None
        return cls(year, month)

    @classmethod
    def before(cls, moment: datetime, timezone: str) -> Month:
        """The calendar month before the one ``moment`` falls in, on the company's clock."""
        local = moment.astimezone(ZoneInfo(timezone)).date()
        last_month = local.replace(day=1) - timedelta(days=1)
        return cls(last_month.year, last_month.month)

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def shift(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.end.day)]

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return self.start.strftime("%B %Y")


@dataclass(frozen=True)
class Kpi:
    """One headline number: this month, the month before and the same month a year before.

    ``kind`` tells how to show and compare it: ``count`` and ``money`` compare in per cent,
    ``rate`` (a share in [0, 1]) and ``ratio`` (ROI, net sentiment) in percentage points,
    ``minutes`` in per cent. ``lower_is_better`` flips the colour of a change.
    """

    key: str
    label: str
    kind: str
    value: float | None
    previous: float | None
    year_before: float | None
    source: str
    lower_is_better: bool = False
    group: str = ""  # the sources behind it, as in Gap.group: accounts, web, listening, support
    # (month over month, year over year) when the change is not value against previous: followers
    # compare only the accounts that reported in both months, so a platform whose first reading
    # falls in this month does not count as growth.
    like_for_like: tuple[float | None, float | None] | None = None
    # Comparisons left out because one of the two months misses too much of the KPI's data.
    incomparable: frozenset[str] = frozenset()  # of "previous", "year_before"

    def change(self, other: float | None) -> float | None:
        """The change against ``other``: relative for counts, in points for rates; None without data."""
        if self.value is None or other is None:
            return None
        if self.kind in ("rate", "ratio"):
            return self.value - other
        if other == 0:
            return None
        return (self.value - other) / abs(other)

    @property
    def mom(self) -> float | None:
        if "previous" in self.incomparable:
            return None
        return self.like_for_like[0] if self.like_for_like else self.change(self.previous)

    @property
    def yoy(self) -> float | None:
        if "year_before" in self.incomparable:
            return None
        return self.like_for_like[1] if self.like_for_like else self.change(self.year_before)


@dataclass(frozen=True)
class Table:
    """A table of the report, also attached as ``<name>.csv``."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    note: str = ""
    shown: tuple[str, ...] = ()  # the columns the email shows (all when empty); the CSV has all

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    @property
    def visible(self) -> tuple[str, ...]:
        """The columns the email shows: ``shown``, else all but links and flags."""
        return self.shown or tuple(c for c in self.columns if c not in ("url", "is_own"))


@dataclass(frozen=True)
class Gap:
    """Days of the month for which a source delivered nothing."""

    source: str
    account: str
    days: tuple[date, ...]

    @property
    def group(self) -> str:
        """The KPIs it affects: ``accounts`` (a platform account), ``web``, ``listening``, ``support``."""
        return {"google_analytics": "web", "listening": "listening", "support": "support"}.get(
            self.source, "accounts"
        )

    @property
    def ranges(self) -> str:
        """``1-8 Oct, 31 Oct`` (with an en dash)."""
        spans: list[list[date]] = []
        for day in self.days:
            if spans and (day - spans[-1][-1]).days == 1:
                spans[-1].append(day)
            else:
                spans.append([day])
        return ", ".join(
            f"{span[0].day} {span[0]:%b}"
            if len(span) == 1
            else f"{span[0].day}{DASH}{span[-1].day} {span[-1]:%b}"
            for span in spans
        )


@dataclass(frozen=True)
class HeldBack:
    """A mart the published snapshot keeps at its last good version: its numbers are as of then."""

    mart: str  # e.g. "fct_account_monthly"
    run_id: str | None
    published_at: datetime | None  # None: never published, so empty
    reason: str
    kpis: tuple[str, ...]  # the labels of the KPIs read from it

    @property
    def as_of(self) -> str:
        if self.published_at is None:
            return "never published: it is empty"
        return f"as of run {self.run_id}, published {self.published_at:%Y-%m-%d %H:%M %Z}"


@dataclass
class Report:
    company: str
    currency: str
    month: Month
    published_at: datetime
    published_run_id: str
    kpis: list[Kpi]
    tables: dict[str, Table]
    series: dict[str, list[dict[str, Any]]]  # chart data
    gaps: list[Gap] = field(default_factory=list)
    # Months compared against that are missing some data: month -> missing source-days.
    comparison_gaps: dict[Month, int] = field(default_factory=dict)
    # A change is shown only when both months hold at least this share of the KPI's source-days.
    min_coverage: float = 0.9
    # The last day the report can cover when the month is not over yet (else None).
    in_progress_through: date | None = None
    # Marts the snapshot holds back at their last good version, with the numbers read from them.
    held_back: list[HeldBack] = field(default_factory=list)

    def kpi(self, key: str) -> Kpi:
        return next(kpi for kpi in self.kpis if kpi.key == key)

    @property
    def headline(self) -> Kpi:
        return self.kpi("engagements")


def open_published(path: Path) -> duckdb.DuckDBPyConnection:
    """The published snapshot, read-only; a clear error when there is none yet."""
    if not path.exists():
        raise ReportError(
            f"no published warehouse at {path}: the report reads only published data; "
            "run the social_transform_publish DAG (or `make demo`) first"
        )
    return duckdb.connect(str(path), read_only=True)


def build_report(
    con: duckdb.DuckDBPyConnection, month: Month, config: CompanyConfig, today: date | None = None
) -> Report:
    """Every number and table of ``month``'s report, from the published marts on ``con``.

    ``today`` (default: today on the company's clock) bounds the days counted as missing:
    today's data is never complete. A month that has not started is refused.
    """
    today = today or pinned_today() or datetime.now(ZoneInfo(config.company.timezone)).date()
    if month.start >= today:
        raise ReportError(f"{month.label} has not started yet (today is {today}): nothing to report")
    try:
        publication = con.execute(
            "select run_id, published_at from audit.publication order by published_at desc limit 1"
        ).fetchone()
    except duckdb.CatalogException:
        publication = None
    if publication is None:
        raise ReportError(
            "this warehouse file has no publication record (audit.publication): the report reads "
            "only the snapshot the social_transform_publish DAG publishes, never the live warehouse"
        )
    run_id, published_at = publication
    months = {"value": month, "previous": month.shift(-1), "year_before": month.shift(-12)}
    figures = {name: _kpi_values(con, m) for name, m in months.items()}
    kpis = [
        Kpi(key, label, kind, figures["value"][key], figures["previous"][key], figures["year_before"][key],
            source, lower_is_better, group)
        for key, label, kind, source, lower_is_better, group in KPI_DEFINITIONS
    ]  # fmt: skip
    followers = tuple(_follower_change(con, month, months[other]) for other in ("previous", "year_before"))
    kpis = [replace(kpi, like_for_like=followers) if kpi.key == "followers" else kpi for kpi in kpis]
    gaps = {name: find_gaps(con, m, config, today) for name, m in months.items()}
    coverage = {name: _coverage(gaps[name], m, config, today) for name, m in months.items()}
    kpis = [
        replace(kpi, incomparable=frozenset(
            other for other in ("previous", "year_before")
            if min(coverage["value"].get(kpi.group, 1.0), coverage[other].get(kpi.group, 1.0)) < MIN_COVERAGE
        )) if kpi.group and kpi.key != "followers" else kpi
        for kpi in kpis
    ]  # fmt: skip
    tables = {
        table.name: table
        for table in (
            _kpi_table(kpis),
            _platforms(con, month),
            _posts(con, month, "top_posts", "Top posts", "desc"),
            _posts(con, month, "bottom_posts", "Bottom posts", "asc"),
            _top_mentions(con, month),
            _campaigns(con, month),
            _competitors(con, month),
            _new_traffic_sources(con, month),
        )
    }
    series = {
        "followers": _rows(con, FOLLOWER_SERIES, month),
        "engagement_rate": _rows(con, ENGAGEMENT_RATE_SERIES, month.shift(-1), month),
        "share_of_voice": _rows(con, SHARE_OF_VOICE_SERIES, month),
        "sentiment": _rows(con, SENTIMENT_SERIES, month),
    }
    report = Report(
        config.company.name, config.company.currency, month, published_at, run_id, kpis, tables, series
    )
    if month.end >= today:
        report.in_progress_through = today - timedelta(days=1)
    report.gaps = gaps["value"]
    report.held_back = _held_back(con, kpis)
    report.min_coverage = MIN_COVERAGE
    for name in ("previous", "year_before"):
        # A month with no data at all shows as "no data"; one with some gaps is worth a warning.
        if gaps[name] and not all(len(gap.days) == len(months[name].days()) for gap in gaps[name]):
            report.comparison_gaps[months[name]] = sum(len(gap.days) for gap in gaps[name])
    tables["data_gaps"] = Table(
        "data_gaps",
        "Missing data",
        ("source", "account", "days_missing", "missing_days"),
        [(gap.source, gap.account, len(gap.days), gap.ranges) for gap in report.gaps],
    )
    return report


def _held_back(con: duckdb.DuckDBPyConnection, kpis: Sequence[Kpi]) -> list[HeldBack]:
    """The marts the snapshot holds back (``audit.publication``), with the KPIs read from each."""
    try:
        rows = con.execute(
            "select table_name, run_id, published_at, held_back_reason from audit.publication "
            "where status = 'held_back' order by table_name"
        ).fetchall()
    except duckdb.BinderException:  # a snapshot from before per-mart publication rows
        return []
    found = []
    for table, run_id, published_at, reason in rows:
        mart = table.removeprefix("marts.")
        labels = tuple(k.label for k in kpis if k.source.split(" ")[0].rstrip(":") == mart)
        found.append(HeldBack(mart, run_id, published_at, reason or "", labels))
    return found


# --- KPIs -------------------------------------------------------------------------------------

# key, label, kind, where it comes from, lower is better, the sources behind it (Gap.group)
KPI_DEFINITIONS: Sequence[tuple[str, str, str, str, bool, str]] = (
    ("followers", "Followers", "count", "fct_account_monthly (own accounts, last reading)", False,
     "accounts"),
    ("engagements", "Engagements", "count", "fct_account_monthly (own accounts)", False, "accounts"),
    ("engagement_rate", "Engagement rate", "rate", "fct_account_monthly: engagements / views", False,
     "accounts"),
    ("views", "Reach / views", "count", "fct_account_monthly (own accounts)", False, "accounts"),
    ("social_sessions", "Social sessions", "count", "fct_social_traffic_daily", False, "web"),
    ("key_events", "Key events", "count", "fct_social_traffic_daily", False, "web"),
    ("revenue", "Revenue from social", "money", "fct_social_traffic_daily", False, "web"),
    ("campaign_roi", "Campaign ROI", "ratio",
     "fct_campaign_performance (whole campaigns running in the month, with web data)", False, ""),
    ("share_of_voice", "Share of voice", "rate", "fct_share_of_voice_monthly", False, "listening"),
    ("net_sentiment", "Net sentiment", "ratio", "fct_share_of_voice_monthly", False, "listening"),
    ("median_first_response_minutes", "Median first response (min)", "minutes", "fct_support_monthly", True,
     "support"),
    ("sla_breaches", "SLA breaches", "count", "fct_support_monthly", True, "support"),
)  # fmt: skip

KPI_SQL = """
with own_monthly as (
    select m.*
    from marts.fct_account_monthly as m
    inner join marts.dim_account as a using (account_key)
    where a.is_own and m.month_start = $start
),
traffic as (
    select
        sum(sessions) as sessions,
        sum(key_events) as key_events,
        sum(total_revenue) as revenue
    from marts.fct_social_traffic_daily
    where report_date between $start and $end
),
campaigns as (
    select sum(revenue) as revenue, sum(cost) as cost
    from marts.fct_campaign_performance
    where start_date <= $end and end_date >= $start and cost > 0 and revenue is not null
),
voice as (
    select share_of_voice, net_sentiment
    from marts.fct_share_of_voice_monthly
    where is_own and month_start = $start
),
support as (
    select median_first_response_minutes, sla_breaches
    from marts.fct_support_monthly
    where cast(first_inbound_month as date) = $start and account_id = 'all' and channel = 'all'
)
select
    (select sum(followers_end) from own_monthly) as followers,
    (select sum(engagements) from own_monthly) as engagements,
    (select sum(engagements) / nullif(sum(views), 0) from own_monthly) as engagement_rate,
    (select sum(views) from own_monthly) as views,
    (select sessions from traffic) as social_sessions,
    (select key_events from traffic) as key_events,
    (select revenue from traffic) as revenue,
    (select (revenue - cost) / cost from campaigns) as campaign_roi,
    (select share_of_voice from voice) as share_of_voice,
    (select net_sentiment from voice) as net_sentiment,
    (select median_first_response_minutes from support) as median_first_response_minutes,
    (select sla_breaches from support) as sla_breaches
"""


def _kpi_values(con: duckdb.DuckDBPyConnection, month: Month) -> dict[str, float | None]:
    cursor = con.execute(KPI_SQL, {"start": month.start, "end": month.end})
    names = [column[0] for column in cursor.description]
    row = cursor.fetchone() or (None,) * len(names)
    return {name: None if value is None else float(value) for name, value in zip(names, row, strict=True)}


def _follower_change(con: duckdb.DuckDBPyConnection, month: Month, other: Month) -> float | None:
    """Relative change in followers from ``other`` to ``month`` over the own accounts with a
    reading in both."""
    now, then = con.execute(
        """
        select sum(this.followers_end), sum(that.followers_end)
        from marts.fct_account_monthly as this
        inner join marts.fct_account_monthly as that using (account_key)
        inner join marts.dim_account as a using (account_key)
        where a.is_own and this.month_start = $month and that.month_start = $other
            and this.followers_end is not null and that.followers_end is not null
        """,
        {"month": month.start, "other": other.start},
    ).fetchone() or (None, None)
    return None if not then else (float(now) - float(then)) / float(then)


def _kpi_table(kpis: list[Kpi]) -> Table:
    return Table(
        "kpis",
        "Key numbers",
        ("kpi", "value", "previous_month", "same_month_last_year", "change_mom", "change_yoy", "change_unit",
         "source"),
        [
            (kpi.key, kpi.value, kpi.previous, kpi.year_before, kpi.mom, kpi.yoy,
             "points" if kpi.kind in ("rate", "ratio") else "relative", kpi.source)
            for kpi in kpis
        ],
    )  # fmt: skip


# --- tables -----------------------------------------------------------------------------------


def _params(sql: str, month: Month, last: Month | None = None) -> dict[str, date]:
    """The named parameters ``sql`` uses (DuckDB refuses unused ones)."""
    values = {"start": month.start, "end": (last or month).end}
    return {name: value for name, value in values.items() if f"${name}" in sql}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, month: Month, last: Month | None = None) -> list[dict]:
    cursor = con.execute(sql, _params(sql, month, last))
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _table(con, name: str, title: str, sql: str, month: Month, note: str = "", shown: str = "") -> Table:
    cursor = con.execute(sql, _params(sql, month))
    columns = tuple(column[0] for column in cursor.description)
    return Table(name, title, columns, cursor.fetchall(), note, tuple(shown.split()))


def _platforms(con, month: Month) -> Table:
    return _table(con, "platforms", "By platform", """
        select
            m.platform,
            sum(m.followers_end) as followers,
            sum(m.followers_end - m.followers_start) as follower_change,
            sum(m.posts_published) as posts,
            sum(m.engagements) as engagements,
            sum(m.views) as views,
            sum(m.engagements) / nullif(sum(m.views), 0) as engagement_rate,
            min(m.days_in_data) as days_in_data
        from marts.fct_account_monthly as m
        inner join marts.dim_account as a using (account_key)
        where a.is_own and m.month_start = $start
        group by m.platform
        order by engagements desc nulls last, m.platform
    """, month, "", "platform followers follower_change posts engagements views engagement_rate")  # fmt: skip


def _posts(con, month: Month, name: str, title: str, order: str) -> Table:
    return _table(con, name, title, f"""
        select
            p.platform,
            a.account_name as account,
            p.created_date as published,
            d.message as text,
            p.engagements,
            p.views,
            p.engagement_rate,
            d.permalink_url as url
        from marts.fct_post_performance as p
        inner join marts.dim_post as d using (post_key)
        inner join marts.dim_account as a on a.account_key = p.account_key
        where a.is_own and p.created_date between $start and $end and p.engagements is not null
        order by p.engagements {order}, p.views {order} nulls last, p.post_key
        limit {TOP_POSTS}
    """, month, "Ranked by engagements (lifetime metrics as of the last load) among the month's posts.",
    "platform published text engagements engagement_rate")  # fmt: skip


def _top_mentions(con, month: Month) -> Table:
    return _table(con, "top_mentions", "Most engaging brand mentions", f"""
        select
            mention_source as source,
            mention_date as date,
            author_name as author,
            sentiment_label as sentiment,
            coalesce(nullif(mention_text, ''), title) as text,
            engagements,
            reach,
            url
        from marts.fct_mentions
        where mentions_own_brand and not is_on_own_post and mention_date between $start and $end
        order by engagements desc nulls last, reach desc nulls last, mention_key
        limit {TOP_POSTS}
    """, month, "Mentions of the brand outside its own posts, by engagements, then reach.",
    "source date author sentiment text engagements")  # fmt: skip


def _campaigns(con, month: Month) -> Table:
    return _table(con, "campaigns", "Campaigns of the month", """
        select
            campaign_name as campaign,
            campaign_type as type,
            platform,
            start_date,
            end_date,
            campaign_status as status,
            cost,
            revenue,
            roi,
            sessions,
            sessions_uplift,
            sessions_verdict,
            key_events_verdict,
            engagements_verdict
        from marts.fct_campaign_performance
        where start_date <= $end and end_date >= $start
        order by start_date, campaign_name
    """, month, "Whole-campaign figures. A verdict is given only when the 95 % interval of the change "
                "against the weekday-matched baseline excludes zero.",
    "campaign platform start_date end_date cost revenue roi sessions_uplift sessions_verdict")  # fmt: skip


def _competitors(con, month: Month) -> Table:
    return _table(con, "competitors", "Competitor benchmark", """
        select
            platform,
            brand,
            is_own,
            followers_end as followers,
            follower_growth_rate,
            posts_per_week,
            engagements_per_post,
            share_of_voice,
            followers_rank
        from marts.fct_competitor_benchmark_monthly
        where month_start = $start
        order by platform, followers_rank, brand
    """, month, "", "platform brand followers follower_growth_rate posts_per_week engagements_per_post "
                    "share_of_voice")  # fmt: skip


def _new_traffic_sources(con, month: Month) -> Table:
    return _table(con, "new_traffic_sources", "New traffic sources", """
        select
            session_source as source,
            social_network,
            first_seen_date,
            sessions,
            key_events,
            total_revenue as revenue
        from marts.fct_new_traffic_sources
        where first_seen_date between $start and $end
        order by sessions desc, session_source
    """, month, "Referrers first seen in the month with sessions above the threshold; the warehouse "
                "tracks new sources over the last 30 days before its last load.")  # fmt: skip


# --- chart series -----------------------------------------------------------------------------

FOLLOWER_SERIES = """
select d.metric_date, d.platform, sum(d.followers) as followers
from marts.fct_account_daily as d
inner join marts.dim_account as a using (account_key)
where a.is_own and d.metric_date between $start and $end and d.followers is not null
group by all
order by d.platform, d.metric_date
"""

ENGAGEMENT_RATE_SERIES = """
select m.month_start, m.platform, sum(m.engagements) / nullif(sum(m.views), 0) as engagement_rate
from marts.fct_account_monthly as m
inner join marts.dim_account as a using (account_key)
where a.is_own and m.month_start between $start and $end
group by all
order by m.platform, m.month_start
"""

SHARE_OF_VOICE_SERIES = """
select brand, is_own, share_of_voice, mentions
from marts.fct_share_of_voice_monthly
where month_start = $start
order by share_of_voice desc, brand
"""

SENTIMENT_SERIES = """
select mention_date, positive_mentions, neutral_mentions, negative_mentions
from marts.fct_share_of_voice_daily
where is_own and mention_date between $start and $end
order by mention_date
"""


# --- missing data -----------------------------------------------------------------------------


def _coverage(gaps: list[Gap], month: Month, config: CompanyConfig, today: date) -> dict[str, float]:
    """Per KPI group, the share of the month's source-days (before ``today``) that hold data."""
    days = len([day for day in month.days() if day < today])
    sources = {"accounts": sum(len(config.own_accounts(p)) for p in PLATFORMS), "listening": 1, "support": 1,
               "web": 1 if config.sources.google_analytics.property_id else 0}  # fmt: skip
    missing: dict[str, int] = {}
    for gap in gaps:
        missing[gap.group] = missing.get(gap.group, 0) + len(gap.days)
    return {group: 1 - missing.get(group, 0) / (n * days) for group, n in sources.items() if n and days}


def find_gaps(con: duckdb.DuckDBPyConnection, month: Month, config: CompanyConfig, today: date) -> list[Gap]:
    """Per source and own account, the days of ``month`` before ``today`` with no data in the marts.

    An account day counts when the platform reported its engagements or views; web analytics a day
    with any social session row; listening a day with any brand or competitor mention; support a
    day with any inbound item.
    """
    days = [day for day in month.days() if day < today]
    if not days:
        return []
    covered: dict[tuple[str, str], set[date]] = {}
    for platform in PLATFORMS:
        for account in config.own_accounts(platform):
            covered[(platform, account.name)] = set()
    rows = con.execute(
        """
        select d.platform, a.account_name, d.metric_date
        from marts.fct_account_daily as d
        inner join marts.dim_account as a using (account_key)
        where a.is_own and d.metric_date between $start and $end
            and (d.engagements is not null or d.views is not null)
        """,
        {"start": month.start, "end": month.end},
    ).fetchall()
    for platform, account, day in rows:
        covered.setdefault((platform, account), set()).add(day)
    others = {
        (
            "google_analytics",
            "social sessions",
        ): "select distinct report_date from marts.fct_social_traffic_daily",
        ("listening", "mentions"): "select distinct mention_date from marts.fct_share_of_voice_daily",
        ("support", "inbound items"): "select distinct first_inbound_date from marts.fct_support_daily",
    }
    if config.sources.google_analytics.property_id is None:
        del others[("google_analytics", "social sessions")]
    for key, sql in others.items():
        column = sql.split()[2]
        covered[key] = {
            row[0]
            for row in con.execute(
                f"{sql} where {column} between $start and $end", {"start": month.start, "end": month.end}
            ).fetchall()
        }
    return [
        Gap(source, account, tuple(day for day in days if day not in seen))
        for (source, account), seen in covered.items()
        if any(day not in seen for day in days)
    ]
