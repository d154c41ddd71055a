"""Errors the extractors raise, always carrying where it happened and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Where:
    """The coordinates of an extraction: enough for an operator to find and replay it."""

    source: str
    stream: str = "-"
    account: str = "-"
    day: date | str | None = None

    def __str__(self) -> str:
        parts = [f"source={self.source}", f"stream={self.stream}", f"account={self.account}"]
        if self.day is not None:
            parts.append(f"day={self.day}")
        return " ".join(parts)


@dataclass
class ExtractError(Exception):
    """A failed extraction, with where it happened and what to do (``hint``).

    ``retriable`` is false when a later attempt cannot succeed until someone acts (a rejected or
    expired token, a missing permission, a usage cap, a retired metric, a bad configuration):
    the orchestrator then fails at once instead of retrying. It is true when the platform stayed
    throttled or unavailable through every attempt of the HTTP client: a later run may succeed.
    """

    where: Where
    message: str
    hint: str = ""
    status: int | None = None
    platform_code: int | str | None = field(default=None)
    retriable: bool = False

    def __str__(self) -> str:
        text = f"[{self.where}] {self.message}"
        return f"{text}. What to do: {self.hint}" if self.hint else text


class TransientError(Exception):
    """A failure worth retrying (throttling, 5xx, timeouts, resets, truncated bodies).

    ``wait_seconds`` is the least the server asked us to wait (Retry-After, rate-limit reset),
    or None when only our own backoff applies.
    """

    def __init__(self, message: str, wait_seconds: float | None = None, status: int | None = None):
        super().__init__(message)
        self.wait_seconds = wait_seconds
        self.status = status
