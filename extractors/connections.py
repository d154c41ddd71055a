"""Credentials and base URLs come from Airflow connections, inside Airflow and out.

Inside a task, Airflow resolves the connection from its metadata database or secrets backend.
From the command line the same call reads ``AIRFLOW_CONN_<CONN_ID>`` environment variables (URI
or JSON form), so a deployment keeps one place for secrets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from extractors.errors import ExtractError, Where


@dataclass(frozen=True)
class ConnectionInfo:
    """What an extractor needs from a connection. ``token`` never reaches a log or a file."""

    conn_id: str
    host: str | None
    token: str = field(repr=False)
    extra: dict[str, Any] = field(default_factory=dict)
    login: str = ""
    """The connection's login (an OAuth client id, e.g. Reddit's), when the platform needs one."""


def resolve_connection(conn_id: str, where: Where) -> ConnectionInfo:
    """Look up an Airflow connection; a missing one is a clear, fatal error."""
    from airflow.sdk import BaseHook  # heavy import, only when a source actually runs

    try:
        connection = BaseHook.get_connection(conn_id)
    except Exception as error:  # Airflow raises several types here depending on the backend
        env = "AIRFLOW_CONN_" + conn_id.upper()
        raise ExtractError(
            where,
            f"Airflow connection {conn_id!r} is not available ({type(error).__name__})",
            hint=f"create it with `airflow connections add {conn_id} ...` or set {env}",
        ) from None
    return ConnectionInfo(
        conn_id=conn_id,
        host=connection.host or None,
        token=connection.password or "",
        extra=dict(connection.extra_dejson or {}),
        login=connection.login or "",
    )
