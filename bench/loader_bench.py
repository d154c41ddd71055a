"""Loader throughput against DuckDB's own JSON ingest, on the same landed files.

Generates N landed rows (Graph-shaped post records in the landing layout, written by DuckDB so
generation is quick), then times, in the same process and alternating order:

* baseline: ``CREATE TABLE t AS SELECT * FROM read_json([...files...])`` in a fresh database;
* loader:   ``warehouse.loader.load_partitions`` (delete-then-insert of every partition, lineage
  columns, one transaction) in a fresh database.

Prints rows/s for each and the loader/baseline time ratio (lower is better; the target is ≤ 2).

    python -m bench.loader_bench --rows 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from extractors.landing import Partition, partition_path
from warehouse.loader import load_partitions

ACCOUNTS = 10
SOURCE, STREAM = "facebook_pages", "posts"


def generate(root: Path, rows: int, rows_per_file: int) -> list[Partition]:
    """Land ``rows`` post records in files of ``rows_per_file`` rows, one per account and day."""
    files = max(1, rows // rows_per_file)
    partitions = []
    con = duckdb.connect()
    for index in range(files):
        account, day = str(100000 + index % ACCOUNTS), date(2020, 1, 1) + timedelta(days=index // ACCOUNTS)
        path = partition_path(root, SOURCE, STREAM, account, day)
        path.parent.mkdir(parents=True, exist_ok=True)
        count = rows_per_file if index < files - 1 else rows - rows_per_file * (files - 1)
        con.execute(
            f"""
            copy (
                select
                    {{
                        'id': '{account}_' || i::varchar,
                        'created_time': strftime(
                            timestamp '{day}' + to_seconds(i % 86400), '%Y-%m-%dT%H:%M:%S+0000'
                        ),
                        'message': 'Our new stroller is here ' || i::varchar,
                        'status_type': 'added_photos',
                        'shares': {{'count': i % 17}},
                        'reactions': {{'summary': {{'total_count': i % 97}}}},
                        'comments': {{'summary': {{'total_count': i % 13}}}}
                    }} as record,
                    '2026-11-01T00:00:00+00:00' as extracted_at,
                    'bench' as run_id
                from range({count}) t(i)
            ) to '{path}' (format json)
            """
        )
        partitions.append(Partition(SOURCE, STREAM, account, day, path, count))
    con.close()
    return partitions


def time_baseline(files: list[str], db: Path) -> float:
    con = duckdb.connect(str(db))
    began = time.perf_counter()
    con.execute("create table t as select * from read_json($files)", {"files": files})
    elapsed = time.perf_counter() - began
    con.close()
    return elapsed


def time_loader(partitions: list[Partition], db: Path) -> float:
    con = duckdb.connect(str(db))
    began = time.perf_counter()
    load_partitions(con, partitions, "bench")
    elapsed = time.perf_counter() - began
    con.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--rows-per-file", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'rows':>10} {'files':>6} {'baseline rows/s':>16} {'loader rows/s':>14} {'ratio':>6}")
    for rows in args.rows:
        work = Path(tempfile.mkdtemp(prefix="loader-bench-"))
        try:
            partitions = generate(work / "landing", rows, args.rows_per_file)
            files = [str(p.path) for p in partitions]
            timings: dict[str, list[float]] = {"baseline": [], "loader": []}
            for attempt in range(args.repeat):
                order = ["baseline", "loader"] if attempt % 2 == 0 else ["loader", "baseline"]
                for name in order:
                    db = work / f"{name}-{attempt}.duckdb"
                    seconds = time_baseline(files, db) if name == "baseline" else time_loader(partitions, db)
                    timings[name].append(seconds)
                    db.unlink()
            baseline, loader = timings["baseline"], timings["loader"]
            b, lo = statistics.median(baseline), statistics.median(loader)
            print(
                f"{rows:>10} {len(files):>6} {rows / b:>16,.0f} {rows / lo:>14,.0f} {lo / b:>6.2f}",
                flush=True,
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
