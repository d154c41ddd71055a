"""A whole demo warehouse: every source's every stream over six weeks, loaded and built by dbt.

The data-quality tests start from this clean warehouse (every raw stream and every mart holds
data that passes its checks), copy it, break one thing and check. Built once per session.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from core.config import CompanyConfig
from demo.server import DemoServer
from extractors.core import Window
from tests.conftest import DEMO_TODAY, assert_dbt_succeeded, extract, load_and_build
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
    """Each source extracted and loaded in turn (run ids ``extract-<source>``, ``load-<source>``),
    then the whole project built."""
    loads = {
        f"load-{name}": extract(company, server, tmp, {name: None}, WINDOW, f"extract-{name}")
        for name in EXTRACT_SOURCES
    }
    built = load_and_build(tmp, loads, [], company, path=tmp / "warehouse.duckdb")
    built.con.close()
    assert_dbt_succeeded(built.result)
    return FullWarehouse(built.path, WINDOW, CHECK_WINDOW)
