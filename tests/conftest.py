"""Shared fixtures: the demo API server over real HTTP, and the demo company configuration."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest

from demo.generator import facebook_pages as facebook_truth
from demo.server import DemoServer
from demo.state import DEMO_FACEBOOK_TOKEN
from extractors.core import Window
from extractors.facebook_pages import PACIFIC
from warehouse.config import CompanyConfig, load_config
from warehouse.logs import quiet_noisy_loggers

# Tests never touch a developer's Airflow state or warehouse: everything lives in a temp dir.
_SANDBOX = tempfile.mkdtemp(prefix="social-warehouse-tests-")
os.environ["AIRFLOW_HOME"] = os.path.join(_SANDBOX, "airflow")
os.environ["WAREHOUSE_DATA_DIR"] = os.path.join(_SANDBOX, "data")
os.environ.pop("WAREHOUSE_DUCKDB_PATH", None)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

DEMO_TODAY = date(2026, 11, 20)
DEMO_TOKEN = DEMO_FACEBOOK_TOKEN


@pytest.fixture(scope="session", autouse=True)
def _quiet_logs() -> None:
    quiet_noisy_loggers(logging.ERROR)


@pytest.fixture(scope="session")
def demo_server() -> Iterator[DemoServer]:
    """One demo server for the session, with a fixed 'today' so ground truth is stable."""
    with DemoServer(today=DEMO_TODAY) as server:
        yield server


@pytest.fixture
def demo(demo_server: DemoServer) -> Iterator[DemoServer]:
    """The session's demo server with an empty fault queue and request log for this test."""
    demo_server.clear_faults()
    demo_server.clear_requests()
    yield demo_server
    demo_server.clear_faults()


@pytest.fixture(scope="session")
def company() -> CompanyConfig:
    return load_config()


def posts_on_pacific_days(account: str, window: Window) -> list[dict]:
    """Truth: posts whose created_time falls on a Pacific day of ``window`` and existed by today."""
    wider = facebook_truth.posts(
        account, window.start - timedelta(days=1), window.end + timedelta(days=1), DEMO_TODAY
    )
    cutoff = datetime.combine(DEMO_TODAY, time.min, UTC)
    return [
        p
        for p in wider
        if window.start <= p["created_time"].astimezone(PACIFIC).date() <= window.end
        and p["created_time"] < cutoff
    ]
