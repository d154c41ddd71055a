"""Command line for the warehouse steps, without Airflow.

python -m warehouse load --start 2026-10-04 --end 2026-11-07      # replay landed partitions
python -m warehouse publish --start 2026-11-01 --end 2026-11-07   # check, then publish for BI
python -m warehouse report --month 2026-10 [--send]               # the monthly report (archive, mail)
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from expectations.runner import ChecksFailed
from warehouse import pipeline, report
from warehouse.config import ConfigError
from warehouse.dbt import DbtError, run_dbt
from warehouse.loader import LoadError
from warehouse.logs import quiet_noisy_loggers
from warehouse.publish import NotPublishable
from warehouse.quality import dbt_results
from warehouse.report import Month, ReportError
from warehouse.settings import paths


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
            dbt_failed: DbtError | None = None
            with tempfile.TemporaryDirectory(prefix="dbt-target-") as target:
                try:
                    run_dbt(["build"], target_path=Path(target))
                except DbtError as error:  # a failed model or test holds back what is built from it
                    dbt_failed = error
                finally:  # the run record keeps what dbt found, even when the build failed
                    found = dbt_results(Path(target))
                    pipeline.record_dbt(args.start, args.end, args.run_id, found)
            if dbt_failed and not found:
                raise dbt_failed  # dbt did not run at all: nothing to judge
            print(pipeline.check(args.start, args.end, args.run_id))
            publication = pipeline.publish_snapshot(args.start, args.end, args.run_id, watermark)
            print(f"published {len(publication.tables)} tables to {paths().published}")
            print(f"dbt docs: {pipeline.generate_dbt_docs()}")
            if publication.held_back or dbt_failed:
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
    except (ConfigError, LoadError, ReportError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
