"""Serve Superset on the published snapshot, provisioned: ``make superset``.

One command: prepare Superset's metadata database (migrations, roles, the admin user), start
Superset's web server (gunicorn, from Superset's own virtualenv ``.venv-superset``), wait until
``/health`` answers, apply the starter dashboard (``bi.superset.provision``), print the URL and the
login, and keep serving until interrupted.

Secrets: ``SUPERSET_SECRET_KEY`` and ``SUPERSET_ADMIN_PASSWORD`` from the environment; for the
local demo, when unset, each is generated once into the data directory (``data/superset/``,
readable by its owner only) and the password is printed. Nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import requests

from bi.superset.provision import ProvisioningError, Superset, provision, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("superset_config.py")
VENV_BIN = Path(os.environ.get("SUPERSET_VENV", ROOT / ".venv-superset")) / "bin"
DEFAULT_PORT = 8088


@dataclass(frozen=True)
class Settings:
    """Where Superset keeps its state, what it serves, and its secrets."""

    home: Path  # SUPERSET_HOME: the SQLite metadata database
    snapshot: Path  # the published warehouse.duckdb
    port: int
    secret_key: str
    username: str
    password: str
    password_generated: bool = False

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def environment(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment of Superset's processes."""
        env = dict(os.environ if base is None else base)
        env.update(
            SUPERSET_CONFIG_PATH=str(CONFIG),
            SUPERSET_HOME=str(self.home),
            SUPERSET_SECRET_KEY=self.secret_key,
            SUPERSET_PORT=str(self.port),
            FLASK_APP="superset",
            SCARF_ANALYTICS="false",
        )
        return env


def _generated(path: Path, length: int) -> str:
    """A secret kept in ``path`` (created once, owner-only)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(length))
    return path.read_text().strip()


def settings_from_environment(data_dir: Path | None = None, port: int | None = None) -> Settings:
    """The settings ``make superset`` uses: the warehouse's data directory, ``SUPERSET_PORT``,
    secrets from the environment or generated once under ``<data>/superset/``."""
    data = (data_dir or Path(os.environ.get("WAREHOUSE_DATA_DIR", ROOT / "data"))).resolve()
    home = Path(os.environ.get("SUPERSET_HOME") or data / "superset")
    password = os.environ.get("SUPERSET_ADMIN_PASSWORD", "")
    generated = not password
    return Settings(
        home=home,
        snapshot=data / "published" / "warehouse.duckdb",
        port=port or int(os.environ.get("SUPERSET_PORT", DEFAULT_PORT)),
        secret_key=os.environ.get("SUPERSET_SECRET_KEY") or _generated(home / "secret_key", 48),
        username=os.environ.get("SUPERSET_ADMIN_USERNAME", "admin"),
        password=password or _generated(home / "admin_password.generated", 18),
        password_generated=generated,
    )


def _superset(settings: Settings, *args: str) -> str:
    return _run(settings, "superset", [str(VENV_BIN / "superset"), *args])


def _run(settings: Settings, name: str, command: list[str], env: Mapping[str, str] | None = None) -> str:
    """Run ``command`` in Superset's environment (and ``env``); its output, or RuntimeError."""
    result = subprocess.run(
        command, env={**settings.environment(), **(env or {})}, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"`{name}` failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result.stdout


def prepare_metadata(settings: Settings) -> None:
    """Migrate Superset's metadata database, sync the roles, and create the admin user (or reset
    its password to the configured one): ``superset db upgrade``, ``init``, then
    ``python -m bi.superset.admin``, which reads the password from its environment, never from
    its command line. Each step is idempotent."""
    settings.home.mkdir(parents=True, exist_ok=True)
    _superset(settings, "db", "upgrade")
    _superset(settings, "init")
    admin = {"SUPERSET_ADMIN_USERNAME": settings.username, "SUPERSET_ADMIN_PASSWORD": settings.password}
    admin_command = [str(VENV_BIN / "python"), "-m", "bi.superset.admin"]
    _run(settings, "python -m bi.superset.admin", admin_command, {"PYTHONPATH": str(ROOT), **admin})


def start(settings: Settings, bind: str = "127.0.0.1", log: Path | None = None) -> subprocess.Popen[bytes]:
    """Superset's web server (gunicorn, threads in one worker process), started in the
    background; its output goes to ``log`` (default ``<home>/superset.log``)."""
    log = log or settings.home / "superset.log"
    with log.open("ab") as out:
        return subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "--bind", f"{bind}:{settings.port}",
                "--workers", "1", "--worker-class", "gthread", "--threads", "8",
                "--timeout", "120", "--no-control-socket",
                "superset.app:create_app()",
            ],
            env=settings.environment(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server started by ``start`` (its process group: gunicorn and its worker)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve Superset on the published snapshot, provisioned.")
    parser.add_argument("--port", type=int, default=None, help=f"default SUPERSET_PORT or {DEFAULT_PORT}")
    parser.add_argument("--bind", default="127.0.0.1")
    args = parser.parse_args(argv)
    settings = settings_from_environment(port=args.port)
    if not settings.snapshot.is_file():
        print(
            f"error: no published snapshot at {settings.snapshot}: run `make demo` first "
            "(it builds the demo warehouse and publishes it)",
            file=sys.stderr,
        )
        return 1
    if not (VENV_BIN / "superset").exists():
        print("error: Superset is not installed: run `make superset-install`", file=sys.stderr)
        return 1
    stages: list[str] = []
    began = time.monotonic()
    prepare_metadata(settings)
    stages.append(f"metadata {time.monotonic() - began:.1f} s")
    began = time.monotonic()
    server = start(settings, args.bind)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the server as Ctrl-C does
    try:
        stages.append(f"start-up {wait_healthy(f'http://127.0.0.1:{settings.port}'):.1f} s")
        began = time.monotonic()
        client = Superset.login(f"http://127.0.0.1:{settings.port}", settings.username, settings.password)
        result = provision(client, settings.snapshot)
        stages.append(f"provisioning {time.monotonic() - began:.1f} s")
        login = f"user {settings.username}, password " + (
            f"{settings.password} (generated, in {settings.home / 'admin_password.generated'})"
            if settings.password_generated
            else "from SUPERSET_ADMIN_PASSWORD"
        )
        print(
            f"Superset: {settings.url}/superset/dashboard/{result['url'].rsplit('/', 2)[-2]}/\n"
            f"  login: {login}\n"
            f"  reads: {settings.snapshot} (read-only)\n"
            f"  took: {', '.join(stages)}; log: {settings.home / 'superset.log'}\n"
            "  Ctrl-C stops it.",
            flush=True,
        )
        return server.wait()
    except KeyboardInterrupt:
        return 0
    except (ProvisioningError, OSError, requests.RequestException) as error:
        print(f"error: {error} (log: {settings.home / 'superset.log'})", file=sys.stderr)
        return 1
    finally:
        stop(server)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
