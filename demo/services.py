"""Airflow as a deployment runs it, on one machine without containers: a PostgreSQL server of its
own (Debian's) for the metadata database, and the API server, scheduler, DAG processor and
triggerer as separate processes with the LocalExecutor, as docker-compose.yml runs them. The
tests of that topology and the start-up benchmark use it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from demo.run import free_port, stop_process_group

AIRFLOW_SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer")
COMPONENTS = ("metadatabase", "scheduler", "triggerer", "dag_processor")  # what /monitor/health reports
INSTALL_HINT = "install Debian's PostgreSQL server (`make postgresql`, or apt-get install postgresql)"


def postgresql_bin() -> Path | None:
    """The folder of PostgreSQL's server programs (Debian keeps them off PATH), or None."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
    )
    return versions[-1].parent if versions else None


@contextmanager
def postgresql(log: Path, timeout: float = 60) -> Iterator[str]:
    """A PostgreSQL server of its own on a free loopback port for the block, with a database
    ``airflow`` owned by the role ``airflow``, whose password is a fresh one (it listens on
    loopback only, and even there a password is asked). Yields its SQLAlchemy URL. PostgreSQL
    refuses to run as root: as root, it runs as the ``postgres`` user Debian's package creates,
    from a folder that user owns."""
    programs = postgresql_bin()
    if programs is None:
        raise FileNotFoundError(f"no PostgreSQL server on this machine: {INSTALL_HINT}")
    root = Path(tempfile.mkdtemp(prefix="warehouse-postgresql-"))
    as_server_user: list[str] = []
    data, port = root / "data", free_port()
    password = secrets.token_urlsafe(24)
    password_file = root / "password"
    password_file.touch(mode=0o600)
    password_file.write_text(password)

    def run(*command: str, check: bool = True, env: Mapping[str, str] | None = None) -> None:
        with log.open("a") as output:
            subprocess.run(
                [*as_server_user, *command],
                env={**os.environ, **(env or {})},
                stdout=output,
                stderr=subprocess.STDOUT,
                check=check,
                timeout=timeout,
            )

    try:
        if os.geteuid() == 0:
            shutil.chown(root, "postgres")
            shutil.chown(password_file, "postgres")
            as_server_user = ["runuser", "-u", "postgres", "--"]
        auth = ("--auth=scram-sha-256", f"--pwfile={password_file}")
        run(str(programs / "initdb"), "-D", str(data), "-U", "airflow", *auth, "-E", "UTF8")
        password_file.unlink()
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        try:
            run(
                str(programs / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "server.log"),
                "-w",
                "start",
            )
            createdb = (str(programs / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "airflow")
            run(*createdb, "airflow", env={"PGPASSWORD": password})  # the server never holds it
            yield f"postgresql+psycopg2://airflow:{password}@127.0.0.1:{port}/airflow"
        finally:  # stopped whatever happened, even when the start timed out with the server up
            if (data / "postmaster.pid").exists():
                run(str(programs / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop", check=False)
    finally:
        if (root / "server.log").exists():
            with log.open("a") as output:
                output.write((root / "server.log").read_text(errors="replace"))
        shutil.rmtree(root, ignore_errors=True)


@dataclass(frozen=True)
class AirflowServices:
    """The running services: the environment that reaches them, the API's URL and a login."""

    env: dict[str, str]
    url: str
    username: str
    password: str
    logs: Path

    def api(self) -> AirflowApi:
        return AirflowApi(self.url, self.username, self.password)


@contextmanager
def airflow_services(env: Mapping[str, str], database_url: str, logs: Path) -> Iterator[AirflowServices]:
    """Migrate the metadata database at ``database_url``, create the DuckDB writer pool, then run
    the four Airflow services as separate processes for the block, each logging to its own file
    under ``logs``. One secret signs the tokens every service checks (the execution API's
    included), and the admin's password is a fresh one, as the compose file's init service
    writes it from the deployment's secrets."""
    home = Path(env["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(16)
    passwords = home / "passwords.json"
    passwords.touch(mode=0o600)
    passwords.write_text(json.dumps({"admin": password}))
    api_port = free_port()
    env = {
        **env,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url,
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
    }
    with (logs / "init.log").open("w") as output:
        for command in (
            ["airflow", "db", "migrate"],
            ["airflow", "pools", "set", "duckdb_writer", "1", "DuckDB allows one writing process"],
        ):
            subprocess.run(command, env=env, stdout=output, stderr=subprocess.STDOUT, check=True)
    with ExitStack() as stack:
        for service in AIRFLOW_SERVICES:
            output = stack.enter_context((logs / f"{service}.log").open("w"))
            process = subprocess.Popen(
                ["airflow", service], env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
            stack.callback(stop_process_group, process)
        yield AirflowServices(env, f"http://127.0.0.1:{api_port}", "admin", password, logs)


class AirflowApi:
    """Airflow's public REST API (``/api/v2``) as the admin, with a token from the login."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.url, self.username, self.password = url, username, password
        self.session = requests.Session()

    def login(self) -> None:
        response = self.session.post(
            f"{self.url}/auth/token", json={"username": self.username, "password": self.password}, timeout=30
        )
        response.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def get(self, path: str, **params: Any) -> Any:
        response = self.session.get(f"{self.url}/api/v2/{path}", params=params, timeout=60)
        response.raise_for_status()
        return response.json()

    def patch(self, path: str, body: Mapping[str, Any]) -> Any:
        response = self.session.patch(f"{self.url}/api/v2/{path}", json=dict(body), timeout=60)
        response.raise_for_status()
        return response.json()

    def health(self) -> dict[str, str]:
        """Each component's status (``metadatabase``, ``scheduler``, ``triggerer``,
        ``dag_processor``); empty while the API server is not answering."""
        try:
            response = requests.get(f"{self.url}/api/v2/monitor/health", timeout=5)
            response.raise_for_status()
        except requests.RequestException:
            return {}
        return {name: part.get("status") for name, part in response.json().items() if isinstance(part, dict)}

    def healthy(self) -> bool:
        """Every component reports healthy."""
        health = self.health()
        return all(health.get(component) == "healthy" for component in COMPONENTS)

    def registered(self, dag_ids: Iterable[str]) -> bool:
        """The DAG processor has registered every one of ``dag_ids`` (needs a login)."""
        return set(dag_ids) <= {d["dag_id"] for d in self.get("dags", limit=100)["dags"]}

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return self.get(f"dags/{dag_id}/dagRuns", order_by="run_after")["dag_runs"]

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int, map_index: int = -1) -> str:
        """The task's log as the UI shows it (the API server reads it where the worker wrote it)."""
        response = self.session.get(
            f"{self.url}/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
            params={"full_content": "true", "map_index": map_index},
            headers={"Accept": "application/json"},
            timeout=60,
        )
        response.raise_for_status()
        content = response.json()["content"]
        return "\n".join(line.get("event", "") if isinstance(line, dict) else str(line) for line in content)


def wait_until(predicate: Callable[[], bool], timeout: float, every: float = 2.0) -> bool:
    """Poll ``predicate`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()
