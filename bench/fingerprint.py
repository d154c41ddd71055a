"""Content hashes of a published warehouse, to show that a change of code changed no figure.

    python -m bench.fingerprint data/published/warehouse.duckdb > before.json
    ... change the code, run ``make demo`` again (its date is pinned) ...
    python -m bench.fingerprint data/published/warehouse.duckdb --against before.json

Every table of the snapshot is hashed by rows, order-free (the sum of each row's hash), and by
column, so a difference names the column it is in. Columns that say when or in which run a row
was written (run ids, load and publish times, the demo server's clock) differ between any two runs
and are left out; ``audit.check_results`` is hashed without its run id and timestamps, as the run
record of the same checks over the same data.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb

# Columns written from the clock or the run, not from the data.
RUN_COLUMNS = frozenset(
    {
        *("run_id", "load_run_id", "_run_id", "snapshot_run_id", "dbt_run_id", "invocation_id"),
        *("loaded_at", "_loaded_at", "extracted_at", "_extracted_at", "checked_at", "built_at"),
        *("published_at", "snapshot_published_at", "metrics_as_of", "last_extracted_at"),
    }
)


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    kept = []
    for name, kind in rows:
        is_data = name == "published_at" and schema != "audit"  # a post's or mention's, not the run's
        if name in RUN_COLUMNS and not is_data:
            continue
        kept.append((name, kind))
    return kept


def _expression(name: str, kind: str) -> str:
    quoted = '"' + name.replace('"', '""') + '"'
    if kind in ("DOUBLE", "FLOAT", "REAL") or kind.startswith("DECIMAL"):
        return f"round({quoted}::double, 6)"  # sums over threads may differ in the last bits
    return quoted


def fingerprint(path: Path) -> dict[str, dict[str, object]]:
    """Table -> {"rows": n, "hash": h, "columns": {column: h}}."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        found: dict[str, dict[str, object]] = {}
        for schema, table in tables:
            columns = _columns(con, schema, table)
            relation = f'"{schema}"."{table}"'
            parts = [_expression(name, kind) for name, kind in columns]
            row = "hash(" + ", ".join(parts) + ")" if parts else "0"
            select = ", ".join([f"sum({row})::varchar", *(f"sum(hash({part}))::varchar" for part in parts)])
            rows, *hashes = con.execute(f"select count(*), {select} from {relation}").fetchone()
            found[f"{schema}.{table}"] = {
                "rows": rows,
                "hash": hashes[0],
                "columns": {name: value for (name, _), value in zip(columns, hashes[1:], strict=True)},
            }
        return found
    finally:
        con.close()


def changed(before: dict, after: dict) -> dict[str, str | list[str]]:
    """Each table whose rows differ between two fingerprints: ``"gone"``, ``"new"``, or the
    columns whose hashes differ (none when only the rows' pairing of values does)."""
    found: dict[str, str | list[str]] = {}
    for table in sorted(set(before) | set(after)):
        if table not in after:
            found[table] = "gone"
        elif table not in before:
            found[table] = "new"
        elif before[table]["hash"] != after[table]["hash"] or before[table]["rows"] != after[table]["rows"]:
            was, now = before[table]["columns"], after[table]["columns"]
            found[table] = sorted(
                column for column in set(was) | set(now) if was.get(column) != now.get(column)
            )
    return found


def differences(before: dict, after: dict) -> list[str]:
    lines = []
    for table, what in changed(before, after).items():
        if isinstance(what, str):
            lines.append(f"{table}: {what}")
        else:
            rows = f"{before[table]['rows']} -> {after[table]['rows']}"
            lines.append(f"{table}: rows {rows}; columns differ: {', '.join(what)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--against", type=Path, help="a fingerprint written before; print what differs")
    args = parser.parse_args(argv)
    found = fingerprint(args.database)
    if args.against is None:
        json.dump(found, sys.stdout, indent=1, sort_keys=True)
        print()
        return 0
    lines = differences(json.loads(args.against.read_text()), found)
    print("\n".join(lines) if lines else f"equal: {len(found)} tables, same rows and content hashes")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
