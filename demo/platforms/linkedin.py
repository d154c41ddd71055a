"""LinkedIn's Community Management API (``/rest/...``): network size, share and follower
statistics, and the author finder of the Posts API.

The data comes from ``demo.generator.linkedin``; this module only renders it the way
``api.linkedin.com/rest`` does:

* every call needs ``Authorization: Bearer``, a ``LinkedIn-Version: YYYYMM`` that is at most 12
  months old (else 426 ``NONEXISTENT_VERSION``; missing: 426 ``VERSION_MISSING``) and
  ``X-Restli-Protocol-Version: 2.0.0``;
* Rest.li 2.0 query encoding, checked on the raw query string: URNs percent-encoded
  (``urn%3Ali%3Aorganization%3A10482335``), structure characters raw
  (``timeIntervals=(timeRange:(start:..,end:..),timeGranularityType:DAY)``, ``shares=List(..)``);
  an escaped parenthesis or a raw colon in a URN is a 400;
* the organization's share and follower statistics by day (``timeIntervals`` required), a list
  of posts' share statistics as lifetime totals (no ``timeIntervals``): the forms the extractor
  asks for, other forms are a 400;
* statistics in epoch-ms UTC day buckets; days and posts with no activity are left out; the
  follower statistics refuse a window ending after now - 2 days or starting more than 12 months
  back ("Invalid timeIntervals parameter"); share statistics stop at the rolling 12 months;
* ``start``/``count`` paging with ``paging.links`` ``rel=next``; sponsored-only posts are filtered
  out of a page after it is cut, so a short page is not the last one;
* errors as ``{"status", "serviceErrorCode", "code", "message"}``.

Ground truth for tests is served under ``/_demo/truth/linkedin``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from demo.company import EPOCH
from demo.generator import linkedin as data
from demo.generator.common import days, utc_midnight
from demo.platforms import Platform
from demo.platforms import truth_router as platform_truth_router
from demo.state import EXPIRED_DEMO_TOKEN, DemoState

NAME = "linkedin"
PREFIX = "/rest"
CHAOS_FAULTS = ("daily_limit", "error_500")
DEFAULT_COUNT, MAX_COUNT = 10, 100
VERSION_LIFETIME_MONTHS = 12
DAY_MS = 86_400_000

ORG_URN = re.compile(r"urn%3Ali%3Aorganization%3A([0-9]+)", re.IGNORECASE)
POST_URN = re.compile(r"urn%3Ali%3A(share|ugcPost)%3A([0-9]+)", re.IGNORECASE)
TIME_INTERVALS = (
    re.compile(
        r"\(timeRange:\(start:(?P<start>[0-9]+),end:(?P<end>[0-9]+)\),timeGranularityType:(?P<g>[A-Z]+)\)"
    ),
    re.compile(
        r"\(timeGranularityType:(?P<g>[A-Z]+),timeRange:\(start:(?P<start>[0-9]+),end:(?P<end>[0-9]+)\)\)"
    ),
)
VERSION = re.compile(r"([0-9]{4})(0[1-9]|1[0-2])(?:\.[0-9]{2})?")

THROTTLE_MESSAGE = "Resource level throttle APPLICATION DAY limit for calls to this resource is reached."
SERVICE_UNAVAILABLE = (
    "<html><head><title>503 Service Unavailable</title></head>"
    "<body><h1>Service Unavailable</h1>The service is temporarily unavailable.</body></html>"
)

api_router = APIRouter()


@dataclass(eq=False)
class LinkedInError(Exception):
    """A LinkedIn API error; raised by route code, rendered by :func:`error_response`."""

    status: int
    message: str
    code: str | None = None
    service_error_code: int | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status}
        if self.service_error_code is not None:
            body["serviceErrorCode"] = self.service_error_code
        if self.code is not None:
            body["code"] = self.code
        body["message"] = self.message
        return body


def error_response(error: LinkedInError) -> JSONResponse:
    return JSONResponse(
        error.body(), status_code=error.status, headers={"x-restli-error-response": "true", **error.headers}
    )


# Errors, by name.


def expired_token() -> LinkedInError:
    return LinkedInError(401, "The token used in the request has expired", "EXPIRED_ACCESS_TOKEN", 65602)


def revoked_token() -> LinkedInError:
    return LinkedInError(
        401, "The token used in the request has been revoked by the user", "REVOKED_ACCESS_TOKEN", 65601
    )


def invalid_token() -> LinkedInError:
    return LinkedInError(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)


def missing_token() -> LinkedInError:
    return LinkedInError(401, "Empty oauth2_access_token", "EMPTY_ACCESS_TOKEN", 401)


def version_missing() -> LinkedInError:
    return LinkedInError(
        426,
        "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
        "VERSION_MISSING",
    )


def inactive_version(requested: str) -> LinkedInError:
    return LinkedInError(426, f"Requested version {requested} is not active", "NONEXISTENT_VERSION")


def daily_limit() -> LinkedInError:
    return LinkedInError(429, THROTTLE_MESSAGE)


def server_error() -> LinkedInError:
    return LinkedInError(500, "Internal Server Error", "INTERNAL_SERVER_ERROR", 0)


def bad_query() -> LinkedInError:
    return LinkedInError(400, "Invalid query parameters passed to request", "ILLEGAL_ARGUMENT", 0)


def illegal_argument(message: str) -> LinkedInError:
    return LinkedInError(400, message, "ILLEGAL_ARGUMENT", 0)


def invalid_time_intervals() -> LinkedInError:
    return LinkedInError(400, "Invalid timeIntervals parameter", "ILLEGAL_ARGUMENT", 0)


def unknown_field() -> LinkedInError:
    return illegal_argument(
        "Invalid projection: unrecognized field [/totalShareStatistics/videoViewCount] "
        "in OrganizationalEntityShareStatistics"
    )


def access_denied(resource: str, version: str) -> LinkedInError:
    return LinkedInError(403, f"Not enough permissions to access: {resource}.{version}", "ACCESS_DENIED", 100)


def not_found() -> LinkedInError:
    return LinkedInError(404, "No virtual resource found", "RESOURCE_NOT_FOUND", 0)


# Requests.


def normalized_version(header: str) -> str:
    """How LinkedIn names a requested version in its messages: ``202510`` -> ``20251001``."""
    match = VERSION.fullmatch(header.strip())
    if match is None:
        return header.strip()
    patch = header.strip()[7:] if "." in header else "01"
    return f"{match.group(1)}{match.group(2)}{patch}"


def check_version(header: str | None, today: date) -> str:
    """The requested version if it is active on ``today``; the 426 LinkedIn sends otherwise.

    A version lives 12 months after its release month; a future one does not exist yet.
    """
    if header is None or not header.strip():
        raise version_missing()
    match = VERSION.fullmatch(header.strip())
    if match is None:
        raise inactive_version(header.strip())
    age = (today.year * 12 + today.month) - (int(match.group(1)) * 12 + int(match.group(2)))
    if not 0 <= age <= VERSION_LIFETIME_MONTHS:
        raise inactive_version(normalized_version(header))
    return header.strip()


def bearer_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


@dataclass(frozen=True)
class Call:
    """A request that passed the checks every LinkedIn call goes through."""

    state: DemoState
    today: date
    version: str
    query: dict[str, str]
    """Query parameters with their values as sent (still percent-encoded)."""


def raw_query(request: Request) -> dict[str, str]:
    """The query string's parameters, values left exactly as sent (Rest.li 2.0 parses them itself)."""
    text = request.scope.get("query_string", b"").decode("latin-1")
    params: dict[str, str] = {}
    for part in text.split("&") if text else []:
        key, _, value = part.partition("=")
        params[unquote(key)] = value
    return params


def checked(request: Request) -> Call:
    """Authenticate and check the version and protocol headers, as LinkedIn's gateway does."""
    state: DemoState = request.app.state.demo
    today = state.today()
    token = bearer_token(request)
    if token is None:
        raise missing_token()
    if token == EXPIRED_DEMO_TOKEN:
        raise expired_token()
    if token not in state.tokens:
        raise invalid_token()
    version = check_version(request.headers.get("linkedin-version"), today)
    if request.headers.get("x-restli-protocol-version") != "2.0.0":
        raise bad_query()
    return Call(state, today, version, raw_query(request))


def organization_of(call: Call, resource: str) -> data.Organization:
    """The organization named by ``organizationalEntity`` (percent-encoded URN) the caller administers."""
    raw = call.query.get("organizationalEntity")
    if raw is None:
        raise illegal_argument("Missing required query parameter: organizationalEntity")
    match = ORG_URN.fullmatch(raw)
    if match is None:
        raise bad_query()
    org = data.ORGANIZATIONS_BY_ID.get(match.group(1))
    if org is None:
        raise access_denied(resource, call.version)
    return org


def finder(call: Call, expected: str) -> None:
    if call.query.get("q") != expected:
        raise illegal_argument(f"Invalid finder: q must be {expected}")


def time_range(call: Call) -> tuple[int, int] | None:
    """``timeIntervals`` as (start ms, end ms), None when absent; malformed or escaped -> 400."""
    raw = call.query.get("timeIntervals")
    if raw is None:
        if any(key.startswith("timeIntervals.") for key in call.query):
            raise illegal_argument("Use the Rest.li 2.0 form timeIntervals=(timeRange:(start:..,end:..),...)")
        return None
    match = next((m for pattern in TIME_INTERVALS if (m := pattern.fullmatch(raw))), None)
    if match is None:
        raise bad_query()
    if match.group("g") != "DAY":
        raise illegal_argument("The demo serves timeGranularityType DAY only")
    start, end = int(match.group("start")), int(match.group("end"))
    if end <= start:
        raise invalid_time_intervals()
    return start, end


def urn_list(call: Call, name: str) -> list[str]:
    """A ``List(...)`` parameter of percent-encoded post URNs, decoded."""
    raw = call.query.get(name)
    if raw is None:
        return []
    match = re.fullmatch(r"List\(([^()]*)\)", raw)
    if match is None:
        raise bad_query()
    items = [item for item in match.group(1).split(",") if item]
    if any(POST_URN.fullmatch(item) is None for item in items):
        raise bad_query()
    return [unquote(item) for item in items]


def ms(moment: datetime) -> int:
    """Epoch milliseconds, exactly."""
    return int(moment.timestamp()) * 1000 + moment.microsecond // 1000


def day_range(day: date) -> dict[str, int]:
    start = ms(utc_midnight(day))
    return {"start": start, "end": start + DAY_MS}


def days_in(start_ms: int, end_ms: int) -> list[date]:
    """The UTC days the [start, end) range touches."""
    first = datetime.fromtimestamp(start_ms // 1000, tz=UTC).date()
    last = datetime.fromtimestamp((end_ms - 1) // 1000, tz=UTC).date()
    return list(days(first, last)) if first <= last else []


def envelope(elements: list[dict[str, Any]]) -> dict[str, Any]:
    """A collection response of an unpaginated finder."""
    return {"paging": {"start": 0, "count": 10, "links": []}, "elements": elements}


# Network size.


@api_router.get(PREFIX + "/networkSizes/{entity}")
def network_size(request: Request, entity: str) -> dict[str, Any]:
    call = checked(request)
    raw_key = request.scope.get("raw_path", b"").decode("latin-1").rsplit("/", 1)[-1]
    match = ORG_URN.fullmatch(raw_key)
    if match is None:
        raise bad_query()
    if call.query.get("edgeType") not in {"COMPANY_FOLLOWED_BY_MEMBER", "CompanyFollowedByMember"}:
        raise illegal_argument("edgeType must be COMPANY_FOLLOWED_BY_MEMBER for an organization")
    org = data.ORGANIZATIONS_BY_ID.get(match.group(1))
    if org is None:
        raise not_found()
    return {"firstDegreeSize": data.snapshot(org.id, call.today)["firstDegreeSize"]}


# Share statistics.


def _share_element(org: data.Organization, stats: data.Stats, **extra: Any) -> dict[str, Any]:
    return {"organizationalEntity": org.urn, **extra, "totalShareStatistics": stats.total_share_statistics()}


def _post_key(urn: str) -> str:
    return "ugcPost" if urn.startswith("urn:li:ugcPost:") else "share"


@api_router.get(PREFIX + "/organizationalEntityShareStatistics")
def share_statistics(request: Request) -> dict[str, Any]:
    call = checked(request)
    finder(call, "organizationalEntity")
    org = organization_of(call, "organizationalEntityShareStatistics.FINDER-organizationalEntity")
    window = time_range(call)
    urns = urn_list(call, "shares") + urn_list(call, "ugcPosts")
    elements: list[dict[str, Any]] = []
    if urns and window is None:  # the posts' lifetime statistics
        for urn in urns:
            post = data.post_by_urn(org.id, urn)
            if post is None or post.is_dsc:
                continue
            stats = post.lifetime(call.today)
            if not stats.is_empty:
                elements.append(_share_element(org, stats, **{_post_key(urn): urn}))
    elif window is not None and not urns:  # the organization's daily statistics
        first, last = data.statistics_days(call.today)
        for day in [day for day in days_in(*window) if first <= day <= last]:
            stats = data.day_activity(org.id, day)
            if not stats.is_empty:
                elements.append(_share_element(org, stats, timeRange=day_range(day)))
    else:
        raise illegal_argument(
            "The demo serves timeIntervals with the organization's statistics only, and posts' without"
        )
    return envelope(elements)


# Follower statistics.


@api_router.get(PREFIX + "/organizationalEntityFollowerStatistics")
def follower_statistics(request: Request) -> dict[str, Any]:
    call = checked(request)
    finder(call, "organizationalEntity")
    org = organization_of(call, "organizationalEntityFollowerStatistics.FINDER-organizationalEntity")
    window = time_range(call)
    if window is None:
        raise illegal_argument("The demo serves follower statistics with timeIntervals only (followerGains)")
    start, end = window
    oldest = ms(utc_midnight(call.today - timedelta(days=data.RETENTION_DAYS)))
    latest = ms(utc_midnight(call.today - timedelta(days=data.FOLLOWER_LAG_DAYS - 1)))
    if start < oldest or end > latest:
        raise invalid_time_intervals()
    elements = []
    for day in days_in(start, end):
        if day < EPOCH:
            continue
        organic, paid = data.follower_gains(org.id, day)
        elements.append(
            {
                "timeRange": day_range(day),
                "followerGains": {"organicFollowerGain": organic, "paidFollowerGain": paid},
                "organizationalEntity": org.urn,
            }
        )
    return envelope(elements)


# Posts: the author finder.


def render_post(post: data.Post, org: data.Organization, as_of: date) -> dict[str, Any]:
    modified = post.last_modified_at(as_of)
    node: dict[str, Any] = {
        "isReshareDisabledByAuthor": False,
        "createdAt": ms(post.created_at),
        "lifecycleState": "PUBLISHED",
        "lastModifiedAt": ms(modified),
        "visibility": "PUBLIC",
        "publishedAt": ms(post.published_at),
        "author": org.urn,
        "id": post.id,
        "distribution": {
            "feedDistribution": post.feed_distribution,
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "commentary": post.commentary,
        "lifecycleStateInfo": {"isEditedByAuthor": modified != post.published_at},
    }
    if post.content is not None:
        node["content"] = post.content
    return node


def _non_negative_int(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[0-9]+", raw):
        raise illegal_argument(f"Invalid value for param {name}: {unquote(raw)}")
    return int(raw)


def _posts_href(author: str, count: int, start: int, sort_by: str) -> str:
    query = f"author={quote(author, safe='')}&count={count}&q=author&sortBy={sort_by}&start={start}"
    return f"{PREFIX}/posts?{query}"


@api_router.get(PREFIX + "/posts")
def posts(request: Request) -> dict[str, Any]:
    call = checked(request)
    finder(call, "author")
    raw_author = call.query.get("author")
    if raw_author is None:
        raise illegal_argument("Missing required query parameter: author")
    match = ORG_URN.fullmatch(raw_author)
    if match is None:
        raise bad_query()
    org = data.ORGANIZATIONS_BY_ID.get(match.group(1))
    if org is None:
        raise access_denied("posts.FINDER-author", call.version)
    count = min(_non_negative_int(call.query.get("count"), "count", DEFAULT_COUNT), MAX_COUNT)
    start = _non_negative_int(call.query.get("start"), "start", 0)
    sort_by = call.query.get("sortBy", "LAST_MODIFIED")
    if sort_by != "LAST_MODIFIED":
        raise illegal_argument(f"Invalid value for param sortBy: {sort_by} (the demo serves LAST_MODIFIED)")
    index = data.post_index(org.id, call.today)
    # The page is cut first and filtered after (sponsored-only posts are not the author's feed),
    # so a page can come back short while more follow.
    page = [post for post in index[start : start + count] if not post.is_dsc]
    links = []
    if start > 0:
        links.append(
            {
                "type": "application/json",
                "rel": "prev",
                "href": _posts_href(org.urn, count, max(0, start - count), sort_by),
            }
        )
    if start + count < len(index):
        links.append(
            {
                "type": "application/json",
                "rel": "next",
                "href": _posts_href(org.urn, count, start + count, sort_by),
            }
        )
    return {
        "paging": {"start": start, "count": count, "links": links},
        "elements": [render_post(post, org, call.today) for post in page],
    }


# Anything else under /rest: answer the way LinkedIn does.


@api_router.api_route(PREFIX + "/{rest:path}", methods=["GET", "POST", "DELETE"])
def unknown_resource(request: Request, rest: str) -> dict[str, Any]:
    checked(request)
    raise not_found()


# Ground truth, computed by the generator (never through the routes above).

truth_router = platform_truth_router(data, data.ORGANIZATIONS_BY_ID, "LinkedIn organization")


# Faults and headers.


def _fault_response(request: Request, fault: str) -> Response | None:
    if fault == "daily_limit":
        return error_response(daily_limit())
    if fault == "sunset_version":
        sent = request.headers.get("linkedin-version")
        return error_response(inactive_version(normalized_version(sent) if sent else "20240201"))
    if fault == "error_500":
        return error_response(server_error())
    if fault == "error_503":
        return HTMLResponse(SERVICE_UNAVAILABLE, status_code=503)
    if fault == "expired_token":
        return error_response(expired_token())
    if fault == "revoked_token":
        return error_response(revoked_token())
    if fault == "unknown_metric":
        return error_response(unknown_field())
    return None


def _finish(request: Request, response: Response, fault: str | None) -> None:
    if fault == "error_503":
        return
    number = getattr(request.state, "request_number", 0)
    response.headers.setdefault("x-restli-protocol-version", "2.0.0")
    response.headers.setdefault("x-li-fabric", "prod-lva1")
    response.headers.setdefault("x-li-uuid", hashlib.sha256(f"li:{number}".encode()).hexdigest()[:22] + "==")


def _linkedin_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LinkedInError)
    return error_response(exc)


PLATFORM = Platform(
    name=NAME,
    claims=lambda path: path == PREFIX or path.startswith(PREFIX + "/"),
    api_router=api_router,
    truth_router=truth_router,
    fault_response=_fault_response,
    finish=_finish,
    chaos_faults=CHAOS_FAULTS,
    exception_handlers={LinkedInError: _linkedin_error_handler},
)
