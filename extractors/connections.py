"""Credentials and base URLs come from Airflow connections, inside Airflow and out.

Inside a task, Airflow resolves the connection from its metadata database or secrets backend.
From the command line the same call reads ``AIRFLOW_CONN_<CONN_ID>`` environment variables (URI
or JSON form), so a deployment keeps one place for secrets.

A connection's host, when set, is the base URL the platform's requests go to (the demo and the
tests point it at local servers). Every form Airflow stores becomes one URL (``base_url``):

* a host with its scheme, ``https://graph.example.com`` or ``http://127.0.0.1:8000``
  (the port field, if also set, is added when the host has none);
* a host without a scheme, as the URI form (``http://:TOKEN@127.0.0.1:8000``) and the separate
  host and port fields store it: the scheme is the ``schema`` field when it is ``http`` or
  ``https`` (Airflow's HTTP connections keep the scheme there), else ``https`` for a URI of type
  ``https``, else ``http`` for a loopback host (localhost, 127.0.0.0/8, ``::1`` bare or as
  ``[::1]``) and ``https`` for any other, so a token never travels in clear text to another
  machine by default.

Anything else (another scheme, a port that contradicts the host's, a port or schema without a
host) is refused naming the connection and the field to set.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

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
        host=base_url(
            conn_id,
            where,
            host=connection.host,
            port=connection.port,
            schema=connection.schema,
            conn_type=connection.conn_type,
        ),
        token=connection.password or "",
        extra=dict(connection.extra_dejson or {}),
        login=connection.login or "",
    )


SCHEMES = ("http", "https")
_FORMS = (
    "give the host with its scheme (https://api.example.com or http://127.0.0.1:8000), or a "
    "host without one and set the connection's schema field to http or https"
)


def _is_loopback(hostname: str) -> bool:
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname.strip("[]")).is_loopback
    except ValueError:
        return False


def _is_ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).version == 6
    except ValueError:
        return False


def base_url(
    conn_id: str,
    where: Where,
    *,
    host: str | None,
    port: int | None = None,
    schema: str | None = None,
    conn_type: str | None = None,
) -> str | None:
    """The base URL a connection's host, port and schema fields name, or None when the host is
    empty (the platform's real API). See the module docstring for the forms accepted."""
    host = (host or "").strip()
    schema = (schema or "").strip().lower()
    if not host:
        if port or schema:
            field_name = "port" if port else "schema"
            raise ExtractError(
                where,
                f"connection {conn_id!r} has a {field_name} but no host",
                hint="set the host too (e.g. http://127.0.0.1:8000), or clear the "
                f"{field_name} to use the platform's real API",
            )
        return None
    if "://" not in host:
        if _is_ipv6(host):  # a bare address, as Airflow's host field holds it: "::1"
            host = f"[{host}]"
        if schema and schema not in SCHEMES:
            raise ExtractError(
                where,
                f"connection {conn_id!r} has the host {host!r} without a scheme and the schema "
                f"{schema!r}, which is not a URL scheme",
                hint=_FORMS,
            )
        hostname = urlsplit(f"//{host}").hostname or ""
        if schema:
            scheme = schema
        elif (conn_type or "").lower() == "https":
            scheme = "https"
        else:
            scheme = "http" if _is_loopback(hostname) else "https"
        host = f"{scheme}://{host}"
    try:
        parts = urlsplit(host)
        host_port = parts.port
    except ValueError as error:
        raise ExtractError(
            where, f"connection {conn_id!r} has the host {host!r}, which is not a URL ({error})", hint=_FORMS
        ) from None
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise ExtractError(
            where,
            f"connection {conn_id!r} has the host {host!r}: expected an http or https URL",
            hint=_FORMS,
        )
    if schema in SCHEMES and schema != parts.scheme.lower():
        raise ExtractError(
            where,
            f"connection {conn_id!r} has the host {host!r} but the schema {schema!r}",
            hint="keep the scheme in one place: clear the schema field or the scheme in the host",
        )
    if port:
        if host_port is not None and host_port != int(port):
            raise ExtractError(
                where,
                f"connection {conn_id!r} has the port {port} but its host {host!r} names port {host_port}",
                hint="keep the port in one place: clear the port field or the port in the host",
            )
        if host_port is None:
            netloc = f"{parts.netloc}:{int(port)}"
            host = parts._replace(netloc=netloc).geturl()
    return host
