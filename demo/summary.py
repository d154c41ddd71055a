"""A short account of what a pipeline run published, for the end of ``make demo``, and where
to look next.

Reads only the published snapshot (what BI sees), opened read-only.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb

from core.settings import paths


def print_summary(start: date, end: date, seconds: float) -> None:
    where = paths()
    con = duckdb.connect(str(where.published), read_only=True)
    try:
        tables = con.execute(
            """
            select schema_name || '.' || table_name, estimated_size
            from duckdb_tables() order by 1
            """
        ).fetchall()
        kpis = con.execute(
            """
            with daily as (
                select * from marts.fct_account_daily
                where metric_date between $start and $end
            ),
            readings as (
                -- Platforms other than Facebook have followers only on snapshot days.
                select account_key, arg_max(followers, metric_date) as followers_end,
                       arg_min(followers, metric_date) as followers_start, count(*) as readings
                from daily where followers is not null group by 1
            )
            select
                a.platform,
                a.account_name,
                r.followers_end,
                case when r.readings > 1 then r.followers_end - r.followers_start end as follower_change,
                sum(d.engagements) as engagements,
                sum(d.engagements) / nullif(sum(d.views), 0) as engagement_rate,
                sum(d.posts_published) as posts
            from daily d
            join marts.dim_account a using (account_key)
            left join readings r using (account_key)
            where a.is_own
            group by all
            order by a.platform, r.followers_end desc nulls last
            """,
            {"start": start, "end": end},
        ).fetchall()
        campaigns = con.execute(
            """
            select campaign_name, campaign_status, cost, revenue, roi, sessions_verdict,
                   sessions_uplift, sessions_uplift_ci_low, sessions_uplift_ci_high
            from marts.fct_campaign_performance
            order by start_date
            """
        ).fetchall()
        voice = con.execute(
            """
            select
                brand, is_own, sum(mentions), sum(mentions) / nullif(sum(sum(mentions)) over (), 0),
                sum(reach) / nullif(sum(sum(reach)) over (), 0),
                (sum(positive_mentions) - sum(negative_mentions))
                    / nullif(sum(positive_mentions) + sum(negative_mentions), 0),
                sum(unscored_mentions)
            from marts.fct_share_of_voice_daily
            where mention_date between $end - interval 29 day and $end
            group by brand, is_own
            order by is_own desc, brand
            """,
            {"end": end},
        ).fetchall()
        spike = con.execute(
            """
            select mention_date, negative_mentions
            from marts.fct_share_of_voice_daily
            where is_own and mention_date between $end - interval 29 day and $end
            order by negative_mentions desc, mention_date
            limit 1
            """,
            {"end": end},
        ).fetchone()
        benchmark = con.execute(
            """
            select platform, brand, is_own, followers_end, followers_rank, posts_per_week,
                   engagements_per_post, engagements_per_post_rank, brands_compared
            from marts.fct_competitor_benchmark_monthly
            where month_start = (select max(month_start) from marts.fct_competitor_benchmark_monthly)
            order by platform, is_own desc, brand
            """
        ).fetchall()
        support = con.execute(
            """
            select channel,
                   count(*) filter (where needs_response),
                   count(*) filter (where needs_response and is_answered),
                   count(*) filter (where needs_response and is_within_sla = false),
                   median(first_response_seconds) filter (where needs_response) / 60,
                   quantile_cont(first_response_seconds, 0.9) filter (where needs_response) / 60,
                   median(first_response_business_seconds) filter (where needs_response) / 60
            from marts.fct_support_conversations
            where first_inbound_date between $end - interval 29 day and $end
            group by channel
            order by channel
            """,
            {"end": end},
        ).fetchall()
        checks = con.execute(
            """
            select
                count(*),
                count(*) filter (where success),
                count(*) filter (where not success and severity = 'warning'),
                count(*) filter (where not success and severity = 'blocking'),
                count(*) filter (where suite like 'dbt%'),
                count(distinct table_name)
            from audit.check_results
            where run_id = (select max(snapshot_run_id) from audit.publication)
            """
        ).fetchone()
        held_back = con.execute(
            "select table_name, held_back_reason from audit.publication where status = 'held_back' order by 1"
        ).fetchall()
    finally:
        con.close()

    print(f"\nPipeline finished in {seconds:.0f} s over {start} .. {end}.\n")
    print("Published tables (rows):")
    for name, rows in tables:
        print(f"  {name:<45} {rows:>8,}")
    print("\nAccounts over the window (follower change between the first and last readings; platforms")
    print("other than Facebook have a follower reading per daily run, so a backfill has just one):")
    print(
        f"  {'platform':<15} {'account':<18} {'followers':>10} {'change':>8} {'posts':>6} "
        f"{'engagements':>12} {'eng. rate':>9}"
    )
    for platform, name, followers, change, engagements, rate, posts in kpis:
        print(
            f"  {platform:<15} {name:<18} {_number(followers):>10} {_number(change, '+,'):>8} {posts:>6,} "
            f"{_number(engagements):>12} {rate or 0:>9.2%}"
        )
    print(
        "\nCampaigns (revenue and ROI of their tagged sessions; platform sessions against the weeks before,"
    )
    print("with the 95 % interval; '-' where the window is outside the loaded history):")
    print(
        f"  {'campaign':<32} {'status':<11} {'cost':>9} {'revenue':>9} {'ROI':>7}  "
        f"{'sessions vs before':<22} {'verdict'}"
    )
    for name, status, cost, revenue, roi, verdict, uplift, low, high in campaigns:
        change = "-" if uplift is None else f"{uplift:+.0%} [{low:+.0%}, {high:+.0%}]"
        print(
            f"  {name[:32]:<32} {status or '-':<11} {_number(cost, ',.0f'):>9} "
            f"{_number(revenue, ',.0f'):>9} {_number(roi, '+.2f'):>7}  {change:<22} {verdict}"
        )
    print("\nShare of voice over the last 30 days (earned mentions: X search, Reddit, feeds; a mention")
    print(
        "naming two brands counts for each; net sentiment = (positive - negative) / (positive + negative)):"
    )
    print(
        f"  {'brand':<16} {'mentions':>9} {'share':>7} {'by reach':>9} {'net sentiment':>14} {'unscored':>9}"
    )
    for brand, is_own, mentions, share, by_reach, net, unscored in voice:
        label = f"{brand}{' (us)' if is_own else ''}"
        print(
            f"  {label:<16} {_number(mentions):>9} {_number(share, '.0%'):>7} "
            f"{_number(by_reach, '.0%'):>9} {_number(net, '+.2f'):>14} {_number(unscored):>9}"
        )
    if spike and spike[1]:
        print(f"  Most negative day for us: {spike[0]} with {spike[1]} negative mentions.")
    print("\nSupport over the last 30 days (items that needed a response; minutes to the first reply,")
    print("wall clock and in business hours):")
    print(
        f"  {'channel':<18} {'items':>6} {'answered':>9} {'SLA breaches':>13} {'median':>7} {'p90':>7} "
        f"{'median (bh)':>12}"
    )
    for channel, items, answered, breaches, median, p90, median_bh in support:
        print(
            f"  {channel:<18} {items:>6,} {_number(answered / items if items else None, '.0%'):>9} "
            f"{breaches:>13,} {_number(median, ',.0f'):>7} {_number(p90, ',.0f'):>7} "
            f"{_number(median_bh, ',.0f'):>12}"
        )
    print("\nCompetitor benchmark, latest month (public numbers; rank 1 = highest; '-' = not readable):")
    print(
        f"  {'platform':<15} {'brand':<16} {'followers':>10} {'rank':>5} {'posts/wk':>9} "
        f"{'eng/post':>9} {'rank':>5}"
    )
    for platform, brand, is_own, followers, f_rank, per_week, per_post, p_rank, compared in benchmark:
        label = f"{brand}{' (us)' if is_own else ''}"
        print(
            f"  {platform:<15} {label:<16} {_number(followers):>10} "
            f"{_rank(f_rank, compared):>5} {_number(per_week, ',.1f'):>9} "
            f"{_number(per_post, ',.1f'):>9} {_rank(p_rank, compared):>5}"
        )
    if checks:
        total, passed, warned, blocking, by_dbt, tables = checks
        print(
            f"\nData checks: {passed} of {total} passed on {tables} tables ({by_dbt} by dbt, "
            f"{total - by_dbt} by Great Expectations), {warned} warnings, {blocking} blocking failures "
            "(a blocking failure holds back the marts built from its table). The run record: "
            "audit.check_results."
        )
    for table, why in held_back:
        print(f"  held back at its last good version: {table} ({why})")


def _number(value: float | None, spec: str = ",") -> str:
    """A count for the summary table; a dash for a number the platform does not report."""
    return "-" if value is None else format(value, spec)


def _rank(rank: int | None, of: int) -> str:
    return "-" if rank is None else f"{rank}/{of}"


def airflow_ui() -> tuple[str, Path]:
    """The Airflow UI's URL (port ``AIRFLOW__API__PORT``, which ``make`` sets from
    ``AIRFLOW_PORT``, default 8080) and the file ``airflow standalone`` writes the admin user's
    password to when it first starts."""
    port = os.environ.get("AIRFLOW__API__PORT", "").strip() or "8080"
    home = Path(os.environ.get("AIRFLOW_HOME") or Path.home() / "airflow")
    return f"http://localhost:{port}", home / "simple_auth_manager_passwords.json.generated"


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}:{seconds:02d}"


def print_where_to_look(
    report: Path, stages: Sequence[tuple[str, float]], total: float | None = None
) -> None:
    """Where the demo's results are (the UI, BI, the report, the docs) and how long each stage
    took; ``total`` is the whole run's time (default: the stages' sum)."""
    where = paths()
    url, passwords = airflow_ui()
    superset_port = os.environ.get("SUPERSET_PORT", "").strip() or "8088"
    docs = [
        ("Data Docs", where.published_data_docs / "index.html", "the checks of every run"),
        ("dbt docs", where.published_dbt_docs / "index.html", "models, columns, tests, exposures"),
    ]
    print("\nWhere to look:")
    print(f"  Airflow UI:          make demo-ui, then {url} (make demo-ui AIRFLOW_PORT=8081 moves it);")
    print(f"                       user admin, password in {passwords}")
    if not passwords.exists():
        print("                       (written when Airflow first starts)")
    print(f"  BI (Superset):       make superset, then http://localhost:{superset_port}")
    print(f"  Monthly report:      {report / 'report.html'}")
    for label, path, what in docs:
        print(f"  {label + ':':<21}{path}  ({what if path.exists() else 'not written by this run'})")
    print(f"  Published snapshot:  {where.published}  (what BI reads; open read-only)")
    print(f"  Live warehouse:      {where.warehouse}  (the pipeline's; BI never opens it)")
    print("\nHow long each stage took:")
    for stage, seconds in stages:
        print(f"  {stage:<32}{_clock(seconds):>8}")
    whole = sum(seconds for _, seconds in stages) if total is None else total
    print(f"  {'total':<32}{_clock(whole):>8}")
