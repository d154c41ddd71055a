"""A whole demo warehouse: every source's every stream over six weeks, loaded and built by dbt.

The data-quality tests start from this clean warehouse (every raw stream and every mart holds
data that passes its checks), copy it, break one thing and check. Built once per session.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import duckdb

from core.config import CompanyConfig
from demo.server import DemoServer
from extractors import source_class
from extractors.core import Window
from extractors.x import X
from loading.raw import load_partitions
from tests.conftest import DEMO_TODAY, assert_dbt_succeeded, demo_connection, run_dbt
from warehouse.orchestration import EXTRACT_SOURCES

WINDOW = Window(DEMO_TODAY - timedelta(days=42), DEMO_TODAY - timedelta(days=1))
# The last week: the window a daily run with look-back would check.
CHECK_WINDOW = (DEMO_TODAY - timedelta(days=7), DEMO_TODAY - timedelta(days=1))


@dataclass(frozen=True)
class FullWarehouse:
    path: Path  # never written by tests: copy() it first
    window: Window
    check_window: tuple[date, date]

    def copy(self, target_dir: Path) -> Path:
        """A private copy of the warehouse file to break."""
        target = target_dir / "warehouse.duckdb"
        shutil.copyfile(self.path, target)
        return target


def build(company: CompanyConfig, server: DemoServer, tmp: Path) -> FullWarehouse:
    path = tmp / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    try:
        for name in EXTRACT_SOURCES:
            connection = demo_connection(name, server)
            if name == "x":  # recent search and mentions count back from the demo's today
                source = X(company, connection, clock=lambda: datetime.combine(DEMO_TODAY, time.min, UTC))
            else:
                source = source_class(name)(company, connection)
            landed = source.run(WINDOW, tmp / "landing", f"extract-{name}", today=DEMO_TODAY)
            load_partitions(con, landed, f"load-{name}", company)
    finally:
        con.close()
    assert_dbt_succeeded(run_dbt(["build"], path, tmp))
    return FullWarehouse(path, WINDOW, CHECK_WINDOW)
