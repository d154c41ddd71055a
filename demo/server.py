"""Run the demo server in a background thread, for tests and scripts that need a live HTTP endpoint.

    with DemoServer(today=date(2026, 11, 20)) as server:
        requests.get(f"{server.url}/v19.0/104729381726354", params={"access_token": TOKEN})

The server binds a free port on 127.0.0.1 (or the ``port`` given), is healthy when the ``with``
block starts and is stopped when it ends. Faults and the request log are reached directly, without HTTP.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from datetime import date
from types import TracebackType
from typing import Any

import uvicorn

from demo.app import create_app
from demo.state import DemoState

START_TIMEOUT_SECONDS = 10.0


class DemoServer:
    """A demo API server (uvicorn) running in a daemon thread."""

    def __init__(
        self, today: date | None = None, *, chaos_rate: float = 0.0, chaos_seed: int = 0, port: int = 0
    ) -> None:
        self.app = create_app(today=today, chaos_rate=chaos_rate, chaos_seed=chaos_seed)
        self.state: DemoState = self.app.state.demo
        self._host = "127.0.0.1"
        self._port = port  # 0: a free one
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("the demo server is not running; call start() or use it as a context manager")
        return f"http://{self._host}:{self._port}"

    def start(self) -> DemoServer:
        """Start serving and return once ``/_demo/health`` answers."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"demo-server-{self._port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._server.started and self._healthy():
                return self
            if not self._thread.is_alive():
                break
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"the demo server did not become healthy on {self._host}:{self._port}")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_demo/health", timeout=1) as answer:
                return json.load(answer).get("status") == "ok"
        except OSError:
            return False

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def add_faults(self, match: str, faults: list[str]) -> None:
        """Queue faults for the next requests whose path matches ``match`` (substring or regex)."""
        self.state.faults.add(match, faults)

    def clear_faults(self) -> None:
        self.state.faults.clear()

    def requests(self) -> list[dict[str, Any]]:
        """The API requests served so far: method, path, query (no access_token), status, fault."""
        return self.state.log.entries()

    def clear_requests(self) -> None:
        self.state.log.clear()
