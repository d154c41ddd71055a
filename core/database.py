"""The DuckDB connection to the live warehouse: one writer at a time.

DuckDB lets one process write a database file. Pipeline steps take the Airflow pool
``duckdb_writer`` (one slot) and open the file with ``writer()``; BI reads the published copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core.settings import duckdb_settings, paths

RAW_SCHEMA = "raw"  # the loaded platform objects, one table per source and stream


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse file for writing."""


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the live warehouse for writing, with a clear error when another writer holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), config=duckdb_settings())
    except duckdb.IOException as error:
        raise WarehouseBusy(
            f"cannot open {path} for writing: {error}. Another process holds the warehouse; "
            "pipeline writers run one at a time (Airflow pool duckdb_writer) and BI must open "
            "the published copy, not the live file"
        ) from None


@contextmanager
def writer(path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The live warehouse (``path``, default the configured one) open for writing, closed after."""
    con = connect(path or paths().warehouse)
    try:
        yield con
    finally:
        con.close()
