"""The platforms the demo server imitates, each a router plus the rules for its faults and headers.

Adding a platform means writing one module that builds a :class:`Platform` and listing it in
``demo.app.PLATFORMS``; the app wires the shared fault queue, chaos and request log around it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response


@dataclass(frozen=True)
class Platform:
    """One imitated API.

    ``claims`` says whether a request path belongs to it. ``fault_response`` renders a queued or
    chaos fault in the platform's own error format (None means "answer normally", e.g. ``slow:``).
    ``finish`` adds the headers the platform sends on every answer.
    """

    name: str
    claims: Callable[[str], bool]
    api_router: APIRouter
    truth_router: APIRouter
    fault_response: Callable[[Request, str], Response | None]
    finish: Callable[[Request, Response, str | None], None]
    chaos_faults: tuple[str, ...]
    exception_handlers: dict[type[Exception], Callable[[Request, Exception], Response]]
