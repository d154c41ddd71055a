"""Google Analytics 4 Data API v1beta: ``POST /v1beta/properties/{id}:runReport``.

The data comes from ``demo.generator.google_analytics``; this module renders it as the Data API
does: ``dimensionHeaders``/``metricHeaders``, rows of ``dimensionValues``/``metricValues`` with
every value a string, dates as ``YYYYMMDD``, ``limit``/``offset`` paging against ``rowCount``
(``limit`` default 10,000, at most 250,000; both may be sent as JSON strings, as int64s are),
``rows`` and ``rowCount`` omitted from an empty report (proto3 JSON leaves out defaults), and
Google's error body ``{"error": {"code", "message", "status", "details"?}}``. A request may ask
for any subset of one report's dimensions; rows are then summed (users too, an approximation).
Faults: ``quota_exceeded`` is the hourly 429 RESOURCE_EXHAUSTED, ``daily_limit`` the daily one.
Ground truth is read in Python (``demo.generator.google_analytics``); nothing serves it over HTTP.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from demo.generator import google_analytics as data
from demo.platforms import Platform
from demo.platforms.youtube import GoogleError, GoogleJSONResponse, error_response
from demo.state import EXPIRED_DEMO_TOKEN, DemoState

NAME = "google_analytics"
PATH = re.compile(r"^/v1beta/properties/[^/]+:runReport$")
CHAOS_FAULTS = ("quota_exceeded", "error_503")
DEFAULT_LIMIT = 10_000
MAX_LIMIT = 250_000
TRAFFIC_DIMENSIONS = (
    "date",
    "sessionSource",
    "sessionMedium",
    "sessionCampaignName",
    "sessionDefaultChannelGroup",
)
LANDING_DIMENSIONS = ("date", "landingPagePlusQueryString", "sessionSource", "sessionMedium")
METRICS = {
    "sessions": ("TYPE_INTEGER", "sessions"),
    "engagedSessions": ("TYPE_INTEGER", "engaged_sessions"),
    "totalUsers": ("TYPE_INTEGER", "total_users"),
    "keyEvents": ("TYPE_INTEGER", "key_events"),
    "totalRevenue": ("TYPE_CURRENCY", "total_revenue"),
}
SCHEMA_HELP = (
    "For a list of valid dimensions and metrics, see "
    "https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema"
)
METHOD = "google.analytics.data.v1beta.BetaAnalyticsData.RunReport"
QUOTA_HELP = "To learn more, see https://developers.google.com/analytics/devguides/reporting/data/v1/quotas"

api_router = APIRouter()


def _error_info(reason: str, **metadata: str) -> list[dict[str, Any]]:
    info = {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "googleapis.com"}
    return [info | ({"metadata": metadata} if metadata else {})]


def invalid_argument(message: str) -> GoogleError:
    return GoogleError(400, message, status="INVALID_ARGUMENT")


def unauthenticated(expired: bool = True) -> GoogleError:
    message = (
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
        "other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project."
    )
    reason = "ACCESS_TOKEN_EXPIRED" if expired else "CREDENTIALS_MISSING"
    return GoogleError(
        401,
        message,
        status="UNAUTHENTICATED",
        details=_error_info(reason, service="analyticsdata.googleapis.com", method=METHOD),
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'},
    )


def resource_exhausted(daily: bool) -> GoogleError:
    message = (
        "Exhausted property tokens per day. These quota tokens will return tomorrow. "
        if daily
        else "Exhausted property tokens per hour for a project per property. These quota tokens will "
        "return in under an hour. "
    )
    return GoogleError(429, message + QUOTA_HELP, status="RESOURCE_EXHAUSTED")


def permission_denied() -> GoogleError:
    return GoogleError(
        403,
        "User does not have sufficient permissions for this property. To learn more about Property ID, "
        "see https://developers.google.com/analytics/devguides/reporting/data/v1/property-id.",
        status="PERMISSION_DENIED",
    )


def backend_error(code: int) -> GoogleError:
    if code == 500:
        return GoogleError(500, "Internal error encountered.", status="INTERNAL")
    return GoogleError(503, "The service is currently unavailable.", status="UNAVAILABLE")


def _authenticate(request: Request) -> DemoState:
    state: DemoState = request.app.state.demo
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    if not token:
        raise unauthenticated(expired=False)
    if token == EXPIRED_DEMO_TOKEN or token not in state.tokens:
        raise unauthenticated()
    return state


def _date(value: Any, today: date, field: str) -> date:
    text = str(value or "")
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise invalid_argument(
        f"Invalid {field}: {text!r}. Date must be in the format YYYY-MM-DD, NdaysAgo, yesterday, or today."
    )


def _int(value: Any, field: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, int) or (isinstance(value, str) and re.fullmatch(r"[0-9]+", value)):
        return int(value)
    raise invalid_argument(f"Invalid value at '{field}' (TYPE_INT64), {value!r}")


def _names(body: dict[str, Any], field: str) -> list[str]:
    entries = body.get(field) or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get("name") for e in entries):
        raise invalid_argument(f"Invalid JSON payload received. Invalid value at '{field}'.")
    return [str(e["name"]) for e in entries]


def _money(value: Any) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _value(metrics: data.Metrics, metric: str) -> str:
    attribute = METRICS[metric][1]
    value = getattr(metrics, attribute)
    return _money(value) if metric == "totalRevenue" else str(value)


def _rows(property_id: str, dimensions: list[str], start: date, end: date, today: date) -> list[tuple]:
    """(dimension values, Metrics) rows of the report, summed to the requested dimensions."""
    if set(dimensions) <= set(TRAFFIC_DIMENSIONS):
        full, served = TRAFFIC_DIMENSIONS, data.served_traffic
    else:
        full, served = LANDING_DIMENSIONS, data.served_landing_pages
    summed: dict[tuple[str, ...], data.Metrics] = defaultdict(lambda: data.Metrics(0, 0, 0, 0, data.gbp(0)))
    day = max(start, data.EPOCH)
    while day <= end:
        for key, metrics in served(property_id, day, today).items():
            values = dict(zip(full, (day.strftime("%Y%m%d"), *key), strict=True))
            group = tuple(values[name] for name in dimensions)
            summed[group] = summed[group] + metrics
        day += timedelta(days=1)
    return list(summed.items())


@api_router.post("/v1beta/properties/{property_id}:runReport")
async def run_report(request: Request, property_id: str) -> Response:
    state = _authenticate(request)
    try:
        body = await request.json()
    except ValueError:
        raise invalid_argument("Invalid JSON payload received.") from None
    if not isinstance(body, dict):
        raise invalid_argument("Invalid JSON payload received. Expected an object.")
    if property_id not in data.PROPERTIES_BY_ID:
        raise permission_denied()
    dimensions, metrics = _names(body, "dimensions"), _names(body, "metrics")
    for name in dimensions:
        if name not in TRAFFIC_DIMENSIONS and name not in LANDING_DIMENSIONS:
            raise invalid_argument(f"Field {name} is not a valid dimension. {SCHEMA_HELP}")
    if not (set(dimensions) <= set(TRAFFIC_DIMENSIONS) or set(dimensions) <= set(LANDING_DIMENSIONS)):
        raise invalid_argument(
            "Please remove landingPagePlusQueryString or the session campaign dimensions; "
            "the demo serves each report's own dimensions only."
        )
    if not metrics:
        raise invalid_argument("At least one metric is required. " + SCHEMA_HELP)
    for name in metrics:
        if name not in METRICS:
            raise invalid_argument(f"Field {name} is not a valid metric. {SCHEMA_HELP}")
    ranges = body.get("dateRanges")
    if not isinstance(ranges, list) or len(ranges) != 1 or not isinstance(ranges[0], dict):
        raise invalid_argument("The demo serves requests with exactly one dateRange.")
    today = state.today()
    start = _date(ranges[0].get("startDate"), today, "startDate")
    end = _date(ranges[0].get("endDate"), today, "endDate")
    if start > end:
        raise invalid_argument(f"Invalid date range: startDate {start} is after endDate {end}.")
    limit, offset = _int(body.get("limit"), "limit", DEFAULT_LIMIT), _int(body.get("offset"), "offset", 0)
    if limit > MAX_LIMIT or limit < 0:
        raise invalid_argument(f"limit must be positive and at most {MAX_LIMIT}; got {limit}.")
    rows = _rows(property_id, dimensions, start, min(end, today - timedelta(days=1)), today)
    rows.sort(key=lambda row: (-row[1].sessions, row[0]))  # GA4's default: first metric, descending
    page = rows[offset : offset + (limit or DEFAULT_LIMIT)]
    prop = data.property_facts(property_id)
    response: dict[str, Any] = {
        "dimensionHeaders": [{"name": name} for name in dimensions],
        "metricHeaders": [{"name": name, "type": METRICS[name][0]} for name in metrics],
    }
    if page:
        response["rows"] = [
            {
                "dimensionValues": [{"value": value} for value in values],
                "metricValues": [{"value": _value(m, name)} for name in metrics],
            }
            for values, m in page
        ]
    if rows:
        response["rowCount"] = len(rows)
    response["metadata"] = {"currencyCode": prop.currency, "timeZone": prop.time_zone}
    response["kind"] = "analyticsData#runReport"
    return GoogleJSONResponse(response)


# Faults and headers.


def _fault_response(request: Request, fault: str) -> Response | None:
    if fault in ("quota_exceeded", "daily_limit"):
        error = resource_exhausted(daily=fault == "daily_limit")
    elif fault in ("error_500", "error_503"):
        error = backend_error(int(fault.removeprefix("error_")))
    elif fault in ("expired_token", "revoked_token"):  # Google answers both alike
        error = unauthenticated()
    elif fault == "unknown_metric":
        error = invalid_argument(f"Field sessionsPerUserX is not a valid metric. {SCHEMA_HELP}")
    else:
        return None
    return error_response(error)


def _finish(request: Request, response: Response, fault: str | None) -> None:
    for name, value in {"Vary": "Origin, X-Origin, Referer", "X-Content-Type-Options": "nosniff"}.items():
        if name not in response.headers:
            response.headers[name] = value


def _google_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GoogleError)
    return error_response(exc)


PLATFORM = Platform(
    name=NAME,
    claims=lambda path: bool(PATH.match(path)),
    api_router=api_router,
    truth_router=APIRouter(),  # the truth is read in Python (demo.generator.google_analytics)
    fault_response=_fault_response,
    finish=_finish,
    chaos_faults=CHAOS_FAULTS,
    exception_handlers={GoogleError: _google_error_handler},
)
