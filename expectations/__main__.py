"""Run the data checks for a window by hand: ``python -m expectations --start D --end D``.

Opens the live warehouse (``paths().warehouse``) for writing, because results go to
``audit.check_results``; prints the summary and the Data Docs path. Exit status: 0 when no
blocking check failed (warnings allowed), 1 on blocking failures, 2 when the checks could not run.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date

from core.database import WarehouseBusy, writer
from core.logs import quiet_noisy_loggers
from core.settings import paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m expectations", description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=date.fromisoformat, required=True, help="first day (YYYY-MM-DD)")
    parser.add_argument("--end", type=date.fromisoformat, required=True, help="last day, inclusive")
    parser.add_argument("--run-id", help="run id to record the results under (default: manual__START__END)")
    parser.add_argument("--suite", action="append", dest="suites", help="only this suite (repeatable)")
    args = parser.parse_args(argv)
    if args.start > args.end:
        parser.error(f"--start {args.start} is after --end {args.end}")

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_noisy_loggers()

    from expectations.runner import run_checks

    where = paths()
    if not where.warehouse.exists():
        print(
            f"error: no warehouse at {where.warehouse}; load data first (or set WAREHOUSE_DATA_DIR)",
            file=sys.stderr,
        )
        return 2
    try:
        with writer(where.warehouse) as con:
            report = run_checks(
                con,
                args.run_id or f"manual__{args.start}__{args.end}",
                args.start,
                args.end,
                where.gx,
                args.suites,
            )
    except WarehouseBusy as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(report.summary())
    return 1 if report.blocking_failures else 0


if __name__ == "__main__":
    sys.exit(main())
