"""The mutable side of a demo server: its clock, accepted tokens, queued faults, chaos and request log.

Data is never stored here (it is generated on demand); this is only what tests steer and inspect.
Everything is guarded by locks because uvicorn runs route handlers in a thread pool.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from datetime import UTC, date, datetime
from typing import Any

from demo.generator.common import seeded

FAULTS = (
    # Meta Graph (Facebook Pages, Instagram): throttling codes, HTTP 400/403 without Retry-After.
    "throttle_4",
    "throttle_17",
    "throttle_32",
    "throttle_613",
    "throttle_80001",
    "throttle_80002",
    # X: 429 with x-rate-limit-reset; the usage cap is a 429 that retrying cannot fix.
    "rate_limited",
    "usage_capped",
    # LinkedIn: 429 daily application limit; 426 for a sunset LinkedIn-Version.
    "daily_limit",
    "sunset_version",
    # YouTube: 403 quotaExceeded (fatal until the quota resets) and 403 rateLimitExceeded (retried).
    "quota_exceeded",
    "rate_limit_exceeded",
    # Every platform, each in its own error format.
    "error_500",
    "error_503",
    "malformed_json",
    "expired_token",
    "revoked_token",
    "unknown_metric",
    # Every platform, done by the app around the normal answer (``demo/app.py``): the connection
    # drops part-way through the body; a byte that is not UTF-8 inside the first text value; the
    # next page on the same path repeats this page's last item (a new post arrived in between).
    "reset_mid_body",
    "invalid_utf8",
    "shift_page",
)
"""Fault names a test can queue; ``slow:<seconds>`` is accepted too. A platform answers the
faults it knows in its own wire format and ignores the others (the request is served normally)."""

DEMO_FACEBOOK_TOKEN = "demo-fb-token-7f3a9c2e5b1d"
DEMO_TOKENS = {
    "facebook_pages": DEMO_FACEBOOK_TOKEN,
    "instagram": "demo-ig-token-4c81d07e9a26",
    "x": "demo-x-token-b35e6f1a0c97",
    "linkedin": "demo-li-token-e02a9b4d7f13",
    "youtube": "demo-yt-token-91f6c3b8d254",
    "google_analytics": "demo-ga4-token-5d2e8a71c0f4",
    "reddit": "demo-reddit-token-6a0d4f9e21b8",
}
"""The access token each demo platform's connection uses; every platform accepts any of them.
Reddit's connection holds the app's client id and secret instead: its token endpoint exchanges
them for ``DEMO_TOKENS["reddit"]``."""
DEMO_REDDIT_CLIENT_ID = "demo-reddit-client-3f9a1c"
DEMO_REDDIT_CLIENT_SECRET = "demo-reddit-secret-8b27e4d5f0a6"
DEFAULT_TOKENS = frozenset(DEMO_TOKENS.values())
EXPIRED_DEMO_TOKEN = "expired-demo-token"
"""A token every platform answers with its own expired-token error."""
MAX_CHAOS_STREAK = 2
REQUEST_LOG_SIZE = 50_000


def validate_fault(name: str) -> str:
    """``name`` if it is a known fault; ``ValueError`` listing the valid names otherwise."""
    if name in FAULTS:
        return name
    if name.startswith("slow:"):
        try:
            seconds = float(name.removeprefix("slow:"))
        except ValueError:
            seconds = -1.0
        if 0 <= seconds <= 300:
            return name
    raise ValueError(f"unknown fault {name!r}; use one of {', '.join(FAULTS)} or slow:<seconds> (0-300)")


def slow_seconds(fault: str | None) -> float:
    """How long a ``slow:<seconds>`` fault delays the answer (0 for any other fault)."""
    return float(fault.removeprefix("slow:")) if fault and fault.startswith("slow:") else 0.0


class FaultQueue:
    """Faults waiting for the next request whose path matches; each is used once, in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[tuple[str, re.Pattern[str] | None, str]] = []
        self._carried: dict[str, Any] = {}

    def add(self, match: str, faults: list[str]) -> None:
        """Queue ``faults`` for requests whose path contains ``match`` (a substring or a regex)."""
        checked = [validate_fault(fault) for fault in faults]
        try:
            pattern: re.Pattern[str] | None = re.compile(match)
        except re.error:
            pattern = None
        with self._lock:
            self._queue.extend((match, pattern, fault) for fault in checked)

    def take(self, path: str) -> str | None:
        """Remove and return the first queued fault matching ``path``."""
        with self._lock:
            for index, (match, pattern, fault) in enumerate(self._queue):
                if match in path or (pattern is not None and pattern.search(path)):
                    del self._queue[index]
                    return fault
        return None

    def pending(self) -> list[dict[str, str]]:
        with self._lock:
            return [{"match": match, "fault": fault} for match, _, fault in self._queue]

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._carried.clear()

    def carry(self, path: str, item: Any) -> None:
        """Keep ``item`` for the next answer on ``path`` (a ``shift_page`` fault)."""
        with self._lock:
            self._carried[path] = item

    def take_carried(self, path: str) -> Any | None:
        """The item a ``shift_page`` fault left for ``path``, once."""
        with self._lock:
            return self._carried.pop(path, None)


class Chaos:
    """Deterministic random faults for a realistic demo: request ``n`` fails iff a seeded draw says so.

    At most ``MAX_CHAOS_STREAK`` chaos faults in a row, so a client that retries four times always
    gets through.
    """

    def __init__(self, rate: float = 0.0, seed: int = 0) -> None:
        if not 0 <= rate < 1:
            raise ValueError(f"chaos rate must be in [0, 1), got {rate}")
        self.rate = rate
        self.seed = seed
        self._lock = threading.Lock()
        self._streak = 0

    def decide(self, request_number: int, choices: tuple[str, ...]) -> str | None:
        if self.rate <= 0 or not choices:
            return None
        rng = seeded("chaos", self.seed, request_number)
        hit = rng.random() < self.rate
        with self._lock:
            if hit and self._streak < MAX_CHAOS_STREAK:
                self._streak += 1
                return rng.choice(choices)
            self._streak = 0
            return None


class RequestLog:
    """The API requests served, oldest first (control routes under ``/_demo`` are not logged)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)

    def append(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class DemoState:
    """Everything a running demo server knows besides its generated data."""

    def __init__(self, today: date | None = None, chaos_rate: float = 0.0, chaos_seed: int = 0) -> None:
        self.fixed_today = today
        self.tokens = DEFAULT_TOKENS
        self.faults = FaultQueue()
        self.chaos = Chaos(chaos_rate, chaos_seed)
        self.log = RequestLog()
        self._counter_lock = threading.Lock()
        self._counter = 0

    def today(self) -> date:
        """The server's "today" (UTC): the fixed date, or the real current UTC date."""
        return self.fixed_today or datetime.now(UTC).date()

    def next_request_number(self) -> int:
        with self._counter_lock:
            self._counter += 1
            return self._counter

    def restart_chaos(self, seed: int) -> None:
        """Draw chaos from ``seed``, count requests from 1 again and drop queued and carried faults,
        as a server started afresh with that seed would: the same draw for each request number,
        whether a long run keeps its server or starts a new one."""
        with self._counter_lock:
            self._counter = 0
            self.chaos = Chaos(self.chaos.rate, seed)
            self.faults = FaultQueue()
