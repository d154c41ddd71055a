"""The run record: ``audit.check_results``, one row per run and check, whatever ran the check.

Great Expectations (``expectations.runner``) and dbt (``record.dbt_artifacts``, from dbt's artifacts)
both write their results here, as ``CheckResult`` rows with a severity: a ``blocking`` failure
holds back the marts downstream of its table when publishing, a ``warning`` is reported and
publishing goes ahead. This module imports neither GX nor dbt, so that the tasks which only run dbt
and record what it found do not pay for importing GX.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd

BLOCKING = "blocking"
WARNING = "warning"
SEVERITIES = (BLOCKING, WARNING)
SAMPLE_SIZE = 5

AUDIT_SCHEMA = "audit"
AUDIT_TABLE = f"{AUDIT_SCHEMA}.check_results"
AUDIT_COLUMNS = """
    run_id             varchar     not null,
    checked_at         timestamptz not null,
    window_start       date,
    window_end         date,
    suite              varchar     not null,
    table_name         varchar     not null,
    check_name         varchar     not null,
    column_name        varchar,
    severity           varchar     not null,
    success            boolean     not null,
    observed_value     varchar,
    unexpected_count   bigint,
    sample_unexpected  varchar
"""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check of one run: one row of ``audit.check_results``."""

    run_id: str
    suite: str
    table: str
    check: str
    column: str | None
    severity: str
    success: bool
    observed: str | None
    unexpected_count: int | None
    sample: str | None  # up to 5 unexpected values or rows, as JSON text


def jsonable(value: Any) -> Any:
    """``value`` as JSON can hold it: dates as ISO text, NaN and NaT as null, numpy scalars and
    decimals as Python numbers, anything else unknown as its text."""
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        value = value.item()
    if isinstance(value, Decimal):  # DuckDB's DECIMAL columns (money)
        value = float(value)
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (date, datetime, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def sample_of(rows: Iterable[Mapping[str, Any] | Any], first: Iterable[str] = ()) -> str | None:
    """Up to SAMPLE_SIZE distinct failing rows or values as JSON text (None for none); a row
    keeps its ``first`` columns (its key), in that order, before the others."""
    leading = list(first)
    picked: list[Any] = []
    for row in rows:
        if isinstance(row, Mapping):
            keys = [k for k in leading if k in row] + [k for k in row if k not in leading]
            value: Any = {str(k): jsonable(row[k]) for k in keys}
        else:
            value = jsonable(row)
        if value not in picked:
            picked.append(value)
        if len(picked) == SAMPLE_SIZE:
            break
    return json.dumps(picked) if picked else None


def describe(result: CheckResult) -> str:
    """One line naming the check, its table and column, and what it observed."""
    column = f" column {result.column}" if result.column else ""
    return f"{result.severity.upper()} {result.table} {result.check}{column}: {result.observed}"


def ensure_audit_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``audit.check_results``, or add the columns later versions added."""
    con.execute(f"create schema if not exists {AUDIT_SCHEMA}")
    con.execute(f"create table if not exists {AUDIT_TABLE} ({AUDIT_COLUMNS})")
    for column in ("window_start", "window_end"):
        con.execute(f"alter table {AUDIT_TABLE} add column if not exists {column} date")


def write_results(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    window: tuple[date, date],
    suites: list[str],
    results: list[CheckResult],
) -> None:
    """Replace the run's rows for these suites with ``results``, in one transaction."""
    batch = pd.DataFrame(
        {
            "suite": pd.array([r.suite for r in results], dtype="string"),
            "table_name": pd.array([r.table for r in results], dtype="string"),
            "check_name": pd.array([r.check for r in results], dtype="string"),
            "column_name": pd.array([r.column for r in results], dtype="string"),
            "severity": pd.array([r.severity for r in results], dtype="string"),
            "success": pd.array([r.success for r in results], dtype="boolean"),
            "observed_value": pd.array([r.observed for r in results], dtype="string"),
            "unexpected_count": pd.array([r.unexpected_count for r in results], dtype="Int64"),
            "sample_unexpected": pd.array([r.sample for r in results], dtype="string"),
        }
    )
    ensure_audit_table(con)
    view = "_check_results_batch"
    con.register(view, batch)
    con.execute("begin transaction")
    try:
        con.execute(
            f"delete from {AUDIT_TABLE} where run_id = $run_id and suite in (select unnest($suites))",
            {"run_id": run_id, "suites": suites},
        )
        con.execute(
            f"""
            insert into {AUDIT_TABLE} by name
            select
                $run_id as run_id, current_timestamp as checked_at, $start as window_start,
                $end as window_end, suite, table_name, check_name, column_name, severity, success,
                observed_value, unexpected_count, sample_unexpected
            from {view}
            """,
            {"run_id": run_id, "start": window[0], "end": window[1]},
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister(view)
