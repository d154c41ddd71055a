"""Meta Graph API wire conventions shared by every Graph-backed platform (Facebook Pages, later Instagram).

What a Graph client sees besides the data: version prefixes, token checks, the error body and its
codes, throttle responses, usage headers, and the ``fields=`` expansion syntax. Bodies and codes
follow the real API (see research/apis.md §1); the demo's platforms only add their nodes and edges.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.convertors import Convertor, register_url_convertor

from demo.generator.common import PACIFIC
from demo.state import EXPIRED_DEMO_TOKEN

GRAPH_PATH = re.compile(r"^/v[0-9]+\.0(/|$)")
"""Request paths the Graph platforms own."""

CHAOS_FAULTS = ("throttle_4", "throttle_17", "throttle_32", "throttle_613", "throttle_80001", "error_500")

THROTTLES: dict[int, tuple[int, str]] = {
    4: (403, "(#4) Application request limit reached"),
    17: (400, "(#17) User request limit reached"),
    32: (400, "(#32) Page request limit reached"),
    613: (400, "(#613) Calls to this api have exceeded the rate limit."),
    80001: (
        400,
        "(#80001) There have been too many calls to this Page account. Wait a bit and try again. "
        "For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
    ),
}

RETIRED_METRICS = frozenset(
    {
        "page_impressions",
        "page_impressions_unique",
        "page_impressions_paid",
        "page_impressions_paid_unique",
        "page_impressions_organic",
        "page_impressions_organic_unique",
        "page_impressions_organic_v2",
        "page_impressions_organic_unique_v2",
        "page_impressions_viral",
        "page_impressions_viral_unique",
        "page_impressions_nonviral",
        "page_impressions_nonviral_unique",
        "page_fans",
        "page_fans_city",
        "page_fans_country",
        "page_fans_locale",
        "page_fans_gender_age",
        "page_fan_adds",
        "page_fan_adds_unique",
        "page_fan_removes",
        "page_fan_removes_unique",
        "page_engaged_users",
        "page_consumptions",
        "page_consumptions_unique",
        "page_posts_impressions",
        "page_posts_impressions_unique",
        "page_posts_impressions_paid",
        "page_posts_impressions_paid_unique",
        "page_posts_impressions_organic",
        "page_posts_impressions_organic_unique",
        "page_posts_impressions_viral",
        "page_posts_impressions_viral_unique",
        "post_impressions",
        "post_impressions_unique",
        "post_impressions_paid",
        "post_impressions_paid_unique",
        "post_impressions_organic",
        "post_impressions_organic_unique",
        "post_impressions_viral",
        "post_impressions_viral_unique",
        "post_impressions_fan",
        "post_impressions_fan_unique",
        "post_engaged_users",
        "post_engaged_fan",
        "post_consumptions",
        "post_consumptions_unique",
    }
)
"""Metrics Meta has retired: asking for any of them fails the whole request with error 100."""

METRIC_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class GraphVersionConvertor(Convertor[str]):
    """Matches ``v19.0``, ``v25.0``... so routes accept any Graph version."""

    regex = r"v[0-9]+\.0"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("graph_version", GraphVersionConvertor())


@dataclass(eq=False)
class GraphError(Exception):
    """A Graph API error; raised by route code, rendered by :func:`error_response`."""

    code: int
    message: str
    status: int = 400
    subcode: int | None = None
    type: str = "OAuthException"
    is_transient: bool | None = None
    user_title: str | None = None
    user_msg: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"Graph error {self.code}: {self.message}"

    def body(self, trace_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.is_transient is not None:
            error["is_transient"] = self.is_transient
        if self.user_title is not None:
            error["error_user_title"] = self.user_title
        if self.user_msg is not None:
            error["error_user_msg"] = self.user_msg
        error["fbtrace_id"] = trace_id
        return {"error": error}


def fbtrace_id(request_number: int) -> str:
    """A trace id in Graph's style, stable for a given request number."""
    digest = hashlib.sha256(f"fbtrace:{request_number}".encode()).digest()
    return "A" + base64.urlsafe_b64encode(digest).decode()[:22]


def error_response(request: Request, error: GraphError) -> JSONResponse:
    """Render ``error`` as Graph does."""
    number = getattr(request.state, "request_number", 0)
    return JSONResponse(error.body(fbtrace_id(number)), status_code=error.status, headers=error.headers)


# Errors, by name.


def missing_token() -> GraphError:
    return GraphError(104, "An access token is required to request this resource.")


def _www_authenticate(message: str) -> dict[str, str]:
    return {"WWW-Authenticate": f'OAuth "Facebook Platform" "invalid_token" "{message}"'}


def expired_token(today: date) -> GraphError:
    def stamp(moment: datetime) -> str:
        return moment.strftime("%A, %d-%b-%y %H:%M:%S %Z")

    expired = datetime.combine(today - timedelta(days=1), time(17, 0), tzinfo=PACIFIC)
    current = datetime.combine(today, time(1, 14, 23), tzinfo=UTC).astimezone(PACIFIC)
    message = (
        f"Error validating access token: Session has expired on {stamp(expired)}. "
        f"The current time is {stamp(current)}."
    )
    return GraphError(190, message, subcode=463, headers=_www_authenticate(message))


def revoked_token() -> GraphError:
    """Graph's answer to a token the user invalidated (a changed password, a security reset)."""
    message = (
        "Error validating access token: The session has been invalidated because the user changed "
        "their password or Facebook has changed the session for security reasons."
    )
    return GraphError(190, message, subcode=460, headers=_www_authenticate(message))


def invalid_token() -> GraphError:
    message = "Error validating access token: The session is invalid because the user logged out."
    return GraphError(190, message, subcode=467, headers=_www_authenticate(message))


def unknown_object(object_id: str) -> GraphError:
    return GraphError(
        100,
        f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation. Please read the Graph API documentation "
        "at https://developers.facebook.com/docs/graph-api",
        subcode=33,
        type="GraphMethodException",
    )


def nonexisting_field(name: str, node_type: str) -> GraphError:
    return GraphError(100, f"(#100) Tried accessing nonexisting field ({name}) on node type ({node_type})")


def invalid_metric() -> GraphError:
    return GraphError(100, "(#100) The value must be a valid insights metric")


def no_metric() -> GraphError:
    return GraphError(
        3001,
        "Invalid query",
        subcode=1504028,
        is_transient=False,
        user_title="No Metric Specified",
        user_msg=(
            "No metric was specified to be fetched. "
            "Please specify one or more metrics to be fetched and try again."
        ),
    )


def invalid_parameter(message: str) -> GraphError:
    return GraphError(100, f"(#100) {message}")


def throttle(code: int, object_id: str) -> GraphError:
    status, message = THROTTLES[code]
    headers = {}
    if code == 4:
        headers["X-App-Usage"] = _compact({"call_count": 100, "total_time": 41, "total_cputime": 37})
    if code == 80001:
        headers["X-Business-Use-Case-Usage"] = buc_usage(object_id, 100, 44, 48)
    return GraphError(code, message, status=status, is_transient=True, headers=headers)


def unknown_error() -> GraphError:
    return GraphError(1, "An unknown error occurred", status=500, subcode=99, is_transient=True)


PROXY_503 = (
    "<html><head><title>503 Service Unavailable</title></head><body>"
    "<h1>503 Service Unavailable</h1>No server is available to handle this request.</body></html>"
)


# Requests.


def access_token(request: Request) -> str | None:
    """The token from ``access_token=`` or an ``Authorization: Bearer``/``OAuth`` header."""
    token = request.query_params.get("access_token")
    if token:
        return token
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() in {"bearer", "oauth"} and value.strip():
        return value.strip()
    return None


def authenticate(request: Request, tokens: frozenset[str], today: date) -> str:
    """The request's token if it is valid; raises the error Graph would send otherwise."""
    token = access_token(request)
    if token is None:
        raise missing_token()
    if token == EXPIRED_DEMO_TOKEN:
        raise expired_token(today)
    if token not in tokens:
        raise invalid_token()
    return token


def object_id_of(path: str) -> str:
    """The node a Graph path addresses (a post id maps to its page)."""
    parts = path.strip("/").split("/")
    node = parts[1] if len(parts) > 1 else ""
    return node.split("_", 1)[0]


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def buc_usage(object_id: str, call_count: int, total_cputime: int, total_time: int) -> str:
    return _compact(
        {
            object_id: [
                {
                    "type": "pages",
                    "call_count": call_count,
                    "total_cputime": total_cputime,
                    "total_time": total_time,
                    "estimated_time_to_regain_access": 0,
                }
            ]
        }
    )


USAGE_CALLS_PER_PERCENT = 200
"""The demo app's quota: each 200 calls use 1 % of it (a Page with many engaged users has a large
one), so a long backfill nears the limit after about 19,000 calls and the extractor starts resting."""


def add_usage_headers(request: Request, response: Response, request_number: int) -> None:
    """The headers Graph sends on every answer; headers a fault already set are kept."""
    usage = min(95, 1 + request_number // USAGE_CALLS_PER_PERCENT)
    object_id = object_id_of(request.url.path)
    version = request.url.path.strip("/").split("/", 1)[0]
    headers = {
        "X-App-Usage": _compact(
            {"call_count": usage, "total_time": usage * 2 // 3, "total_cputime": usage // 2}
        ),
        "X-Business-Use-Case-Usage": buc_usage(object_id, usage, usage // 2, usage * 2 // 3),
        "facebook-api-version": version,
        "x-fb-trace-id": fbtrace_id(request_number),
    }
    for name, value in headers.items():
        if name not in response.headers:
            response.headers[name] = value


def format_time(moment: datetime) -> str:
    """Graph's timestamp format: ``2026-11-02T15:02:11+0000``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def parse_time(value: str, name: str) -> datetime:
    """A ``since``/``until`` value: unix seconds, ``YYYY-MM-DD`` (00:00 UTC) or ISO 8601."""
    text = value.strip()
    try:
        if re.fullmatch(r"-?[0-9]+", text):
            return datetime.fromtimestamp(int(text), tz=UTC)
        moment = datetime.fromisoformat(text.replace("+0000", "+00:00"))
    except (ValueError, OverflowError):
        raise invalid_parameter(f"The parameter {name} must be a unix timestamp or a date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# fields= expansion: "id,reactions.summary(total_count).limit(0),insights.metric(a,b){name}".


@dataclass(frozen=True)
class FieldSpec:
    """One requested field with its modifiers (``summary``, ``limit``, ``metric``...) and subfields."""

    name: str
    modifiers: dict[str, str] = field(default_factory=dict)
    subfields: tuple[FieldSpec, ...] = ()


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in text:
        if char in "({":
            depth += 1
        elif char in ")}":
            depth -= 1
            if depth < 0:
                raise _syntax_error(text)
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if depth != 0:
        raise _syntax_error(text)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def _syntax_error(text: str) -> GraphError:
    return GraphError(
        2500, f'Syntax error "Expected end of string instead of \\"{text[:20]}\\"." at character 0: {text}'
    )


def _closing(text: str, start: int, opening: str, closing: str) -> int:
    depth = 0
    for index in range(start, len(text)):
        if text[index] == opening:
            depth += 1
        elif text[index] == closing:
            depth -= 1
            if depth == 0:
                return index
    raise _syntax_error(text)


def parse_fields(text: str) -> list[FieldSpec]:
    """Parse a ``fields=`` value into field specs, in request order."""
    specs = []
    for part in _split_top_level(text):
        match = re.match(r"[A-Za-z_][A-Za-z0-9_]*", part)
        if match is None:
            raise _syntax_error(part)
        name, position = match.group(0), match.end()
        modifiers: dict[str, str] = {}
        subfields: tuple[FieldSpec, ...] = ()
        while position < len(part):
            if part[position] == ".":
                modifier = re.match(r"\.([A-Za-z_][A-Za-z0-9_]*)\(", part[position:])
                if modifier is None:
                    raise _syntax_error(part)
                opening = position + modifier.end() - 1
                closing = _closing(part, opening, "(", ")")
                modifiers[modifier.group(1)] = part[opening + 1 : closing].strip()
                position = closing + 1
            elif part[position] == "{":
                closing = _closing(part, position, "{", "}")
                subfields = tuple(parse_fields(part[position + 1 : closing]))
                position = closing + 1
            else:
                raise _syntax_error(part)
        specs.append(FieldSpec(name, modifiers, subfields))
    return specs


def check_metric_names(names: list[str]) -> None:
    """Fail the whole request, as Graph does, if any name is retired or not a metric name at all."""
    for name in names:
        if name in RETIRED_METRICS or not METRIC_NAME.match(name):
            raise invalid_metric()


def insights_result(
    object_id: str, name: str, period: str, values: list[dict], title: str, description: str
) -> dict[str, Any]:
    """One InsightsResult object."""
    return {
        "name": name,
        "period": period,
        "values": values,
        "title": title,
        "description": description,
        "id": f"{object_id}/insights/{name}/{period}",
    }


CURSOR_PREFIX = b"AQH"
"""Real Graph cursors start with ``QVFI``, the base64 of these bytes."""


def encode_cursor(*parts: object) -> str:
    """An opaque cursor in Graph's style (URL-safe base64)."""
    raw = ":".join(str(part) for part in parts).encode()
    return base64.urlsafe_b64encode(CURSOR_PREFIX + raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[str]:
    """The parts of a cursor made by :func:`encode_cursor`; error 100 for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except ValueError:
        raw = b""
    if not raw.startswith(CURSOR_PREFIX):
        raise invalid_parameter("Invalid cursor")
    return raw[len(CURSOR_PREFIX) :].decode(errors="replace").split(":")
