"""The platforms the demo server imitates, each a router plus the rules for its faults and headers.

Adding a platform means writing one module in this package that builds a :class:`Platform` named
``PLATFORM``; :func:`discover_platforms` finds it, and the app wires the shared fault queue, chaos
and request log around it. Each platform claims its own paths; no two may claim the same one.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

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


def discover_platforms() -> tuple[Platform, ...]:
    """Every ``PLATFORM`` defined by a module of this package, in module-name order."""
    found = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        platform = getattr(import_module(f"{__name__}.{module.name}"), "PLATFORM", None)
        if isinstance(platform, Platform):
            found.append(platform)
    return tuple(found)
