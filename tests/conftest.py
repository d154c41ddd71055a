"""Shared fixtures: the demo API server over real HTTP, and the demo company configuration.

Every test that needs a warehouse builds it one way: ``extract`` these sources from the demo,
``load_and_build`` them with this dbt selection; dbt always runs through ``run_dbt``.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt.cli.main import dbtRunner, dbtRunnerResult
from dbt.contracts.graph.manifest import Manifest

from core.campaigns import CampaignRegistry
from core.config import CompanyConfig, load_config
from core.logs import quiet_noisy_loggers
from demo.connections import connection_fields
from demo.generator import facebook_pages as facebook_truth
from demo.server import DemoServer
from demo.state import (
    DEMO_FACEBOOK_TOKEN,
)
from extractors import source_class
from extractors.connections import ConnectionInfo
from extractors.core import Source, Window
from extractors.facebook_pages import PACIFIC
from extractors.landing import Partition
from extractors.x import X
from loading.raw import load_partitions

# Tests never touch a developer's Airflow state or warehouse: everything lives in a temp dir.
_SANDBOX = tempfile.mkdtemp(prefix="social-warehouse-tests-")
os.environ["AIRFLOW_HOME"] = os.path.join(_SANDBOX, "airflow")
os.environ["WAREHOUSE_DATA_DIR"] = os.path.join(_SANDBOX, "data")
os.environ.pop("WAREHOUSE_DUCKDB_PATH", None)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

DEMO_TODAY = date(2026, 11, 20)
DEMO_TOKEN = DEMO_FACEBOOK_TOKEN
FAST_RETRIES = {"backoff_base_seconds": 0.01, "backoff_max_seconds": 0.05, "usage_pause_seconds": 0.01}
"""Connection extras that keep retry tests quick."""


def demo_connection(
    source: str, server: DemoServer, token: str | None = None, **extra: object
) -> ConnectionInfo:
    """The connection a source uses to reach the demo server (``make demo``'s, from
    ``demo.connections``), with fast retries and LinkedIn's default API version (no extra).

    ``token`` replaces the platform's demo token (e.g. ``expired-demo-token``); ``extra`` adds to or
    overrides the connection extras (e.g. ``page_size=5``).
    """
    fields = connection_fields(server.url, today=DEMO_TODAY)[source]
    extras = {name: value for name, value in fields["extra"].items() if name != "linkedin_version"}
    return ConnectionInfo(
        f"{source}_default",
        fields["host"],
        fields.get("password", "") if token is None else token,
        {**extras, **FAST_RETRIES, **extra},
        login=fields.get("login", ""),
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow end-to-end modules first: with several test processes (``make test``) each module
    runs whole on one of them, and a long module started last would run alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is None)


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


def posts_on_pacific_days(account: str, window: Window, as_of: date = DEMO_TODAY) -> list[dict]:
    """Truth: posts whose created_time falls on a Pacific day of ``window`` and existed by ``as_of``."""
    wider = facebook_truth.posts(
        account, window.start - timedelta(days=1), window.end + timedelta(days=1), as_of
    )
    cutoff = datetime.combine(as_of, time.min, UTC)
    return [
        p
        for p in wider
        if window.start <= p["created_time"].astimezone(PACIFIC).date() <= window.end
        and p["created_time"] < cutoff
    ]


DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"


def run_dbt(
    args: list[str],
    db_path: Path,
    tmp: Path,
    project_dir: Path = DBT_PROJECT_DIR,
    manifest: Manifest | None = None,
) -> dbtRunnerResult:
    """The real dbt CLI in-process against the DuckDB file ``db_path``; artefacts go under ``tmp``.

    Every test runs dbt through here. ``manifest``: a project parsed before (a ``parse`` result),
    so that a module running many builds parses once. The pipeline's clock is the demo's today
    (``WAREHOUSE_TODAY``, unless a test pinned another day), so that "no day after today" holds
    of the demo data on whatever date the tests run."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("WAREHOUSE_DUCKDB_PATH", str(db_path))
        monkeypatch.setenv("WAREHOUSE_TODAY", os.environ.get("WAREHOUSE_TODAY") or DEMO_TODAY.isoformat())
        monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        return dbtRunner(manifest=manifest).invoke(
            [
                *args,
                "--project-dir",
                str(project_dir),
                "--profiles-dir",
                str(project_dir),
                "--target-path",
                str(tmp / "target"),
                "--log-path",
                str(tmp / "logs"),
                "--no-partial-parse",
                "--quiet",
            ]
        )


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    """The rows ``sql`` selects, each a dict by column name."""
    cursor = con.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def extract(
    company: CompanyConfig,
    server: DemoServer,
    tmp: Path,
    sources: Mapping[str, Sequence[str] | None],
    window: Window,
    run_id: str,
    today: date = DEMO_TODAY,
    *,
    accounts: Mapping[str, Sequence[str]] | None = None,
    x_clock: Callable[[], datetime] | None = None,
    **extra: object,
) -> list[Partition]:
    """Extract ``sources`` (each with its streams, ``None`` for all) over ``window`` from the demo
    ``server`` into the landing zone ``tmp / "landing"``, as a run on ``today`` would, and return
    the landed partitions: a batch for ``load_and_build``.

    ``run_id`` may name the source (``"run-{source}"``); ``accounts`` narrows a source to some of
    its accounts (by source); ``extra`` adds connection extras to every source (``page_size=40``).
    X's "now" (``x_clock``) is ``today`` at 00:00 UTC unless given: the demo server's recent
    search and mentions count their 7 days back from that instant.
    """
    midnight = datetime.combine(today, time.min, UTC)
    clock = x_clock or (lambda: midnight)
    landed: list[Partition] = []
    for name, streams in sources.items():
        connection = demo_connection(name, server, **extra)
        if name == "x":
            source: Source = X(company, connection, clock=clock)
        else:
            source = source_class(name)(company, connection)
        landed += source.run(
            window,
            tmp / "landing",
            run_id.format(source=name),
            streams=streams,
            accounts=(accounts or {}).get(name),
            today=today,
        )
    return landed


@dataclass
class Built:
    """A warehouse ``load_and_build`` loaded and built: open, with what dbt found."""

    con: duckdb.DuckDBPyConnection
    result: dbtRunnerResult
    path: Path
    tmp: Path

    def rows(
        self, sql: str, params: Any = None, con: duckdb.DuckDBPyConnection | None = None
    ) -> list[dict[str, Any]]:
        """The rows ``sql`` selects from this warehouse (or through ``con``: a copy's)."""
        return rows(con or self.con, sql, params)

    def copy(self, name: str) -> Path:
        """A copy of the warehouse under ``tmp / name``, for a build that must not change this one."""
        # Same file name: dbt-duckdb names the catalog after it, and the views refer to it.
        target = self.tmp / name / self.path.name
        target.parent.mkdir()
        shutil.copyfile(self.path, target)
        return target


def load_and_build(
    tmp: Path,
    batches: Sequence[Iterable[Partition]] | Mapping[str, Iterable[Partition]],
    build: Sequence[str],
    company: CompanyConfig | None = None,
    *,
    campaigns: CampaignRegistry | None = None,
    path: Path | None = None,
    read_only: bool = True,
) -> Built:
    """Load each batch of landed partitions in order, as successive daily loads would (run ids
    ``load-1``, ``load-2``, … or a mapping's keys; with ``company``, its accounts and campaigns
    too, ``campaigns`` else the registry file), into the warehouse ``path`` (default a new one
    under ``tmp``), then ``dbt build`` it with the arguments ``build`` (a selection), artefacts
    under ``tmp``. The warehouse comes back open, read-only unless asked."""
    path = path or tmp / "w.duckdb"
    if not isinstance(batches, Mapping):
        batches = {f"load-{number}": batch for number, batch in enumerate(batches, 1)}
    con = duckdb.connect(str(path))
    try:
        for run_id, batch in batches.items():
            load_partitions(con, list(batch), run_id, company, campaigns)
    finally:
        con.close()
    result = run_dbt(["build", *build], path, tmp)
    return Built(duckdb.connect(str(path), read_only=read_only), result, path, tmp)


def assert_dbt_succeeded(result: dbtRunnerResult) -> None:
    """No exception, and no model, seed or test errored or failed."""
    assert result.exception is None, result.exception
    failed = [r.node.name for r in result.result.results if str(r.status) in ("error", "fail")]
    assert result.success and not failed, failed


@pytest.fixture(scope="session")
def support_warehouse(company: CompanyConfig, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Mentions and the support inbox over the weeks before the demo's today, built once
    (tests/support_warehouse.py); the support and alert tests share it."""
    from tests import support_warehouse as warehouse

    built = warehouse.build(company, tmp_path_factory.mktemp("support_warehouse"))
    yield built
    built.con.close()


@pytest.fixture(scope="session")
def full_warehouse(
    company: CompanyConfig, demo_server: DemoServer, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    """Every source and every mart over six weeks of demo data (tests/full_warehouse.py), built
    once; tests copy the file before changing it."""
    from tests import full_warehouse as warehouse

    return warehouse.build(company, demo_server, tmp_path_factory.mktemp("full_warehouse"))
