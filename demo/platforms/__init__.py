"""The platforms the demo server imitates, each a router plus the rules for its faults and headers.

Adding a platform means writing one module in this package that builds a :class:`Platform` named
``PLATFORM``; :func:`discover_platforms` finds it, and the app wires the shared fault queue, chaos
and request log around it. Each platform claims its own paths; no two may claim the same one.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import import_module
from typing import Any, Protocol

from fastapi import APIRouter, HTTPException, Request
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


class Truth(Protocol):
    """The ground-truth functions every platform generator exposes (see ``demo/README.md``)."""

    def accounts(self) -> list[dict[str, Any]]: ...
    def account_daily(self, account_id: str, start: date, end: date, as_of: date) -> list[dict]: ...
    def posts(self, account_id: str, start: date, end: date, as_of: date) -> list[dict]: ...
    def snapshot(self, account_id: str, as_of: date) -> dict[str, Any]: ...


def truth_router(truth: Truth, known_ids: Collection[str], what: str) -> APIRouter:
    """``/accounts``, ``/account_daily``, ``/posts`` and ``/snapshot`` over a generator's truth.

    ``end`` defaults to yesterday and ``as_of`` to the server's today (what the API serves);
    an id not in ``known_ids`` is a 404 naming the known ones (``what``: e.g. "X account").
    """
    router = APIRouter()

    def known(account_id: str) -> str:
        if account_id not in known_ids:
            raise HTTPException(404, f"unknown demo {what} {account_id!r}; known: {sorted(known_ids)}")
        return account_id

    @router.get("/accounts")
    def accounts() -> list[dict[str, Any]]:
        return truth.accounts()

    @router.get("/account_daily")
    def account_daily(
        request: Request, account_id: str, start: date, end: date | None = None, as_of: date | None = None
    ) -> list[dict]:
        """Daily rows from ``start`` to ``end`` (reporting days) as one run on ``as_of`` lands them."""
        today = request.app.state.demo.today()
        return truth.account_daily(known(account_id), start, end or today - timedelta(days=1), as_of or today)

    @router.get("/posts")
    def posts(
        request: Request, account_id: str, start: date, end: date | None = None, as_of: date | None = None
    ) -> list[dict]:
        """Posts by reporting day from ``start`` to ``end``, lifetime values as of ``as_of``."""
        today = request.app.state.demo.today()
        return truth.posts(known(account_id), start, end or today - timedelta(days=1), as_of or today)

    @router.get("/snapshot")
    def snapshot(request: Request, account_id: str, as_of: date | None = None) -> dict[str, Any]:
        """The account object as the API serves it on ``as_of``."""
        return truth.snapshot(known(account_id), as_of or request.app.state.demo.today())

    return router
