"""Loader throughput against DuckDB's own JSON ingest, on the same landed files.

Generates N landed rows in the landing layout, spread over one stream of each platform (Facebook
posts, Instagram media insights, X tweets, LinkedIn post statistics, YouTube videos; written by
DuckDB so generation is quick), then times, in the same process and alternating order:

* baseline: ``CREATE TABLE t AS SELECT * FROM read_json([...files...])`` per stream, in a fresh database;
* loader:   ``loading.raw.load_partitions`` (delete-then-insert of every partition, lineage
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
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import duckdb

from extractors.landing import Partition, partition_path
from loading.raw import load_partitions

ACCOUNTS = 10

# One record shape per platform stream, as DuckDB struct literals over the row number `i` and the
# partition `day`: the loaded volume spreads over all five platforms, like a real daily load.
SHAPES: dict[tuple[str, str], str] = {
    ("facebook_pages", "posts"): """{
        'id': account || '_' || i::varchar,
        'created_time': strftime(timestamp 'DAY' + to_seconds(i % 86400), '%Y-%m-%dT%H:%M:%S+0000'),
        'message': 'Our new stroller is here ' || i::varchar,
        'status_type': 'added_photos',
        'shares': {'count': i % 17},
        'reactions': {'summary': {'total_count': i % 97}},
        'comments': {'summary': {'total_count': i % 13}}
    }""",
    ("instagram", "media_insights"): """{
        'name': 'reach', 'period': 'lifetime', 'values': [{'value': i % 997}],
        'title': 'Accounts reached', 'id': '1790' || i::varchar || '/insights/reach/lifetime'
    }""",
    ("x", "tweets"): """{
        'id': (1450000000000000000 + i)::varchar,
        'text': 'Fold it, lift it, go. ' || i::varchar,
        'created_at': strftime(timestamp 'DAY' + to_seconds(i % 86400), '%Y-%m-%dT%H:%M:%S.000Z'),
        'public_metrics': {'retweet_count': i % 7, 'reply_count': i % 5, 'like_count': i % 61,
                           'quote_count': i % 3, 'bookmark_count': i % 4, 'impression_count': i % 4001}
    }""",
    ("linkedin", "post_statistics"): """{
        'share': 'urn:li:share:' || i::varchar,
        'organizationalEntity': 'urn:li:organization:' || account,
        'totalShareStatistics': {'uniqueImpressionsCount': i % 800, 'shareCount': i % 9,
                                 'engagement': 0.031, 'clickCount': i % 40, 'likeCount': i % 50,
                                 'impressionCount': i % 1200, 'commentCount': i % 6}
    }""",
    ("youtube", "videos"): """{
        'kind': 'youtube#video', 'id': 'vid' || i::varchar,
        'snippet': {'publishedAt': strftime(timestamp 'DAY', '%Y-%m-%dT%H:%M:%SZ'),
                    'title': 'Lumo Glide fold test ' || i::varchar},
        'statistics': {'viewCount': (i % 9000)::varchar, 'likeCount': (i % 300)::varchar,
                       'favoriteCount': '0', 'commentCount': (i % 20)::varchar},
        'contentDetails': {'duration': 'PT3M12S'}
    }""",
}


def generate(root: Path, rows: int, rows_per_file: int) -> list[Partition]:
    """Land ``rows`` records in files of ``rows_per_file`` rows, one per stream, account and day.

    Files rotate over the platforms' streams in ``SHAPES``, so each gets a fifth of the volume.
    """
    files = max(1, rows // rows_per_file)
    partitions = []
    con = duckdb.connect()
    shapes = list(SHAPES.items())
    for index in range(files):
        (source, stream), shape = shapes[index % len(shapes)]
        slot = index // len(shapes)
        account, day = str(100000 + slot % ACCOUNTS), date(2020, 1, 1) + timedelta(days=slot // ACCOUNTS)
        path = partition_path(root, source, stream, account, day)
        path.parent.mkdir(parents=True, exist_ok=True)
        count = rows_per_file if index < files - 1 else rows - rows_per_file * (files - 1)
        record = shape.replace("DAY", day.isoformat()).replace("account", f"'{account}'")
        con.execute(
            f"""
            copy (
                select
                    {record} as record,
                    '2026-11-01T00:00:00+00:00' as extracted_at,
                    'bench' as run_id
                from range({count}) t(i)
            ) to '{path}' (format json)
            """
        )
        partitions.append(Partition(source, stream, account, day, path, count))
    con.close()
    return partitions


def time_baseline(partitions: list[Partition], db: Path, settings: dict[str, str] | None = None) -> float:
    """DuckDB's own ingest: one ``CREATE TABLE AS SELECT * FROM read_json`` per stream."""
    by_stream: dict[str, list[str]] = defaultdict(list)
    for partition in partitions:
        by_stream[f"{partition.source}__{partition.stream}"].append(str(partition.path))
    con = duckdb.connect(str(db), config=settings or {})
    began = time.perf_counter()
    for table, files in sorted(by_stream.items()):
        con.execute(f"create table {table} as select * from read_json($files)", {"files": files})
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
    parser.add_argument("--rows-per-file", type=int, default=10_000)
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
                    timed = time_baseline if name == "baseline" else time_loader
                    seconds = timed(partitions, db)
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
