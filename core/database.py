"""The DuckDB connection to the live warehouse: one writer at a time.

DuckDB lets one process write a database file. Pipeline steps take the Airflow pool
``duckdb_writer`` (one slot) and open the file with ``writer()``; BI reads the published copy.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core.settings import duckdb_settings, paths, writer_wait_seconds

log = logging.getLogger(__name__)

FIRST_PAUSE = 0.05  # seconds between tries while another writer holds the file, doubling to 1 s
RAW_SCHEMA = "raw"  # the loaded platform objects, one table per source and stream


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse file for writing."""


def connect(path: Path, wait_seconds: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open the live warehouse for writing, waiting up to ``wait_seconds`` (default
    ``WAREHOUSE_WRITER_WAIT_SECONDS``) while another process holds it; then a clear error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wait = writer_wait_seconds() if wait_seconds is None else wait_seconds
    deadline = time.monotonic() + wait
    pause = FIRST_PAUSE
    while True:
        try:
            return duckdb.connect(str(path), config=duckdb_settings())
        except duckdb.IOException as error:
            remaining = deadline - time.monotonic()
            if "lock" in str(error).lower() and remaining > 0 and pause == FIRST_PAUSE:
                log.info("%s is held by another writer; waiting up to %g s for it", path, wait)
            if "lock" not in str(error).lower() or remaining <= 0:
                waited = f" (waited {wait:g} s, WAREHOUSE_WRITER_WAIT_SECONDS)" if wait else ""
                raise WarehouseBusy(
                    f"cannot open {path} for writing{waited}: {error}. Another process holds the "
                    "warehouse; pipeline writers run one at a time (Airflow pool duckdb_writer) and BI "
                    "must open the published copy, not the live file"
                ) from None
        time.sleep(min(pause, remaining))
        pause = min(pause * 2, 1.0)


@contextmanager
def writer(
    path: Path | None = None, wait_seconds: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The live warehouse (``path``, default the configured one) open for writing, closed after;
    ``wait_seconds`` as for ``connect``."""
    con = connect(path or paths().warehouse, wait_seconds)
    try:
        yield con
    finally:
        con.close()
