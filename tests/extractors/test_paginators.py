"""The one paging loop: every platform's paginator ends, stops early, and refuses a loop.

A local HTTP server answers each platform's listing in its own wire shape with a token that
comes back again (a platform bug that would page forever) or that never ends; each paginator
must stop with the platform's own message, naming the token. The demo server never loops, so
these answers are written here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from extractors.errors import ExtractError, Where
from extractors.facebook_pages import HINTS
from extractors.graph import graph_rules, read_graph_error
from extractors.http import HttpClient, RetryPolicy
from extractors.linkedin import POSTS_PAGES
from extractors.paginators import GraphCursorPaginator, LinkPaginator, OffsetPaginator, TokenPaginator, walk
from extractors.reddit.api import LISTING
from extractors.responses import ResponseRules
from extractors.x.api import NextTokenPaginator
from extractors.youtube import UPLOADS

WHERE = Where("test", "stream", "acct", "2026-11-01..2026-11-02")


class Pages(BaseHTTPRequestHandler):
    """Answers GET /<shape>?...: page n of a listing whose next token is always ``"again"``
    (``loop``) or ``"p<n+1>"`` (``endless``), in the shape of each platform."""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        shape, mode = url.path.strip("/").split("/")[:2]
        query = parse_qs(url.query)
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        token = "again" if mode == "loop" else f"p{len(self.server.requests)}"  # type: ignore[attr-defined]
        body: Any = {
            "graph": {"data": [{"id": "1"}], "paging": {"cursors": {"after": token}, "next": "https://x"}},
            "x": {"data": [{"id": "1"}], "meta": {"next_token": token, "result_count": 1}},
            "youtube": {"items": [], "nextPageToken": token},
            "linkedin": {"elements": [], "paging": {"links": [{"rel": "next", "href": f"/linkedin/{mode}"}]}},
            "reddit": {"kind": "Listing", "data": {"children": [], "after": token}},
        }[shape]
        if shape == "linkedin" and mode == "endless":
            body["paging"]["links"][0]["href"] = (
                f"/linkedin/endless?start={len(query) + len(self.server.requests)}"  # type: ignore[attr-defined]
            )
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self) -> None:
        """A report of 5 rows read by offset and limit (GA4's runReport shape); ``stall`` stops
        answering rows after the third, as a report that changed while it was paged."""
        mode = urlsplit(self.path).path.strip("/").split("/")[1]
        ask = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append((self.path, ask["offset"]))  # type: ignore[attr-defined]
        offset, limit = int(ask["offset"]), int(ask["limit"])
        last = 3 if mode == "stall" else 5
        rows = [{"n": n} for n in range(offset, min(offset + limit, last))]
        payload = json.dumps({"rows": rows, "rowCount": 5} if rows or offset < 5 else {}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    httpd.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()


@pytest.fixture
def client(server: ThreadingHTTPServer) -> Iterator[HttpClient]:
    http = HttpClient(
        f"http://127.0.0.1:{server.server_address[1]}",
        ResponseRules(read_graph_error, graph_rules(HINTS)),
        RetryPolicy(),
    )
    yield http
    http.close()


def pages_of(paginator: Any, client: HttpClient, shape: str, mode: str) -> list[Any]:
    if isinstance(paginator, LinkPaginator):
        return list(paginator.pages(client, f"/{shape}/{mode}", WHERE))
    return list(paginator.pages(client, f"/{shape}/{mode}", {"q": "lumo"}, WHERE))


LOOPS = [
    pytest.param(
        GraphCursorPaginator(), "graph", "Graph returned the cursor 'again' twice; paging loops", id="graph"
    ),
    pytest.param(NextTokenPaginator(), "x", "X returned the next_token 'again' twice; paging loops", id="x"),
    pytest.param(
        UPLOADS, "youtube", "the Data API returned the page token 'again' twice; paging loops", id="youtube"
    ),
    pytest.param(
        POSTS_PAGES,
        "linkedin",
        "LinkedIn's paging repeats or never ends (at '/linkedin/loop')",
        id="linkedin",
    ),
    pytest.param(LISTING, "reddit", "Reddit returned the cursor 'again' twice; paging loops", id="reddit"),
]


@pytest.mark.parametrize(("paginator", "shape", "message"), LOOPS)
def test_a_token_that_comes_back_stops_the_walk_with_the_platforms_message(
    paginator: Any, shape: str, message: str, client: HttpClient, server: ThreadingHTTPServer
) -> None:
    with pytest.raises(ExtractError) as caught:
        pages_of(paginator, client, shape, "loop")
    assert message in str(caught.value) and "stream=stream account=acct" in str(caught.value)
    # Graph, X, YouTube and Reddit see the token twice on the second page; LinkedIn's first link
    # counts as seen, so its first "next" (the same link) is already a repeat.
    assert len(server.requests) == (1 if shape == "linkedin" else 2)


@pytest.mark.parametrize(
    ("paginator", "shape", "message"),
    [
        pytest.param(TokenPaginator(lambda b: b["meta"]["next_token"], "t", "{token}", max_pages=3), "x",
                     "more than 3 pages; refusing to page further", id="token"),
        pytest.param(LinkPaginator(lambda b: b["paging"]["links"][0]["href"], "never ends (at {token!r})", 3),
                     "linkedin", "never ends (at '/linkedin/endless?start=", id="link"),
    ],
)  # fmt: skip
def test_a_listing_longer_than_max_pages_is_refused(
    paginator: Any, shape: str, message: str, client: HttpClient, server: ThreadingHTTPServer
) -> None:
    with pytest.raises(ExtractError, match=message.replace("?", r"\?").replace("(", r"\(")):
        pages_of(paginator, client, shape, "endless")
    assert len(server.requests) == 3


def test_the_next_token_goes_back_as_the_platforms_parameter(
    client: HttpClient, server: ThreadingHTTPServer
) -> None:
    walked = NextTokenPaginator(page_size=10, max_pages=2, token_param="next_token")
    with pytest.raises(ExtractError, match="more than 2 pages"):
        pages_of(walked, client, "x", "endless")
    first, second = (parse_qs(urlsplit(path).query) for path in server.requests)
    assert first == {"q": ["lumo"], "max_results": ["10"]}
    assert second == {"q": ["lumo"], "max_results": ["10"], "next_token": ["p1"]}


def test_a_stream_that_leaves_a_newest_first_walk_asks_for_no_further_page() -> None:
    fetched: list[int] = []

    def fetch(n: int) -> dict[str, Any]:
        fetched.append(n)
        return {"n": n, "oldest": 100 - 10 * n}

    read = []
    for page in walk(fetch, 0, lambda page, n: (f"t{n + 1}", n + 1), WHERE, max_pages=50, repeated="{token}"):
        read.append(page["n"])
        if page["oldest"] < 75:  # this page reached back far enough: the rest is older
            break
    assert read == [0, 1, 2, 3]
    assert fetched == [0, 1, 2, 3]  # the page after it is never asked for


def test_leaving_a_paginator_s_walk_sends_no_further_request(
    client: HttpClient, server: ThreadingHTTPServer
) -> None:
    tokens = []
    for body in UPLOADS.pages(client, "/youtube/endless", {"q": "lumo"}, WHERE):
        tokens.append(body["nextPageToken"])
        if len(tokens) == 3:
            break
    assert tokens == ["p1", "p2", "p3"] and len(server.requests) == 3


def test_a_walk_ends_when_no_next_page_is_offered() -> None:
    pages = walk(lambda n: n, 0, lambda page, n: (f"t{n}", n + 1) if n < 2 else None, WHERE, max_pages=5,
                 repeated="{token}")  # fmt: skip
    assert list(pages) == [0, 1, 2]


REPORT = OffsetPaginator(
    lambda body: (body.get("rows", []), int(body.get("rowCount", 0))),
    "the report holds {total} rows but returned none at offset {offset}",
    "re-run; the report changed while it was being paged",
)


def report(client: HttpClient, mode: str, offset: int) -> Any:
    return client.post_json(f"/ga4/{mode}", WHERE, {"offset": str(offset), "limit": "2"})


def test_an_offset_walk_reads_until_the_reported_total(client: HttpClient, server) -> None:
    pages = REPORT.pages(lambda offset: report(client, "full", offset), WHERE)
    assert [[row["n"] for row in rows] for _, rows in pages] == [[0, 1], [2, 3], [4]]
    assert [offset for _, offset in server.requests] == ["0", "2", "4"], "no request after the total"


def test_an_offset_walk_that_stops_short_of_its_total_is_an_error(client: HttpClient, server) -> None:
    pages = REPORT.pages(lambda offset: report(client, "stall", offset), WHERE)
    with pytest.raises(ExtractError) as caught:
        list(pages)
    assert caught.value.message == "the report holds 5 rows but returned none at offset 3"
    assert caught.value.hint == "re-run; the report changed while it was being paged"
