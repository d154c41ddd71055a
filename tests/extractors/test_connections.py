"""A connection's host in every form Airflow stores it reaches the platform; other forms are
refused naming the connection and what to set."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from core.config import CompanyConfig
from demo.server import DemoServer
from extractors.connections import base_url, resolve_connection
from extractors.core import Window
from extractors.errors import ExtractError, Where
from extractors.facebook_pages import FacebookPages
from tests.conftest import DEMO_TODAY, DEMO_TOKEN, FAST_RETRIES

CONN = "facebook_pages_default"
ENV = "AIRFLOW_CONN_FACEBOOK_PAGES_DEFAULT"
MAIN_PAGE = "104729381726354"
WHERE = Where("facebook_pages")


def _forms(server: DemoServer) -> dict[str, str]:
    """The demo server's address in each form a user may give it, as AIRFLOW_CONN_ values."""
    port = urlsplit(server.url).port
    extra = json.dumps(FAST_RETRIES)
    token = quote(DEMO_TOKEN, safe="")

    def as_json(**fields: object) -> str:
        return json.dumps({"conn_type": "http", "password": DEMO_TOKEN, "extra": FAST_RETRIES, **fields})

    return {
        "host with scheme": as_json(host=server.url),
        "host with scheme, port field": as_json(host="http://127.0.0.1", port=port),
        "host and port fields": as_json(host="127.0.0.1", port=port),
        "localhost and port fields": as_json(host="localhost", port=port),
        "host with port, no scheme": as_json(host=f"127.0.0.1:{port}"),
        "host without scheme, schema http": as_json(host="127.0.0.1", port=port, schema="http"),
        "URI": f"http://:{token}@127.0.0.1:{port}?__extra__={quote(extra, safe='')}",
    }


@pytest.mark.parametrize(
    "form",
    [
        "host with scheme",
        "host with scheme, port field",
        "host and port fields",
        "localhost and port fields",
        "host with port, no scheme",
        "host without scheme, schema http",
        "URI",
    ],
)
def test_every_host_form_reaches_the_server(
    form: str, company: CompanyConfig, demo: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, _forms(demo)[form])
    connection = resolve_connection(CONN, WHERE)
    assert urlsplit(connection.host).port == urlsplit(demo.url).port
    assert connection.token == DEMO_TOKEN
    day = DEMO_TODAY - timedelta(days=1)
    landed = FacebookPages(company, connection).run(
        Window(day, day), tmp_path, "t1", streams=["page_snapshot"]
    )
    assert [p.rows for p in landed if p.account == MAIN_PAGE] == [1]
    assert any(r["path"].endswith(f"/{MAIN_PAGE}") for r in demo.requests())


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"host": None}, None),
        ({"host": "graph.facebook.com"}, "https://graph.facebook.com"),
        ({"host": "graph.facebook.com", "port": 8443}, "https://graph.facebook.com:8443"),
        ({"host": "demo", "port": 8000, "schema": "http"}, "http://demo:8000"),
        ({"host": "demo:8000", "conn_type": "https"}, "https://demo:8000"),
        ({"host": "127.0.0.5:8000"}, "http://127.0.0.5:8000"),
        ({"host": "[::1]:8000"}, "http://[::1]:8000"),
        ({"host": "::1", "port": 8000}, "http://[::1]:8000"),  # the host field holds a bare address
        ({"host": "2001:db8::1"}, "https://[2001:db8::1]"),
        ({"host": "http://127.0.0.1:8000/instagram", "port": 8000}, "http://127.0.0.1:8000/instagram"),
        ({"host": "https://graph.facebook.com", "schema": "HTTPS"}, "https://graph.facebook.com"),
    ],
)
def test_the_base_url_of_each_form(fields: dict, expected: str | None) -> None:
    assert base_url(CONN, WHERE, **{"host": None, **fields}) == expected


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"host": "ftp://files.example.com"}, "expected an http or https URL"),
        ({"host": "127.0.0.1", "schema": "v25.0"}, "which is not a URL scheme"),
        ({"host": "http://127.0.0.1:8000", "port": 9000}, "has the port 9000 but its host"),
        ({"host": "http://127.0.0.1", "schema": "https"}, "but the schema 'https'"),
        ({"host": None, "port": 8000}, "has a port but no host"),
        ({"host": "127.0.0.1:port"}, "which is not a URL"),
    ],
)
def test_other_forms_are_refused_naming_the_connection(fields: dict, says: str) -> None:
    with pytest.raises(ExtractError) as caught:
        base_url(CONN, WHERE, **{"host": None, **fields})
    message = str(caught.value)
    assert f"connection {CONN!r}" in message and says in message
    assert "What to do:" in message


def test_a_refused_host_stops_the_source_before_any_request(
    company: CompanyConfig, demo: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, json.dumps({"conn_type": "http", "host": "127.0.0.1", "schema": "v25.0"}))
    with pytest.raises(ExtractError, match=r"connection 'facebook_pages_default' has the host '127.0.0.1'"):
        FacebookPages(company).connection()
    assert demo.requests() == []
