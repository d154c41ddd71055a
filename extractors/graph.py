"""Meta's Graph API conventions, shared by Facebook Pages and Instagram.

Time: a daily insight value is stamped with ``end_time`` = the following midnight in US Pacific
time, expressed in UTC (07:00Z in summer, 08:00Z in winter); the value belongs to the Pacific
day before it. Errors: throttling arrives as HTTP 400/403 with error code 4, 17, 32, 613 or
800xx and no ``Retry-After``; usage headers (``X-App-Usage``, ``X-Page-Usage``,
``X-Business-Use-Case-Usage``) warn before the limit and say how long until access returns; an
expired token is code 190, a retired metric or bad parameter code 100. Each platform gives its
own hints for the fatal codes (``GraphHints``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import requests

from core.config import Account
from extractors.connections import ConnectionInfo
from extractors.core import Record, Stream, Window
from extractors.errors import ExtractError, Where
from extractors.http import RETRIABLE_STATUS, HttpClient, retry_after_seconds, segment
from extractors.paginators import GraphCursorPaginator, SinglePage
from extractors.responses import (
    Failure,
    ResponseRules,
    Rule,
    code,
    error_object,
    flag,
    server_side,
    status,
    without_error_body,
)

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v25.0"
PACIFIC = ZoneInfo("America/Los_Angeles")
GRAPH_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"

THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80000, 80010), 80014})
TRANSIENT_CODES = frozenset({1, 2})
PERMISSION_CODES = frozenset({10, *range(200, 300)})
USAGE_THRESHOLD_PERCENT = 95


def pacific_day(end_time: str) -> date:
    """The day a daily Graph insight value belongs to: the Pacific day before ``end_time``."""
    return (datetime.strptime(end_time, GRAPH_TIME_FORMAT).astimezone(PACIFIC) - timedelta(days=1)).date()


def graph_time(value: str) -> datetime:
    return datetime.strptime(value, GRAPH_TIME_FORMAT)


def api_version(connection: ConnectionInfo) -> str:
    return str(connection.extra.get("api_version", DEFAULT_API_VERSION))


# ------------------------------------------------------------------------------------- errors


def _usage_entries(response: requests.Response) -> list[dict[str, Any]]:
    """Usage dicts from ``X-App-Usage``, ``X-Page-Usage`` and ``X-Business-Use-Case-Usage``."""
    entries: list[dict[str, Any]] = []
    for header in ("X-App-Usage", "X-Page-Usage"):
        raw = response.headers.get(header)
        if raw:
            try:
                value = json.loads(raw)
            except ValueError:
                continue
            if isinstance(value, dict):
                entries.append(value)
    raw = response.headers.get("X-Business-Use-Case-Usage")
    if raw:
        try:
            value = json.loads(raw)
        except ValueError:
            value = {}
        for per_object in value.values() if isinstance(value, dict) else []:
            entries.extend(e for e in per_object if isinstance(e, dict))
    return entries


def _regain_access_seconds(response: requests.Response) -> float:
    minutes = [float(e.get("estimated_time_to_regain_access") or 0) for e in _usage_entries(response)]
    return max(minutes, default=0.0) * 60


def read_graph_error(response: requests.Response) -> Failure:
    """Graph's ``{"error": {"code", "error_subcode", "message", "is_transient"}}``."""
    error = error_object(response)
    if error is None:
        return Failure(response, f"HTTP {response.status_code}")
    subcode = error.get("error_subcode")
    message = str(error.get("message", ""))
    label = f"Graph error {error.get('code')}" + (f"/{subcode}" if subcode else "") + f": {message}"
    return Failure(response, label, error, error.get("code"), message)


def _throttle_wait(failure: Failure) -> float | None:
    wait = max(_regain_access_seconds(failure.response), retry_after_seconds(failure.response) or 0.0)
    return wait or None


def usage_pause(response: requests.Response, usage_pause_seconds: float) -> float:
    """Rest when a usage header reports a quota 95 % spent: until access returns, at least
    ``usage_pause_seconds``."""
    entries = _usage_entries(response)
    busiest = max(
        (float(e.get(k) or 0) for e in entries for k in ("call_count", "total_time", "total_cputime")),
        default=0.0,
    )
    if busiest < USAGE_THRESHOLD_PERCENT:
        return 0.0
    return max(_regain_access_seconds(response), usage_pause_seconds)


@dataclass(frozen=True)
class GraphHints:
    """What to do about the fatal Graph codes, in the platform's own words (``{conn_id}`` is
    the connection)."""

    token: str
    refused: str
    permission: str


def graph_rules(hints: GraphHints) -> tuple[Rule, ...]:
    return (
        *without_error_body(
            "Graph",
            hint="check the connection's host points at the Graph API",
            retried=status(*RETRIABLE_STATUS),
        ),
        Rule(code(*THROTTLE_CODES), "retry", "throttled ({label})", wait=_throttle_wait),
        Rule(code(*TRANSIENT_CODES) | flag("is_transient") | server_side, "retry"),
        Rule(code(190, 104), "fail", "access token rejected ({label})", hints.token),
        Rule(code(100), "fail", "Graph refused the request ({label})", hints.refused),
        Rule(code(*PERMISSION_CODES), "fail", "permission denied ({label})", hints.permission),
    )


def graph_policy(connection: ConnectionInfo, hints: GraphHints) -> ResponseRules:
    pause_seconds = float(connection.extra.get("usage_pause_seconds", 30.0))
    return ResponseRules(
        read_graph_error,
        graph_rules(hints),
        pause=lambda response: usage_pause(response, pause_seconds),
        context={"conn_id": connection.conn_id},
    )


# ------------------------------------------------------------------------------------ reading


def graph_data(body: Any, where: Where, client: HttpClient) -> list[Record]:
    """The ``data`` list of a Graph answer; a clear error for any other shape."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise ExtractError(
            where,
            "unexpected payload: expected an object with a 'data' list, got "
            f"{client.redact(str(body)[:200])!r}",
            hint="the API answered in an unknown shape; check the api_version in the connection",
        )
    return body["data"]


def edge_items(
    client: HttpClient, paginator: GraphCursorPaginator, path: str, params: dict[str, Any], where: Where
) -> Iterator[Record]:
    """Every item of a cursor-paged Graph edge once (a list that shifts while we page repeats one)."""
    seen: set[str] = set()
    for body in paginator.pages(client, path, params, where):
        for item in graph_data(body, where, client):
            if item["id"] not in seen:
                seen.add(item["id"])
                yield item


class GraphNodeSnapshot(Stream):
    """A Graph node's ``fields`` (``/{version}/{account id}``) as of the run: a snapshot stream."""

    fields: ClassVar[str]
    node_kind: ClassVar[str]  # for the error message, e.g. "page object"

    def __init__(self, version: str):
        self.version = version

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        for node in SinglePage().pages(
            client, f"{self.version}/{segment(account.id)}", {"fields": self.fields}, where
        ):
            if not isinstance(node, dict) or "id" not in node:
                raise ExtractError(where, f"unexpected {self.node_kind}: {client.redact(str(node)[:200])!r}")
            yield window.end, node
