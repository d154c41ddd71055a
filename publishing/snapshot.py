"""Publish the checked marts as a read-only snapshot for BI tools.

BI never opens the live warehouse: DuckDB allows one writer or many readers per file, and a BI
connection would block the pipeline (and see half-built models). After the run's checks, the
marts and the check record are copied into a new file next to the published one, made
read-only, and renamed over it in one step. Readers see the previous snapshot or the new one,
never a mix.

**Hold back only what is wrong.** A blocking failure holds back the marts downstream of the
failing table in dbt's lineage (``transform.lineage``); each of those keeps its last good version,
copied from the previous snapshot, and every other mart is published from this run.
``audit.publication`` holds one row per published table: the run its data comes from, whether it
is ``current`` or ``held_back``, and why. A run whose every mart is held back publishes nothing.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from core.scratch import sweep, temp_path
from loading.raw import raw_watermark, row_count
from transform.lineage import Lineage, held_back_marts

log = logging.getLogger(__name__)

PUBLISHED_SCHEMAS = ("marts", "audit")
PUBLICATION_TABLE = "audit.publication"
CURRENT, HELD_BACK = "current", "held_back"


@dataclass(frozen=True)
class Publication:
    path: Path
    tables: dict[str, int]  # schema.table -> rows
    published_at: datetime
    held_back: dict[str, str] = field(default_factory=dict)  # mart -> why


def publish(
    con: duckdb.DuckDBPyConnection,
    target: Path,
    run_id: str,
    start: date,
    end: date,
    raw_watermark_at_start: str | None = None,
    lineage: Lineage | None = None,
    built_in_run: bool = False,
) -> Publication:
    """Copy the published schemas from ``con``'s database into ``target`` atomically, holding
    back the marts downstream of the run's blocking failures (``lineage``: dbt's, by default
    from the project's manifest).

    ``raw_watermark_at_start`` is the raw tables' watermark when the run began building; if the
    raw data changed since, the marts may mix two loads and are not published. ``built_in_run``
    says the run built its marts with dbt (the pipeline always does): a mart without a successful
    build in the run record is then held back, even when dbt's results never reached the record.
    """
    _require_checks(con, run_id)
    if raw_watermark_at_start is not None and raw_watermark(con) != raw_watermark_at_start:
        raise NotPublishable(
            f"run {run_id!r}: raw data was loaded again while this run was building its marts; "
            "not publishing a mix of two loads (the run that load triggered publishes instead)"
        )
    tables = _published_tables(con)
    marts = [f"{schema}.{table}" for schema, table in tables if schema == "marts"]
    if not marts:
        raise RuntimeError("nothing to publish: the warehouse has no marts (did dbt run?)")
    if lineage is None:
        from transform.dbt import MANIFEST_PATH

        lineage = Lineage.load(MANIFEST_PATH)
    held = {m: why for m, why in run_held_back(con, run_id, lineage, built_in_run).items() if m in marts}
    if len(held) == len(marts):
        raise NotPublishable(
            f"run {run_id!r}: every mart is held back by its blocking failures; the previous "
            "snapshot stays (see audit.check_results for the run)"
        )
    published_at = datetime.now(UTC)
    counts: dict[str, int] = {}
    with _new_snapshot(con, target):
        previous = _attach_previous(con, target) if held else {}
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists snapshot.{schema}")
        rows = []
        for schema, table in tables:
            name = f"{schema}.{table}"
            origin = (run_id, published_at, start, end)
            if name not in held:
                source = f'{schema}."{table}"'
            elif name in previous:
                source, origin = f'previous.{schema}."{table}"', previous[name]
            else:  # never published before: an empty table with the mart's columns, said so
                source = f'(select * from {schema}."{table}" limit 0)'
                held[name] += "; never published before, so it is empty"
                origin = (None, None, None, None)
            database = "previous" if source.startswith("previous.") else None
            counts[name] = _copy(con, database, schema, table, source)
            status = HELD_BACK if name in held else CURRENT
            rows.append((name, *origin, status, held.get(name), run_id, published_at))
        con.execute(
            f"""
            create table snapshot.{PUBLICATION_TABLE} (
                table_name varchar, run_id varchar, published_at timestamptz, data_start date,
                data_end date, status varchar, held_back_reason varchar, snapshot_run_id varchar,
                snapshot_published_at timestamptz
            )
            """
        )
        con.executemany(f"insert into snapshot.{PUBLICATION_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    if held:
        log.warning("held back %d mart(s), kept at their last good version: %s", len(held), held)
    log.info("published %d tables to %s", len(counts), target)
    return Publication(target, counts, published_at, held)


def refresh(
    con: duckdb.DuckDBPyConnection,
    target: Path,
    marts: Sequence[str],
    run_id: str,
    start: date,
    end: date,
    raw_watermark_at_start: str | None = None,
) -> Publication:
    """Replace ``marts`` (``marts.<name>``) in the published snapshot with the live warehouse's,
    atomically, keeping every other table as it was published: the hourly run, whose dbt build
    has just rebuilt and tested them, so that an alert's link shows the rows it names. Their
    ``audit.publication`` rows then name the hourly run and its days; the rest are untouched.

    A mart the daily run held back stays held back (the hourly build does not run the checks
    that held it). Refused when nothing was published yet (the daily run publishes first), when
    a mart is missing from the live warehouse, or when the raw tables changed since the build
    began (``raw_watermark_at_start``: another run's load or build came between)."""
    if not target.exists():
        raise NotPublishable(
            f"run {run_id!r}: no published snapshot at {target} to refresh; the daily "
            "social_transform_publish run publishes the first one"
        )
    if raw_watermark_at_start is not None and raw_watermark(con) != raw_watermark_at_start:
        raise NotPublishable(
            f"run {run_id!r}: raw data was loaded again since this run built its marts; not "
            "refreshing the snapshot with marts of another load (the next run publishes them)"
        )
    live = {
        f"marts.{name}"
        for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema = 'marts'"
        ).fetchall()
    }
    missing = sorted(set(marts) - live)
    if missing:
        raise NotPublishable(f"run {run_id!r}: {', '.join(missing)} not in the warehouse; build it first")
    published_at = datetime.now(UTC)
    counts: dict[str, int] = {}
    with _new_snapshot(con, target):
        con.execute(f"attach '{target}' as previous (read_only)")
        held = {
            name
            for (name,) in con.execute(
                f"select table_name from previous.{PUBLICATION_TABLE} where status = '{HELD_BACK}'"
            ).fetchall()
        }
        fresh = [m for m in marts if m not in held]
        tables = _published_tables(con, "previous")
        new = [tuple(m.split(".", 1)) for m in fresh if tuple(m.split(".", 1)) not in set(tables)]
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists snapshot.{schema}")
        for schema, table in [*tables, *new]:
            name = f"{schema}.{table}"
            database = None if name in fresh else "previous"
            source = f'{schema}."{table}"' if database is None else f'previous.{schema}."{table}"'
            counts[name] = _copy(con, database, schema, table, source)
        con.execute(f"create table snapshot.{PUBLICATION_TABLE} as from previous.{PUBLICATION_TABLE}")
        for schema, table in new:  # a mart this version adds: its row, filled in below
            con.execute(
                f"insert into snapshot.{PUBLICATION_TABLE} (table_name) values (?)", [f"{schema}.{table}"]
            )
        con.execute(
            f"""
            update snapshot.{PUBLICATION_TABLE}
            set run_id = $run_id, published_at = $at, data_start = $start, data_end = $end,
                status = '{CURRENT}', held_back_reason = null
            where table_name in (select unnest($marts))
            """,
            {"run_id": run_id, "at": published_at, "start": start, "end": end, "marts": fresh},
        )
        con.execute(
            f"update snapshot.{PUBLICATION_TABLE} set snapshot_run_id = $run_id, snapshot_published_at = $at",
            {"run_id": run_id, "at": published_at},
        )
    if held & set(marts):
        log.warning("kept held back, as the daily run left them: %s", sorted(held & set(marts)))
    log.info("refreshed %s in %s", ", ".join(fresh), target)
    return Publication(
        target, counts, published_at, {m: "held back by the daily run" for m in held & set(marts)}
    )


def _published_tables(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[tuple[str, str]]:
    """(schema, table) of every table a snapshot publishes, in ``catalog`` (default the live
    warehouse), but the publication record."""
    return con.execute(
        """
        select table_schema, table_name
        from information_schema.tables
        where table_catalog = coalesce($catalog, current_database())
          and table_schema in (select unnest($schemas))
          and table_type = 'BASE TABLE'
          and table_schema || '.' || table_name <> $publication
        order by 1, 2
        """,
        {"catalog": catalog, "schemas": list(PUBLISHED_SCHEMAS), "publication": PUBLICATION_TABLE},
    ).fetchall()


@contextmanager
def _new_snapshot(con: duckdb.DuckDBPyConnection, target: Path) -> Iterator[None]:
    """Attach a new file beside ``target`` as ``snapshot`` for the block to fill, then make it
    read-only and rename it over ``target`` in one step; on any error, drop it (and detach the
    ``previous`` snapshot the block may have attached) and leave ``target`` as it was."""
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep(target.parent)  # a killed publish's half-written snapshot and its write-ahead log
    temp = temp_path(target)
    con.execute(f"attach '{temp}' as snapshot")
    try:
        yield
        con.execute("detach snapshot")
        con.execute("detach database if exists previous")
        os.chmod(temp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(temp, target)
    except BaseException:
        con.execute("detach database if exists snapshot")
        con.execute("detach database if exists previous")
        temp.unlink(missing_ok=True)
        temp.with_name(f"{temp.name}.wal").unlink(missing_ok=True)
        raise


def run_held_back(
    con: duckdb.DuckDBPyConnection, run_id: str, lineage: Lineage, built_in_run: bool = False
) -> dict[str, str]:
    """The marts the run's record holds back (mart -> why): downstream of a blocking failure, or
    not built in the run (when the record holds dbt's results: a model without a successful
    build did not run, its upstream having failed)."""
    failures = con.execute(
        """
        select table_name, check_name from audit.check_results
        where run_id = $run_id and severity = 'blocking' and not success
        order by table_name, check_name
        """,
        {"run_id": run_id},
    ).fetchall()
    dbt_rows = con.execute(
        "select table_name, check_name, success from audit.check_results "
        "where run_id = $run_id and suite = 'dbt'",
        {"run_id": run_id},
    ).fetchall()
    built_here = dbt_rows or built_in_run
    built = {table for table, check, ok in dbt_rows if check == "model_builds" and ok} if built_here else None
    return held_back_marts(lineage, failures, built)


BIGINT_RANGE = (-(2**63), 2**63 - 1)
_WIDE_INTEGERS = ("HUGEINT", "UHUGEINT")
_COLUMNS = """
    select column_name, data_type, comment from duckdb_columns()
    where database_name = coalesce($database, current_database())
      and schema_name = $schema and table_name = $table
    order by column_index
"""


def _copy(con: duckdb.DuckDBPyConnection, database: str | None, schema: str, table: str, source: str) -> int:
    """Copy ``source`` into the snapshot as ``schema.table`` in BI's types, with the live
    table's descriptions; its rows."""
    con.execute(
        f'create table snapshot.{schema}."{table}" as '
        f"select {_bi_columns(con, database, schema, table, source)} from {source}"
    )
    _copy_comments(con, schema, table)
    return row_count(con, f'snapshot.{schema}."{table}"')


def _bi_columns(
    con: duckdb.DuckDBPyConnection, database: str | None, schema: str, table: str, source: str
) -> str:
    """The select list copying ``source`` (the table ``schema.table`` of ``database``: the live
    warehouse by default, or the previous snapshot) in types every BI driver reads: DuckDB's
    128-bit integers (a ``sum`` of BIGINTs) become BIGINT. A value beyond BIGINT (9.2e18: no
    count here comes near) publishes its column as DOUBLE, with a warning, rather than hold the
    table back. Other columns are copied as they are."""
    where = {"database": database, "schema": schema, "table": table}
    columns = [(name, data_type) for name, data_type, _ in con.execute(_COLUMNS, where).fetchall()]
    wide = [name for name, data_type in columns if data_type in _WIDE_INTEGERS]
    bounds = (
        con.execute(
            "select " + ", ".join(f'min("{c}"), max("{c}")' for c in wide) + f" from {source}"
        ).fetchone()
        if wide
        else ()
    ) or ()
    low, high = BIGINT_RANGE
    narrow = {
        name: "bigint" if all(v is None or low <= v <= high for v in bounds[2 * i : 2 * i + 2]) else "double"
        for i, name in enumerate(wide)
    }
    for name in (name for name, kind in narrow.items() if kind == "double"):
        log.warning(
            "%s.%s.%s holds a value beyond BIGINT: published as DOUBLE (rounded) this time; "
            "the model should cast it",
            database or "warehouse",
            f"{schema}.{table}",
            name,
        )
    return ", ".join(
        f'cast("{name}" as {narrow[name]}) as "{name}"' if name in narrow else f'"{name}"'
        for name, _ in columns
    )


def _copy_comments(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> None:
    """The live table's description and its columns' (dbt's docs, ``persist_docs``) onto the
    snapshot's copy, so that a BI tool shows them (a column the copy lacks is skipped)."""
    target = f'snapshot.{schema}."{table}"'
    (comment,) = con.execute(
        "select comment from duckdb_tables() "
        "where database_name = current_database() and schema_name = $schema and table_name = $table",
        {"schema": schema, "table": table},
    ).fetchone() or (None,)
    if comment:
        con.execute(f"comment on table {target} is {_literal(comment)}")
    copied = {
        name
        for name, *_ in con.execute(
            _COLUMNS, {"database": "snapshot", "schema": schema, "table": table}
        ).fetchall()
    }
    for name, _, text in con.execute(
        _COLUMNS, {"database": None, "schema": schema, "table": table}
    ).fetchall():
        if text and name in copied:
            con.execute(f'comment on column {target}."{name}" is {_literal(text)}')


def _literal(text: str) -> str:
    """A SQL string literal (COMMENT ON takes no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def _attach_previous(con: duckdb.DuckDBPyConnection, target: Path) -> dict[str, tuple]:
    """Attach the published snapshot as ``previous``; table -> (run id, published at, data start,
    data end) of the version it holds. Empty when nothing was published yet."""
    if not target.exists():
        return {}
    con.execute(f"attach '{target}' as previous (read_only)")
    columns = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_catalog = 'previous' and table_schema = 'audit' and table_name = 'publication'"
        ).fetchall()
    }
    tables = [
        f"{schema}.{table}"
        for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'previous' and table_schema = 'marts'"
        ).fetchall()
    ]
    if "table_name" in columns:
        rows = con.execute(
            f"select table_name, run_id, published_at, data_start, data_end from previous.{PUBLICATION_TABLE}"
        ).fetchall()
        origin = {row[0]: tuple(row[1:]) for row in rows}
    elif columns:  # a snapshot from before per-table rows: one row for the whole snapshot
        row = con.execute(
            f"select run_id, published_at, data_start, data_end from previous.{PUBLICATION_TABLE}"
        ).fetchone()
        origin = dict.fromkeys(tables, tuple(row)) if row else {}
    else:
        origin = {}
    return {t: origin.get(t, (None, None, None, None)) for t in tables}


class NotPublishable(RuntimeError):
    """The run has no check record, or nothing in it may reach BI."""


def _require_checks(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Write-audit-publish: only a run whose checks ran publishes."""
    has_audit = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'audit' and table_name = 'check_results'"
    ).fetchone()
    row = (
        con.execute(
            "select count(*) from audit.check_results where run_id = $run_id", {"run_id": run_id}
        ).fetchone()
        if has_audit and has_audit[0]
        else (0,)
    )
    if not (row and row[0]):
        raise NotPublishable(f"run {run_id!r} has no data-check results; run the checks before publishing")
