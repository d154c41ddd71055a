"""YouTube over its two Google APIs: the Data API v3 (``/youtube/v3/...``: channels, playlistItems,
videos) and the Analytics API v2 (``/youtubeanalytics/v2/reports``).

The data comes from ``demo.generator.youtube``; this module only renders it as Google does:
counts as strings, ``pageToken``/``nextPageToken`` paging (``maxResults`` at most 50), result
tables with ``columnHeaders`` and positional ``rows`` (omitted when empty) that stop
``ANALYTICS_LAG_DAYS`` before today, pretty-printed JSON with ``<``/``>``/``&`` escaped as
``\\u003c``..., and Google's error body ``{"error": {"code", "message", "errors": [{"message",
"domain", "reason"}], "status"}}``. Ground truth for tests is served under ``/_demo/truth/youtube``.

The competitors' channels are public: the Data API serves them like the own channel, while
Analytics answers 403 ``forbidden`` for them, as for any channel the token does not own.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from demo.company import EPOCH
from demo.generator import youtube as data
from demo.platforms import Platform
from demo.platforms import truth_router as platform_truth_router
from demo.state import EXPIRED_DEMO_TOKEN, DemoState

NAME = "youtube"
DATA_API = re.compile(r"^/youtube/v3(/|$)")
ANALYTICS_API = re.compile(r"^/youtubeanalytics/v2/reports/?$")
CHAOS_FAULTS = ("rate_limit_exceeded", "error_500")
MAX_RESULTS = 50
DEFAULT_MAX_RESULTS = 5
PROJECT_NUMBER = "418275591023"

CHANNEL_PARTS = (
    "id",
    "snippet",
    "statistics",
    "contentDetails",
    "status",
    "brandingSettings",
    "topicDetails",
)
VIDEO_PARTS = ("id", "snippet", "statistics", "contentDetails", "status", "player", "topicDetails")
PLAYLIST_ITEM_PARTS = ("id", "snippet", "contentDetails", "status")


@dataclass(frozen=True)
class Metric:
    data_type: str
    value: Any


ANALYTICS_METRICS: dict[str, Metric] = {
    "views": Metric("INTEGER", lambda m: m.views),
    "estimatedMinutesWatched": Metric("INTEGER", lambda m: m.estimated_minutes_watched),
    "averageViewDuration": Metric("INTEGER", lambda m: m.average_view_duration),
    "averageViewPercentage": Metric("FLOAT", lambda m: m.average_view_percentage),
    "likes": Metric("INTEGER", lambda m: m.likes),
    "dislikes": Metric("INTEGER", lambda m: m.dislikes),
    "comments": Metric("INTEGER", lambda m: m.comments),
    "shares": Metric("INTEGER", lambda m: m.shares),
    "subscribersGained": Metric("INTEGER", lambda m: m.subscribers_gained),
    "subscribersLost": Metric("INTEGER", lambda m: m.subscribers_lost),
    "videosAddedToPlaylists": Metric("INTEGER", lambda m: m.videos_added_to_playlists),
    "videosRemovedFromPlaylists": Metric("INTEGER", lambda m: m.videos_removed_from_playlists),
}

UNSUPPORTED_QUERY = (
    "The query is not supported. Check the documentation at "
    "https://developers.google.com/youtube/analytics/v2/available_reports for a list of supported queries."
)
AUTH_HELP = (
    "Expected OAuth 2 access token, login cookie or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
QUOTA_MESSAGE = (
    "The request cannot be completed because you have exceeded your "
    '<a href="/youtube/v3/getting-started#quota">quota</a>.'
)
NOT_FOUND_HTML = (
    "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n"
    "  <p><b>404.</b> <ins>That's an error.</ins>\n  <p>The requested URL <code>{path}</code> was not found "
    "on this server.  <ins>That's all we know.</ins>\n"
)

api_router = APIRouter()


class GoogleJSONResponse(Response):
    """JSON as Google's front end sends it: two-space indent, HTML characters escaped."""

    media_type = "application/json; charset=UTF-8"

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, indent=2)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


@dataclass(eq=False)
class GoogleError(Exception):
    """A Google API error; raised by route code, rendered by :func:`error_response`.

    ``errors`` are the legacy per-error entries (``message``, ``domain``, ``reason``...);
    ``status`` is the canonical code name (``INVALID_ARGUMENT``), omitted by the Data API for
    most of its own errors.
    """

    code: int
    message: str
    errors: list[dict[str, str]] = field(default_factory=list)
    status: str | None = None
    details: list[dict[str, Any]] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"Google error {self.code}: {self.message}"

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors:
            error["errors"] = self.errors
        if self.status:
            error["status"] = self.status
        if self.details:
            error["details"] = self.details
        return {"error": error}


def error_response(error: GoogleError) -> Response:
    return GoogleJSONResponse(error.body(), status_code=error.code, headers=error.headers)


def _entry(
    message: str, domain: str, reason: str, location: str | None = None, kind: str = "parameter"
) -> dict:
    entry = {"message": message, "domain": domain, "reason": reason}
    if location:
        entry |= {"location": location, "locationType": kind}
    return entry


# Errors, by name.


def missing_credentials() -> GoogleError:
    message = f"Request is missing required authentication credential. {AUTH_HELP}"
    return GoogleError(
        401,
        message,
        [_entry("Login Required.", "global", "required", "Authorization", "header")],
        "UNAUTHENTICATED",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
    )


def invalid_credentials() -> GoogleError:
    """Google's answer to an expired, revoked or unknown access token."""
    return GoogleError(
        401,
        f"Request had invalid authentication credentials. {AUTH_HELP}",
        [_entry("Invalid Credentials", "global", "authError", "Authorization", "header")],
        "UNAUTHENTICATED",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'},
    )


def quota_exceeded() -> GoogleError:
    """The Data API's spent daily quota (10,000 units by default; resets at midnight Pacific)."""
    return GoogleError(403, QUOTA_MESSAGE, [_entry(QUOTA_MESSAGE, "youtube.quota", "quotaExceeded")])


def rate_limited() -> GoogleError:
    """The Data API's short-term rate limit (per user, per 100 seconds)."""
    return GoogleError(
        403, "Rate Limit Exceeded", [_entry("Rate Limit Exceeded", "usageLimits", "rateLimitExceeded")]
    )


def resource_exhausted(limit_name: str, limit_id: str) -> GoogleError:
    """Analytics quota errors: HTTP 429 naming the limit (``Queries per minute per user``...)."""
    message = (
        f"Quota exceeded for quota metric 'Queries' and limit '{limit_name}' of service "
        f"'youtubeanalytics.googleapis.com' for consumer 'project_number:{PROJECT_NUMBER}'."
    )
    return GoogleError(
        429,
        message,
        [_entry(message, "global", "rateLimitExceeded")],
        "RESOURCE_EXHAUSTED",
        details=[
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com",
                "metadata": {
                    "quota_metric": "youtubeanalytics.googleapis.com/queries",
                    "quota_limit": limit_id,
                    "service": "youtubeanalytics.googleapis.com",
                    "consumer": f"projects/{PROJECT_NUMBER}",
                },
            }
        ],
    )


def backend_error(code: int) -> GoogleError:
    message, status = (
        ("Internal error encountered.", "INTERNAL")
        if code == 500
        else ("The service is currently unavailable.", "UNAVAILABLE")
    )
    return GoogleError(code, message, [_entry(message, "global", "backendError")], status)


def analytics_bad_request(message: str, reason: str = "badRequest") -> GoogleError:
    return GoogleError(400, message, [_entry(message, "global", reason)], "INVALID_ARGUMENT")


def unknown_metric(name: str) -> GoogleError:
    return analytics_bad_request(f"Unknown identifier ({name}) given in field parameters.metrics.")


def unknown_part(name: str) -> GoogleError:
    """The Data API's answer to a ``part`` it does not have (the message is the part's name)."""
    return GoogleError(400, f"'{name}'", [_entry(f"'{name}'", "youtube.part", "unknownPart", "part")])


def data_bad_request(message: str, reason: str, location: str) -> GoogleError:
    return GoogleError(400, message, [_entry(message, "youtube.parameter", reason, location)])


def forbidden() -> GoogleError:
    return GoogleError(403, "Forbidden", [_entry("Forbidden", "global", "forbidden")], "PERMISSION_DENIED")


# Requests.


def _token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query_params.get("access_token") or None


def _authenticate(request: Request) -> DemoState:
    state: DemoState = request.app.state.demo
    token = _token(request)
    if token is None:
        raise missing_credentials()
    if token == EXPIRED_DEMO_TOKEN or token not in state.tokens:
        raise invalid_credentials()
    return state


def _parts(request: Request, known: tuple[str, ...]) -> list[str]:
    raw = request.query_params.get("part")
    if not raw:
        raise GoogleError(
            400,
            "Required parameter: part",
            [_entry("Required parameter: part", "global", "required", "part")],
        )
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    for part in parts:
        if part not in known:
            raise unknown_part(part)
    return parts


def _max_results(request: Request) -> int:
    raw = request.query_params.get("maxResults")
    if raw is None or raw == "":
        return DEFAULT_MAX_RESULTS
    if not re.fullmatch(r"[0-9]+", raw) or int(raw) > MAX_RESULTS:
        message = f"Invalid value '{raw}'. Values must be within the range: [0, {MAX_RESULTS}]"
        raise GoogleError(400, message, [_entry(message, "global", "invalidParameter", "maxResults")])
    return int(raw)


def _keep(resource: dict[str, Any], parts: list[str]) -> dict[str, Any]:
    """A resource with only the requested parts (``kind``, ``etag`` and ``id`` always stay)."""
    return {key: value for key, value in resource.items() if key in {"kind", "etag", "id"} or key in parts}


def _list_response(kind: str, items: list[dict], per_page: int, total: int, **tokens: str | None) -> dict:
    body: dict[str, Any] = {"kind": kind, "etag": data.etag(kind, total, *[i["id"] for i in items])}
    body |= {name: value for name, value in tokens.items() if value}
    body["pageInfo"] = {"totalResults": total, "resultsPerPage": per_page}
    body["items"] = items
    return body


def _page_token(playlist_id: str, offset: int) -> str:
    """An opaque page token in Google's style (``EAAa...``)."""
    raw = b"\x10\x00\x1a" + f"PT:{playlist_id}:{offset}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _token_offset(token: str, playlist_id: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        prefix, playlist, offset = raw[3:].decode().split(":")
        if raw[:3] != b"\x10\x00\x1a" or prefix != "PT" or playlist != playlist_id:
            raise ValueError(token)
        return int(offset)
    except ValueError:
        message = "The request specifies an invalid page token."
        raise GoogleError(
            400, message, [_entry(message, "youtube.parameter", "invalidPageToken", "pageToken")]
        ) from None


# Data API v3.


@api_router.get("/youtube/v3/channels")
def channels(request: Request) -> Response:
    state = _authenticate(request)
    parts = _parts(request, CHANNEL_PARTS)
    params = request.query_params
    if params.get("mine", "").lower() == "true":
        ids = [data.CHANNELS[0].id]
    elif params.get("id"):
        ids = [value.strip() for value in params["id"].split(",") if value.strip()]
    else:
        message = (
            "No filter selected. Expected one of: forUsername, managedByMe, categoryId, mine, id, "
            "mySubscribers, forHandle, idParam"
        )
        raise GoogleError(400, message, [_entry(message, "youtube.parameter", "missingRequiredParameter")])
    items = [
        _keep(data.channel_resource(channel_id, state.today()), parts)
        for channel_id in ids
        if channel_id in data.CHANNELS_BY_ID
    ]
    return GoogleJSONResponse(
        _list_response("youtube#channelListResponse", items, _max_results(request), len(items))
    )


def _playlist_item(video: data.Video, playlist_id: str, position: int, parts: list[str]) -> dict[str, Any]:
    chan = data.channel(video.channel_id)
    item_id = base64.urlsafe_b64encode(f"{playlist_id}.{video.id}".encode()).decode().rstrip("=")
    resource = {
        "kind": "youtube#playlistItem",
        "etag": data.etag("playlistItem", item_id),
        "id": item_id,
        "snippet": {
            "publishedAt": data.rfc3339(video.published_at),
            "channelId": chan.id,
            "title": video.title,
            "description": video.description,
            "channelTitle": chan.title,
            "playlistId": playlist_id,
            "position": position,
            "resourceId": {"kind": "youtube#video", "videoId": video.id},
            "videoOwnerChannelTitle": chan.title,
            "videoOwnerChannelId": chan.id,
        },
        "contentDetails": {"videoId": video.id, "videoPublishedAt": data.rfc3339(video.published_at)},
        "status": {"privacyStatus": "public"},
    }
    return _keep(resource, parts)


@api_router.get("/youtube/v3/playlistItems")
def playlist_items(request: Request) -> Response:
    state = _authenticate(request)
    parts = _parts(request, PLAYLIST_ITEM_PARTS)
    playlist_id = request.query_params.get("playlistId", "")
    owner = next((c for c in data.CHANNELS if c.uploads_playlist_id == playlist_id), None)
    if owner is None:
        message = (
            "The playlist identified with the request's <code>playlistId</code> parameter cannot be found."
        )
        raise GoogleError(
            404, message, [_entry(message, "youtube.playlistItem", "playlistNotFound", "playlistId")]
        )
    per_page = _max_results(request)
    videos = data.uploads(owner.id, state.today())
    token = request.query_params.get("pageToken")
    offset = _token_offset(token, playlist_id) if token else 0
    page = videos[offset : offset + per_page]
    items = [_playlist_item(video, playlist_id, offset + i, parts) for i, video in enumerate(page)]
    after = offset + per_page
    return GoogleJSONResponse(
        _list_response(
            "youtube#playlistItemListResponse",
            items,
            per_page,
            len(videos),
            nextPageToken=_page_token(playlist_id, after) if after < len(videos) else None,
            prevPageToken=_page_token(playlist_id, max(0, offset - per_page)) if offset > 0 else None,
        )
    )


@api_router.get("/youtube/v3/videos")
def videos(request: Request) -> Response:
    state = _authenticate(request)
    parts = _parts(request, VIDEO_PARTS)
    ids = [value.strip() for value in request.query_params.get("id", "").split(",") if value.strip()]
    if not ids:
        message = "No filter selected. Expected one of: chart, id, myRating, idParam"
        raise GoogleError(400, message, [_entry(message, "youtube.parameter", "missingRequiredParameter")])
    if len(ids) > MAX_RESULTS:
        # [inf] the exact body for more than 50 ids is undocumented; Google rejects the filter.
        raise data_bad_request("The request specifies an invalid filter parameter.", "invalidFilters", "id")
    known = data.videos_by_id(state.today())
    items = [_keep(data.video_resource(known[i], state.today()), parts) for i in ids if i in known]
    return GoogleJSONResponse(_list_response("youtube#videoListResponse", items, len(items), len(items)))


@api_router.api_route("/youtube/v3/{rest:path}", methods=["GET", "POST", "PUT", "DELETE"])
def unknown_data_path(request: Request, rest: str) -> Response:
    return HTMLResponse(NOT_FOUND_HTML.format(path=request.url.path), status_code=404)


# Analytics API v2.


def _report_date(request: Request, name: str) -> date:
    raw = request.query_params.get(name)
    if not raw:
        raise analytics_bad_request(f"Required parameter: {name}", "required")
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
            return date.fromisoformat(raw)
    except ValueError:
        pass
    raise analytics_bad_request(
        f"Invalid value '{raw}' for {name}: expected a date in the format YYYY-MM-DD."
    )


def _positive(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[0-9]+", raw) or int(raw) < 1:
        raise analytics_bad_request(f"Invalid value '{raw}' for {name}: expected a positive integer.")
    return int(raw)


def _report_channel(request: Request) -> data.Channel:
    ids = request.query_params.get("ids")
    if not ids:
        raise analytics_bad_request("Required parameter: ids", "required")
    kind, _, value = ids.partition("==")
    if kind != "channel" or not value:
        raise analytics_bad_request(
            f"Invalid value '{ids}' for ids: expected channel==MINE or channel==<channel id>."
        )
    if value == "MINE":
        return data.CHANNELS[0]
    if value not in data.CHANNELS_BY_ID or not data.CHANNELS_BY_ID[value].is_own:
        raise forbidden()  # a channel the token does not own, a competitor's included
    return data.channel(value)


def _totals(daily: list[data.DailyChannelMetrics]) -> data.DailyChannelMetrics:
    """A report without dimensions: one row over the whole range (averages recomputed from sums)."""
    sums = {
        name: sum(getattr(m, name) for m in daily)
        for name in data.DailyChannelMetrics.__dataclass_fields__
        if name != "day"
    }
    return data.DailyChannelMetrics(day=daily[0].day, **sums)


@api_router.get("/youtubeanalytics/v2/reports")
def reports(request: Request) -> Response:
    state = _authenticate(request)
    params = request.query_params
    chan = _report_channel(request)
    start, end = _report_date(request, "startDate"), _report_date(request, "endDate")
    names = [name.strip() for name in (params.get("metrics") or "").split(",") if name.strip()]
    if not names:
        raise analytics_bad_request("Required parameter: metrics", "required")
    for name in names:
        if name not in ANALYTICS_METRICS:
            raise unknown_metric(name)
    dimensions = [d.strip() for d in (params.get("dimensions") or "").split(",") if d.strip()]
    if dimensions not in ([], ["day"]) or params.get("filters"):
        raise analytics_bad_request(UNSUPPORTED_QUERY)
    if start > end:
        raise analytics_bad_request("The start date must be on or before the end date.")
    sort = params.get("sort", "")
    if sort not in ("", "day", "-day") or (sort and not dimensions):
        raise analytics_bad_request(UNSUPPORTED_QUERY)
    headers = [{"name": "day", "columnType": "DIMENSION", "dataType": "STRING"}] if dimensions else []
    headers += [
        {"name": n, "columnType": "METRIC", "dataType": ANALYTICS_METRICS[n].data_type} for n in names
    ]
    first, last = max(start, EPOCH), min(end, data.last_reported_day(state.today()))
    report_days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    daily = [data.daily_metrics(chan.id, day) for day in report_days]
    if dimensions:
        rows = [[m.day.isoformat(), *(ANALYTICS_METRICS[n].value(m) for n in names)] for m in daily]
        if sort == "-day":
            rows.reverse()
    else:
        rows = [[ANALYTICS_METRICS[n].value(_totals(daily)) for n in names]] if daily else []
    start_index = _positive(request, "startIndex", 1)
    rows = rows[start_index - 1 : start_index - 1 + _positive(request, "maxResults", max(1, len(rows)))]
    body: dict[str, Any] = {"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers}
    if rows:
        body["rows"] = rows
    return GoogleJSONResponse(body)


# Ground truth, computed by the generator (never through the routes above).

truth_router = platform_truth_router(data, data.CHANNELS_BY_ID, "YouTube channel")


# Faults and headers.


def _fault_response(request: Request, fault: str) -> Response | None:
    analytics = bool(ANALYTICS_API.match(request.url.path))
    if fault == "quota_exceeded":
        error = (
            resource_exhausted("Queries per day", "defaultPerDayPerProject")
            if analytics
            else quota_exceeded()
        )
    elif fault == "rate_limit_exceeded":
        error = (
            resource_exhausted("Queries per minute per user", "defaultPerMinutePerUser")
            if analytics
            else rate_limited()
        )
    elif fault in ("error_500", "error_503"):
        error = backend_error(int(fault.removeprefix("error_")))
    elif fault in ("expired_token", "revoked_token"):  # Google answers both alike
        error = invalid_credentials()
    elif fault == "unknown_metric":
        if analytics:
            metrics = (request.query_params.get("metrics") or "views").split(",")
            error = unknown_metric(metrics[0])
        else:
            error = unknown_part((request.query_params.get("part") or "snippet").split(",")[0])
    else:
        return None
    return error_response(error)


def _finish(request: Request, response: Response, fault: str | None) -> None:
    headers = {
        "Vary": "Origin, X-Origin, Referer",
        "Cache-Control": "private",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "SAMEORIGIN",
        "X-XSS-Protection": "0",
    }
    for name, value in headers.items():
        if name not in response.headers:
            response.headers[name] = value


def _google_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GoogleError)
    return error_response(exc)


PLATFORM = Platform(
    name=NAME,
    claims=lambda path: bool(DATA_API.match(path) or ANALYTICS_API.match(path)),
    api_router=api_router,
    truth_router=truth_router,
    fault_response=_fault_response,
    finish=_finish,
    chaos_faults=CHAOS_FAULTS,
    exception_handlers={GoogleError: _google_error_handler},
)
