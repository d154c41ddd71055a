"""Paginators: how a stream walks from one page of results to the next.

Every paginator is one loop, ``walk``: fetch a page, hand it to the stream, end when the
platform offers no next page, and refuse a next page whose token came before (the platform would
loop forever) or a listing longer than ``max_pages``. Pages are fetched one at a time as the
stream asks for them, so a stream reading a newest-first listing stops early by leaving its loop
once a page reaches back far enough: no further page is requested. A paginator only says where
its platform puts the next page's token and how the next request carries it; the messages name
the platform's own word for the token, so an operator can find it in the platform's documentation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from extractors.errors import ExtractError, Where
from extractors.http import HttpClient

Request = TypeVar("Request")
TOO_MANY = "more than {max_pages} pages; refusing to page further"


def walk(
    fetch: Callable[[Request], Any],
    first: Request,
    next_page: Callable[[Any, Request], tuple[str, Request] | None],
    where: Where,
    *,
    max_pages: int,
    repeated: str,
    too_many: str = TOO_MANY,
    first_token: str | None = None,
) -> Iterator[Any]:
    """The pages of one listing, as ``fetch`` returns them, from the request ``first`` on.

    ``next_page(page, request)`` gives the next page's token and request, or None at the end
    (asked only once the page was handed on and the stream asked for more). A token seen before
    (``first_token`` counts as seen: a link paginator's first link) raises ``repeated``, and a
    next page after ``max_pages`` raises ``too_many``; both are formatted with ``token`` and
    ``max_pages``.
    """
    request = first
    seen = {first_token} if first_token is not None else set()
    for _ in range(max_pages):
        page = fetch(request)
        yield page
        following = next_page(page, request)
        if following is None:
            return
        token, request = following
        if token in seen:
            raise ExtractError(where, repeated.format(token=token, max_pages=max_pages))
        seen.add(token)
    raise ExtractError(where, too_many.format(token=request, max_pages=max_pages))


class Paginator(Protocol):
    def pages(
        self, client: HttpClient, path: str, params: Mapping[str, Any], where: Where
    ) -> Iterator[Any]: ...


@dataclass(frozen=True)
class SinglePage:
    """The endpoint answers in one response."""

    def pages(self, client: HttpClient, path: str, params: Mapping[str, Any], where: Where) -> Iterator[Any]:
        yield client.get_json(path, where, params)


def _json_body(client: HttpClient, path: str, query: Mapping[str, Any], where: Where) -> Any:
    return client.get_json(path, where, query)


@dataclass(frozen=True)
class TokenPaginator:
    """A token from each page goes back as a query parameter of the next request (a cursor, a
    page token): ``token_of(page)`` finds it, ``param`` carries it; ``size_param`` asks for
    ``page_size`` results a page. ``read(client, path, query, where)`` fetches and checks a page
    (default: the JSON body as sent)."""

    token_of: Callable[[Any], str | None]
    param: str
    repeated: str
    page_size: int | None = None
    size_param: str | None = None
    max_pages: int = 10_000
    read: Callable[[HttpClient, str, Mapping[str, Any], Where], Any] | None = None

    def pages(
        self,
        client: HttpClient,
        path: str,
        params: Mapping[str, Any],
        where: Where,
    ) -> Iterator[Any]:
        first = {**params, **({self.size_param: self.page_size} if self.size_param else {})}
        read = self.read or _json_body

        def next_page(page: Any, query: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
            token = self.token_of(page)
            return (token, {**query, self.param: token}) if token else None

        return walk(
            lambda query: read(client, path, query, where),
            first,
            next_page,
            where,
            max_pages=self.max_pages,
            repeated=self.repeated,
        )


@dataclass(frozen=True)
class LinkPaginator:
    """Each page links the next one (a path with its query): ``link_of(page)`` finds it."""

    link_of: Callable[[Any], str | None]
    repeated: str
    max_pages: int = 10_000

    def pages(self, client: HttpClient, first: str, where: Where) -> Iterator[Any]:
        def next_page(page: Any, _path: str) -> tuple[str, str] | None:
            link = self.link_of(page)
            return (link, link) if link is not None else None

        return walk(
            lambda path: client.get_json(path, where),
            first,
            next_page,
            where,
            max_pages=self.max_pages,
            repeated=self.repeated,
            too_many=self.repeated,
            first_token=first,
        )


def _graph_after(page: Any) -> str | None:
    paging = (page.get("paging") or {}) if isinstance(page, dict) else {}
    after = (paging.get("cursors") or {}).get("after")
    return after if paging.get("next") and after else None


class GraphCursorPaginator(TokenPaginator):
    """Meta Graph edges: request ``after=<paging.cursors.after>`` until ``paging.next`` is absent.

    A page may come back empty and still offer ``next``; we keep going. A cursor that repeats
    would loop forever, so it is an error.
    """

    def __init__(self, limit: int = 100, max_pages: int = 10_000) -> None:
        super().__init__(
            _graph_after,
            "after",
            "Graph returned the cursor {token!r} twice; paging loops",
            page_size=limit,
            size_param="limit",
            max_pages=max_pages,
        )


@dataclass(frozen=True)
class OffsetPaginator:
    """Offset paging over a report: each request asks for the rows from an offset on, until the
    total the report announces is read.

    ``rows_of(page)`` checks a page and gives its rows and the report's total; ``stalled`` (with
    ``total`` and ``offset``) and ``stalled_hint`` say what a page without rows before the total
    means. The offsets only grow, so the loop guard is the page limit.
    """

    rows_of: Callable[[Any], tuple[list[Any], int]]
    stalled: str
    stalled_hint: str = ""
    max_pages: int = 10_000

    def pages(self, fetch: Callable[[int], Any], where: Where) -> Iterator[tuple[Any, list[Any]]]:
        """Each page as ``fetch(offset)`` returns it, with its rows."""

        def read(offset: int) -> tuple[Any, list[Any], int]:
            page = fetch(offset)
            return (page, *self.rows_of(page))

        def next_page(answer: tuple[Any, list[Any], int], offset: int) -> tuple[str, int] | None:
            _, rows, total = answer
            following = offset + len(rows)
            if following >= total:
                return None
            if not rows:
                raise ExtractError(
                    where, self.stalled.format(total=total, offset=following), hint=self.stalled_hint
                )
            return str(following), following

        repeated = "offset {token} asked twice; paging loops"  # cannot happen: offsets only grow
        for page, rows, _ in walk(read, 0, next_page, where, max_pages=self.max_pages, repeated=repeated):
            yield page, rows
