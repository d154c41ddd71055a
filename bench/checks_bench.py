"""Cost of a run's data checks, and what Great Expectations adds to reading the batches.

On a copy of a built warehouse (``make demo`` leaves one at ``data/warehouse.duckdb``), for run
windows of several lengths ending on the warehouse's last day:

* baseline: read every suite's batch out of DuckDB into a DataFrame (the SQL alone);
* checks: ``expectations.runner.run_checks`` over every suite (the same reads, GX validation of
  every expectation, the Data Docs pages of the run, the run record).

Prints the median seconds of each and the checks/baseline ratio, alternating the order.

    python -m bench.checks_bench [--warehouse data/warehouse.duckdb] [--days 7 35 90] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import duckdb

from core.config import load_config
from core.logs import quiet_noisy_loggers
from expectations.catalog import SUITES
from expectations.runner import _read_batch, batch_parameters, run_checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=Path("data/warehouse.duckdb"))
    parser.add_argument("--days", type=int, nargs="+", default=[7, 35, 90])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    quiet_noisy_loggers()
    config = load_config()
    with tempfile.TemporaryDirectory(prefix="checks-bench-") as tmp:
        copy = Path(tmp) / "warehouse.duckdb"
        shutil.copyfile(args.warehouse, copy)
        con = duckdb.connect(str(copy))
        [(last,)] = con.execute("select max(metric_date) from marts.fct_account_daily").fetchall()
        today = last + timedelta(days=1)
        volume = config.quality.volume
        print(f"{len(SUITES)} suites, {sum(len(s.checks) for s in SUITES.values())} checks; last day {last}")
        print("| window days | rows read | baseline s | checks s | checks / baseline |")
        print("|---:|---:|---:|---:|---:|")
        for days in args.days:
            start = last - timedelta(days=days - 1)
            parameters = batch_parameters(con, start, last, volume, today)
            baseline, checks, rows = [], [], 0
            for attempt in range(args.repeat):
                order = ("baseline", "checks") if attempt % 2 == 0 else ("checks", "baseline")
                for what in order:
                    began = time.perf_counter()
                    if what == "baseline":
                        rows = sum(len(_read_batch(con, spec, parameters)) for spec in SUITES.values())
                        baseline.append(time.perf_counter() - began)
                    else:
                        run_checks(con, f"bench-{days}-{attempt}", start, last, Path(tmp) / "gx", today=today)
                        checks.append(time.perf_counter() - began)
            b, c = statistics.median(baseline), statistics.median(checks)
            print(f"| {days} | {rows:,} | {b:.2f} | {c:.2f} | {c / b:.1f} |")
        con.close()


if __name__ == "__main__":
    main()
