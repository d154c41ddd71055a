"""Command line for the warehouse steps, without Airflow.

python -m warehouse load --start 2026-10-04 --end 2026-11-07      # replay landed partitions
python -m warehouse publish --start 2026-11-01 --end 2026-11-07   # check, then publish for BI
python -m warehouse report --month 2026-10 [--send]               # the monthly report (archive, mail)
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, date, datetime

import report
from core.config import ConfigError
from core.database import WarehouseBusy
from core.logs import quiet_noisy_loggers
from core.settings import paths
from expectations.runner import ChecksFailed
from loading.raw import LoadError
from publishing.snapshot import NotPublishable
from report import Month, ReportError
from transform.dbt import DbtError
from warehouse import pipeline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse", description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["load", "publish", "report"])
    parser.add_argument("--start", type=date.fromisoformat, help="first day (YYYY-MM-DD)")
    parser.add_argument("--end", type=date.fromisoformat, help="last day, inclusive")
    parser.add_argument("--month", type=Month.parse, help="report: the month (YYYY-MM)")
    parser.add_argument("--send", action="store_true", help="report: mail it to reporting.recipients")
    parser.add_argument("--run-id", default=f"manual__{datetime.now(UTC).isoformat(timespec='seconds')}")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_noisy_loggers()
    needed = ("month",) if args.step == "report" else ("start", "end")
    missing = [f"--{name}" for name in needed if getattr(args, name) is None]
    if missing:
        parser.error(f"{args.step} needs {' and '.join(missing)}")
    try:
        if args.step == "report":
            print(f"archived: {report.build(args.month)}")
            if args.send:
                print(f"sent: {report.send(args.month)}")
        elif args.step == "load":
            loaded = pipeline.replay(args.start, args.end, args.run_id)
            for table, rows in loaded.items():
                print(f"{table}: {rows} rows")
        else:
            watermark = pipeline.raw_watermark()
            # Everything, with the source tests; the incremental marts rebuild from --start on.
            built = pipeline.build_models((), rebuild_from=args.start)
            # The run record keeps what dbt found; a failed model or test holds back what is built from it.
            pipeline.record_dbt(args.start, args.end, args.run_id, built.found)
            print(pipeline.check(args.start, args.end, args.run_id))
            publication = pipeline.publish_snapshot(args.start, args.end, args.run_id, watermark)
            print(f"published {len(publication.tables)} tables to {paths().published}")
            print(f"dbt docs: {pipeline.generate_dbt_docs()}")
            if publication.held_back or built.error:
                held = "".join(f"\n  {mart}: {why}" for mart, why in publication.held_back.items())
                print(
                    f"error: blocking failures; held back at their last good version:{held}", file=sys.stderr
                )
                return 1
    except DbtError as error:
        print(f"error: not published, dbt build failed:\n{error}", file=sys.stderr)
        return 1
    except (ChecksFailed, NotPublishable) as error:
        print(f"error: not published:\n{error}", file=sys.stderr)
        return 1
    except (ConfigError, LoadError, WarehouseBusy, ReportError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
