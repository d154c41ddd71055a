"""The pipeline's steps as plain functions: what Airflow tasks and the command line both call.

Each step reads and writes by an explicit window of days, never by "now", so re-running a day or
a range gives the same warehouse. Steps that write DuckDB open it, do their work and close it, so
the next writer (another task, dbt) can take the lock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from extractors import source_class
from extractors.core import Window
from extractors.landing import Partition
from warehouse import loader
from warehouse.config import load_config
from warehouse.publish import Publication, publish
from warehouse.settings import paths

log = logging.getLogger(__name__)


def extract(
    source: str, start: date, end: date, run_id: str, streams: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """Extract ``source`` (all its streams, or ``streams``) over [start, end] into the landing
    zone; describe what landed."""
    landed = source_class(source)(load_config()).run(
        Window(start, end), paths().landing, run_id, streams=streams
    )
    return [_describe(p) for p in landed]


def load(partitions: Iterable[Mapping[str, Any]], run_id: str) -> dict[str, int]:
    """Load the described partitions into the raw tables, replacing them; rows per table."""
    batch = [_partition(p) for p in partitions]
    con = loader.connect(paths().warehouse)
    try:
        results = loader.load_partitions(con, batch, run_id, load_config())
    finally:
        con.close()
    return {r.table: r.rows for r in results}


def replay(start: date, end: date, run_id: str) -> dict[str, int]:
    """Reload every landed partition for [start, end] from the landing zone."""
    batch = loader.partitions_in_landing(paths().landing, start, end)
    return load([_describe(p) for p in batch], run_id)


def check(start: date, end: date, run_id: str) -> str:
    """Run the data checks for the window; raise ChecksFailed on a blocking failure."""
    from expectations.runner import raise_on_blocking, run_checks

    con = loader.connect(paths().warehouse)
    try:
        report = run_checks(con, run_id, start, end, paths().gx)
    finally:
        con.close()
    log.info("%s", report.summary())
    raise_on_blocking(report)
    return report.summary()


def raw_watermark() -> str | None:
    """When the raw tables last changed; recorded before a transform starts building."""
    con = loader.connect(paths().warehouse)
    try:
        return loader.raw_watermark(con)
    finally:
        con.close()


def publish_snapshot(
    start: date, end: date, run_id: str, raw_watermark_at_start: str | None = None
) -> Publication:
    """Publish the checked marts for BI (refused if raw data changed since the run began)."""
    con = loader.connect(paths().warehouse)
    try:
        return publish(con, paths().published, run_id, start, end, raw_watermark_at_start)
    finally:
        con.close()


def _describe(partition: Partition) -> dict[str, Any]:
    described = asdict(partition)
    described.update(day=partition.day.isoformat(), path=str(partition.path))
    return described


def _partition(described: Mapping[str, Any]) -> Partition:
    return Partition(
        source=described["source"],
        stream=described["stream"],
        account=described["account"],
        day=date.fromisoformat(described["day"]),
        path=Path(described["path"]),
        rows=int(described.get("rows", -1)),
    )
