"""What the monthly report costs, stage by stage, against reading the marts it draws on.

On the published snapshot (``make demo`` leaves one at ``data/published/warehouse.duckdb``), for
one month:

* baseline: ``select *`` of every mart the report reads, fetched into Python (the data alone);
* numbers: ``build_report`` (the KPI, table, chart-series and missing-data queries for the month,
  the month before and the same month a year before);
* charts: the four matplotlib PNGs;
* email: HTML, text and the MIME message with its inline charts and CSVs;
* archive: ``write_archive`` (charts, HTML, text, CSVs and the message, written to disk).

Prints the median seconds of each and its ratio to the baseline, alternating the order.

    python -m bench.report_bench [--warehouse data/published/warehouse.duckdb] [--month 2026-10]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from datetime import time as clock
from pathlib import Path

import duckdb

from core.config import load_config
from core.logs import quiet_noisy_loggers
from report.charts import render_charts
from report.content import Month, build_report
from report.mail import build_message, write_archive

MARTS = (
    "dim_account", "dim_post", "fct_account_daily", "fct_account_monthly", "fct_post_performance",
    "fct_mentions", "fct_campaign_performance", "fct_competitor_benchmark_monthly",
    "fct_share_of_voice_daily", "fct_share_of_voice_monthly", "fct_social_traffic_daily",
    "fct_new_traffic_sources", "fct_support_daily", "fct_support_monthly",
)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=Path("data/published/warehouse.duckdb"))
    parser.add_argument("--month", type=Month.parse, default=None, help="default: the last full month")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    quiet_noisy_loggers()
    config = load_config()
    con = duckdb.connect(str(args.warehouse), read_only=True)
    [(last,)] = con.execute("select max(metric_date) from marts.fct_account_daily").fetchall()
    month = args.month or Month.before(datetime.combine(last, clock(12), UTC), "UTC")
    rows = sum(con.execute(f"select count(*) from marts.{mart}").fetchone()[0] for mart in MARTS)
    report = build_report(con, month, config)
    charts = render_charts(report)
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        stages: dict[str, Callable[[], object]] = {
            "baseline": lambda: [con.execute(f"select * from marts.{mart}").fetchall() for mart in MARTS],
            "numbers": lambda: build_report(con, month, config),
            "charts": lambda: render_charts(report),
            "email": lambda: build_message(report, charts).as_bytes(),
            "archive": lambda: write_archive(report, Path(tmp)),
        }
        times: dict[str, list[float]] = {name: [] for name in stages}
        for round_ in range(args.repeat):
            order = list(stages) if round_ % 2 == 0 else list(reversed(stages))
            for name in order:
                began = time.perf_counter()
                stages[name]()
                times[name].append(time.perf_counter() - began)
    base = statistics.median(times["baseline"])
    print(f"month {month}; {len(MARTS)} marts, {rows:,} rows; median of {args.repeat}")
    print("| stage | seconds | / baseline |")
    print("|---|---:|---:|")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values):.3f} | {statistics.median(values) / base:.2f} |")


if __name__ == "__main__":
    main()
