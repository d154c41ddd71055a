"""Facebook Pages over the Graph API wire format: the Page node, its insights and published posts.

The data comes from ``demo.generator.facebook_pages``; this module only renders it the way
``graph.facebook.com`` does (field expansion, insights windows, cursor paging, errors).
Ground truth for tests is served under ``/_demo/truth/facebook_pages``.

Each post's ``/comments`` edge serves the comments of ``demo.generator.comments``: top-level
ones by default, replies flattened in with their ``parent`` under ``filter=stream``; ``from`` is
omitted for people who have not authorised the app.

The Messenger inbox (``demo.generator.conversations``; needs ``pages_messaging``):

* ``/{page-id}/conversations?platform=messenger&fields=id,updated_time,message_count,unread_count,
  participants`` lists the Page's threads newest ``updated_time`` first, cursor paging only
  (``paging.cursors`` + ``paging.next``/``previous``). Graph documents that time-based pagination
  is not available on this edge: ``since``/``until`` are accepted and ignored, as Graph ignores
  parameters an edge does not use, so a client that sends them still gets every thread.
  ``platform=instagram`` answers an empty list (the demo Page has no Instagram inbox).
* ``/{conversation-id}/messages?fields=id,created_time,from,to,message`` lists every message of
  the thread newest first (cursor paging), but, as Graph documents, only the **20 most recent**
  carry details: older items come with ``id`` and ``created_time`` only, and asking for one of
  them by id (``/{message-id}?fields=...``) answers error 100 "The message has been deleted".
  Without ``fields`` the edge gives ``id`` and ``created_time``.
* ``/{conversation-id}`` answers the thread's own fields; both ids answer 100/33 when unknown
  or not visible yet.

A competitor's Page answers only its public fields (``COMPETITOR_PAGE_FIELDS``); its insights,
posts and every other edge answer permission error 10, as Graph does for a Page the token does
not manage without the Page Public Content Access feature.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from demo.company import EPOCH, FACEBOOK_PAGES_BY_ID, FacebookPage
from demo.generator import comments as comment_data
from demo.generator import conversations as inbox_data
from demo.generator import facebook_pages as data
from demo.generator.common import pacific_day, pacific_midnight_utc, utc_midnight
from demo.platforms import Platform, graph
from demo.platforms.graph import FieldSpec, GraphError
from demo.state import DemoState

NAME = "facebook_pages"
MAX_INSIGHTS_DAYS = 90
DEFAULT_LIMIT, MAX_LIMIT = 25, 100
PERIODS = ("day", "week", "days_28", "month", "lifetime", "total_over_range")


@dataclass(frozen=True)
class Metric:
    title: str
    description: str
    value: Callable[..., Any]


PAGE_METRICS: dict[str, Metric] = {
    "page_media_view": Metric(
        "Daily Media Views",
        "Daily: The number of times your content was played or displayed. Content includes reels, posts, "
        "stories and ads.",
        lambda page_id, day: data.daily_metrics(page_id, day).views,
    ),
    "page_total_media_view_unique": Metric(
        "Daily Media Viewers",
        "Daily: The number of people who saw any content from your Page at least once.",
        lambda page_id, day: data.daily_metrics(page_id, day).reach,
    ),
    "page_post_engagements": Metric(
        "Daily Post Engagements",
        "Daily: The number of times people have engaged with your posts through like, comments and shares "
        "and more.",
        lambda page_id, day: data.daily_metrics(page_id, day).post_engagements,
    ),
    "page_daily_follows_unique": Metric(
        "Daily New Follows",
        "Daily: The number of people who followed your Page.",
        lambda page_id, day: data.daily_metrics(page_id, day).follows,
    ),
    "page_daily_unfollows_unique": Metric(
        "Daily Unfollows",
        "Daily: The number of people who unfollowed your Page.",
        lambda page_id, day: data.daily_metrics(page_id, day).unfollows,
    ),
    "page_follows": Metric(
        "Lifetime Total Follows",
        "Lifetime: The total number of people who follow your Page.",
        lambda page_id, day: data.followers(page_id, day),
    ),
}

POST_METRICS: dict[str, Metric] = {
    "post_media_view": Metric(
        "Lifetime Post Media Views",
        "Lifetime: The number of times your post was played or displayed.",
        lambda lifetime: lifetime.views,
    ),
    "post_total_media_view_unique": Metric(
        "Lifetime Post Media Viewers",
        "Lifetime: The number of people who saw your post at least once.",
        lambda lifetime: lifetime.reach,
    ),
    "post_clicks": Metric(
        "Lifetime Post Clicks",
        "Lifetime: The number of times people clicked anywhere in your posts without generating a story.",
        lambda lifetime: lifetime.clicks,
    ),
    "post_reactions_by_type_total": Metric(
        "Lifetime Total post Reactions by Type.",
        "Lifetime: Total post reactions by type.",
        lambda lifetime: {name: count for name, count in lifetime.reactions_by_type.items() if count},
    ),
}

COMPETITOR_PAGE_FIELDS = (
    "id",
    "name",
    "username",
    "link",
    "category",
    "about",
    "website",
    "followers_count",
    "fan_count",
)
"""What Graph shows of a Page the token does not manage."""
PAGE_FIELDS = (
    "id",
    "name",
    "username",
    "link",
    "category",
    "about",
    "website",
    "followers_count",
    "fan_count",
    "access_token",
)
POST_FIELDS = (
    "id",
    "created_time",
    "updated_time",
    "message",
    "permalink_url",
    "status_type",
    "shares",
    "reactions",
    "comments",
    "insights",
    "is_published",
    "from",
)

api_router = APIRouter()
truth_router = APIRouter()


@dataclass(frozen=True)
class PageCall:
    """An authenticated request addressed to one of the demo's Pages."""

    state: DemoState
    today: date
    page: FacebookPage


def no_page_access() -> GraphError:
    """Graph's answer for the insights, posts or any edge of a Page the token does not manage."""
    return GraphError(
        10,
        "(#10) This endpoint requires the 'pages_read_engagement' permission or the 'Page Public "
        "Content Access' feature. Refer to https://developers.facebook.com/docs/apps/review/"
        "login-permissions#manage-pages and https://developers.facebook.com/docs/apps/review/"
        "feature#reference-PAGES_ACCESS for details.",
        status=400,
    )


def _page_call(request: Request, object_id: str) -> PageCall:
    state: DemoState = request.app.state.demo
    today = state.today()
    graph.authenticate(request, state.tokens, today)
    if object_id in data.COMPETITOR_PAGES_BY_ID:
        raise no_page_access()
    page = FACEBOOK_PAGES_BY_ID.get(object_id)
    if page is None:
        raise graph.unknown_object(object_id)
    return PageCall(state, today, page)


def _url(request: Request, **changes: str | None) -> str:
    """This request's URL with some query parameters replaced (None removes one)."""
    params: list[tuple[str, str]] = []
    for key, value in request.query_params.multi_items():
        if key not in changes:
            params.append((key, value))
    params.extend((key, value) for key, value in changes.items() if value is not None)
    return f"{str(request.base_url).rstrip('/')}{request.url.path}?{urlencode(params)}"


# The Page node.


def _competitor_page_node(request: Request, page: FacebookPage) -> dict[str, Any]:
    state: DemoState = request.app.state.demo
    graph.authenticate(request, state.tokens, state.today())
    snapshot = data.page_snapshot(page.id, state.today())
    node: dict[str, Any] = {}
    for spec in graph.parse_fields(request.query_params.get("fields") or "name"):
        if spec.name not in PAGE_FIELDS:
            raise graph.nonexisting_field(spec.name, "Page")
        if spec.name not in COMPETITOR_PAGE_FIELDS:
            raise no_page_access()
        node[spec.name] = snapshot[spec.name]
    node.setdefault("id", page.id)
    return node


@api_router.get("/{version:graph_version}/{object_id}")
def page_node(request: Request, version: str, object_id: str) -> dict[str, Any]:
    if object_id.startswith("t_"):
        return _conversation_node(request, object_id)
    if object_id.startswith("m_"):
        return _message_node(request, object_id)
    competitor = data.COMPETITOR_PAGES_BY_ID.get(object_id)
    if competitor is not None:
        return _competitor_page_node(request, competitor)
    call = _page_call(request, object_id)
    specs = graph.parse_fields(request.query_params.get("fields") or "name")
    snapshot = data.page_snapshot(call.page.id, call.today)
    snapshot["access_token"] = graph.access_token(request)
    node: dict[str, Any] = {}
    for spec in specs:
        if spec.name not in PAGE_FIELDS:
            raise graph.nonexisting_field(spec.name, "Page")
        node[spec.name] = snapshot[spec.name]
    node.setdefault("id", call.page.id)
    return node


# Page insights.


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


def _insights_window(request: Request, today: date) -> tuple[date, date]:
    """The requested days as [since, until), Pacific."""
    params = request.query_params
    since = _param_day(params["since"], "since") if params.get("since") else None
    until = _param_day(params["until"], "until") if params.get("until") else None
    until = until or today
    since = since or until - timedelta(days=2)
    if until <= since:
        raise graph.invalid_parameter("The since parameter must be earlier than the until parameter")
    if (until - since).days > MAX_INSIGHTS_DAYS:
        seconds = MAX_INSIGHTS_DAYS * 86_400
        raise graph.invalid_parameter(
            f"There cannot be more than {MAX_INSIGHTS_DAYS} days ({seconds} s) between since and until"
        )
    return since, until


@api_router.get("/{version:graph_version}/{object_id}/insights")
def page_insights(request: Request, version: str, object_id: str) -> dict[str, Any]:
    call = _page_call(request, object_id)
    names = [name.strip() for name in (request.query_params.get("metric") or "").split(",")]
    names = [name for name in names if name]
    if not names:
        raise graph.no_metric()
    graph.check_metric_names(names)
    period = request.query_params.get("period") or "day"
    if period not in PERIODS:
        raise graph.invalid_parameter(f"period must be one of the following values: {', '.join(PERIODS)}")
    since, until = _insights_window(request, call.today)
    last_day = min(until - timedelta(days=1), call.today - timedelta(days=1))
    days = [since + timedelta(days=i) for i in range((last_day - since).days + 1)]
    days = [day for day in days if day >= EPOCH]
    results = []
    for name in names:
        known = PAGE_METRICS.get(name)
        if known is None or period != "day":
            continue
        values = [
            {
                "value": known.value(call.page.id, day),
                "end_time": graph.format_time(pacific_midnight_utc(day + timedelta(days=1))),
            }
            for day in days
        ]
        results.append(
            graph.insights_result(call.page.id, name, period, values, known.title, known.description)
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


# Published posts.


def _post_metric_names(spec: FieldSpec) -> list[str]:
    raw = spec.modifiers.get("metric")
    if raw is None:
        return list(POST_METRICS)
    names = [name.strip().strip("\"'[]") for name in raw.split(",")]
    return [name for name in names if name]


def _check_post_fields(specs: list[FieldSpec]) -> None:
    for spec in specs:
        if spec.name not in POST_FIELDS:
            raise graph.nonexisting_field(spec.name, "PagePost")
        if spec.name == "insights":
            graph.check_metric_names(_post_metric_names(spec))


def _wants_summary(spec: FieldSpec) -> bool:
    return spec.modifiers.get("summary", "false").lower() not in {"false", "0", ""}


def _render_post(post: data.Post, specs: list[FieldSpec], as_of: date, page: FacebookPage) -> dict[str, Any]:
    lifetime = post.lifetime(as_of)
    node: dict[str, Any] = {}
    for spec in specs:
        name = spec.name
        if name == "id":
            node["id"] = post.id
        elif name in {"created_time", "updated_time"}:
            node[name] = graph.format_time(post.created_time)
        elif name in {"message", "permalink_url", "status_type"}:
            node[name] = getattr(post, name)
        elif name == "is_published":
            node[name] = True
        elif name == "from":
            node[name] = {"name": page.name, "id": page.id}
        elif name == "shares":
            if lifetime.shares:
                node[name] = {"count": lifetime.shares}
        elif name == "reactions":
            kind = spec.modifiers.get("type", "").lower()
            total = lifetime.reactions_by_type.get(kind, 0) if kind else lifetime.reactions
            node[name] = {"data": []}
            if _wants_summary(spec):
                node[name]["summary"] = {"total_count": total, "viewer_reaction": "NONE"}
        elif name == "comments":
            node[name] = {"data": []}
            if _wants_summary(spec):
                node[name]["summary"] = {
                    "order": "chronological",
                    "total_count": lifetime.comments,
                    "can_comment": True,
                }
        elif name == "insights":
            node[name] = {
                "data": [
                    graph.insights_result(
                        post.id,
                        metric,
                        "lifetime",
                        [{"value": POST_METRICS[metric].value(lifetime)}],
                        POST_METRICS[metric].title,
                        POST_METRICS[metric].description,
                    )
                    for metric in _post_metric_names(spec)
                    if metric in POST_METRICS
                ]
            }
    node.setdefault("id", post.id)
    return node


def _limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not re.fullmatch(r"[0-9]+", raw.strip()) or int(raw) < 1:
        raise graph.invalid_parameter("Param limit must be a positive integer")
    return min(int(raw), MAX_LIMIT)


def _key(post: data.Post) -> tuple[int, str]:
    return int(post.created_time.timestamp()), post.id


def _cursor(post: data.Post) -> str:
    seconds, post_id = _key(post)
    return graph.encode_cursor(seconds, post_id)


def _cursor_key(cursor: str) -> tuple[int, str]:
    parts = graph.decode_cursor(cursor)
    if len(parts) != 2 or not parts[0].isdigit():
        raise graph.invalid_parameter("Invalid cursor")
    return int(parts[0]), parts[1]


@api_router.get("/{version:graph_version}/{object_id}/published_posts")
def published_posts(request: Request, version: str, object_id: str) -> dict[str, Any]:
    call = _page_call(request, object_id)
    params = request.query_params
    specs = graph.parse_fields(params.get("fields") or "created_time,message,id")
    _check_post_fields(specs)
    limit = _limit(params.get("limit"))
    cutoff = utc_midnight(call.today)
    since = graph.parse_time(params["since"], "since") if params.get("since") else utc_midnight(EPOCH)
    until = graph.parse_time(params["until"], "until") if params.get("until") else cutoff
    until = min(until, cutoff)
    window: list[data.Post] = data.posts_between(call.page.id, since, until) if since < until else []
    window.sort(key=_key, reverse=True)
    if params.get("after"):
        position = _cursor_key(params["after"])
        start = sum(1 for post in window if _key(post) >= position)
    elif params.get("before"):
        position = _cursor_key(params["before"])
        newer = sum(1 for post in window if _key(post) > position)
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
    return {"data": [_render_post(post, specs, call.today, call.page) for post in page], "paging": paging}


# Comments on the Page's posts (pages_read_user_content). filter=toplevel (default) serves
# top-level comments; filter=stream flattens the replies in, each with its ``parent``.


COMMENT_FIELDS = (
    "id",
    "message",
    "created_time",
    "from",
    "like_count",
    "comment_count",
    "parent",
    "permalink_url",
    "is_hidden",
    "can_comment",
)
COMMENT_FILTERS = ("toplevel", "stream")
COMMENT_ORDERS = ("chronological", "reverse_chronological")


def _comment_key(comment: comment_data.Comment) -> tuple[int, str]:
    return int(comment.created_at.timestamp()), comment.id


def _comment_cursor(comment: comment_data.Comment) -> str:
    return graph.encode_cursor(*_comment_key(comment))


def _subfields(spec: FieldSpec, default: tuple[str, ...]) -> list[str]:
    return [sub.name for sub in spec.subfields] or list(default)


def _render_comment(
    comment: comment_data.Comment, specs: list[FieldSpec], today: date, by_id: dict[str, comment_data.Comment]
) -> dict[str, Any]:
    author = {"id": comment.author.id, "name": comment.author.name}
    values: dict[str, Any] = {
        "id": comment.id,
        "message": comment.text,
        "created_time": graph.format_time(comment.created_at),
        "like_count": comment.like_count,
        "comment_count": comment_data.reply_count(comment, today),
        "permalink_url": f"https://www.facebook.com/{comment.post_id.replace('_', '/posts/')}"
        f"?comment_id={comment.id.split('_', 1)[1]}",
        "is_hidden": False,
        "can_comment": comment.parent_id is None,
    }
    node: dict[str, Any] = {}
    for spec in specs:
        if spec.name == "from":
            if comment.is_author_visible:  # people who have not authorised the app stay anonymous
                node["from"] = {k: author[k] for k in _subfields(spec, ("name", "id")) if k in author}
        elif spec.name == "parent":
            parent = by_id.get(comment.parent_id or "")
            if parent is not None:
                fields = [
                    FieldSpec(name) for name in _subfields(spec, ("created_time", "from", "message", "id"))
                ]
                node["parent"] = _render_comment(parent, fields, today, by_id)
        else:
            node[spec.name] = values[spec.name]
    node.setdefault("id", comment.id)
    return node


def _comments(request: Request, object_id: str) -> dict[str, Any]:
    state: DemoState = request.app.state.demo
    today = state.today()
    graph.authenticate(request, state.tokens, today)
    post = comment_data.facebook_post(object_id)
    if post is None or post.created_time >= utc_midnight(today):
        _page_call(request, object_id)  # a Page (or competitor's Page) id answers as Graph does
        raise graph.nonexisting_field("comments", "Page")
    params = request.query_params
    specs = graph.parse_fields(params.get("fields") or "created_time,from,message,id")
    for spec in specs:
        if spec.name not in COMMENT_FIELDS:
            raise graph.nonexisting_field(spec.name, "Comment")
    kind = params.get("filter") or "toplevel"
    if kind not in COMMENT_FILTERS:
        raise graph.invalid_parameter(
            f"filter must be one of the following values: {', '.join(COMMENT_FILTERS)}"
        )
    order = params.get("order") or "chronological"
    if order not in COMMENT_ORDERS:
        raise graph.invalid_parameter(
            f"order must be one of the following values: {', '.join(COMMENT_ORDERS)}"
        )
    limit = _limit(params.get("limit"))
    thread = comment_data.visible_thread("facebook_pages", post.id, today)
    by_id = {comment.id: comment for comment in thread}
    window = [c for c in thread if kind == "stream" or c.parent_id is None]
    newest_first = order == "reverse_chronological"
    window.sort(key=_comment_key, reverse=newest_first)

    def precedes(comment: comment_data.Comment, position: tuple[int, str]) -> bool:
        key = _comment_key(comment)
        return key > position if newest_first else key < position

    if params.get("after"):
        position = _cursor_key(params["after"])
        start = sum(1 for c in window if precedes(c, position) or _comment_key(c) == position)
    elif params.get("before"):
        position = _cursor_key(params["before"])
        earlier = sum(1 for c in window if precedes(c, position))
        start = max(0, earlier - limit)
        window = window[:earlier]
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
    return {"data": [_render_comment(c, specs, today, by_id) for c in page], "paging": paging}


@api_router.get("/{version:graph_version}/{object_id}/comments")
def comments(request: Request, version: str, object_id: str) -> dict[str, Any]:
    return _comments(request, object_id)


# The Messenger inbox (pages_messaging): conversations and their messages.


CONVERSATION_FIELDS = (
    "id",
    "updated_time",
    "message_count",
    "unread_count",
    "participants",
    "snippet",
    "can_reply",
)
MESSAGE_FIELDS = ("id", "created_time", "from", "to", "message")
READABLE_MESSAGES = 20
"""Graph gives details of only the 20 most recent messages of a conversation."""
PLATFORMS = ("messenger", "instagram")


def _check_fields(specs: list[FieldSpec], known: tuple[str, ...], node_type: str) -> None:
    for spec in specs:
        if spec.name not in known:
            raise graph.nonexisting_field(spec.name, node_type)


def _cursor_page(
    request: Request, items: list[Any], key: Callable[[Any], tuple[int, str]], limit: int
) -> dict[str, Any]:
    """One page of ``items`` (already in serving order, ``key`` decreasing) with Graph's cursor paging."""
    params = request.query_params

    def cursor(item: Any) -> str:
        return graph.encode_cursor(*key(item))

    if params.get("after"):
        position = _cursor_key(params["after"])
        start = sum(1 for item in items if key(item) >= position)
    elif params.get("before"):
        position = _cursor_key(params["before"])
        newer = sum(1 for item in items if key(item) > position)
        start = max(0, newer - limit)
        items = items[:newer]
    else:
        start = 0
    page = items[start : start + limit]
    if not page:
        return {"data": []}
    paging: dict[str, Any] = {"cursors": {"before": cursor(page[0]), "after": cursor(page[-1])}}
    if start > 0:
        paging["previous"] = _url(request, before=cursor(page[0]), after=None)
    if start + len(page) < len(items) or params.get("before"):
        paging["next"] = _url(request, after=cursor(page[-1]), before=None)
    return {"data": page, "paging": paging}


def _person(person_id: str, name: str) -> dict[str, str]:
    return {"name": name, "email": f"{person_id}@facebook.com", "id": person_id}


def _render_conversation(thread: inbox_data.Thread, specs: list[FieldSpec], today: date) -> dict[str, Any]:
    visible = thread.visible(today)
    last_page = max((m.seq for m in visible if m.is_page), default=-1)
    page = FACEBOOK_PAGES_BY_ID[thread.page_id]
    values: dict[str, Any] = {
        "id": thread.id,
        "updated_time": graph.format_time(visible[-1].created_at),
        "message_count": len(visible),
        "unread_count": sum(1 for m in visible if not m.is_page and m.seq > last_page),
        "participants": {
            "data": [_person(thread.customer.id, thread.customer.name), _person(page.id, page.name)]
        },
        "snippet": visible[-1].text[:100],
        "can_reply": True,
    }
    node = {spec.name: values[spec.name] for spec in specs}
    node.setdefault("id", thread.id)
    return node


def _render_message(
    message: inbox_data.Message, specs: list[FieldSpec], thread: inbox_data.Thread, readable: bool
) -> dict[str, Any]:
    page = FACEBOOK_PAGES_BY_ID[thread.page_id]
    sender = _person(message.from_id, message.from_name)
    recipient = (
        _person(thread.customer.id, thread.customer.name) if message.is_page else _person(page.id, page.name)
    )
    values: dict[str, Any] = {
        "id": message.id,
        "created_time": graph.format_time(message.created_at),
        "from": sender,
        "to": {"data": [recipient]},
        "message": message.text,
    }
    node: dict[str, Any] = {}
    for spec in specs:
        if readable or spec.name in {"id", "created_time"}:
            node[spec.name] = values[spec.name]
    node.setdefault("id", message.id)
    return node


def _visible_thread(request: Request, object_id: str) -> tuple[inbox_data.Thread, date]:
    state: DemoState = request.app.state.demo
    today = state.today()
    graph.authenticate(request, state.tokens, today)
    thread = inbox_data.thread(object_id)
    if thread is None or not thread.visible(today):
        raise graph.unknown_object(object_id)
    return thread, today


def message_deleted() -> GraphError:
    """What Graph answers for a message older than the 20 most recent of its conversation."""
    return graph.invalid_parameter("The message has been deleted")


def _conversation_node(request: Request, object_id: str) -> dict[str, Any]:
    thread, today = _visible_thread(request, object_id)
    specs = graph.parse_fields(request.query_params.get("fields") or "id,updated_time")
    _check_fields(specs, CONVERSATION_FIELDS, "Conversation")
    return _render_conversation(thread, specs, today)


def _message_node(request: Request, object_id: str) -> dict[str, Any]:
    state: DemoState = request.app.state.demo
    today = state.today()
    graph.authenticate(request, state.tokens, today)
    message = inbox_data.message(object_id)
    thread = inbox_data.thread(message.conversation_id) if message else None
    if message is None or thread is None or not message.visible_on(today):
        raise graph.unknown_object(object_id)
    specs = graph.parse_fields(request.query_params.get("fields") or "id,created_time")
    _check_fields(specs, MESSAGE_FIELDS, "Message")
    if message.seq < len(thread.visible(today)) - READABLE_MESSAGES:
        raise message_deleted()
    return _render_message(message, specs, thread, True)


@api_router.get("/{version:graph_version}/{object_id}/conversations")
def conversations(request: Request, version: str, object_id: str) -> dict[str, Any]:
    call = _page_call(request, object_id)
    params = request.query_params
    platform = params.get("platform") or "messenger"
    if platform not in PLATFORMS:
        raise graph.invalid_parameter(f"platform must be one of the following values: {', '.join(PLATFORMS)}")
    specs = graph.parse_fields(params.get("fields") or "id,updated_time")
    _check_fields(specs, CONVERSATION_FIELDS, "Conversation")
    limit = _limit(params.get("limit"))
    listed = [] if platform == "instagram" else list(inbox_data.inbox(call.page.id, call.today))

    def key(pair: tuple[Any, inbox_data.Thread]) -> tuple[int, str]:
        return int(pair[0].timestamp()), pair[1].id

    body = _cursor_page(request, listed, key, limit)
    body["data"] = [_render_conversation(thread, specs, call.today) for _, thread in body["data"]]
    return body


@api_router.get("/{version:graph_version}/{object_id}/messages")
def conversation_messages(request: Request, version: str, object_id: str) -> dict[str, Any]:
    if not object_id.startswith("t_"):
        _page_call(request, object_id)  # a Page (or competitor's Page) answers as Graph does
        raise graph.nonexisting_field("messages", "Page")
    thread, today = _visible_thread(request, object_id)
    specs = graph.parse_fields(request.query_params.get("fields") or "id,created_time")
    _check_fields(specs, MESSAGE_FIELDS, "Message")
    limit = _limit(request.query_params.get("limit"))
    visible = list(reversed(thread.visible(today)))  # newest first
    body = _cursor_page(request, visible, lambda m: (m.seq, m.id), limit)
    body["data"] = [
        _render_message(m, specs, thread, position < READABLE_MESSAGES)
        for m in body["data"]
        for position in [len(visible) - 1 - m.seq]
    ]
    return body


# Ground truth, computed by the generator (never through the routes above).


def _account(account_id: str) -> str:
    known = [*FACEBOOK_PAGES_BY_ID, *data.COMPETITOR_PAGES_BY_ID]
    if account_id not in known:
        raise HTTPException(404, f"unknown demo Facebook Page {account_id!r}; known: {sorted(known)}")
    return account_id


@truth_router.get("/accounts")
def truth_accounts() -> list[dict[str, Any]]:
    return data.accounts()


@truth_router.get("/account_daily")
def truth_account_daily(
    request: Request, account_id: str, start: date, end: date | None = None
) -> list[dict]:
    """Daily page rows, Pacific days from ``start`` to ``end`` (both included; default: yesterday)."""
    today = request.app.state.demo.today()
    return data.account_daily(_account(account_id), start, end or today - timedelta(days=1))


@truth_router.get("/posts")
def truth_posts(
    request: Request, account_id: str, start: date, end: date | None = None, as_of: date | None = None
) -> list[dict]:
    """Posts by UTC day from ``start`` to ``end`` (both included; default: yesterday), lifetime values as of
    ``as_of`` (default: the server's today, which is what the API serves)."""
    today = request.app.state.demo.today()
    return data.posts(_account(account_id), start, end or today - timedelta(days=1), as_of or today)


@truth_router.get("/page_snapshot")
def truth_page_snapshot(request: Request, account_id: str, as_of: date | None = None) -> dict[str, Any]:
    """The Page object as the API serves it on ``as_of`` (default: the server's today)."""
    return data.page_snapshot(_account(account_id), as_of or request.app.state.demo.today())


@truth_router.get("/comments")
def truth_comments(
    request: Request, account_id: str, start: date, end: date | None = None, as_of: date | None = None
) -> list[dict]:
    """Comments on an own Page's posts by UTC day from ``start`` to ``end`` (both included; default:
    yesterday), as served on ``as_of`` (default: the server's today); see ``demo.generator.comments``."""
    if account_id not in FACEBOOK_PAGES_BY_ID:
        raise HTTPException(404, f"comments exist only on own Pages; known: {sorted(FACEBOOK_PAGES_BY_ID)}")
    today = request.app.state.demo.today()
    return comment_data.comments_between(
        "facebook_pages", account_id, start, end or today - timedelta(days=1), as_of or today
    )


def _own_page(account_id: str, what: str) -> str:
    if account_id not in FACEBOOK_PAGES_BY_ID:
        raise HTTPException(404, f"{what} exist only on own Pages; known: {sorted(FACEBOOK_PAGES_BY_ID)}")
    return account_id


@truth_router.get("/messages")
def truth_messages(
    request: Request, account_id: str, start: date, end: date | None = None, as_of: date | None = None
) -> list[dict]:
    """Messenger messages of an own Page by UTC day from ``start`` to ``end`` (both included; default:
    yesterday), as visible on ``as_of`` (default: the server's today); see
    ``demo.generator.conversations``."""
    today = request.app.state.demo.today()
    page = _own_page(account_id, "conversations")
    return inbox_data.messages_between(page, start, end or today - timedelta(days=1), as_of or today)


@truth_router.get("/sessions")
def truth_sessions(
    request: Request, account_id: str, start: date, end: date | None = None, as_of: date | None = None
) -> list[dict]:
    """Support sessions (24-hour rule) of an own Page whose first customer message is on a UTC day
    from ``start`` to ``end`` (default: yesterday), as visible on ``as_of`` (default: today)."""
    today = request.app.state.demo.today()
    page = _own_page(account_id, "conversations")
    return inbox_data.sessions_between(page, start, end or today - timedelta(days=1), as_of or today)


# Faults and headers.


def _fault_response(request: Request, fault: str) -> Response | None:
    object_id = graph.object_id_of(request.url.path)
    if fault.startswith("throttle_"):
        error = graph.throttle(int(fault.removeprefix("throttle_")), object_id)
    elif fault == "error_500":
        error = graph.unknown_error()
    elif fault == "error_503":
        return HTMLResponse(graph.PROXY_503, status_code=503)
    elif fault == "expired_token":
        error = graph.expired_token(request.app.state.demo.today())
    elif fault == "revoked_token":
        error = graph.revoked_token()
    elif fault == "unknown_metric":
        error = graph.invalid_metric()
    else:
        return None
    return graph.error_response(request, error)


def _finish(request: Request, response: Response, fault: str | None) -> None:
    if fault != "error_503":
        graph.add_usage_headers(request, response, getattr(request.state, "request_number", 0))


def _graph_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GraphError)
    return graph.error_response(request, exc)


PLATFORM = Platform(
    name=NAME,
    claims=lambda path: bool(graph.GRAPH_PATH.match(path)),
    api_router=api_router,
    truth_router=truth_router,
    fault_response=_fault_response,
    finish=_finish,
    chaos_faults=graph.CHAOS_FAULTS,
    exception_handlers={GraphError: _graph_error_handler},
)
