"""Reddit's Data API conventions: its error answers and rate-limit headers (read by ``RULES``),
its app-only token (``token``: the client-credentials grant, whose refusals ``TOKEN_RULES``
read) and the Listing paging (``after`` cursors).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import requests

from core.settings import utc_now
from extractors.auth import ClientCredentials, RefreshOnce
from extractors.connections import ConnectionInfo
from extractors.errors import ExtractError, Where
from extractors.http import HttpClient, RetryPolicy
from extractors.paginators import TokenPaginator
from extractors.responses import (
    Failure,
    ResponseRules,
    Rule,
    anything,
    json_object,
    retry_after,
    server_side,
    status,
)

NAME = "reddit"
DEFAULT_BASE_URL = "https://oauth.reddit.com"
PAGE_SIZE = 100
MAX_PAGES = 50
RESET_MARGIN_SECONDS = 1.0
"""Wait this long past ``X-Ratelimit-Reset``: the header has whole seconds and clocks drift."""


def error_body(response: requests.Response) -> dict[str, Any]:
    return json_object(response) or {}


def label_of(response: requests.Response) -> str:
    body = error_body(response)
    # ``error`` repeats the status in API errors and names the problem in OAuth ones.
    parts = [body.get("message"), body.get("reason"), body.get("error")]
    text = " ".join(str(p) for p in parts if p is not None and str(p) != str(response.status_code))
    return f"HTTP {response.status_code}" + (f" {text}" if text else "")


def header_seconds(response: requests.Response, name: str) -> float | None:
    try:
        return max(0.0, float(response.headers[name]))
    except (KeyError, ValueError):
        return None


def read_error(response: requests.Response) -> Failure:
    return Failure(response, label_of(response), error_body(response))


def _rate_limit_wait(failure: Failure) -> float | None:
    reset = header_seconds(failure.response, "x-ratelimit-reset")
    return reset + RESET_MARGIN_SECONDS if reset is not None else retry_after(failure)


RULES = (
    Rule(
        status(401),
        "fail",
        "Reddit rejected a freshly issued access token ({label})",
        hint="check the client id (login) and secret (password) of the Airflow connection "
        "{conn_id!r}, and that the app still exists at reddit.com/prefs/apps",
    ),
    Rule(status(429), "retry", "rate limited ({label})", wait=_rate_limit_wait),
    Rule(server_side, "retry"),
    Rule(
        status(403),
        "fail",
        "Reddit refused access ({label})",
        hint="a configured subreddit is private, quarantined or banned: remove it from "
        "sources.reddit.subreddits in the company config",
    ),
    Rule(
        status(404),
        "fail",
        lambda failure: f"Reddit found nothing at {failure.response.url.split('?')[0]} ({failure.label})",
        hint="check the names in sources.reddit.subreddits (without r/) and the connection's host",
    ),
    Rule(anything, "fail", "Reddit refused the request ({label})"),
)
"""Reddit's failures once the token is settled (``policy``); a 401 reaching the table came right
after a fresh token."""

TOKEN_RULES = (
    Rule(status(429), "retry", "token endpoint throttled ({label})", wait=_rate_limit_wait),
    Rule(server_side, "retry", "token endpoint failed ({label})", wait=lambda failure: None),
    Rule(
        status(400, 401, 403),
        "fail",
        "Reddit refused the app's client id and secret at {token_url} ({label})",
        hint="put the Reddit app's client id in the login and its secret in the password of the "
        "Airflow connection {conn_id!r} (reddit.com/prefs/apps; a 'script' or 'web app' app can "
        "use the client-credentials grant)",
    ),
)
"""What the token endpoint's refusals mean (``extractors.auth.ClientCredentials``)."""


def rest_when_spent(response: requests.Response) -> float:
    """When less than one request is left in the window, rest until ``X-Ratelimit-Reset``."""
    remaining = header_seconds(response, "x-ratelimit-remaining")
    if remaining is None or remaining >= 1:
        return 0.0
    return (header_seconds(response, "x-ratelimit-reset") or 0.0) + RESET_MARGIN_SECONDS


def token(
    token_url: str, connection: ConnectionInfo, user_agent: str, retry: RetryPolicy
) -> ClientCredentials:
    """The app-only token of the Reddit app in ``connection`` (client id in the login, secret in
    the password)."""
    return ClientCredentials(
        "Reddit",
        token_url,
        (connection.login, connection.token),
        read=read_error,
        refusals=TOKEN_RULES,
        no_token_hint="check extra.token_url in the connection; it must be Reddit's "
        "/api/v1/access_token endpoint",
        retry=retry,
        headers={"User-Agent": user_agent},
        context={"conn_id": connection.conn_id},
    )


def policy(auth: ClientCredentials, conn_id: str) -> RefreshOnce:
    """Reddit's rules behind the token's own 401 handling, resting when the window is spent."""
    return RefreshOnce(
        auth, ResponseRules(read_error, RULES, pause=rest_when_spent, context={"conn_id": conn_id})
    )


def listing_page(client: HttpClient, path: str, query: Mapping[str, Any], where: Where) -> dict[str, Any]:
    """A page's Listing ``data`` (children and the ``after`` cursor)."""
    body = client.get_json(path, where, query)
    data = body.get("data") if isinstance(body, dict) and body.get("kind") == "Listing" else None
    if not isinstance(data, dict):
        raise ExtractError(
            where,
            f"expected a Listing, got {client.redact(str(body)[:200])!r}",
            hint="check that the connection's host points at Reddit's OAuth API (https://oauth.reddit.com)",
        )
    return data


LISTING = TokenPaginator(
    lambda data: data.get("after"),
    "after",
    "Reddit returned the cursor {token!r} twice; paging loops",
    page_size=PAGE_SIZE,
    size_param="limit",
    max_pages=MAX_PAGES,
    read=listing_page,
)


def listing_pages(
    client: HttpClient, path: str, params: Mapping[str, Any], where: Where
) -> Iterator[list[dict[str, Any]]]:
    """The ``data`` objects of each page's ``t3`` children, passing ``data.after`` on until it is null."""
    for data in LISTING.pages(client, path, params, where):
        yield [c["data"] for c in data.get("children") or [] if c.get("kind") == "t3" and c.get("data")]


def utc_clock() -> datetime:
    return utc_now()
