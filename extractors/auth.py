"""How sources authenticate: a bearer token from the connection's password.

Reddit's app-only token (the OAuth client-credentials grant) lives with Reddit
(``extractors.reddit.auth``): its failures are read in Reddit's own words.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from extractors.connections import ConnectionInfo
from extractors.errors import ExtractError, Where
from extractors.http import ErrorPolicy, HttpClient, RetryPolicy


def require_token(source: str, connection: ConnectionInfo, hint: str, kind: str = "access token") -> str:
    """The connection's token (its password); a clear error naming the connection without one."""
    if not connection.token:
        raise ExtractError(Where(source), f"connection {connection.conn_id!r} has no {kind}", hint=hint)
    return connection.token


def bearer_client(
    source: str,
    connection: ConnectionInfo,
    *,
    default_url: str,
    policy: ErrorPolicy,
    hint: str,
    kind: str = "access token",
    headers: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> HttpClient:
    """The shared HTTP client for a platform that takes ``Authorization: Bearer <token>``.

    The host defaults to ``default_url``, the retries come from the connection's extras, and the
    token is kept out of every log line and error. ``hint`` says where the token comes from.
    """
    token = require_token(source, connection, hint, kind)
    return HttpClient(
        base_url=connection.host or default_url,
        policy=policy,
        retry=RetryPolicy.from_extra(connection.extra),
        headers={"Authorization": f"Bearer {token}", **(headers or {})},
        secrets=[token],
        sleep=sleep,
    )
