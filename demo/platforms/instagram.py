"""Instagram (Graph API, Facebook login) over the Graph wire format, under the path prefix ``/instagram``.

Served: the IG User node, its account insights in both shapes (``metric_type=time_series``:
``values`` with ``end_time``; ``metric_type=total_value``: one ``total_value`` summed over
since..until), its ``/media`` edge with cursor paging, and each media's lifetime ``/insights``,
where ``views`` and ``shares`` come as ``total_value`` and the older metrics as ``values``.
The data comes from ``demo.generator.instagram``; errors, cursors and tokens follow
``demo.platforms.graph``. What is Instagram's own: metric names and which media product type
offers which metric, the retired metrics (impressions, plays, video_views), ``follower_count``
only for the last 30 days, throttle code 80002 and a Business Use Case header of type
``instagram``. Ground truth for tests is served under ``/_demo/truth/instagram``.

Each own media's ``/comments`` edge serves the comments of ``demo.generator.comments``, newest
first, with their replies nested under ``replies`` (omitted when there are none).

Competitors are read with ``business_discovery`` on an own IG user node:
``fields=business_discovery.username(<username>){followers_count,...,media.limit(N){...}}``.
Their media come newest first in pages whose ``paging`` holds only ``cursors`` (nested edges
have no ``next`` URL); the next page is asked as ``media.after(<cursor>).limit(N)``, and the
last page has no ``after`` cursor. An unknown username (or a personal account) is error 110,
subcode 2207013.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from demo.company import EPOCH
from demo.generator import comments as comment_data
from demo.generator import instagram as data
from demo.generator.common import pacific_day, pacific_midnight_utc, utc_midnight
from demo.platforms import Platform, graph
from demo.platforms import truth_router as platform_truth_router
from demo.platforms.graph import GraphError
from demo.state import DemoState

NAME = "instagram"
PREFIX = "/instagram"
PATH = re.compile(r"^/instagram/v[0-9]+\.0(/|$)")
MAX_INSIGHTS_DAYS = 30
DEFAULT_LIMIT, MAX_LIMIT = 25, 100
PERIODS = ("day", "week", "days_28", "month", "lifetime", "total_over_range")
METRIC_TYPES = ("time_series", "total_value")
CHAOS_FAULTS = ("throttle_4", "throttle_17", "throttle_32", "throttle_613", "throttle_80002", "error_500")
THROTTLE_80002 = (
    "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again. "
    "For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting."
)
DOCS = "https://developers.facebook.com/docs/instagram-platform"

USER_FIELDS = frozenset(
    {
        "id",
        "ig_id",
        "username",
        "name",
        "biography",
        "website",
        "followers_count",
        "follows_count",
        "media_count",
        "profile_picture_url",
    }
)
MEDIA_FIELDS = frozenset(
    {
        "id",
        "caption",
        "media_type",
        "media_product_type",
        "timestamp",
        "permalink",
        "shortcode",
        "like_count",
        "comments_count",
        "media_url",
        "thumbnail_url",
        "username",
        "owner",
        "is_comment_enabled",
    }
)

api_router = APIRouter(prefix=PREFIX)


@dataclass(frozen=True)
class AccountMetric:
    title: str
    description: str
    value: Callable[[data.DailyAccountMetrics], int]
    metric_types: tuple[str, ...]


def _daily(field: str) -> Callable[[data.DailyAccountMetrics], int]:
    return lambda metrics: getattr(metrics, field)


ACCOUNT_METRICS: dict[str, AccountMetric] = {
    "reach": AccountMetric(
        "Accounts reached",
        "The number of unique accounts that have seen your content, at least once, including in ads.",
        _daily("reach"),
        METRIC_TYPES,
    ),
    "follower_count": AccountMetric(
        "Follower count",
        "The number of accounts that followed you that day.",
        _daily("follows"),
        ("time_series",),
    ),
    "views": AccountMetric(
        "Views",
        "The number of times your content was played or displayed.",
        _daily("views"),
        ("total_value",),
    ),
    "total_interactions": AccountMetric(
        "Content interactions",
        "The total number of post interactions, story interactions, reels interactions, video "
        "interactions and live video interactions, including any interactions on boosted content.",
        _daily("total_interactions"),
        ("total_value",),
    ),
    "likes": AccountMetric(
        "Likes", "The number of likes on your posts, reels and videos.", _daily("likes"), ("total_value",)
    ),
    "comments": AccountMetric(
        "Comments",
        "The number of comments on your posts, reels, videos and live videos.",
        _daily("comments"),
        ("total_value",),
    ),
    "shares": AccountMetric(
        "Shares",
        "The number of shares of your posts, stories, reels, videos and live videos.",
        _daily("shares"),
        ("total_value",),
    ),
    "saves": AccountMetric(
        "Saves", "The number of saves of your posts, reels and videos.", _daily("saves"), ("total_value",)
    ),
    "replies": AccountMetric(
        "Replies",
        "The number of replies you received from your story, including text replies and quick reaction "
        "replies.",
        _daily("replies"),
        ("total_value",),
    ),
    "accounts_engaged": AccountMetric(
        "Accounts engaged",
        "The number of accounts that have interacted with your content, including in ads.",
        _daily("accounts_engaged"),
        ("total_value",),
    ),
}
ACCOUNT_METRICS_WITHOUT_DATA = (
    "profile_links_taps",
    "follows_and_unfollows",
    "online_followers",
    "engaged_audience_demographics",
    "reached_audience_demographics",
    "follower_demographics",
)
"""Valid account metrics the demo serves no data for (Graph answers ``{"data": []}``)."""
RETIRED_ACCOUNT_METRICS = {
    "impressions": 22,
    "profile_views": 21,
    "website_clicks": 21,
    "email_contacts": 21,
    "phone_call_clicks": 21,
    "text_message_clicks": 21,
    "get_directions_clicks": 21,
}
"""Retired account metric -> the Graph version that dropped it (all versions since 2025)."""


@dataclass(frozen=True)
class MediaMetric:
    title: str
    description: str
    value: Callable[[data.Media, data.MediaLifetime], int]
    product_types: frozenset[str]
    shape: str = "values"  # or "total_value", the shape of Meta's newer metrics


FEED_REELS = frozenset({"FEED", "REELS"})
ALL_TYPES = frozenset({"FEED", "REELS", "STORY"})

MEDIA_METRICS: dict[str, MediaMetric] = {
    "views": MediaMetric(
        "Views",
        "The number of times your reel, post or story was played or displayed.",
        lambda media, lifetime: lifetime.views,
        ALL_TYPES,
        "total_value",
    ),
    "reach": MediaMetric(
        "Accounts reached",
        "The number of unique accounts that have seen this post at least once.",
        lambda media, lifetime: lifetime.reach,
        ALL_TYPES,
    ),
    "likes": MediaMetric(
        "Likes", "The number of likes on your post.", lambda media, lifetime: lifetime.likes, FEED_REELS
    ),
    "comments": MediaMetric(
        "Comments",
        "The number of comments on your post.",
        lambda media, lifetime: lifetime.comments,
        FEED_REELS,
    ),
    "shares": MediaMetric(
        "Shares",
        "The number of shares of your post.",
        lambda media, lifetime: lifetime.shares,
        ALL_TYPES,
        "total_value",
    ),
    "saved": MediaMetric(
        "Saves", "The number of saves of your post.", lambda media, lifetime: lifetime.saved, FEED_REELS
    ),
    "total_interactions": MediaMetric(
        "Interactions",
        "The number of likes, saves, comments and shares on the post, minus the number of unlikes, "
        "unsaves and deleted comments.",
        lambda media, lifetime: lifetime.total_interactions,
        ALL_TYPES,
    ),
    "follows": MediaMetric(
        "Follows",
        "The number of accounts that started following you from this post.",
        lambda media, lifetime: lifetime.follows,
        frozenset({"FEED", "STORY"}),
    ),
    "profile_visits": MediaMetric(
        "Profile visits",
        "The number of times your profile was visited from this post.",
        lambda media, lifetime: lifetime.profile_visits,
        frozenset({"FEED", "STORY"}),
    ),
    "ig_reels_avg_watch_time": MediaMetric(
        "Average watch time",
        "The average amount of time spent playing the reel, in milliseconds.",
        lambda media, lifetime: media.avg_watch_time_ms or 0,
        frozenset({"REELS"}),
    ),
    "ig_reels_video_view_total_time": MediaMetric(
        "Watch time",
        "The total amount of time the reel was played, including replays, in milliseconds.",
        lambda media, lifetime: (media.avg_watch_time_ms or 0) * lifetime.views,
        frozenset({"REELS"}),
    ),
}
STORY_ONLY_METRICS = ("replies", "navigation", "profile_activity")
RETIRED_MEDIA_METRICS = frozenset(
    {
        "impressions",
        "plays",
        "video_views",
        "clips_replays_count",
        "ig_reels_aggregated_all_plays_count",
        "carousel_album_impressions",
        "carousel_album_reach",
        "carousel_album_engagement",
        "carousel_album_saved",
        "carousel_album_video_views",
        "engagement",
        "exits",
        "taps_forward",
        "taps_back",
    }
)


# Instagram's errors.


def throttle_80002(account_id: str) -> GraphError:
    return GraphError(
        80002,
        THROTTLE_80002,
        status=400,
        is_transient=True,
        headers={"X-Business-Use-Case-Usage": buc_usage(account_id, 100, 41, 64)},
    )


def retired_metric(name: str, version: int, node: str) -> GraphError:
    reference = "instagram-user/insights" if node == "user" else "instagram-media/insights"
    return GraphError(
        100,
        f"(#100) Starting from version v{version}.0 and above, the {name} metric is no longer supported "
        f"for the queried {node}. Please refer to the documentation at {DOCS}/reference/{reference} "
        "for a list of supported metrics.",
    )


def unknown_metric(index: int, valid: list[str]) -> GraphError:
    return GraphError(100, f"(#100) metric[{index}] must be one of the following values: {', '.join(valid)}")


def unsupported_for_product_type(names: list[str]) -> GraphError:
    return GraphError(
        100,
        f"(#100) The Media Insights API does not support the {', '.join(names)} metric "
        "for this media product type.",
    )


def wrong_metric_type(names: list[str], metric_type: str) -> GraphError:
    if metric_type == "time_series":
        return GraphError(
            100,
            f"(#100) The following metrics ({', '.join(names)}) should be specified with parameter "
            "metric_type=total_value",
        )
    return GraphError(
        100, f"(#100) The following metrics ({', '.join(names)}) do not support metric_type=total_value"
    )


def _valid_account_metrics() -> list[str]:
    return [*ACCOUNT_METRICS, *ACCOUNT_METRICS_WITHOUT_DATA]


def _valid_media_metrics() -> list[str]:
    return [*MEDIA_METRICS, *STORY_ONLY_METRICS]


# Usage headers: the Business Use Case header of an Instagram account has type "instagram".


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def buc_usage(account_id: str, call_count: int, total_cputime: int, total_time: int) -> str:
    entry = {
        "type": "instagram",
        "call_count": call_count,
        "total_cputime": total_cputime,
        "total_time": total_time,
        "estimated_time_to_regain_access": 0,
    }
    return _compact({account_id: [entry]})


def _node_of(path: str) -> str:
    """The node a request path addresses: ``/instagram/v25.0/<node>/...``."""
    parts = path.strip("/").split("/")
    return parts[2] if len(parts) > 2 else ""


def _owner_of(path: str) -> str:
    """The IG user a request path is about (a media maps to its owner)."""
    node = _node_of(path)
    media = data.media_by_id(node)
    return media.account_id if media else node


def add_usage_headers(request: Request, response: Response, request_number: int) -> None:
    """Usage rises and falls over a rolling window and stays below the level that asks clients to rest."""
    usage = 1 + (request_number // 40) % 80
    version = request.url.path.strip("/").split("/")[1]
    headers = {
        "X-App-Usage": _compact({"call_count": usage, "total_time": usage // 2, "total_cputime": usage // 3}),
        "X-Business-Use-Case-Usage": buc_usage(
            _owner_of(request.url.path), usage, usage // 3, usage * 2 // 3
        ),
        "facebook-api-version": version,
        "x-fb-trace-id": graph.fbtrace_id(request_number),
    }
    for name, value in headers.items():
        if name not in response.headers:
            response.headers[name] = value


# Requests.


@dataclass(frozen=True)
class Call:
    state: DemoState
    today: date
    account: data.InstagramAccount | None
    media: data.Media | None


def _call(request: Request, object_id: str) -> Call:
    """Authenticate, then find the node: an own IG user, or a media that exists today."""
    state: DemoState = request.app.state.demo
    today = state.today()
    graph.authenticate(request, state.tokens, today)
    owner = data.ACCOUNTS_BY_ID.get(object_id)
    if owner is not None:
        return Call(state, today, owner, None)
    media = data.media_by_id(object_id)
    if media is not None and media.exists_on(today):
        return Call(state, today, None, media)
    raise graph.unknown_object(object_id)


def _url(request: Request, **changes: str | None) -> str:
    """This request's URL with some query parameters replaced (None removes one)."""
    params = [(key, value) for key, value in request.query_params.multi_items() if key not in changes]
    params.extend((key, value) for key, value in changes.items() if value is not None)
    return f"{str(request.base_url).rstrip('/')}{request.url.path}?{urlencode(params)}"


def _metric_names(request: Request) -> list[str]:
    names = [name.strip() for name in (request.query_params.get("metric") or "").split(",")]
    names = [name for name in names if name]
    if not names:
        raise graph.no_metric()
    return names


def _param_day(value: str, name: str) -> date:
    """A since/until value as a Pacific day: ``YYYY-MM-DD`` as is, timestamps by their Pacific date."""
    text = value.strip()
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise graph.invalid_parameter(
                f"The parameter {name} must be a unix timestamp or a date"
            ) from None
    return pacific_day(graph.parse_time(text, name))


def _insights_window(request: Request, today: date, default_days: int) -> tuple[date, date]:
    """The requested Pacific days as [since, until)."""
    params = request.query_params
    since = _param_day(params["since"], "since") if params.get("since") else None
    until = _param_day(params["until"], "until") if params.get("until") else None
    until = until or today
    since = since or until - timedelta(days=default_days)
    if until <= since:
        raise graph.invalid_parameter("The since parameter must be earlier than the until parameter")
    if (until - since).days > MAX_INSIGHTS_DAYS:
        seconds = MAX_INSIGHTS_DAYS * 86_400
        raise graph.invalid_parameter(
            f"There cannot be more than {MAX_INSIGHTS_DAYS} days ({seconds} s) between since and until"
        )
    return since, until


# The IG User node and a media node.

DISCOVERY_USER_FIELDS = frozenset(
    {
        "id",
        "username",
        "name",
        "biography",
        "website",
        "followers_count",
        "follows_count",
        "media_count",
        "profile_picture_url",
        "media",
    }
)
"""The public fields ``business_discovery`` offers on another account."""
DISCOVERY_MEDIA_FIELDS = frozenset(
    {
        "id",
        "caption",
        "media_type",
        "media_product_type",
        "timestamp",
        "permalink",
        "like_count",
        "comments_count",
        "media_url",
        "thumbnail_url",
        "username",
    }
)


def user_not_found(username: str) -> GraphError:
    """``business_discovery`` of a username that does not exist or is not a professional account."""
    # [inf] the message texts follow reports of the live API; code and subcode are what clients test.
    return GraphError(
        110,
        "Invalid user id",
        subcode=2207013,
        is_transient=False,
        user_title="Cannot find User",
        user_msg=f"The user with username: {username} cannot be found.",
    )


def _discovery_media(spec: graph.FieldSpec, owner: data.InstagramAccount, today: date) -> dict[str, Any]:
    """One page of a discovered account's media: newest first, cursors only."""
    fields = [sub.name for sub in spec.subfields] or ["id"]
    for name in fields:
        if name not in DISCOVERY_MEDIA_FIELDS:
            raise graph.nonexisting_field(name, "IGMedia")
    limit = _limit(spec.modifiers.get("limit"))
    window = data.media_between(owner.id, utc_midnight(EPOCH), utc_midnight(today))
    window.sort(key=_key, reverse=True)
    start = 0
    if spec.modifiers.get("after"):
        position = _cursor_key(spec.modifiers["after"])
        start = sum(1 for media in window if _key(media) >= position)
    page = window[start : start + limit]
    if not page:
        return {"data": []}
    cursors = {"before": _cursor(page[0])}
    if start + len(page) < len(window):
        cursors["after"] = _cursor(page[-1])
    return {"data": [_media_node(media, fields, today) for media in page], "paging": {"cursors": cursors}}


def _business_discovery(spec: graph.FieldSpec, today: date) -> dict[str, Any]:
    """The ``business_discovery`` object of the account ``spec`` names with ``.username(...)``."""
    username = spec.modifiers.get("username", "").strip()
    if not username:
        raise graph.invalid_parameter("The parameter username is required")
    owner = data.COMPETITORS_BY_USERNAME.get(username)
    if owner is None:
        raise user_not_found(username)
    profile = data.business_discovery(username, today)
    result: dict[str, Any] = {}
    for sub in spec.subfields:
        if sub.name not in DISCOVERY_USER_FIELDS:
            raise graph.nonexisting_field(sub.name, "IGUser")
        result[sub.name] = _discovery_media(sub, owner, today) if sub.name == "media" else profile[sub.name]
    result.setdefault("id", owner.id)
    return result


def _media_node(media: data.Media, fields: list[str], today: date) -> dict[str, Any]:
    lifetime = media.lifetime(today)
    owner = data.account(media.account_id)
    video = media.media_type == "VIDEO"
    cdn = f"https://scontent.cdninstagram.com/v/t51.29350-15/{media.id}_n"
    values: dict[str, Any] = {
        "id": media.id,
        "caption": media.caption,
        "media_type": media.media_type,
        "media_product_type": media.media_product_type,
        "timestamp": graph.format_time(media.timestamp),
        "permalink": media.permalink,
        "shortcode": media.shortcode,
        "like_count": lifetime.likes,
        "comments_count": lifetime.comments,
        "media_url": f"{cdn}.mp4" if video else f"{cdn}.jpg",
        "thumbnail_url": f"{cdn}_thumb.jpg" if video else None,
        "username": owner.username,
        "owner": {"id": owner.id},
        "is_comment_enabled": True,
    }
    node = {name: values[name] for name in fields if values[name] is not None}
    node.setdefault("id", media.id)
    return node


def _fields(request: Request, allowed: frozenset[str], node_type: str) -> list[str]:
    specs = graph.parse_fields(request.query_params.get("fields") or "id")
    for spec in specs:
        if spec.name not in allowed:
            raise graph.nonexisting_field(spec.name, node_type)
    return [spec.name for spec in specs]


@api_router.get("/{version:graph_version}/{object_id}")
def node(request: Request, version: str, object_id: str) -> dict[str, Any]:
    call = _call(request, object_id)
    if call.media is not None:
        return _media_node(call.media, _fields(request, MEDIA_FIELDS, "IGMedia"), call.today)
    assert call.account is not None
    snapshot = data.snapshot(call.account.id, call.today)
    result: dict[str, Any] = {}
    for spec in graph.parse_fields(request.query_params.get("fields") or "id"):
        if spec.name == "business_discovery":
            result[spec.name] = _business_discovery(spec, call.today)
        elif spec.name in USER_FIELDS:
            result[spec.name] = snapshot[spec.name]
        else:
            raise graph.nonexisting_field(spec.name, "IGUser")
    result.setdefault("id", call.account.id)
    return result


# Insights: the account's (time series or total value) and a media's (lifetime).


@api_router.get("/{version:graph_version}/{object_id}/insights")
def insights(request: Request, version: str, object_id: str) -> dict[str, Any]:
    call = _call(request, object_id)
    if call.media is not None:
        return _media_insights(request, call.media, call.today)
    assert call.account is not None
    return _account_insights(request, call.account, call.today)


def _check_account_metric_names(names: list[str]) -> None:
    valid = _valid_account_metrics()
    for index, name in enumerate(names):
        if name in RETIRED_ACCOUNT_METRICS:
            raise retired_metric(name, RETIRED_ACCOUNT_METRICS[name], "user")
        if name not in valid:
            raise unknown_metric(index, valid)


def _account_insights(request: Request, owner: data.InstagramAccount, today: date) -> dict[str, Any]:
    params = request.query_params
    names = _metric_names(request)
    _check_account_metric_names(names)
    period = params.get("period")
    if not period:
        raise graph.invalid_parameter("The parameter period is required")
    if period not in PERIODS:
        raise graph.invalid_parameter(f"period must be one of the following values: {', '.join(PERIODS)}")
    metric_type = params.get("metric_type") or "time_series"
    if metric_type not in METRIC_TYPES:
        raise graph.invalid_parameter(
            f"metric_type must be one of the following values: {', '.join(METRIC_TYPES)}"
        )
    wrong = [n for n in names if n in ACCOUNT_METRICS and metric_type not in ACCOUNT_METRICS[n].metric_types]
    if wrong:
        raise wrong_metric_type(wrong, metric_type)
    # Without since/until Graph looks back two days for a series, 24 hours for a total.
    since, until = _insights_window(request, today, 2 if metric_type == "time_series" else 1)
    last_day = min(until, today) - timedelta(days=1)
    days = [since + timedelta(days=i) for i in range((last_day - since).days + 1)]
    days = [day for day in days if day >= EPOCH]
    results = []
    for name in names:
        known = ACCOUNT_METRICS.get(name)
        if known is None or period != "day":
            continue
        served = [d for d in days if name != "follower_count" or data.follower_count_available(d, today)]
        if not served:
            continue  # no data is an absent metric, never a zero
        title, description = known.title, known.description
        insight_id = f"{owner.id}/insights/{name}/{period}"
        if metric_type == "time_series":
            values = [
                {
                    "value": known.value(data.daily_metrics(owner.id, day)),
                    "end_time": graph.format_time(pacific_midnight_utc(day + timedelta(days=1))),
                }
                for day in served
            ]
            results.append(graph.insights_result(owner.id, name, period, values, title, description))
        else:
            total = sum(known.value(data.daily_metrics(owner.id, day)) for day in served)
            results.append(
                {
                    "name": name,
                    "period": period,
                    "title": title,
                    "description": description,
                    "total_value": {"value": total},
                    "id": insight_id,
                }
            )
    if not results:
        return {"data": []}
    shift = until - since

    def stamp(day: date) -> str:
        return str(int(pacific_midnight_utc(day).timestamp()))

    return {
        "data": results,
        "paging": {
            "previous": _url(request, since=stamp(since - shift), until=stamp(until - shift)),
            "next": _url(request, since=stamp(since + shift), until=stamp(until + shift)),
        },
    }


def _media_insights(request: Request, media: data.Media, today: date) -> dict[str, Any]:
    names = _metric_names(request)
    valid = _valid_media_metrics()
    for index, name in enumerate(names):
        if name in RETIRED_MEDIA_METRICS:
            raise retired_metric(name, 22, "media")
        if name not in valid:
            raise unknown_metric(index, valid)
    unsupported = [
        name
        for name in names
        if name in STORY_ONLY_METRICS or media.media_product_type not in MEDIA_METRICS[name].product_types
    ]
    if unsupported:
        raise unsupported_for_product_type(unsupported)
    lifetime = media.lifetime(today)
    results = []
    for name in names:
        metric = MEDIA_METRICS[name]
        value = metric.value(media, lifetime)
        result: dict[str, Any] = {"name": name, "period": "lifetime"}
        if metric.shape == "total_value":
            result["total_value"] = {"value": value}
        else:
            result["values"] = [{"value": value}]
        result |= {
            "title": metric.title,
            "description": metric.description,
            "id": f"{media.id}/insights/{name}/lifetime",
        }
        results.append(result)
    return {"data": results}


# The media edge: newest first, cursor paging, since/until on the timestamp.


def _limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not re.fullmatch(r"[0-9]+", raw.strip()) or int(raw) < 1:
        raise graph.invalid_parameter("Param limit must be a positive integer")
    return min(int(raw), MAX_LIMIT)


def _key(media: data.Media) -> tuple[int, str]:
    return int(media.timestamp.timestamp()), media.id


def _cursor(media: data.Media) -> str:
    return graph.encode_cursor(*_key(media))


def _cursor_key(cursor: str) -> tuple[int, str]:
    parts = graph.decode_cursor(cursor)
    if len(parts) != 2 or not parts[0].isdigit():
        raise graph.invalid_parameter("Invalid cursor")
    return int(parts[0]), parts[1]


@api_router.get("/{version:graph_version}/{object_id}/media")
def media_edge(request: Request, version: str, object_id: str) -> dict[str, Any]:
    call = _call(request, object_id)
    if call.account is None:
        raise graph.nonexisting_field("media", "IGMedia")
    params = request.query_params
    fields = _fields(request, MEDIA_FIELDS, "IGMedia")
    limit = _limit(params.get("limit"))
    cutoff = utc_midnight(call.today)
    since = graph.parse_time(params["since"], "since") if params.get("since") else utc_midnight(EPOCH)
    until = graph.parse_time(params["until"], "until") if params.get("until") else cutoff
    until = min(until, cutoff)
    window = data.media_between(call.account.id, since, until) if since < until else []
    window.sort(key=_key, reverse=True)
    if params.get("after"):
        position = _cursor_key(params["after"])
        start = sum(1 for media in window if _key(media) >= position)
    elif params.get("before"):
        position = _cursor_key(params["before"])
        newer = sum(1 for media in window if _key(media) > position)
        start = max(0, newer - limit)
        window = window[:newer]
    else:
        start = 0
    page = window[start : start + limit]
    if not page:
        return {"data": []}
    paging: dict[str, Any] = {"cursors": {"before": _cursor(page[0]), "after": _cursor(page[-1])}}
    if start > 0:
        paging["previous"] = _url(request, before=_cursor(page[0]), after=None)
    if start + len(page) < len(window) or params.get("before"):
        paging["next"] = _url(request, after=_cursor(page[-1]), before=None)
    return {"data": [_media_node(media, fields, call.today) for media in page], "paging": paging}


# The comments edge of an own media (instagram_manage_comments): top-level comments, newest
# first, cursor paging; each comment's replies come nested, oldest first, when ``replies`` is
# asked for, and the field is omitted when there are none (as Graph omits empty nested edges).

COMMENT_FIELDS = frozenset(
    {"id", "text", "timestamp", "username", "like_count", "replies", "from", "hidden", "media", "parent_id"}
)
REPLY_DEFAULT_FIELDS = ("id", "text", "timestamp")


def _comment_key(comment: comment_data.Comment) -> tuple[int, str]:
    return int(comment.created_at.timestamp()), comment.id


def _comment_cursor(comment: comment_data.Comment) -> str:
    return graph.encode_cursor(*_comment_key(comment))


def _comment_node(
    comment: comment_data.Comment, specs: list[graph.FieldSpec], replies: list[comment_data.Comment]
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": comment.id,
        "text": comment.text,
        "timestamp": graph.format_time(comment.created_at),
        "username": comment.author.name,
        "like_count": comment.like_count,
        "from": {"id": comment.author.id, "username": comment.author.name},
        "hidden": False,
        "media": {"id": comment.post_id},
        "parent_id": comment.parent_id,
    }
    node: dict[str, Any] = {}
    for spec in specs:
        if spec.name not in COMMENT_FIELDS:
            raise graph.nonexisting_field(spec.name, "IGComment")
        if spec.name == "replies":
            subfields = list(spec.subfields) or [graph.FieldSpec(name) for name in REPLY_DEFAULT_FIELDS]
            if replies:
                node["replies"] = {"data": [_comment_node(reply, subfields, []) for reply in replies]}
        elif values[spec.name] is not None:
            node[spec.name] = values[spec.name]
    node.setdefault("id", comment.id)
    return node


@api_router.get("/{version:graph_version}/{object_id}/comments")
def comments_edge(request: Request, version: str, object_id: str) -> dict[str, Any]:
    call = _call(request, object_id)
    if call.media is None:
        raise graph.nonexisting_field("comments", "IGUser")
    params = request.query_params
    specs = graph.parse_fields(params.get("fields") or "timestamp,text,id")
    limit = _limit(params.get("limit"))
    thread = comment_data.visible_thread("instagram", call.media.id, call.today)
    window = sorted((c for c in thread if c.parent_id is None), key=_comment_key, reverse=True)
    if params.get("after"):
        position = _cursor_key(params["after"])
        start = sum(1 for comment in window if _comment_key(comment) >= position)
    elif params.get("before"):
        position = _cursor_key(params["before"])
        newer = sum(1 for comment in window if _comment_key(comment) > position)
        start = max(0, newer - limit)
        window = window[:newer]
    else:
        start = 0
    page = window[start : start + limit]
    if not page:
        return {"data": []}
    paging: dict[str, Any] = {
        "cursors": {"before": _comment_cursor(page[0]), "after": _comment_cursor(page[-1])}
    }
    if start > 0:
        paging["previous"] = _url(request, before=_comment_cursor(page[0]), after=None)
    if start + len(page) < len(window) or params.get("before"):
        paging["next"] = _url(request, after=_comment_cursor(page[-1]), before=None)
    data_ = [_comment_node(c, specs, [r for r in thread if r.parent_id == c.id]) for c in page]
    return {"data": data_, "paging": paging}


# Ground truth, computed by the generator (never through the routes above).

truth_router = platform_truth_router(
    data, {**data.ACCOUNTS_BY_ID, **data.COMPETITORS_BY_USERNAME}, "Instagram account"
)


@truth_router.get("/comments")
def truth_comments(
    request: Request, account_id: str, start: date, end: date | None = None, as_of: date | None = None
) -> list[dict]:
    """Comments on an own account's media by UTC day from ``start`` to ``end`` (both included;
    default: yesterday), as served on ``as_of`` (default: the server's today); see
    ``demo.generator.comments``."""
    if account_id not in data.ACCOUNTS_BY_ID:
        raise HTTPException(404, f"comments exist only on own accounts; known: {sorted(data.ACCOUNTS_BY_ID)}")
    today = request.app.state.demo.today()
    return comment_data.comments_between(
        "instagram", account_id, start, end or today - timedelta(days=1), as_of or today
    )


# Faults and headers.


def _fault_response(request: Request, fault: str) -> Response | None:
    if fault in {"throttle_4", "throttle_17", "throttle_32", "throttle_613"}:
        error = graph.throttle(int(fault.removeprefix("throttle_")), _owner_of(request.url.path))
    elif fault == "throttle_80002":
        error = throttle_80002(_owner_of(request.url.path))
    elif fault == "error_500":
        error = graph.unknown_error()
    elif fault == "error_503":
        return HTMLResponse(graph.PROXY_503, status_code=503)
    elif fault == "expired_token":
        error = graph.expired_token(request.app.state.demo.today())
    elif fault == "revoked_token":
        error = graph.revoked_token()
    elif fault == "unknown_metric":
        is_media = data.media_by_id(_node_of(request.url.path)) is not None
        error = unknown_metric(0, _valid_media_metrics() if is_media else _valid_account_metrics())
    else:
        return None
    return graph.error_response(request, error)


def _finish(request: Request, response: Response, fault: str | None) -> None:
    if fault != "error_503":
        add_usage_headers(request, response, getattr(request.state, "request_number", 0))


def _graph_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GraphError)
    return graph.error_response(request, exc)


PLATFORM = Platform(
    name=NAME,
    claims=lambda path: bool(PATH.match(path)),
    api_router=api_router,
    truth_router=truth_router,
    fault_response=_fault_response,
    finish=_finish,
    chaos_faults=CHAOS_FAULTS,
    exception_handlers={GraphError: _graph_error_handler},
)
