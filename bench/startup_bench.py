"""How long Airflow takes to start as production runs it (PostgreSQL; API server, scheduler, DAG
processor and triggerer as separate processes, ``demo.services``) against the one-command local
path (``airflow standalone`` on SQLite), both started in this process's run, one after the other.

Each start is timed in two parts: creating the metadata database (``airflow db migrate``), and
from starting the services to every component reporting healthy on ``/api/v2/monitor/health``
and both pipeline DAGs registered. Printed as seconds and as the ratio to the baseline.

    python -m bench.startup_bench --repeat 2
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from demo.run import PIPELINE_DAGS, isolated_airflow, standalone
from demo.services import AirflowApi, airflow_services, postgresql, wait_until


def _ready(api: AirflowApi) -> bool:
    if not api.healthy():
        return False
    api.login()
    return api.registered(PIPELINE_DAGS)


@contextmanager
def _standalone(root: Path) -> Iterator[tuple[float, AirflowApi]]:
    began = time.perf_counter()
    with (root / "standalone.log").open("w") as output:
        env = isolated_airflow(root, output)
        migrated = time.perf_counter() - began
        env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] = "True"
        with standalone(env, output) as env:
            yield migrated, _AllAdmins(f"http://127.0.0.1:{env['AIRFLOW__API__PORT']}")


class _AllAdmins(AirflowApi):
    """The API of a standalone Airflow whose every visitor is an admin (no password to read)."""

    def __init__(self, url: str) -> None:
        super().__init__(url, "admin", "")

    def login(self) -> None:
        response = self.session.get(f"{self.url}/auth/token", timeout=30)
        response.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"


@contextmanager
def _services(root: Path) -> Iterator[tuple[float, AirflowApi]]:
    logs = root / "logs"
    logs.mkdir()
    began = time.perf_counter()
    with postgresql(logs / "postgresql.log") as url:
        env = isolated_airflow(root, migrate=False)
        with airflow_services(env, url, logs) as services:
            # airflow_services migrates before it starts the services: that is the first part
            yield time.perf_counter() - began, services.api()


def _time(start: Callable[[Path], AbstractContextManager[tuple[float, AirflowApi]]]) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder, start(Path(folder)) as (migrated, api):
        began = time.perf_counter()
        if not wait_until(lambda: _ready(api), timeout=600, every=0.5):
            raise SystemExit(f"Airflow did not become healthy in 600 s; logs under {folder}")
        return migrated, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float]]] = {"standalone on SQLite": [], "services on PostgreSQL": []}
    for _ in range(args.repeat):  # interleaved, so a noisy minute falls on both
        results["standalone on SQLite"].append(_time(_standalone))
        results["services on PostgreSQL"].append(_time(_services))
    base = {part: statistics.median(r[part] for r in results["standalone on SQLite"]) for part in (0, 1)}
    for name, runs in results.items():
        migrate = statistics.median(r[0] for r in runs)
        ready = statistics.median(r[1] for r in runs)
        print(
            f"{name:24} database {migrate:5.1f} s ({migrate / base[0]:.2f}x)  "
            f"healthy with the DAGs {ready:5.1f} s ({ready / base[1]:.2f}x)  "
            f"total {migrate + ready:5.1f} s ({(migrate + ready) / (base[0] + base[1]):.2f}x)"
        )


if __name__ == "__main__":
    main()
