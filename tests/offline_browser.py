"""Open a local page in headless Chromium with the network cut off, and record what it asked for.

Chromium runs with every host name resolving to nothing (``--host-resolver-rules``), so no byte
leaves the machine whatever the page does, and the DevTools protocol (over the ``websockets``
package) records each request the page itself makes (``Network.requestWillBeSent``), each load
that failed, and the DOM once the page has loaded and gone quiet. Chromium's own background
calls (its update and time services) are not the page's and are not recorded.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-port=0",
]


@dataclass
class PageLoad:
    """What a page requested while it loaded, and the DOM it rendered."""

    url: str
    requests: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # url -> Chromium's error text
    dom: str = ""
    values: dict[str, Any] = field(default_factory=dict)  # what each probe expression returned

    @property
    def outbound(self) -> list[str]:
        """The requests to anything but a local file (or the page's own inline data)."""
        return [url for url in self.requests if not url.startswith(("file://", "data:", "blob:", "about:"))]


class _Session:
    def __init__(self, socket: ClientConnection):
        self.socket = socket
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        while True:
            reply = json.loads(self.socket.recv(timeout=60))
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"DevTools {method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def drain(self, quiet_seconds: float, deadline: float) -> None:
        """Read events until none came for ``quiet_seconds`` (or the deadline passed)."""
        while time.monotonic() < deadline:
            try:
                self.events.append(json.loads(self.socket.recv(timeout=quiet_seconds)))
            except TimeoutError:
                return


def open_offline(page: Path, probes: dict[str, str] | None = None, timeout: float = 90.0) -> PageLoad:
    """Load ``page`` in headless Chromium with no network; its requests, failures, DOM, and the
    value of each JavaScript expression in ``probes`` once loaded (e.g. a computed style)."""
    if CHROMIUM is None:
        raise RuntimeError("chromium is not installed: `make chromium` installs Debian's")
    url = page.resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            return _load(url, Path(profile) / "DevToolsActivePort", probes or {}, timeout)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _load(url: str, port_file: Path, probes: dict[str, str], timeout: float) -> PageLoad:
    deadline = time.monotonic() + timeout
    while not (port_file.is_file() and len(port_file.read_text().splitlines()) == 2):
        if time.monotonic() > deadline:
            raise TimeoutError("Chromium did not open its DevTools port")
        time.sleep(0.1)
    port, browser_path = port_file.read_text().splitlines()
    with connect(f"ws://127.0.0.1:{port}{browser_path}", max_size=None, open_timeout=30) as socket:
        cdp = _Session(socket)
        target = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        cdp.send("Network.enable", session=session)
        cdp.send("Page.enable", session=session)
        cdp.send("Page.navigate", {"url": url}, session=session)
        while not any(e.get("method") == "Page.loadEventFired" for e in cdp.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not finish loading")
            cdp.events.append(json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic()))))
        cdp.drain(quiet_seconds=1.5, deadline=deadline)  # scripts that run after the load event
        values = {
            name: cdp.send(
                "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session
            )["result"].get("value")
            for name, expression in {**probes, "dom": "document.documentElement.outerHTML"}.items()
        }
    result = PageLoad(url, dom=values.pop("dom"), values=values)
    by_id: dict[str, str] = {}
    for event in cdp.events:
        params = event.get("params", {})
        if event.get("sessionId") != session:
            continue
        if event.get("method") == "Network.requestWillBeSent":
            by_id[params["requestId"]] = params["request"]["url"]
            result.requests.append(params["request"]["url"])
        elif event.get("method") == "Network.loadingFailed":
            result.failed[by_id.get(params["requestId"], params["requestId"])] = params.get("errorText", "")
    return result
