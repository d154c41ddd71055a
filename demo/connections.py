"""The Airflow connections that point every source at the demo server: one list for ``make demo``
and the tests.

The demo serves each platform under the path its real API uses (Instagram, which shares Graph's
paths with Facebook, under ``/instagram``), so only the host differs from production. The demo
throttles and fails on purpose; short backoffs keep the demo quick. A source without a demo token
(public feeds) gets a connection without a password. LinkedIn retires an API version a year after
its release: the demo asks for the one released three months before its today (default: the
demo's today), as a deployment keeps its version current.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from demo.state import DEMO_REDDIT_CLIENT_ID, DEMO_REDDIT_CLIENT_SECRET, DEMO_TOKENS
from demo.story import demo_today

FAST = {"backoff_base_seconds": 0.2, "usage_pause_seconds": 1}


def connection_fields(
    base_url: str, tokens: Mapping[str, str] = DEMO_TOKENS, today: date | None = None
) -> dict[str, dict[str, Any]]:
    """Source -> its connection (``conn_type``, ``host``, ``login``, ``password``, ``extra``)."""
    month = (today or demo_today()).replace(day=1)
    for _ in range(3):
        month = (month - timedelta(days=1)).replace(day=1)
    connections: dict[str, dict[str, Any]] = {
        "facebook_pages": {"host": base_url, "extra": {"api_version": "v25.0", **FAST}},
        "instagram": {"host": f"{base_url}/instagram", "extra": {"api_version": "v25.0", **FAST}},
        "x": {"host": base_url, "extra": FAST},
        "linkedin": {"host": base_url, "extra": {"linkedin_version": f"{month:%Y%m}", **FAST}},
        "youtube": {"host": base_url, "extra": {"analytics_host": f"{base_url}/youtubeanalytics", **FAST}},
        "google_analytics": {"host": base_url, "extra": FAST},
        "reddit": {  # the app's client id and secret; its token endpoint hands out the token
            "host": base_url,
            "login": DEMO_REDDIT_CLIENT_ID,
            "password": DEMO_REDDIT_CLIENT_SECRET,
            "extra": {
                "user_agent": "python:lumo-listening-demo:1.0 (by /u/lumo_data)",
                "token_url": f"{base_url}/api/v1/access_token",
                **FAST,
            },
        },
        "rss": {"host": base_url, "extra": FAST},  # public feeds: no password
    }
    return {
        source: {
            "conn_type": "http",
            **({"password": tokens[source]} if source in tokens else {}),
            **connection,
        }
        for source, connection in connections.items()
    }


def conn_id(source: str) -> str:
    """The Airflow connection a source reads (the product's ``Source.conn_id``)."""
    return f"{source}_default"


def env_name(connection: str) -> str:
    """The environment variable Airflow reads the connection ``connection`` from."""
    return f"AIRFLOW_CONN_{connection.upper()}"


def demo_connections(
    base_url: str, tokens: Mapping[str, str] = DEMO_TOKENS, today: date | None = None
) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` variables pointing every source at the demo server (how a deployment
    injects connections too)."""
    return {
        env_name(conn_id(source)): json.dumps(fields)
        for source, fields in connection_fields(base_url, tokens, today).items()
    }


def alert_fields(smtp_host: str, smtp_port: int, webhook_url: str) -> dict[str, dict[str, Any]]:
    """The alert channels' connections: email through an SMTP server with neither TLS nor login
    (a local catcher), the webhook to ``webhook_url``."""
    return {
        "smtp_default": {
            "conn_type": "smtp",
            "host": smtp_host,
            "port": smtp_port,
            "extra": {"from_email": "alerts@lumo.example", "disable_ssl": True, "disable_tls": True},
        },
        "alerts_webhook": {"conn_type": "http", "host": webhook_url},
    }
