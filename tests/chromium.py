"""Headless Chromium driven over the DevTools protocol (the ``websockets`` package), for the tests
that look at pages as a browser renders them: the Data Docs and dbt's docs offline, the Superset
dashboard, the monthly report.

One launch (its own profile and process group, every child process closed with it) and one
socket loop: commands wait for their reply while the events in between are kept, so a test can
ask afterwards what the page requested and which loads failed. An ``alert``/``confirm`` a page
opens is dismissed and kept in ``Page.dialogs`` (no page is expected to open one). With
``offline=True`` every host name resolves to nothing, so no byte leaves the machine whatever the
page does; Chromium's own background calls are switched off and are not the page's anyway.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from demo.run import stop_process_group

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NO_CHROMIUM = "Chromium is not installed: run `sudo make chromium` (or install Debian's chromium)"
# Skipped only off CI: `make test` installs Chromium when run as root, so CI always renders.
needs_chromium = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason=NO_CHROMIUM)

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
]
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND"


class Page:
    """One tab, attached over the browser's DevTools socket; keeps the tab's events as they come."""

    def __init__(self, socket: ClientConnection):
        self.socket = socket
        self.tab: str | None = None  # the attached tab's DevTools id; None: commands go to the browser
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        self.navigated = 0  # where in ``events`` the last navigation started
        self.dialogs: list[str] = []  # alert/confirm texts the page opened

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 60) -> dict[str, Any]:
        """Run one DevTools command and return its result; events read meanwhile are kept."""
        self.next_id += 1
        self._post({"id": self.next_id, "method": method, "params": params or {}})
        while True:
            reply = self._receive(timeout)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"DevTools {method}: {reply['error']}")
                return reply.get("result", {})

    def _post(self, message: dict[str, Any]) -> None:
        if self.tab:
            message["sessionId"] = self.tab
        self.socket.send(json.dumps(message))

    def _receive(self, timeout: float) -> dict[str, Any]:
        message = json.loads(self.socket.recv(timeout=timeout))
        if "method" in message and message.get("sessionId") == self.tab:
            self.events.append(message)
            if message["method"] == "Page.javascriptDialogOpening":
                self.dialogs.append(message["params"].get("message", ""))
                # Answered without waiting: its reply's id is one no command waits for.
                answer = {"id": 10**6 + len(self.dialogs), "method": "Page.handleJavaScriptDialog"}
                self._post({**answer, "params": {"accept": False}})
        return message

    def goto(self, url: str) -> None:
        self.navigated = len(self.events)
        self.send("Page.navigate", {"url": url})

    def wait_for_load(self, timeout: float = 60, quiet: float = 1.5) -> None:
        """Wait for the last navigation's load event, then until no event came for ``quiet``
        seconds (the scripts that run after the load event)."""
        deadline = time.monotonic() + timeout
        while not any(event["method"] == "Page.loadEventFired" for event in self.events[self.navigated :]):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the page did not finish loading in {timeout:.0f} s")
            self._receive(max(0.1, deadline - time.monotonic()))
        while time.monotonic() < deadline:
            try:
                self._receive(quiet)
            except TimeoutError:
                return

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page; its exception raises here."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60, what: str = "") -> Any:
        """Poll ``expression`` until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout:.0f} s for {what or expression}")
            time.sleep(0.25)

    def type_into(self, selector: str, text: str) -> None:
        """Focus the field and type ``text`` as keyboard input (so the page's own handlers see it)."""
        self.wait_for(f"!!document.querySelector({json.dumps(selector)})", what=selector)
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.send("Input.insertText", {"text": text})

    def click(self, selector: str) -> None:
        self.wait_for(f"!!document.querySelector({json.dumps(selector)})", what=selector)
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")

    def screenshot(self, path: Path) -> bytes:
        """The visible page as PNG, also written to ``path`` (kept for a person to look at)."""
        data = base64.b64decode(self.send("Page.captureScreenshot", {"format": "png"})["data"])
        path.write_bytes(data)
        return data

    @property
    def requests(self) -> list[str]:
        """Each URL the page requested, in order (needs ``Network.enable``)."""
        return [
            e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"
        ]

    @property
    def failed(self) -> dict[str, str]:
        """Each load that failed: its URL and Chromium's error text."""
        urls = {
            e["params"]["requestId"]: e["params"]["request"]["url"]
            for e in self.events
            if e["method"] == "Network.requestWillBeSent"
        }
        return {
            urls.get(e["params"]["requestId"], e["params"]["requestId"]): e["params"].get("errorText", "")
            for e in self.events
            if e["method"] == "Network.loadingFailed"
        }


@contextmanager
def browser(
    width: int = 1600, height: int = 3200, offline: bool = False, timeout: float = 60
) -> Iterator[Page]:
    """A fresh headless Chromium (its own profile) with one page of ``width`` by ``height`` pixels;
    with ``offline`` no host name resolves."""
    if CHROMIUM is None:
        raise RuntimeError(NO_CHROMIUM)
    # Chromium's child processes may still write into the profile as it closes.
    with tempfile.TemporaryDirectory(prefix="chromium-", ignore_cleanup_errors=True) as profile:
        flags = [*FLAGS, *([OFFLINE] if offline else []), f"--user-data-dir={profile}"]
        process = subprocess.Popen(
            [CHROMIUM, *flags, f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: closing it closes every child
        )
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + timeout
            while not (port_file.is_file() and len(port_file.read_text().splitlines()) == 2):
                if time.monotonic() > deadline:
                    raise TimeoutError("Chromium did not open its DevTools port")
                time.sleep(0.1)
            port, path = port_file.read_text().splitlines()
            with connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=30) as socket:
                page = Page(socket)
                target = page.send("Target.createTarget", {"url": "about:blank"})["targetId"]
                page.tab = page.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
                    "sessionId"
                ]
                page.send("Page.enable")
                page.send(
                    "Emulation.setDeviceMetricsOverride",
                    {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                )
                yield page
        finally:
            stop_process_group(process, timeout=20)


@dataclass
class PageLoad:
    """What a page requested while it loaded offline, and the DOM it rendered."""

    url: str
    requests: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # url -> Chromium's error text
    dom: str = ""
    values: dict[str, Any] = field(default_factory=dict)  # what each probe expression returned

    @property
    def outbound(self) -> list[str]:
        """The requests to anything but a local file (or the page's own inline data)."""
        return [url for url in self.requests if not url.startswith(("file://", "data:", "blob:", "about:"))]


def open_offline(page: Path, probes: dict[str, str] | None = None, timeout: float = 90) -> PageLoad:
    """Load ``page`` with no network: its requests, failed loads, DOM, and the value of each
    JavaScript expression in ``probes`` once loaded (e.g. a computed style)."""
    url = page.resolve().as_uri()
    with browser(offline=True, timeout=timeout) as tab:
        tab.send("Network.enable")
        tab.goto(url)
        tab.wait_for_load(timeout)
        values = {name: tab.evaluate(expression) for name, expression in (probes or {}).items()}
        return PageLoad(
            url, tab.requests, tab.failed, tab.evaluate("document.documentElement.outerHTML"), values
        )
