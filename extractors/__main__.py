"""Command line: extract one source over a date range into the landing zone, without Airflow.

python -m extractors facebook_pages --start 2026-08-01 --end 2026-10-29
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, date, datetime

from core.config import ConfigError, load_config
from core.logs import quiet_noisy_loggers
from core.settings import paths
from extractors import SOURCES, source_class
from extractors.core import Window
from extractors.errors import ExtractError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m extractors", description=__doc__.splitlines()[0])
    parser.add_argument("source", choices=sorted(SOURCES))
    parser.add_argument("--start", type=date.fromisoformat, required=True, help="first day (YYYY-MM-DD)")
    parser.add_argument("--end", type=date.fromisoformat, required=True, help="last day, inclusive")
    parser.add_argument("--streams", help="comma-separated stream names (default: all)")
    parser.add_argument("--accounts", help="comma-separated account ids (default: all configured)")
    parser.add_argument("--run-id", default=f"manual__{datetime.now(UTC).isoformat(timespec='seconds')}")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_noisy_loggers()
    try:
        source = source_class(args.source)(load_config())
        landed = source.run(
            Window(args.start, args.end),
            paths().landing,
            args.run_id,
            streams=args.streams.split(",") if args.streams else None,
            accounts=args.accounts.split(",") if args.accounts else None,
        )
    except (ConfigError, ExtractError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"landed {len(landed)} partitions, {sum(p.rows for p in landed)} records under {paths().landing}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
