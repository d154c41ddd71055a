"""Drive headless Chromium over the DevTools protocol (the ``websockets`` package): open pages,
type into them as a person would, wait for what a page shows, and take screenshots."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
    "--hide-scrollbars",
    "--remote-debugging-port=0",
]


class Page:
    """One tab, attached over the browser's DevTools socket."""

    def __init__(self, socket: ClientConnection, session: str):
        self.socket = socket
        self.session = session
        self.next_id = 0
        self.dialogs: list[str] = []  # alert/confirm texts a page opened (none is expected)

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 60) -> dict[str, Any]:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}, "sessionId": self.session}
        self.socket.send(json.dumps(message))
        while True:
            reply = json.loads(self.socket.recv(timeout=timeout))
            if reply.get("method") == "Page.javascriptDialogOpening":
                self.dialogs.append(reply["params"].get("message", ""))
                self.socket.send(
                    json.dumps(
                        {
                            "id": 10**6 + self.next_id,
                            "method": "Page.handleJavaScriptDialog",
                            "params": {"accept": False},
                            "sessionId": self.session,
                        }
                    )
                )
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"DevTools {method}: {reply['error']}")
                return reply.get("result", {})

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def goto(self, url: str) -> None:
        self.send("Page.navigate", {"url": url})

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

    def press_enter(self) -> None:
        for kind in ("keyDown", "keyUp"):
            self.send(
                "Input.dispatchKeyEvent",
                {"type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"},
            )

    def screenshot(self, path: Path) -> bytes:
        data = base64.b64decode(self.send("Page.captureScreenshot", {"format": "png"})["data"])
        path.write_bytes(data)
        return data


@contextmanager
def browser(width: int = 1600, height: int = 3200, timeout: float = 60) -> Iterator[Page]:
    """A fresh headless Chromium (its own profile) with one page of ``width`` by ``height`` pixels."""
    if CHROMIUM is None:
        raise RuntimeError("chromium is not installed: `make chromium` installs Debian's")
    # Chromium's helper processes may still write into the profile as it closes.
    with tempfile.TemporaryDirectory(prefix="chromium-", ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(
            [
                CHROMIUM,
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: closing it closes every helper
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
                target = _browser_call(socket, "Target.createTarget", {"url": "about:blank"})["targetId"]
                session = _browser_call(
                    socket, "Target.attachToTarget", {"targetId": target, "flatten": True}
                )["sessionId"]
                page = Page(socket, session)
                page.send("Page.enable")
                page.send(
                    "Emulation.setDeviceMetricsOverride",
                    {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                )
                yield page
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _browser_call(socket: ClientConnection, method: str, params: dict[str, Any]) -> dict[str, Any]:
    request_id = int(time.monotonic() * 1000) % 10**9
    socket.send(json.dumps({"id": request_id, "method": method, "params": params}))
    while True:
        reply = json.loads(socket.recv(timeout=60))
        if reply.get("id") == request_id:
            if "error" in reply:
                raise RuntimeError(f"DevTools {method}: {reply['error']}")
            return reply["result"]
