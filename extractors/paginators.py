"""Paginators: how a stream walks from one page of results to the next.

Each returns an iterator of response bodies, so streams only say which paginator they use and
never write a paging loop themselves.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from extractors.errors import ExtractError, Where
from extractors.http import HttpClient


class Paginator(Protocol):
    def pages(
        self, client: HttpClient, path: str, params: Mapping[str, Any], where: Where
    ) -> Iterator[Any]: ...


@dataclass(frozen=True)
class SinglePage:
    """The endpoint answers in one response."""

    def pages(self, client: HttpClient, path: str, params: Mapping[str, Any], where: Where) -> Iterator[Any]:
        yield client.get_json(path, where, params)


@dataclass(frozen=True)
class GraphCursorPaginator:
    """Meta Graph edges: request ``after=<paging.cursors.after>`` until ``paging.next`` is absent.

    A page may come back empty and still offer ``next``; we keep going. A cursor that repeats
    would loop forever, so it is an error.
    """

    limit: int = 100
    max_pages: int = 10_000

    def pages(self, client: HttpClient, path: str, params: Mapping[str, Any], where: Where) -> Iterator[Any]:
        query = {**params, "limit": self.limit}
        seen: set[str] = set()
        for _ in range(self.max_pages):
            body = client.get_json(path, where, query)
            yield body
            paging = (body.get("paging") or {}) if isinstance(body, dict) else {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return
            if after in seen:
                raise ExtractError(where, f"Graph returned the cursor {after!r} twice; paging loops")
            seen.add(after)
            query = {**query, "after": after}
        raise ExtractError(where, f"more than {self.max_pages} pages; refusing to page further")
