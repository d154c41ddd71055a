"""Agency volume, measured in one run: load, full refresh, one daily run, DAG parse.

Generates an agency's landing zone and company config (``bench.agency_volume``: ``--accounts``
own and competitors' accounts over ``--days`` days, rates times ``--scale``), then, on that data,
with DuckDB's ``memory_limit`` set to ``--memory-limit`` (``WAREHOUSE_DUCKDB_MEMORY_LIMIT``, read
by the loader and by dbt's profile):

* load: the pipeline's load step (``warehouse.pipeline.replay`` of every landed partition: the
  loader's delete-then-insert with lineage columns, one transaction) against DuckDB's own
  ``read_json`` of the same files into one table per stream (``bench.loader_bench``'s baseline),
  in rows/s and as a time ratio;
* full refresh: ``dbt build`` of the pipeline's selection (``warehouse.pipeline.BUILD_SELECTION``)
  in a dbt process of its own, in minutes, with the peak RSS of its process tree;
* one daily run: the next day's partitions as a daily extract re-lands them (each stream's
  look-back), loaded by the pipeline's load step, then the same ``dbt build`` with
  ``WAREHOUSE_REBUILD_FROM=<day - 28>`` as the pipeline passes it (the incremental marts rebuild
  from that day; the others rebuild in full), as a fraction of the full refresh;
* DAG parse: ``bench.dag_parse`` with the agency's config, each file against the 0.5 s budget.

    python -m bench.agency_bench --accounts 100 --days 1095 --scale 1 --memory-limit 6GiB
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

import psutil

from bench.agency_volume import END, POST_LOOKBACK, Generator, Volume, generate
from bench.loader_bench import time_baseline
from core.settings import PROJECT_ROOT
from transform.dbt import DBT_PROJECT_DIR, REBUILD_FROM_ENV
from warehouse.pipeline import BUILD_SELECTION

GIB = 2**30
DAG_PARSE_BUDGET_MS = 500
SLOWEST = 5  # nodes named after each build: where the time went


class PeakRss:
    """Samples the resident memory of a process and all its children until stopped."""

    def __init__(self, pid: int, every: float = 0.2):
        self.process, self.every, self.peak = psutil.Process(pid), every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            self._stop.wait(self.every)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def dbt(args: list[str], env: dict[str, str], target: Path) -> tuple[float, int, dict[str, int]]:
    """Run one dbt command in a process of its own: wall seconds, peak RSS of the process tree,
    and its nodes' statuses (``run_results.json``)."""
    command = [str(Path(sys.executable).parent / "dbt"), *args, "--target-path", str(target), "--quiet"]
    command += ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    command += ["--log-path", str(target.parent / "dbt-logs")]  # with the run's data, not the project's
    began = time.monotonic()
    process = subprocess.Popen(
        command, cwd=DBT_PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    rss = PeakRss(process.pid)
    output, _ = process.communicate()
    seconds, peak = time.monotonic() - began, rss.stop()
    statuses: dict[str, int] = {}
    results = target / "run_results.json"
    if results.exists():
        nodes = json.loads(results.read_text())["results"]
        for result in nodes:
            statuses[result["status"]] = statuses.get(result["status"], 0) + 1
            if result["status"] in ("error", "fail"):
                print(f"    {result['status']}: {result['unique_id']}: {(result['message'] or '')[:200]}")
        slowest = sorted(nodes, key=lambda r: -r["execution_time"])[:SLOWEST]
        print(
            "  slowest: "
            + ", ".join(f"{r['unique_id'].split('.')[2]} {r['execution_time']:.0f} s" for r in slowest)
        )
    if process.returncode != 0 and not statuses:
        raise SystemExit(f"dbt {args[0]} could not run:\n{output[-3000:]}")
    return seconds, peak, statuses


def dag_parse(env: dict[str, str], repeat: int) -> list[tuple[str, float, float]]:
    """Each DAG file's first and median-of-later import milliseconds, from ``bench.dag_parse``."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.dag_parse", "--repeat", str(repeat)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.findall(
        r"^(\S+\.py)\s+first\s+(\d+) ms\s+median of the rest\s+(\d+) ms", completed.stdout, re.M
    )
    return [(name, float(first), float(median)) for name, first, median in found]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100, help="own and competitors' accounts")
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--scale", type=float, default=1.0, help="factor on every per-account daily rate")
    parser.add_argument("--memory-limit", default="6GiB", help="DuckDB memory_limit (loader and dbt)")
    parser.add_argument("--dag-repeat", type=int, default=3)
    parser.add_argument(
        "--select", help="dbt selection instead of the pipeline's (a quick check of the script)"
    )
    parser.add_argument(
        "--work",
        type=Path,
        help="folder for the run, removed after it unless --keep (default: a new temporary one)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated data and the warehouse")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="agency-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    volume = Volume(args.accounts, args.days, args.scale, END)
    today = volume.end + timedelta(days=1)
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "WAREHOUSE_DATA_DIR": str(work),
        "WAREHOUSE_COMPANY_CONFIG": str(work / "company.yml"),
        "WAREHOUSE_DUCKDB_MEMORY_LIMIT": args.memory_limit,
        "WAREHOUSE_TODAY": today.isoformat(),
    }
    env.pop("WAREHOUSE_DUCKDB_PATH", None)
    os.environ.pop("WAREHOUSE_DUCKDB_PATH", None)
    os.environ.update(env)  # the pipeline's steps below read the same settings as dbt's process
    from warehouse import pipeline

    selection = ["--select", args.select] if args.select else list(BUILD_SELECTION)
    rows: list[tuple[str, str, str, str]] = []
    try:
        began = time.monotonic()
        config, landed = generate(work, volume)
        generated = time.monotonic() - began
        summary = landed.summary()
        platforms = type(config.accounts).model_fields
        own = sum(len(config.own_accounts(p)) for p in platforms)
        theirs = sum(len(config.competitor_accounts(p)) for p in platforms)
        print(
            f"generated {own} own and {theirs} competitors' accounts ({len(config.competitors)} brands), "
            f"{volume.start}..{volume.end} (scale {volume.scale}) in {generated:.0f} s:"
        )
        print("  " + ", ".join(f"{name} {value:,}" for name, value in summary.items()), flush=True)

        # Load: the page cache holds the files for both, as far as it can.
        from loading.raw import partitions_in_landing

        partitions = partitions_in_landing(work / "landing", volume.start, volume.end)
        for partition in partitions:
            partition.path.read_bytes()
        total = landed.total()
        baseline_db = work / "baseline.duckdb"
        baseline = time_baseline(partitions, baseline_db, {"memory_limit": args.memory_limit})
        baseline_db.unlink()
        began = time.monotonic()
        loaded = pipeline.replay(volume.start, volume.end, "agency-full")
        load = time.monotonic() - began
        assert sum(loaded.values()) == total, f"loaded {sum(loaded.values()):,} of {total:,} rows"
        size = (work / "warehouse.duckdb").stat().st_size / GIB
        print(
            f"load {total:,} rows, {len(partitions):,} files: read_json {total / baseline:,.0f} rows/s, "
            f"loader {total / load:,.0f} rows/s ({load / baseline:.2f}x); warehouse {size:.1f} GiB",
            flush=True,
        )
        rows.append(
            (
                "load (rows/s)",
                f"{total / load:,.0f}",
                f"{total / baseline:,.0f} (read_json)",
                f"{load / baseline:.2f}x time",
            )
        )

        target = work / "dbt-target"
        dbt(["parse"], env, target)  # once, as `make manifest` does; the builds reuse its parse
        full_s, full_rss, statuses = dbt(["build", *selection], env, target)
        print(
            f"full refresh: {full_s / 60:.1f} min, peak RSS {full_rss / GIB:.2f} GiB, {statuses}", flush=True
        )
        rows.append(
            (
                "full refresh",
                f"{full_s / 60:.1f} min",
                f"peak RSS {full_rss / GIB:.2f} GiB",
                f"memory_limit {args.memory_limit}",
            )
        )

        day = volume.end + timedelta(days=1)
        env["WAREHOUSE_TODAY"] = os.environ["WAREHOUSE_TODAY"] = (day + timedelta(days=1)).isoformat()
        began = time.monotonic()
        daily = Generator(work / "landing", config, volume, run_id="agency-daily").daily_run(day)
        daily_rows = sum(p.rows for p in daily)
        pipeline.load(
            [{**asdict(p), "day": p.day.isoformat(), "path": str(p.path)} for p in daily], "agency-daily"
        )
        daily_load = time.monotonic() - began
        rebuild_from = day - timedelta(days=POST_LOOKBACK)
        daily_env = {**env, REBUILD_FROM_ENV: rebuild_from.isoformat()}  # as build_models passes it
        daily_s, daily_rss, statuses = dbt(["build", *selection], daily_env, target)
        fraction = daily_s / full_s
        whole = (daily_load + daily_s) / (load + full_s)
        print(
            f"daily run for {day}: {len(daily):,} partitions, {daily_rows:,} rows re-landed and loaded in "
            f"{daily_load:.0f} s; dbt build (rebuild_from {rebuild_from}) {daily_s / 60:.1f} min, peak RSS "
            f"{daily_rss / GIB:.2f} GiB, {statuses}",
            flush=True,
        )
        rows.append(
            (
                "daily run: dbt build",
                f"{daily_s / 60:.1f} min",
                f"{full_s / 60:.1f} min (full)",
                f"{fraction:.0%} (target ≤ 10 %)",
            )
        )
        rows.append(
            (
                "daily run: re-land + load + build",
                f"{(daily_load + daily_s) / 60:.1f} min",
                f"{(load + full_s) / 60:.1f} min (full)",
                f"{whole:.0%}",
            )
        )

        parsed = dag_parse(env, args.dag_repeat)
        for name, first, median in parsed:
            verdict = "ok" if first <= DAG_PARSE_BUDGET_MS else "OVER"
            rows.append(
                (
                    f"DAG parse {name}",
                    f"{first:.0f} ms first",
                    f"{median:.0f} ms later",
                    f"≤ 500 ms: {verdict}",
                )
            )
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print("\n| measure | value | baseline / context | ratio or target |\n|---|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
