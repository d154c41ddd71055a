"""docker-compose.yml as Compose itself reads it (Debian's docker-compose 1.29, whose `config`
validates and resolves the file without a Docker engine): the production topology, secrets only
from `.env`, and the demo only in its profile."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from core.settings import PROJECT_ROOT
from demo.state import DEMO_TOKENS

pytestmark = pytest.mark.skipif(
    shutil.which("docker-compose") is None, reason="no compose validator: run `make compose-validator`"
)

SHIPPED = ("docker-compose.yml", ".env.example", "connections.env.example")
ONE_SHOT = {"airflow-init", "demo-connections", "superset-init", "superset-provision"}


def secret_names() -> list[str]:
    lines = (PROJECT_ROOT / ".env.example").read_text().splitlines()
    return [line.removesuffix("=") for line in lines if line.endswith("=") and not line.startswith("#")]


def deployment(folder: Path, env: dict[str, str]) -> Path:
    """The compose file in ``folder`` beside a `.env` holding ``env`` and an empty
    `connections.env`, as a user has them after copying the examples."""
    shutil.copy(PROJECT_ROOT / "docker-compose.yml", folder)
    (folder / ".env").write_text("".join(f"{name}={value}\n" for name, value in env.items()))
    (folder / "connections.env").write_text("")
    return folder


def config(folder: Path, *profiles: str) -> subprocess.CompletedProcess[str]:
    options = [arg for profile in profiles for arg in ("--profile", profile)]
    return subprocess.run(
        ["docker-compose", *options, "config"], cwd=folder, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def resolved(tmp_path_factory) -> dict:
    folder = deployment(
        tmp_path_factory.mktemp("compose"), {n: secrets.token_urlsafe(16) for n in secret_names()}
    )
    result = config(folder, "demo")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_the_file_is_valid_with_the_secrets_of_the_example(resolved) -> None:
    services = resolved["services"]
    production = {name for name, s in services.items() if "demo" not in s.get("profiles", [])}
    assert {
        "postgres",
        "airflow-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "superset-init",
        "superset",
        "superset-provision",
    } <= production
    assert {name for name in services if name not in production} == {
        "demo-api",
        "demo-connections",
        "mailpit",
    }


def test_each_airflow_component_is_its_own_service_on_postgresql_with_the_local_executor(resolved) -> None:
    services = resolved["services"]
    written = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())["services"]
    commands = {
        name: s["command"]
        for name, s in services.items()
        if name.startswith("airflow-") and name != "airflow-init"
    }
    assert sorted(c[1] for c in commands.values()) == [
        "api-server",
        "dag-processor",
        "scheduler",
        "triggerer",
    ]
    for name in (*commands, "airflow-init"):
        env = services[name]["environment"]
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://airflow:"), name
        assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor", name
        assert written[name]["env_file"] == ["connections.env"], f"{name} receives the connections"


def test_every_long_running_service_restarts_and_is_health_checked(resolved) -> None:
    for name, service in resolved["services"].items():
        if name in ONE_SHOT:  # exits when done; provisioning retries until Superset answers
            assert service.get("restart") in ("no", "on-failure"), name
            continue
        assert service.get("restart") == "unless-stopped", name
        if name != "mailpit":  # the image has no client to ask with
            test = service["healthcheck"]["test"]
            assert "version" not in " ".join(test), f"{name}: a health check that reads only the version"


def test_the_pipeline_waits_for_the_database_and_the_init_service(resolved) -> None:
    for name, service in resolved["services"].items():
        if name.startswith("airflow-") and name != "airflow-init":
            assert service["depends_on"]["postgres"]["condition"] == "service_healthy", name
            assert service["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully", (
                name
            )


def test_no_service_outside_the_demo_profile_points_at_the_demo(resolved) -> None:
    for name, service in resolved["services"].items():
        if "demo" in service.get("profiles", []):
            continue
        text = yaml.safe_dump(service)
        assert "demo-api" not in text and "mailpit" not in text, name
        assert not [token for token in DEMO_TOKENS.values() if token in text], name
        for other in service.get("depends_on", {}):
            assert "demo" not in resolved["services"][other].get("profiles", []), (
                f"{name} depends on {other}, which only the demo profile starts"
            )


def test_no_shipped_file_holds_a_working_secret() -> None:
    for name in SHIPPED:
        text = (PROJECT_ROOT / name).read_text()
        assert not [token for token in DEMO_TOKENS.values() if token in text], name
    example = {
        line.split("=", 1)[0]: line.split("=", 1)[1]
        for line in (PROJECT_ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert example and set(example.values()) == {""}, "every secret of the example is left for the user"


@pytest.mark.parametrize("missing", secret_names())
def test_a_missing_secret_stops_compose_naming_it(tmp_path, missing) -> None:
    env = {name: secrets.token_urlsafe(16) for name in secret_names() if name != missing}
    result = config(deployment(tmp_path, env))
    assert result.returncode != 0
    assert f"set {missing} in .env" in result.stderr, result.stderr


def test_superset_reads_the_warehouse_read_only_and_holds_no_pipeline_secret(resolved) -> None:
    for name in ("superset-init", "superset", "superset-provision"):
        service = resolved["services"][name]
        assert "warehouse-data:/data:ro" in service["volumes"], name
        leaked = [k for k in service["environment"] if k.startswith(("AIRFLOW", "POSTGRES"))]
        assert not leaked, f"{name} receives {leaked}"
    assert resolved["services"]["superset"]["healthcheck"]["test"][-1].count("/health") == 1


def test_a_deployed_company_is_never_taken_for_the_shipped_demo(resolved) -> None:
    """The company file comes from ./config mounted outside the image's own config/, so the
    demo's campaign registry loads only when WAREHOUSE_CAMPAIGNS names it."""
    for name, service in resolved["services"].items():
        env = service.get("environment") or {}
        if "WAREHOUSE_COMPANY_CONFIG" in env:
            assert not env["WAREHOUSE_COMPANY_CONFIG"].startswith("/opt/social-warehouse/config/"), name
            assert env["WAREHOUSE_CAMPAIGNS"] == "", f"{name}: no registry unless .env names one"
