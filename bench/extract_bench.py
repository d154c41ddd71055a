"""The demo company's extract, every source, against the demo server.

Times each source's ``Source.run`` (the production path: HTTP client, error policy, paginators,
landing writer) for a daily run (yesterday, plus every stream's look-back) and for a 90-day
backfill, and counts the HTTP requests it made. The baseline, in the same process and against the
same server, is the same number of bare GETs of ``/_demo/health`` on one ``requests.Session``:
the cost of the round trips alone. The ratio says how much the extractor adds on top of them
(serving the platform's data is part of it: the demo generates every answer on the fly).

    python -m bench.extract_bench --repeat 3
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import requests

from core.config import load_config
from demo.connections import demo_connections
from demo.server import DemoServer
from extractors import SOURCES, source_class
from extractors.core import Window

TODAY = date(2026, 11, 20)


def time_extract(server: DemoServer, source: str, run: Window, landing: Path) -> tuple[float, int]:
    """Seconds and HTTP requests of one source's extract over ``run``."""
    config = load_config()
    server.clear_requests()
    began = time.perf_counter()
    source_class(source)(config).run(run, landing, "bench", today=TODAY)  # connections as make demo sets them
    elapsed = time.perf_counter() - began
    return elapsed, len(server.requests())


def time_round_trips(server: DemoServer, count: int) -> float:
    with requests.Session() as session:
        began = time.perf_counter()
        for _ in range(count):
            session.get(f"{server.url}/_demo/health", timeout=10).raise_for_status()
        return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--days", type=int, default=90, help="the range run's days")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    yesterday = TODAY - timedelta(days=1)
    runs = {
        "daily": Window(yesterday, yesterday),
        f"{args.days} days": Window(TODAY - timedelta(days=args.days), yesterday),
    }
    print(f"{'run':>8} {'source':>15} {'requests':>9} {'seconds':>8} {'ms/request':>11} {'ratio':>6}")
    with DemoServer(today=TODAY) as server:
        os.environ.update(demo_connections(server.url, today=TODAY))
        for label, run in runs.items():
            totals = [0.0, 0, 0.0]
            for source in SOURCES:
                extract_times, baseline_times, calls = [], [], 0
                for attempt in range(args.repeat):
                    landing = Path(tempfile.mkdtemp(prefix="extract-bench-"))
                    try:
                        if attempt % 2 == 0:
                            seconds, calls = time_extract(server, source, run, landing)
                            baseline_times.append(time_round_trips(server, calls))
                        else:
                            baseline_times.append(time_round_trips(server, calls))
                            seconds, calls = time_extract(server, source, run, landing)
                        extract_times.append(seconds)
                    finally:
                        shutil.rmtree(landing, ignore_errors=True)
                seconds, baseline = statistics.median(extract_times), statistics.median(baseline_times)
                totals = [totals[0] + seconds, totals[1] + calls, totals[2] + baseline]
                print(
                    f"{label:>8} {source:>15} {calls:>9} {seconds:>8.2f} "
                    f"{1000 * seconds / max(calls, 1):>11.1f} {seconds / baseline:>6.1f}",
                    flush=True,
                )
            print(
                f"{label:>8} {'all':>15} {totals[1]:>9} {totals[0]:>8.2f} "
                f"{1000 * totals[0] / max(totals[1], 1):>11.1f} {totals[0] / totals[2]:>6.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
