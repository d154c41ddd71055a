"""Cost of one hourly alert evaluation as the history grows.

Builds two synthetic warehouses in memory with the columns the rules read (``marts.fct_mentions``
and ``marts.fct_support_conversations``, a few raw tables for freshness): a baseline of 90 days
and one of ``--factor`` times as many days, at the same daily volume (the demo's busiest: about
450 brand mentions and 60 support items a day). Times ``alerts.rules.evaluate`` at the
last hour of each, alternating, and prints the median milliseconds and the long/baseline ratio.
An hourly job should cost what its windows hold (the last 24 hours, 28 days of baseline, 72
hours of items), not what the whole history holds. ``--shuffled`` writes the rows in no time
order, so DuckDB's zone maps cannot skip anything.

    python -m bench.alerts_bench --factor 8 --repeat 7 [--shuffled]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

import duckdb

from alerts import rules
from core.config import load_config

MENTIONS_PER_DAY = 450
ITEMS_PER_DAY = 60


def warehouse(days: int, end: datetime, shuffled: bool) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts; create schema raw")
    params = {"end": end.replace(tzinfo=None), "days": days}
    con.execute(
        f"""
        create table marts.fct_mentions as
        select
            'x:' || i as mention_key,
            (['x', 'reddit', 'rss', 'facebook_pages', 'instagram'])[1 + i % 5] as mention_source,
            'author' || (i % 997) as author_name,
            $end - to_seconds(cast(i * 86400 / {MENTIONS_PER_DAY} as bigint)) as published_at,
            (i * 7919) % 20000 as reach,
            (i * 104729) % 900 as engagements,
            (['positive', 'neutral', 'negative', 'unscored'])[1 + (i * 31) % 4] as sentiment_label,
            'https://example.com/' || i as url,
            'text of mention ' || i as mention_text,
            i % 3 <> 0 as mentions_own_brand
        from range($days * {MENTIONS_PER_DAY}) as t(i)
        order by {"hash(i)" if shuffled else "published_at"}
        """,
        params,
    )
    con.execute(
        f"""
        create table marts.fct_support_conversations as
        select
            (['facebook_pages', 'instagram', 'x'])[1 + i % 3] as platform,
            'account' || (i % 3) as account_id,
            'Account ' || (i % 3) as account_name,
            'item:' || i as support_item_key,
            (['messenger', 'instagram_comment', 'x_mention'])[1 + i % 3] as channel,
            'author' || (i % 501) as author_name,
            $end - to_seconds(cast(i * 86400 / {ITEMS_PER_DAY} as bigint)) as first_inbound_at,
            'https://example.com/item/' || i as url,
            'where is my order? ' || i as inbound_text,
            i % 2 = 0 as needs_response,
            case when i % 50 <> 0
                then $end - to_seconds(cast(i * 86400 / {ITEMS_PER_DAY} as bigint)) + interval 40 minute
            end as first_reply_at
        from range($days * {ITEMS_PER_DAY}) as t(i)
        order by {"hash(i)" if shuffled else "first_inbound_at"}
        """,
        params,
    )
    for table in ("x__tweets", "facebook_pages__posts", "rss__entries"):
        con.execute(
            f"create table raw.{table} as select i as id, "
            "cast($end as timestamptz) - to_hours(i % 24) as _loaded_at from range(1000) as t(i)",
            {"end": params["end"]},
        )
    return con


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factor", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--shuffled", action="store_true", help="rows in no time order")
    args = parser.parse_args()

    config = load_config()
    end = datetime(2026, 11, 17, 20, tzinfo=UTC)
    sizes = {"baseline (90 days)": 90, f"long ({90 * args.factor} days)": 90 * args.factor}
    cons = {name: warehouse(days, end, args.shuffled) for name, days in sizes.items()}
    for name, con in cons.items():
        rows = con.execute("select count(*) from marts.fct_mentions").fetchone()[0]
        items = con.execute("select count(*) from marts.fct_support_conversations").fetchone()[0]
        found = rules.evaluate(con, config, end)
        print(f"{name}: {rows:,} mentions, {items:,} support items, {len(found)} findings")
    runs: dict[str, list[float]] = {name: [] for name in cons}
    for _ in range(args.repeat):
        for name, con in cons.items():
            began = time.perf_counter()
            rules.evaluate(con, config, end - timedelta(hours=1))
            runs[name].append(time.perf_counter() - began)
    medians = {name: statistics.median(times) for name, times in runs.items()}
    for name, seconds in medians.items():
        print(f"  {name:<20} {seconds * 1000:8.1f} ms per evaluation (median of {args.repeat})")
    base, long = medians.values()
    print(f"  long / baseline: {long / base:.2f}x for {args.factor}x the history")


if __name__ == "__main__":
    main()
