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


def test_the_import_file_holds_the_demo_connections_and_the_alert_channels(tmp_path) -> None:
    """The file docker-compose.yml's demo imports into Airflow's database, read by Airflow's own
    parser: the same connections as the exports, plus email to the catcher and the webhook."""
    from airflow.models.connection import Connection
    from airflow.secrets.local_filesystem import load_connections_dict

    command = [sys.executable, "-m", "demo", "connections", "--base-url", URL]
    command += ["--smtp", "mailpit:1025", "--format", "airflow-json"]
    (tmp_path / "connections.json").write_text(
        subprocess.run(command, capture_output=True, check=True).stdout.decode()
    )
    imported = load_connections_dict(str(tmp_path / "connections.json"))

    def fields(connection: Connection) -> tuple:
        return (
            connection.conn_type,
            connection.host,
            connection.port,
            connection.password,
            connection.extra_dejson,
        )

    exported = {
        name.removeprefix("AIRFLOW_CONN_").lower(): Connection.from_json(value)
        for name, value in demo_connections(URL).items()
    }
    assert {c: fields(imported[c]) for c in exported} == {c: fields(v) for c, v in exported.items()}
    assert set(imported) - set(exported) == {"smtp_default", "alerts_webhook"}
    assert (imported["smtp_default"].host, imported["smtp_default"].port) == ("mailpit", 1025)
    assert imported["alerts_webhook"].host == f"{URL}/_demo/webhook"
