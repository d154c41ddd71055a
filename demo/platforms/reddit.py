"""Reddit's Data API for the demo: the app-only token grant and post search.

Wire format as Reddit sends it (research/apis.md §7.1, §9.6):

* ``POST /api/v1/access_token`` (on ``www.reddit.com`` in production) with HTTP Basic
  ``client_id:client_secret`` and the form ``grant_type=client_credentials`` answers
  ``{"access_token", "token_type": "bearer", "expires_in": 3600, "scope": "*"}``; wrong
  credentials are a 401 ``{"message": "Unauthorized", "error": 401}``; another grant type is a
  200 ``{"error": "unsupported_grant_type"}``, as Reddit does.
* ``GET /search`` and ``GET /r/{subreddit}/search`` (on ``oauth.reddit.com``) with
  ``Authorization: bearer <token>``: a ``Listing`` (``data.after``/``before``/``dist``/``modhash``/
  ``children``) of ``t3`` links, newest first for ``sort=new`` (``top``, ``relevance``, ``hot`` by
  score, ``comments`` by comment count). ``limit`` is 1-100 (default 25; larger values are cut to
  100, as Reddit does); ``after=<fullname>`` pages on; ``t`` keeps posts created within the hour,
  day, week, month (30 days), year (365 days) before the server's today 00:00 UTC (default ``all``).
  On ``/r/{sub}/search`` only ``restrict_sr=1`` keeps the search inside the subreddit; without it
  Reddit searches everywhere. An unknown subreddit is a 404. A listing ends after
  ``REDDIT_LISTING_CAP`` posts however far back the matches go: ``data.after`` is then null.
  Without ``raw_json=1``, ``&``, ``<`` and ``>`` in titles and self text come HTML-escaped.
* Queries: ``"two words" OR word OR #tag``; terms side by side must all appear, ``OR`` joins
  alternatives; each term is matched case-insensitively against the title and self text.
* Every answer to an authenticated API request carries ``X-Ratelimit-Used``,
  ``X-Ratelimit-Remaining`` (a float string, ``"598.0"``) and ``X-Ratelimit-Reset`` (seconds to the
  end of the 10-minute window): 600 requests per token and window, then 429
  ``{"message": "Too Many Requests", "error": 429}``.
* Reddit throttles default User-Agents: a request without one, or with a library's default
  (``python-requests/...``, ``curl/...``), is a 429 at once.

The posts come from ``demo.generator.mentions`` (``reddit_posts``): self posts about a brand and
link posts sharing articles, some crossposted (``crosspost_parent``).
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import threading
import time
import weakref
from datetime import date, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from demo.generator import mentions as data
from demo.generator.common import utc_midnight
from demo.platforms import Platform
from demo.state import (
    DEMO_REDDIT_CLIENT_ID,
    DEMO_REDDIT_CLIENT_SECRET,
    DEMO_TOKENS,
    EXPIRED_DEMO_TOKEN,
    DemoState,
)

NAME = "reddit"
TOKEN_PATH = "/api/v1/access_token"
SEARCH_PATH = re.compile(r"^/search(\.json)?/?$")
SUBREDDIT_PATH = re.compile(r"^/r/[^/]+(/|$)")
CHAOS_FAULTS = ("rate_limited", "error_500")

TOKEN_LIFETIME_SECONDS = 3600
RATE_LIMIT = 600
RATE_WINDOW_SECONDS = 600
RATE_LIMITED_RESET_SECONDS = 1
"""The ``rate_limited`` fault's window ends this soon, so retry tests stay fast."""
GENERIC_AGENTS = (
    "python-requests/",
    "python-urllib3/",
    "curl/",
    "python-urllib/",
    "go-http-client/",
    "okhttp/",
    "wget/",
)
"""User-Agents Reddit throttles as unidentified clients."""

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
SORTS = ("relevance", "hot", "top", "new", "comments")
TIME_FILTERS: dict[str, timedelta | None] = {
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(days=7),
    "month": timedelta(days=30),
    "year": timedelta(days=365),
    "all": None,
}
TRUE_VALUES = ("1", "on", "true", "yes")

api_router = APIRouter()
truth_router = APIRouter()


# Errors.


class RedditError(Exception):
    """A Reddit error answer ``{"message", "error"}``: raised by route code, rendered by the handler."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.body = {"message": message, "error": status, **extra}
        self.headers = headers or {}


def error_response(error: RedditError) -> JSONResponse:
    return JSONResponse(error.body, status_code=error.status, headers=error.headers)


def unauthorized() -> RedditError:
    return RedditError(401, "Unauthorized")


def too_many_requests(headers: dict[str, str] | None = None) -> RedditError:
    return RedditError(429, "Too Many Requests", headers)


# Rate limits: 600 requests per token in 10-minute windows, on the real clock.


class RateWindows:
    """Requests counted per (token, window). ``configure`` shrinks the limits for tests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, int], int] = {}
        self.limit = RATE_LIMIT
        self.window_seconds = RATE_WINDOW_SECONDS

    def configure(self, limit: int = RATE_LIMIT, window_seconds: int = RATE_WINDOW_SECONDS) -> None:
        with self._lock:
            self.limit, self.window_seconds = limit, window_seconds
            self._counts.clear()

    def spend(self, token: str) -> tuple[dict[str, str], bool]:
        """Count one request; the headers to send and whether the window's quota was already spent."""
        now = time.time()
        with self._lock:
            window = int(now // self.window_seconds) * self.window_seconds
            self._counts = {k: v for k, v in self._counts.items() if k[1] == window}
            used = self._counts.get((token, window), 0) + 1
            self._counts[(token, window)] = used
            limit, end = self.limit, window + self.window_seconds
        headers = {
            "x-ratelimit-used": str(min(used, limit)),
            "x-ratelimit-remaining": f"{max(0, limit - used):.1f}",
            "x-ratelimit-reset": str(max(1, math.ceil(end - now))),
        }
        return headers, used > limit


_RATES: weakref.WeakKeyDictionary[DemoState, RateWindows] = weakref.WeakKeyDictionary()
_RATES_LOCK = threading.Lock()


def rate_windows(state: DemoState) -> RateWindows:
    """The rate-limit counters of one demo server."""
    with _RATES_LOCK:
        return _RATES.setdefault(state, RateWindows())


# Requests.


def _check_user_agent(request: Request) -> None:
    agent = request.headers.get("user-agent", "").strip()
    if not agent or agent.lower().startswith(GENERIC_AGENTS):
        raise too_many_requests()


def bearer_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _authorize(request: Request) -> DemoState:
    """User-Agent rule, bearer token, then the token's rate window, in the order Reddit applies them."""
    _check_user_agent(request)
    state: DemoState = request.app.state.demo
    token = bearer_token(request)
    if token is None or token == EXPIRED_DEMO_TOKEN or token not in state.tokens:
        raise unauthorized()
    headers, over = rate_windows(state).spend(token)
    request.state.reddit_rate_headers = headers
    if over:
        raise too_many_requests(headers)
    return state


@api_router.post(TOKEN_PATH)
async def access_token(request: Request) -> dict[str, Any]:
    """The client-credentials grant: an app-only token for the demo app's id and secret."""
    _check_user_agent(request)
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    try:
        client_id, _, secret = base64.b64decode(encoded.strip()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        client_id, secret = "", ""
    if scheme.lower() != "basic" or (client_id, secret) != (DEMO_REDDIT_CLIENT_ID, DEMO_REDDIT_CLIENT_SECRET):
        raise unauthorized()
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    grant = (form.get("grant_type") or [""])[0]
    if grant != "client_credentials":
        return {"error": "unsupported_grant_type"}
    return {
        "access_token": DEMO_TOKENS[NAME],
        "token_type": "bearer",
        "expires_in": TOKEN_LIFETIME_SECONDS,
        "scope": "*",
    }


# Queries.


def parse_query(q: str) -> list[list[str]]:
    """``"a b" OR c d`` -> ``[["a b"], ["c", "d"]]``: alternatives, each a list of required terms."""
    groups: list[list[str]] = [[]]
    for quoted, word in re.findall(r'"([^"]*)"|(\S+)', q):
        if not quoted and word == "OR":
            groups.append([])
            continue
        term = (quoted or word).strip().lower()
        if term:
            groups[-1].append(term)
    return [group for group in groups if group]


def matches(post: data.Sighting, query: list[list[str]]) -> bool:
    text = f"{post.title or ''}\n{post.text if post.is_self else ''}".lower()
    return any(all(term in text for term in group) for group in query)


@lru_cache(maxsize=8)
def _served(as_of: date) -> tuple[data.Sighting, ...]:
    return tuple(data.reddit_posts(as_of))


def _subreddit(name: str) -> str:
    known = {sub.lower(): sub for sub, _ in data.SUBREDDITS}
    if name.lower() not in known:
        raise RedditError(404, "Not Found")
    return known[name.lower()]


def search_results(
    q: str, today: date, subreddit: str | None = None, sort: str = "new", t: str = "all"
) -> list[data.Sighting]:
    """Every post a search finds, in the listing's order, up to the listing cap."""
    query = parse_query(q)
    period = TIME_FILTERS.get(t)
    oldest = utc_midnight(today) - period if period else None
    found = [
        post
        for post in _served(today)
        if matches(post, query)
        and (subreddit is None or post.subreddit == subreddit)
        and (oldest is None or post.created_at >= oldest)
    ]
    if sort == "new":
        found.sort(key=lambda p: (p.created_at, p.id), reverse=True)
    elif sort == "comments":
        found.sort(key=lambda p: (p.metrics["num_comments"], p.created_at, p.id), reverse=True)
    else:
        found.sort(key=lambda p: (p.metrics["score"], p.created_at, p.id), reverse=True)
    return found[: data.REDDIT_LISTING_CAP]


# Rendering.


def _id36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while number:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
    return text or "0"


def author_fullname(author: data.Author) -> str:
    """A stable ``t2_`` account fullname for a demo author."""
    digest = int(hashlib.sha256(author.id.encode()).hexdigest()[:10], 16)
    return f"t2_{_id36(digest)[:8]}"


def permalink(post: data.Sighting) -> str:
    """The post's path on reddit.com (the one the generator built its self-post URL from)."""
    if post.is_self:
        return urlsplit(post.url).path
    slug = "-".join("".join(c if c.isalnum() else " " for c in (post.title or "").lower()).split())
    return f"/r/{post.subreddit}/comments/{post.id}/{slug[:40]}/"


def escape(text: str) -> str:
    """Reddit's legacy escaping of ``&``, ``<`` and ``>``, undone by ``raw_json=1``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_post(post: data.Sighting, raw_json: bool = True) -> dict[str, Any]:
    """The ``data`` object of a ``t3`` child."""
    text = (lambda value: value) if raw_json else escape
    domain = f"self.{post.subreddit}" if post.is_self else urlsplit(post.url).netloc.removeprefix("www.")
    node: dict[str, Any] = {
        "id": post.id,
        "name": f"t3_{post.id}",
        "subreddit": post.subreddit,
        "subreddit_name_prefixed": f"r/{post.subreddit}",
        "title": text(post.title or ""),
        "selftext": text(post.text) if post.is_self else "",
        "author": post.author.username if post.author else "[deleted]",
        "author_fullname": author_fullname(post.author) if post.author else None,
        "created_utc": float(post.created_at.timestamp()),
        "score": post.metrics["score"],
        "ups": post.metrics["score"],
        "num_comments": post.metrics["num_comments"],
        "permalink": permalink(post),
        "url": post.url,
        "is_self": post.is_self,
        "subreddit_subscribers": post.subscribers,
        "over_18": False,
        "domain": domain,
    }
    if post.crosspost_parent:
        node["crosspost_parent"] = post.crosspost_parent
    return node


def listing(children: list[dict[str, Any]], after: str | None) -> dict[str, Any]:
    return {
        "kind": "Listing",
        "data": {
            "after": after,
            "dist": len(children),
            "modhash": "",
            "children": [{"kind": "t3", "data": child} for child in children],
            "before": None,
        },
    }


def _limit(raw: str | None) -> int:
    try:
        value = int(raw) if raw is not None else DEFAULT_LIMIT
    except ValueError:
        value = DEFAULT_LIMIT
    return min(MAX_LIMIT, max(1, value))


def _search(request: Request, subreddit: str | None) -> dict[str, Any]:
    state = _authorize(request)
    params = request.query_params
    if subreddit is not None:
        name = _subreddit(subreddit)
        subreddit = name if params.get("restrict_sr", "").lower() in TRUE_VALUES else None
    kinds = params.get("type")
    if kinds is not None and "link" not in kinds.split(","):
        return listing([], None)
    sort = params.get("sort", "relevance")
    t = params.get("t", "all")
    found = search_results(
        params.get("q", ""),
        state.today(),
        subreddit,
        sort if sort in SORTS else "relevance",
        t if t in TIME_FILTERS else "all",
    )
    limit = _limit(params.get("limit"))
    names = [f"t3_{post.id}" for post in found]
    after = params.get("after")
    # An ``after`` that is not in the listing (any more) gives an empty page, as on Reddit.
    first = (names.index(after) + 1 if after in names else len(names)) if after else 0
    page = found[first : first + limit]
    more = first + limit < len(found)
    raw_json = params.get("raw_json") == "1"
    return listing([render_post(post, raw_json) for post in page], names[first + limit - 1] if more else None)


@api_router.get("/search")
@api_router.get("/search.json")
def search(request: Request) -> dict[str, Any]:
    return _search(request, None)


@api_router.get("/r/{subreddit}/search")
@api_router.get("/r/{subreddit}/search.json")
def subreddit_search(request: Request, subreddit: str) -> dict[str, Any]:
    return _search(request, subreddit)


# Ground truth, computed by the generator (never through the routes above).


@truth_router.get("/posts")
def truth_posts(
    request: Request, brand: str, start: date, end: date | None = None, as_of: date | None = None
) -> list[dict[str, Any]]:
    """Posts about ``brand`` created on UTC days ``start``..``end`` (default yesterday), served on ``as_of``.

    Each is the ``t3`` data object the search serves, plus the true ``_brands`` and mention ``_key``.
    """
    if brand not in data.BRANDS_BY_SLUG:
        raise HTTPException(404, f"unknown demo brand {brand!r}; known: {sorted(data.BRANDS_BY_SLUG)}")
    today = request.app.state.demo.today()
    as_of = as_of or today
    last = end or today - timedelta(days=1)
    return [
        {**render_post(post), "_brands": list(post.brands), "_key": post.key}
        for post in _served(as_of)
        if brand in post.brands and start <= post.created_at.date() <= last
    ]


# Faults and headers.


def _fault_response(request: Request, fault: str) -> Response | None:
    if fault == "rate_limited":
        headers = {
            "x-ratelimit-used": str(RATE_LIMIT),
            "x-ratelimit-remaining": "0.0",
            "x-ratelimit-reset": str(RATE_LIMITED_RESET_SECONDS),
        }
        return error_response(too_many_requests(headers))
    if fault == "error_500":
        return error_response(RedditError(500, "Internal Server Error"))
    if fault == "error_503":
        # Reddit's CDN answers an outage with an HTML page, not JSON.
        return HTMLResponse(
            "<html><body><h1>Service Unavailable</h1><p>Our CDN was unable to reach our servers. "
            "Please check reddit status for the latest updates.</p></body></html>",
            status_code=503,
        )
    if fault == "expired_token":
        return error_response(unauthorized())
    if fault == "revoked_token":
        # The app's access was revoked: the API refuses the token, and the token endpoint then
        # refuses the app's client id and secret when the client asks for a new one.
        if request.url.path != TOKEN_PATH:
            request.app.state.demo.faults.add(TOKEN_PATH, ["revoked_token"])
        return error_response(unauthorized())
    return None


def _finish(request: Request, response: Response, fault: str | None) -> None:
    number = getattr(request.state, "request_number", 0)
    response.headers.setdefault(
        "x-reddit-request-id", hashlib.sha256(f"reddit:{number}".encode()).hexdigest()[:20]
    )
    if "x-ratelimit-used" in response.headers:
        return
    for name, value in (getattr(request.state, "reddit_rate_headers", None) or {}).items():
        response.headers[name] = value


def _error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RedditError)
    return error_response(exc)


def _claims(path: str) -> bool:
    return path == TOKEN_PATH or bool(SEARCH_PATH.match(path) or SUBREDDIT_PATH.match(path))


PLATFORM = Platform(
    name=NAME,
    claims=_claims,
    api_router=api_router,
    truth_router=truth_router,
    fault_response=_fault_response,
    finish=_finish,
    chaos_faults=CHAOS_FAULTS,
    exception_handlers={RedditError: _error_handler},
)
