"""Publish the checked marts as a read-only snapshot for BI tools.

BI never opens the live warehouse: DuckDB allows one writer or many readers per file, and a BI
connection would block the pipeline (and see half-built models). After every blocking check has
passed, the marts and the check record are copied into a new file next to the published one,
made read-only, and renamed over it in one step. Readers see the previous snapshot or the new
one, never a mix; a failed run never reaches this step, so yesterday's snapshot stays.
"""

from __future__ import annotations

import logging
import os
import stat
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from warehouse.loader import raw_watermark, row_count

log = logging.getLogger(__name__)

PUBLISHED_SCHEMAS = ("marts", "audit")


@dataclass(frozen=True)
class Publication:
    path: Path
    tables: dict[str, int]  # schema.table -> rows
    published_at: datetime


def publish(
    con: duckdb.DuckDBPyConnection,
    target: Path,
    run_id: str,
    start: date,
    end: date,
    raw_watermark_at_start: str | None = None,
) -> Publication:
    """Copy the published schemas from ``con``'s database into ``target`` atomically.

    ``raw_watermark_at_start`` is the raw tables' watermark when the run began building; if the
    raw data changed since, the marts may mix two loads and are not published.
    """
    _require_passed_checks(con, run_id)
    if raw_watermark_at_start is not None and raw_watermark(con) != raw_watermark_at_start:
        raise NotPublishable(
            f"run {run_id!r}: raw data was loaded again while this run was building its marts; "
            "not publishing a mix of two loads (the run that load triggered publishes instead)"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.stem}.{uuid.uuid4().hex}.tmp")
    tables = con.execute(
        """
        select table_schema, table_name
        from information_schema.tables
        where table_catalog = current_database()
          and table_schema in (select unnest($schemas))
          and table_type = 'BASE TABLE'
        order by 1, 2
        """,
        {"schemas": list(PUBLISHED_SCHEMAS)},
    ).fetchall()
    if not any(schema == "marts" for schema, _ in tables):
        raise RuntimeError("nothing to publish: the warehouse has no marts (did dbt run?)")
    published_at = datetime.now(UTC)
    counts: dict[str, int] = {}
    con.execute(f"attach '{temp}' as snapshot")
    try:
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists snapshot.{schema}")
        for schema, table in tables:
            con.execute(f'create table snapshot.{schema}."{table}" as select * from {schema}."{table}"')
            counts[f"{schema}.{table}"] = row_count(con, f'snapshot.{schema}."{table}"')
        con.execute(
            """
            create table snapshot.audit.publication as
            select $run_id as run_id, $published_at::timestamptz as published_at,
                   $start::date as data_start, $end::date as data_end
            """,
            {"run_id": run_id, "published_at": published_at, "start": start, "end": end},
        )
        con.execute("detach snapshot")
        os.chmod(temp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(temp, target)
    except BaseException:
        con.execute("detach database if exists snapshot")
        temp.unlink(missing_ok=True)
        raise
    log.info("published %d tables to %s", len(counts), target)
    return Publication(target, counts, published_at)


class NotPublishable(RuntimeError):
    """The run has no passing check record, so its data must not reach BI."""


def _require_passed_checks(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Write-audit-publish: only a run whose checks ran and had no blocking failure publishes."""
    has_audit = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'audit' and table_name = 'check_results'"
    ).fetchone()
    row = (
        con.execute(
            """
            select count(*), count(*) filter (where not success and severity = 'blocking')
            from audit.check_results where run_id = $run_id
            """,
            {"run_id": run_id},
        ).fetchone()
        if has_audit and has_audit[0]
        else (0, 0)
    )
    checks, blocking_failures = row or (0, 0)
    if not checks:
        raise NotPublishable(f"run {run_id!r} has no data-check results; run the checks before publishing")
    if blocking_failures:
        raise NotPublishable(f"run {run_id!r} failed {blocking_failures} blocking checks; not publishing")
