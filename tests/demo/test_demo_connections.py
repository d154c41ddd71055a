"""``python -m demo connections``: the shell exports a deployment (docker-compose.yml) evaluates
to point every source at a demo server, from the one list ``make demo`` and the tests use."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from demo.connections import demo_connections

URL = "http://demo-api:8787"


def _exported(preset: dict[str, str]) -> dict[str, str]:
    """The AIRFLOW_CONN_* variables a real shell has after evaluating the command's output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")} | preset
    script = f'eval "$({sys.executable} -m demo connections --base-url {URL})" && env -0'
    shown = subprocess.run(["bash", "-c", script], env=env, capture_output=True, check=True).stdout
    pairs = (item.split("=", 1) for item in shown.decode().split("\0") if "=" in item)
    return {name: value for name, value in pairs if name.startswith("AIRFLOW_CONN_")}


def test_the_exports_are_the_demo_connections() -> None:
    exported = _exported({})
    assert exported == demo_connections(URL)
    assert json.loads(exported["AIRFLOW_CONN_X_DEFAULT"])["host"] == URL


def test_a_connection_set_already_is_kept() -> None:
    """Real accounts' connections, set in the environment, win over the demo's."""
    real = json.dumps({"conn_type": "http", "password": "it's real", "host": "https://api.x.com"})
    exported = _exported({"AIRFLOW_CONN_X_DEFAULT": real})
    assert exported["AIRFLOW_CONN_X_DEFAULT"] == real
    assert exported["AIRFLOW_CONN_RSS_DEFAULT"] == demo_connections(URL)["AIRFLOW_CONN_RSS_DEFAULT"]
