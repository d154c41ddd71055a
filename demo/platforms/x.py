"""X API v2 for the demo company: user lookup, the user's tweet timeline, tweet lookup by ids, and
recent search over the tweets that mention the brands (``demo.generator.mentions``).

Wire format as X sends it (research/apis.md §3): ``Authorization: Bearer`` only; every answer of an
authenticated request carries ``x-rate-limit-limit/-remaining/-reset`` (reset in epoch seconds,
per endpoint and token, 15-minute windows); errors are RFC 7807 problems
(``application/problem+json``), with ``errors[]`` for an invalid request; a usage cap is a 429
told apart from throttling only by its ``type``; timelines page with ``meta.next_token`` ->
``pagination_token`` and omit ``next_token`` on the last page; partial errors (a deleted tweet)
arrive beside ``data`` in a 200. ``start_time`` is inclusive and ``end_time`` exclusive, both in
whole seconds, and ``end_time`` must be at least 10 s before the request (the real clock).
Unknown query parameters and unknown field names are refused with 400, as X does. Recent search
pages with ``next_token`` (not ``pagination_token``) and only reaches 7 days back; see
:func:`search_recent` for the query language it understands and the "now" it measures against.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from demo.company import EPOCH
from demo.generator import mentions as listening
from demo.generator import x as data
from demo.generator import x_support as support
from demo.generator.common import seeded, utc_midnight
from demo.platforms import Platform
from demo.platforms import truth_router as platform_truth_router
from demo.state import EXPIRED_DEMO_TOKEN, DemoState

NAME = data.PLATFORM
X_PATH = re.compile(r"^/2(/|$)")
CHAOS_FAULTS = ("rate_limited", "error_500")
PROBLEM_JSON = "application/problem+json"

RATE_WINDOW_SECONDS = 900
RATE_LIMITS = {"user": 300, "timeline": 1500, "mentions": 450, "lookup": 450, "search": 450}
"""Requests per 15-minute window for an app-only bearer token, per endpoint."""
RATE_LIMITED_RESET_SECONDS = 2
"""The ``rate_limited`` fault's window resets this soon, so retry tests stay fast."""
END_TIME_MARGIN = timedelta(seconds=10)


def _names(text: str) -> tuple[str, ...]:
    """A comma-separated list as X documents it."""
    return tuple(text.split(","))


TWEET_FIELDS = _names(
    "article,attachments,author_id,card_uri,community_id,context_annotations,conversation_id,"
    "created_at,display_text_range,edit_controls,edit_history_tweet_ids,entities,geo,id,"
    "in_reply_to_user_id,lang,media_metadata,non_public_metrics,note_tweet,organic_metrics,"
    "possibly_sensitive,promoted_metrics,public_metrics,referenced_tweets,reply_settings,scopes,"
    "source,text,withheld"
)
USER_FIELDS = _names(
    "affiliation,confirmed_email,connection_status,created_at,description,entities,id,"
    "is_identity_verified,location,most_recent_tweet_id,name,parody,pinned_tweet_id,"
    "profile_banner_url,profile_image_url,protected,public_metrics,receives_your_dm,subscription,"
    "subscription_type,url,username,verified,verified_followers_count,verified_type,withheld"
)
MEDIA_FIELDS = _names(
    "alt_text,duration_ms,height,media_key,non_public_metrics,organic_metrics,preview_image_url,"
    "promoted_metrics,public_metrics,type,url,variants,width"
)
POLL_FIELDS = _names("duration_minutes,end_datetime,id,options,voting_status")
PLACE_FIELDS = _names("contained_within,country,country_code,full_name,geo,id,name,place_type")
TWEET_EXPANSIONS = _names(
    "article.cover_media,article.media_entities,attachments.media_keys,attachments.media_source_tweet,"
    "attachments.poll_ids,author_id,edit_history_tweet_ids,entities.mentions.username,"
    "entities.note.mentions.username,geo.place_id,in_reply_to_user_id,referenced_tweets.id,"
    "referenced_tweets.id.attachments.media_keys,referenced_tweets.id.author_id"
)
USER_EXPANSIONS = _names("affiliation.user_id,most_recent_tweet_id,pinned_tweet_id")
FIELD_PARAMS = ("tweet.fields", "expansions", "media.fields", "poll.fields", "place.fields", "user.fields")
TIMELINE_PARAMS = (
    "id",
    "since_id",
    "until_id",
    "max_results",
    "pagination_token",
    "exclude",
    "start_time",
    "end_time",
    *FIELD_PARAMS,
)
MENTIONS_PARAMS = tuple(name for name in TIMELINE_PARAMS if name != "exclude")
"""The mentions timeline takes the user timeline's parameters except ``exclude``."""
MENTIONS_REACH = timedelta(days=7)
MENTIONS_CAP = 800
"""The mentions timeline serves the last 7 days, at most the 800 most recent."""
LOOKUP_PARAMS = ("ids", *FIELD_PARAMS)
USER_PARAMS = ("id", "expansions", "tweet.fields", "user.fields")
SNOWFLAKE = re.compile(r"^[0-9]{1,19}$")

api_router = APIRouter()


# Errors.


class XProblem(Exception):
    """An X error answer: raised by route code, rendered by :func:`problem_response`."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(f"HTTP {status}: {body.get('title')}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def problem_response(problem: XProblem) -> JSONResponse:
    return JSONResponse(
        problem.body, status_code=problem.status, headers=problem.headers, media_type=PROBLEM_JSON
    )


def unauthorized() -> XProblem:
    return XProblem(
        401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
    )


def too_many_requests(headers: dict[str, str]) -> XProblem:
    body = {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}
    return XProblem(429, body, headers)


def usage_capped() -> XProblem:
    return XProblem(
        429,
        {
            "title": "UsageCapExceeded",
            "detail": "Usage cap exceeded: Monthly product cap",
            "type": "https://api.twitter.com/2/problems/usage-capped",
            "period": "Monthly",
            "scope": "Product",
        },
    )


def server_error(status: int) -> XProblem:
    title = {500: "Internal Server Error", 503: "Service Unavailable"}[status]
    return XProblem(status, {"title": title, "detail": title, "type": "about:blank", "status": status})


def invalid_request(parameter: str, value: str, message: str) -> XProblem:
    return XProblem(
        400,
        {
            "errors": [{"parameters": {parameter: [value]}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
    )


def not_one_of(parameter: str, bad: str, valid: tuple[str, ...], raw: str) -> XProblem:
    return invalid_request(
        parameter,
        raw,
        f"The `{parameter}` query parameter value [{bad}] is not one of [{','.join(sorted(valid))}]",
    )


def not_found(resource_type: str, parameter: str, value: str) -> dict[str, str]:
    """An inline ``errors[]`` entry for a resource X cannot find (deleted, suspended, unknown)."""
    return {
        "value": value,
        "detail": f"Could not find {resource_type} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }


# Rate limits: real 15-minute windows per endpoint and token, on the real clock.


class RateWindows:
    """Requests counted per (endpoint, token, 15-minute window)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str, int], int] = {}

    def _window(self, now: float) -> int:
        return int(now // RATE_WINDOW_SECONDS) * RATE_WINDOW_SECONDS

    def headers(self, endpoint: str, token: str, spend: bool) -> dict[str, str]:
        now = time.time()
        window = self._window(now)
        key = (endpoint, token, window)
        with self._lock:
            if spend:
                self._counts = {k: v for k, v in self._counts.items() if k[2] == window}
                self._counts[key] = self._counts.get(key, 0) + 1
            used = self._counts.get(key, 0)
        limit = RATE_LIMITS[endpoint]
        return {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(max(0, limit - used)),
            "x-rate-limit-reset": str(window + RATE_WINDOW_SECONDS),
            "_over": "1" if used > limit else "",
        }


_RATES: weakref.WeakKeyDictionary[DemoState, RateWindows] = weakref.WeakKeyDictionary()
_RATES_LOCK = threading.Lock()


def _rates(state: DemoState) -> RateWindows:
    with _RATES_LOCK:
        return _RATES.setdefault(state, RateWindows())


def endpoint_of(path: str) -> str | None:
    parts = path.strip("/").split("/")
    if parts[:2] == ["2", "tweets"] and len(parts) == 2:
        return "lookup"
    if parts == ["2", "tweets", "search", "recent"]:
        return "search"
    if parts[:2] == ["2", "users"] and len(parts) == 3:
        return "user"
    if parts[:2] == ["2", "users"] and len(parts) == 4 and parts[3] == "tweets":
        return "timeline"
    if parts[:2] == ["2", "users"] and len(parts) == 4 and parts[3] == "mentions":
        return "mentions"
    return None


# Requests.


def bearer_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


@dataclass(frozen=True)
class Call:
    state: DemoState
    today: date
    token: str


def _call(request: Request, endpoint: str, allowed: tuple[str, ...]) -> Call:
    """Authenticate, count against the rate limit and refuse unknown query parameters, as X does."""
    state: DemoState = request.app.state.demo
    token = bearer_token(request)
    if token is None or token == EXPIRED_DEMO_TOKEN or token not in state.tokens:
        raise unauthorized()
    headers = _rates(state).headers(endpoint, token, spend=True)
    over = headers.pop("_over")
    request.state.x_rate_headers = headers
    if over:
        raise too_many_requests(headers)
    for name, value in request.query_params.multi_items():
        if name not in allowed:
            raise invalid_request(
                name, value, f"The query parameter [{name}] is not one of [{','.join(allowed)}]"
            )
    return Call(state, state.today(), token)


def _list_param(request: Request, name: str, valid: tuple[str, ...]) -> list[str]:
    raw = request.query_params.get(name)
    if raw is None:
        return []
    values = [value.strip() for value in raw.split(",")]
    for value in values:
        if value not in valid:
            raise not_one_of(name, value, valid, raw)
    return values


def _check_fields(request: Request, expansions: list[str]) -> dict[str, list[str]]:
    return {
        "tweet.fields": _list_param(request, "tweet.fields", TWEET_FIELDS),
        "user.fields": _list_param(request, "user.fields", USER_FIELDS),
        "media.fields": _list_param(request, "media.fields", MEDIA_FIELDS),
        "poll.fields": _list_param(request, "poll.fields", POLL_FIELDS),
        "place.fields": _list_param(request, "place.fields", PLACE_FIELDS),
        "expansions": _list_param(request, "expansions", expansions),
    }


def _snowflake_param(name: str, value: str) -> str:
    if not SNOWFLAKE.match(value):
        raise invalid_request(
            name, value, f"The `{name}` query parameter value [{value}] does not match ^[0-9]{{1,19}}$"
        )
    return value


def _time_param(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise invalid_request(
            name,
            raw,
            f"Invalid '{name}':'{raw}'. '{name}' must be an RFC 3339 date-time, e.g. 2026-11-01T00:00:00Z",
        )
    return moment.replace(microsecond=0)


def _max_results(request: Request) -> int:
    raw = request.query_params.get("max_results")
    if raw is None:
        return 10
    if not re.fullmatch(r"-?[0-9]+", raw.strip()) or not 5 <= int(raw) <= 100:
        raise invalid_request(
            "max_results", raw, f"The `max_results` query parameter value [{raw}] is not between 5 and 100"
        )
    return int(raw)


# Pagination tokens: opaque to clients, (direction, boundary tweet id) to us.


def encode_token(direction: str, tweet_id: str) -> str:
    return base64.b32encode(f"{direction}{tweet_id}".encode()).decode().rstrip("=").lower()


def decode_token(token: str, parameter: str = "pagination_token") -> tuple[str, str]:
    try:
        padded = token.upper() + "=" * (-len(token) % 8)
        text = base64.b32decode(padded).decode()
    except (ValueError, UnicodeDecodeError):
        text = ""
    if len(text) < 2 or text[0] not in "np" or not SNOWFLAKE.match(text[1:]):
        raise invalid_request(
            parameter, token, f"The `{parameter}` query parameter value [{token}] is not valid"
        )
    return text[0], text[1:]


# Rendering.


def escape(text: str) -> str:
    """X escapes these three characters in tweet text as HTML entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _entities(tweet: data.Tweet) -> dict[str, Any]:
    entities: dict[str, Any] = {}
    urls = []
    for url in tweet.urls:
        entity: dict[str, Any] = {
            "start": url.start,
            "end": url.end,
            "url": url.url,
            "expanded_url": url.expanded_url,
            "display_url": url.display_url,
        }
        if url.media_key:
            entity["media_key"] = url.media_key
        if url.title:
            entity.update(
                {
                    "status": 200,
                    "title": url.title,
                    "description": url.description,
                    "unwound_url": url.expanded_url,
                }
            )
        urls.append(entity)
    hashtags = [{"start": s, "end": e, "tag": tag} for s, e, tag in data.hashtags(tweet.text)]
    mentions = []
    for start, end, username in data.mentions(tweet.text):
        mention: dict[str, Any] = {"start": start, "end": end, "username": username}
        if username in data.USER_IDS:
            mention["id"] = data.USER_IDS[username]
        mentions.append(mention)
    for name, values in (("urls", urls), ("hashtags", hashtags), ("mentions", mentions)):
        if values:
            entities[name] = values
    return entities


def render_tweet(tweet: data.Tweet, fields: list[str], as_of: date) -> dict[str, Any]:
    """A tweet object with the default fields and those requested that the demo knows."""
    node: dict[str, Any] = {}
    for name in fields:
        if name == "created_at":
            node[name] = data.format_time(tweet.created_at)
        elif name == "public_metrics":
            node[name] = tweet.metrics(as_of).as_public_metrics()
        elif name == "attachments" and tweet.media:
            node[name] = {"media_keys": [media.media_key for media in tweet.media]}
        elif name == "entities":
            entities = _entities(tweet)
            if entities:
                node[name] = entities
        elif name == "referenced_tweets" and tweet.referenced:
            node[name] = [{"type": kind, "id": tweet_id} for kind, tweet_id in tweet.referenced]
        elif name == "conversation_id":
            node[name] = tweet.conversation_id
        elif name == "lang":
            node[name] = "en"
        elif name == "author_id":
            node[name] = tweet.account_id
        elif name == "in_reply_to_user_id" and tweet.in_reply_to_user_id:
            node[name] = tweet.in_reply_to_user_id
    node["edit_history_tweet_ids"] = [tweet.id]
    node["id"] = tweet.id
    node["text"] = escape(tweet.text)
    return node


def render_media(media: data.Media, fields: list[str]) -> dict[str, Any]:
    node: dict[str, Any] = {"media_key": media.media_key, "type": media.type}
    digest = hashlib.sha256(media.media_key.encode()).hexdigest()[:15]
    for name in fields:
        if name == "url" and media.type == "photo":
            node[name] = f"https://pbs.twimg.com/media/{digest}.jpg"
        elif name == "preview_image_url" and media.type != "photo":
            node[name] = f"https://pbs.twimg.com/ext_tw_video_thumb/{digest}.jpg"
        elif name in {"width", "height"}:
            node[name] = getattr(media, name)
        elif name == "duration_ms" and media.duration_ms is not None:
            node[name] = media.duration_ms
    return node


def render_user(snapshot: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    node = {name: snapshot[name] for name in fields if snapshot.get(name) is not None}
    node.update({"id": snapshot["id"], "name": snapshot["name"], "username": snapshot["username"]})
    return node


def _includes(tweets: list[data.Tweet], fields: dict[str, list[str]]) -> dict[str, Any]:
    includes: dict[str, Any] = {}
    if "attachments.media_keys" in fields["expansions"]:
        media = [render_media(m, fields["media.fields"]) for tweet in tweets for m in tweet.media]
        if media:
            includes["media"] = media
    return includes


# Routes.


@api_router.get("/2/users/{user_id}")
def user_lookup(request: Request, user_id: str) -> dict[str, Any]:
    call = _call(request, "user", USER_PARAMS)
    _snowflake_param("id", user_id)
    fields = _check_fields(request, USER_EXPANSIONS)
    if user_id not in data.X_ACCOUNTS_BY_ID:
        return {"errors": [not_found("user", "id", user_id)]}
    return {"data": render_user(data.snapshot(user_id, call.today), fields["user.fields"])}


def _time_window(
    request: Request, now: datetime
) -> tuple[datetime | None, datetime | None, str | None, str | None]:
    """``start_time``, ``end_time``, ``since_id`` and ``until_id`` of a timeline request, checked as
    X checks them (``end_time`` at least 10 s before ``now``, after ``start_time``)."""
    start, end = _time_param(request, "start_time"), _time_param(request, "end_time")
    params = request.query_params
    if end is not None and end > now - END_TIME_MARGIN:
        raw = params["end_time"]
        raise invalid_request(
            "end_time",
            raw,
            f"Invalid 'end_time':'{raw}'. "
            "'end_time' must be a minimum of 10 seconds prior to the request time.",
        )
    if start is not None and end is not None and start >= end:
        raw = params["end_time"]
        raise invalid_request(
            "end_time", raw, f"Invalid 'end_time':'{raw}'. 'end_time' must be after 'start_time'."
        )
    since_id = _snowflake_param("since_id", params["since_id"]) if "since_id" in params else None
    until_id = _snowflake_param("until_id", params["until_id"]) if "until_id" in params else None
    return start, end, since_id, until_id


def _between_ids(tweet_id: str, since_id: str | None, until_id: str | None) -> bool:
    return (since_id is None or int(tweet_id) > int(since_id)) and (
        until_id is None or int(tweet_id) < int(until_id)
    )


def _page(request: Request, window: list[Any], limit: int) -> tuple[list[Any], dict[str, Any]]:
    """One page of a timeline (``window`` newest first) and its ``meta``, by ``pagination_token``."""
    token = request.query_params.get("pagination_token")
    if token:
        direction, boundary = decode_token(token)
        if direction == "n":
            older = [t for t in window if int(t.id) < int(boundary)]
            page, has_newer = older[:limit], len(older) < len(window)
        else:
            newer = [t for t in window if int(t.id) > int(boundary)]
            page, has_newer = newer[-limit:], len(newer) > limit
    else:
        page, has_newer = window[:limit], False
    if not page:
        return [], {"result_count": 0}
    meta: dict[str, Any] = {"result_count": len(page), "newest_id": page[0].id, "oldest_id": page[-1].id}
    if int(page[-1].id) > int(window[-1].id):
        meta["next_token"] = encode_token("n", page[-1].id)
    if token and has_newer:
        meta["previous_token"] = encode_token("p", page[0].id)
    return page, meta


def _timeline(request: Request, call: Call, user_id: str) -> dict[str, Any]:
    fields = _check_fields(request, TWEET_EXPANSIONS)
    exclude = _list_param(request, "exclude", ("replies", "retweets"))
    limit = _max_results(request)
    # X checks end_time against its own clock: the real one, or a fixed today's 00:00 UTC when
    # that is later (a demo on a future date, whose pipeline clock is pinned to it).
    now = max(datetime.now(UTC), search_now(call.state))
    start, end, since_id, until_id = _time_window(request, now)
    cutoff = utc_midnight(call.today)
    low = max(start or utc_midnight(EPOCH), utc_midnight(EPOCH))
    high = min(end or cutoff, cutoff)
    kinds_left_out = {"replies": "reply", "retweets": "retweet"}
    left_out = {kinds_left_out[name] for name in exclude}
    posted = data.tweets_between(user_id, low, high) if low < high else []
    if "reply" not in left_out and low < high:  # the replies to mentions (demo.generator.x_support)
        posted += support.replies_between(user_id, low, high)
    window = [
        tweet
        for tweet in posted
        if tweet.exists_on(call.today)
        and tweet.kind not in left_out
        and _between_ids(tweet.id, since_id, until_id)
    ]
    window.sort(key=lambda tweet: int(tweet.id), reverse=True)  # newest first
    page, meta = _page(request, window, limit)
    if not page:
        return {"meta": meta}
    body: dict[str, Any] = {"data": [render_tweet(t, fields["tweet.fields"], call.today) for t in page]}
    includes = _includes(page, fields)
    if includes:
        body["includes"] = includes
    body["meta"] = meta
    return body


@api_router.get("/2/users/{user_id}/tweets")
def user_tweets(request: Request, user_id: str) -> dict[str, Any]:
    call = _call(request, "timeline", TIMELINE_PARAMS)
    _snowflake_param("id", user_id)
    if user_id not in data.X_ACCOUNTS_BY_ID:
        _check_fields(request, TWEET_EXPANSIONS)
        return {"errors": [not_found("user", "id", user_id)]}
    return _timeline(request, call, user_id)


@api_router.get("/2/users/{user_id}/mentions")
def user_mentions(request: Request, user_id: str) -> dict[str, Any]:
    """The tweets that name ``@<username>`` of the user (``demo.generator.x_support``), newest first.

    The user timeline's parameters, fields, expansions and paging (``pagination_token``), without
    ``exclude``. Only the last 7 days before the server's "now" (:func:`search_now`, as for recent
    search) and at most the 800 most recent of them are served: an older ``start_time`` is not
    refused, it just finds nothing before the reach. ``end_time`` must be 10 s before that now.
    """
    call = _call(request, "mentions", MENTIONS_PARAMS)
    _snowflake_param("id", user_id)
    fields = _check_fields(request, TWEET_EXPANSIONS)
    if user_id not in data.X_ACCOUNTS_BY_ID:
        return {"errors": [not_found("user", "id", user_id)]}
    limit = _max_results(request)
    now = search_now(call.state)
    start, end, since_id, until_id = _time_window(request, now)
    reach = support.mentions_between(user_id, now - MENTIONS_REACH, now, call.today)[:MENTIONS_CAP]
    window = [
        s
        for s in reach
        if (start is None or s.created_at >= start)
        and (end is None or s.created_at < end)
        and _between_ids(s.id, since_id, until_id)
    ]
    page, meta = _page(request, window, limit)
    if not page:
        return {"meta": meta}
    body: dict[str, Any] = {"data": [render_mention(s, fields["tweet.fields"]) for s in page]}
    if "author_id" in fields["expansions"]:
        authors = {s.author.id: s.author for s in page if s.author is not None}
        body["includes"] = {
            "users": [render_user(author_snapshot(a), fields["user.fields"]) for a in authors.values()]
        }
    body["meta"] = meta
    return body


@api_router.get("/2/tweets")
def tweets_lookup(request: Request) -> dict[str, Any]:
    call = _call(request, "lookup", LOOKUP_PARAMS)
    raw = request.query_params.get("ids", "")
    if not raw:
        raise invalid_request("ids", raw, "The `ids` query parameter can not be empty")
    ids = raw.split(",")
    if len(ids) > 100:
        raise invalid_request(
            "ids",
            raw,
            f"The number of values in the `ids` query parameter list [{len(ids)}] is not between 1 and 100",
        )
    for tweet_id in ids:
        _snowflake_param("ids", tweet_id)
    fields = _check_fields(request, TWEET_EXPANSIONS)
    found, errors = [], []
    for tweet_id in ids:
        tweet = data.find_tweet(tweet_id) or support.find_reply(tweet_id)
        if tweet is not None and tweet.exists_on(call.today):
            found.append(tweet)
        else:
            errors.append(not_found("tweet", "ids", tweet_id))
    body: dict[str, Any] = {}
    if found:
        body["data"] = [render_tweet(t, fields["tweet.fields"], call.today) for t in found]
        includes = _includes(found, fields)
        if includes:
            body["includes"] = includes
    if errors:
        body["errors"] = errors
    return body


# Recent search: the mention tweets of the last 7 days that match a query.

SEARCH_PARAMS = (
    "query",
    "start_time",
    "end_time",
    "since_id",
    "until_id",
    "max_results",
    "next_token",
    "sort_order",
    *FIELD_PARAMS,
)
SEARCH_REACH = timedelta(days=7)
"""Recent search finds tweets of the last 7 days, and refuses a ``start_time`` further back."""
SEARCH_QUERY_MAX = 512
SEARCH_RESULTS_RANGE = (10, 100)
SEARCH_DEFAULT_END = timedelta(seconds=30)
"""Without ``end_time``, X searches up to 30 s before the request."""
QUERY_TOKEN = re.compile(r'-?"[^"]*"|[()]|[^\s()"]+')
WORD = re.compile(r"\w+")


def search_now(state: DemoState) -> datetime:
    """The instant recent search measures its 7 days and its 10 s ``end_time`` margin from.

    A server with a fixed today lives at that day's 00:00 UTC (the generated data stops there and
    the real time of day says nothing about it); a server on the real date uses the real clock.
    """
    if state.fixed_today is not None:
        return utc_midnight(state.fixed_today)
    return datetime.now(UTC).replace(microsecond=0)


def _query_error(raw: str, message: str) -> XProblem:
    return invalid_request("query", raw, f"There were errors processing your request: {message}")


@dataclass(frozen=True)
class Term:
    """One term of a search query: a keyword, a quoted phrase, a #hashtag, an @mention or an operator."""

    kind: str
    """``word``, ``phrase``, ``hashtag``, ``mention``, ``is:retweet`` or ``from``."""
    value: str
    negated: bool = False

    def matches(self, tweet: Searchable) -> bool:
        if self.kind == "word":
            found = self.value in tweet.words
        elif self.kind == "phrase":
            words = tuple(WORD.findall(self.value))
            found = bool(words) and any(
                tweet.words[n : n + len(words)] == words for n in range(len(tweet.words) - len(words) + 1)
            )
        elif self.kind == "hashtag":
            found = self.value in tweet.hashtags
        elif self.kind == "mention":
            found = self.value in tweet.mentions
        elif self.kind == "is:retweet":
            found = False  # mention tweets are all original posts
        else:
            found = self.value in (tweet.author_id, tweet.author_username)
        return found != self.negated


@dataclass(frozen=True)
class Searchable:
    """A mention tweet as the query sees it: lower-cased tokens, hashtags, mentions and author."""

    sighting: listening.Sighting
    words: tuple[str, ...]
    hashtags: frozenset[str]
    mentions: frozenset[str]
    author_id: str
    author_username: str

    @classmethod
    def of(cls, sighting: listening.Sighting) -> Searchable:
        text = sighting.text.lower()
        author = sighting.author
        return cls(
            sighting,
            tuple(WORD.findall(text)),
            frozenset(tag for _, _, tag in data.hashtags(text)),
            frozenset(name for _, _, name in data.mentions(text)),
            author.id if author else "",
            author.username.lower() if author else "",
        )


def _term(token: str, raw: str) -> Term:
    negated = token.startswith("-") and len(token) > 1
    body = token[1:] if negated else token
    if body.startswith('"'):
        return Term("phrase", body[1:-1].lower(), negated)
    operator, colon, value = body.partition(":")
    if colon and not body.startswith(("#", "@", "http")):
        if operator == "is" and value == "retweet":
            return Term("is:retweet", "", negated)
        if operator == "from" and value:
            return Term("from", value.lower().removeprefix("@"), negated)
        raise _query_error(
            raw,
            f"Reference to invalid operator '{operator}'. Operator is not available in current "
            "product or product packaging. Please refer to complete available operator list at "
            "https://developer.x.com/en/docs/twitter-api/tweets/search/integrate/build-a-query",
        )
    if body.startswith("#") and len(body) > 1:
        return Term("hashtag", body[1:].lower(), negated)
    if body.startswith("@") and len(body) > 1:
        return Term("mention", body[1:].lower(), negated)
    return Term("word", body.lower(), negated)


def parse_query(raw: str) -> tuple[tuple[Term, ...], ...]:
    """The query as groups that must all match, each a list of terms of which one must match.

    The subset of X's query language the extractor sends: terms separated by spaces (AND),
    parenthesised ``OR`` lists of terms, ``"quoted phrases"``, ``#hashtags``, ``@mentions``, bare
    keywords (matched as whole tokens, case-insensitively), ``is:retweet`` and ``from:<id or
    username>``, each negatable with a leading ``-``. Anything else is a 400, as X refuses what it
    cannot parse.
    """
    if raw.count('"') % 2:
        raise _query_error(raw, "Unterminated quoted phrase (at position 1)")
    tokens = QUERY_TOKEN.findall(raw)
    groups: list[tuple[Term, ...]] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if token == "(":
            if ")" not in tokens[position:]:
                raise _query_error(raw, "Missing closing parenthesis")
            close = tokens.index(")", position)
            inner = tokens[position + 1 : close]
            if not inner or len(inner) % 2 == 0 or any(t != "OR" for t in inner[1::2]):
                raise _query_error(raw, "A parenthesised group must be terms joined by OR")
            if any(t in {"(", "OR"} for t in inner[::2]):
                raise _query_error(raw, "Nested groups are not supported by this server")
            groups.append(tuple(_term(t, raw) for t in inner[::2]))
            position = close + 1
        elif token in {")", "OR"}:
            raise _query_error(raw, f"Unexpected '{token}'")
        else:
            groups.append((_term(token, raw),))
            position += 1
    if not any(not term.negated for group in groups for term in group):
        raise _query_error(raw, "Queries must contain at least one term that is not negated")
    return tuple(groups)


def query_matches(groups: tuple[tuple[Term, ...], ...], tweet: Searchable) -> bool:
    return all(any(term.matches(tweet) for term in group) for group in groups)


def _search_query(request: Request) -> tuple[tuple[Term, ...], ...]:
    raw = request.query_params.get("query")
    if not raw or not raw.strip():
        raise invalid_request("query", raw or "", "The `query` query parameter can not be empty")
    if len(raw) > SEARCH_QUERY_MAX:
        raise invalid_request(
            "query",
            raw,
            f"The `query` query parameter value [{raw}] is not between 1 and {SEARCH_QUERY_MAX} "
            f"characters long (it has {len(raw)})",
        )
    return parse_query(raw)


def _search_max_results(request: Request) -> int:
    raw = request.query_params.get("max_results")
    low, high = SEARCH_RESULTS_RANGE
    if raw is None:
        return low
    if not re.fullmatch(r"-?[0-9]+", raw.strip()) or not low <= int(raw) <= high:
        raise invalid_request(
            "max_results",
            raw,
            f"The `max_results` query parameter value [{raw}] is not between {low} and {high}",
        )
    return int(raw)


def _x_minute(moment: datetime) -> str:
    """``2026-11-13T00:00Z``: how X quotes times in its search errors."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def _search_bounds(request: Request, now: datetime) -> tuple[datetime, datetime]:
    """``start_time`` and ``end_time`` checked against X's rules, with X's defaults when absent."""
    start, end = _time_param(request, "start_time"), _time_param(request, "end_time")
    params = request.query_params
    oldest = now - SEARCH_REACH
    for name, moment in (("start_time", start), ("end_time", end)):
        if moment is not None and moment < oldest:
            raise invalid_request(
                name,
                params[name],
                f"Invalid '{name}':'{_x_minute(moment)}'. '{name}' must be on or after {_x_minute(oldest)}",
            )
    if end is not None and end > now - END_TIME_MARGIN:
        raw = params["end_time"]
        raise invalid_request(
            "end_time",
            raw,
            f"Invalid 'end_time':'{raw}'. "
            "'end_time' must be a minimum of 10 seconds prior to the request time.",
        )
    start, end = start or oldest, end or now - SEARCH_DEFAULT_END
    if start >= end:
        name = "end_time" if "end_time" in params else "start_time"
        raw = params[name]
        raise invalid_request(name, raw, f"Invalid '{name}':'{raw}'. 'end_time' must be after 'start_time'.")
    return start, end


def _mention_entities(text: str) -> dict[str, Any]:
    known = {account.username.lower(): account.id for account in data.X_ACCOUNTS}
    known.update({name.lower(): user_id for name, user_id in data.USER_IDS.items()})
    entities: dict[str, Any] = {}
    hashtags = [{"start": s, "end": e, "tag": tag} for s, e, tag in data.hashtags(text)]
    mentions = []
    for start, end, username in data.mentions(text):
        mention: dict[str, Any] = {"start": start, "end": end, "username": username}
        if username.lower() in known:
            mention["id"] = known[username.lower()]
        mentions.append(mention)
    for name, values in (("hashtags", hashtags), ("mentions", mentions)):
        if values:
            entities[name] = values
    return entities


def render_mention(sighting: listening.Sighting, fields: list[str]) -> dict[str, Any]:
    """A mention tweet with the default fields and those requested that the demo knows."""
    node: dict[str, Any] = {}
    for name in fields:
        if name == "created_at":
            node[name] = data.format_time(sighting.created_at)
        elif name == "public_metrics":
            node[name] = dict(sighting.metrics)
        elif name == "lang":
            node[name] = sighting.language
        elif name == "author_id" and sighting.author is not None:
            node[name] = sighting.author.id
        elif name == "entities":
            entities = _mention_entities(sighting.text)
            if entities:
                node[name] = entities
        elif name == "conversation_id":
            node[name] = sighting.id
    node["edit_history_tweet_ids"] = [sighting.id]
    node["id"] = sighting.id
    node["text"] = escape(sighting.text)
    return node


def author_snapshot(author: listening.Author) -> dict[str, Any]:
    """The user object of a mention's author: the followers the truth counts as reach, the rest drawn."""
    rng = seeded("x", "search-author", author.id)
    return {
        "id": author.id,
        "name": author.name,
        "username": author.username,
        "created_at": data.format_time(data.snowflake_time(author.id)),
        "description": "",
        "protected": False,
        "verified": False,
        "public_metrics": {
            "followers_count": author.followers,
            "following_count": rng.randint(40, 1_500),
            "tweet_count": rng.randint(200, 40_000),
            "listed_count": rng.randint(0, 40),
            "like_count": rng.randint(500, 90_000),
            "media_count": rng.randint(10, 3_000),
        },
    }


@api_router.get("/2/tweets/search/recent")
def search_recent(request: Request) -> dict[str, Any]:
    """Recent search over the mention tweets (``demo.generator.mentions.search_tweets``).

    ``query`` is required (at most 512 characters; see :func:`parse_query` for the operators
    understood). The server's "now" is :func:`search_now`: on a fixed-today server, today at
    00:00 UTC, so ``start_time`` (and ``end_time``) may go back to 00:00 UTC seven days before
    today and ``end_time`` may reach 23:59:50 of yesterday; on the real date, the real clock.
    ``start_time`` defaults to now - 7 days, ``end_time`` to now - 30 s. Tweets come newest
    first, ``max_results`` (10-100, default 10) per page, and the next page is asked for with
    ``next_token``. Nothing created on or after today 00:00 UTC is served.
    """
    call = _call(request, "search", SEARCH_PARAMS)
    fields = _check_fields(request, TWEET_EXPANSIONS)
    _list_param(request, "sort_order", ("recency", "relevancy"))
    groups = _search_query(request)
    limit = _search_max_results(request)
    start, end = _search_bounds(request, search_now(call.state))
    params = request.query_params
    since_id = _snowflake_param("since_id", params["since_id"]) if "since_id" in params else None
    until_id = _snowflake_param("until_id", params["until_id"]) if "until_id" in params else None
    found = [
        s
        for s in listening.search_tweets(start, end, as_of=call.today)
        if query_matches(groups, Searchable.of(s))
        and (since_id is None or int(s.id) > int(since_id))
        and (until_id is None or int(s.id) < int(until_id))
    ]
    found.sort(key=lambda s: int(s.id), reverse=True)  # newest first
    token = params.get("next_token")
    if token:
        _, boundary = decode_token(token, "next_token")
        found = [s for s in found if int(s.id) < int(boundary)]
    page = found[:limit]
    if not page:
        return {"meta": {"result_count": 0}}
    body: dict[str, Any] = {"data": [render_mention(s, fields["tweet.fields"]) for s in page]}
    if "author_id" in fields["expansions"]:
        authors = {s.author.id: s.author for s in page if s.author is not None}
        body["includes"] = {
            "users": [render_user(author_snapshot(a), fields["user.fields"]) for a in authors.values()]
        }
    meta: dict[str, Any] = {"result_count": len(page), "newest_id": page[0].id, "oldest_id": page[-1].id}
    if len(found) > limit:
        meta["next_token"] = encode_token("n", page[-1].id)
    body["meta"] = meta
    return body


@api_router.api_route("/2/{rest:path}", methods=["GET", "POST", "PUT", "DELETE"])
def unknown_path(request: Request, rest: str) -> Response:
    return JSONResponse(
        {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}, status_code=404
    )


# Ground truth, computed by the generator (never through the routes above).

truth_router = platform_truth_router(data, data.X_ACCOUNTS_BY_ID, "X account")


@truth_router.get("/mentions")
def mention_truth(
    request: Request, start: date, end: date | None = None, as_of: date | None = None
) -> list[dict[str, Any]]:
    """Every mention tweet created on the UTC days ``start`` to ``end`` that recent search serves
    on ``as_of`` (whatever its query), newest first; ``brands`` are the listening targets it names.
    """
    today = request.app.state.demo.today()
    last = end or today - timedelta(days=1)
    found = listening.search_tweets(
        utc_midnight(start), utc_midnight(last + timedelta(days=1)), as_of=as_of or today
    )
    return [
        {
            "id": s.id,
            "key": s.key,
            "brands": list(s.brands),
            "text": s.text,
            "lang": s.language,
            "sentiment": s.sentiment,
            "created_at": data.format_time(s.created_at),
            "author_id": s.author.id if s.author else None,
            "username": s.author.username if s.author else None,
            "followers_count": s.author.followers if s.author else None,
            "public_metrics": dict(s.metrics),
            "url": s.url,
        }
        for s in found
    ]


@truth_router.get("/mention_threads")
def mention_threads_truth(
    request: Request, user_id: str, start: date, end: date | None = None, as_of: date | None = None
) -> list[dict[str, Any]]:
    """Mentions of ``user_id`` created on the UTC days ``start`` to ``end`` and existing on ``as_of``,
    oldest first, each with whether it needs a reply by design and its first reply visible on
    ``as_of`` (``demo.generator.x_support.mention_threads``)."""
    today = request.app.state.demo.today()
    if user_id not in data.X_ACCOUNTS_BY_ID:
        raise HTTPException(
            404, f"unknown demo X account {user_id!r}; known: {sorted(data.X_ACCOUNTS_BY_ID)}"
        )
    rows = support.mention_threads(user_id, start, end or today - timedelta(days=1), as_of or today)
    return [
        {
            **row,
            "created_at": data.format_time(row["created_at"]),
            "first_reply_at": data.format_time(row["first_reply_at"]) if row["first_reply_at"] else None,
        }
        for row in rows
    ]


# Faults and headers.


def _fault_response(request: Request, fault: str) -> Response | None:
    state: DemoState = request.app.state.demo
    endpoint = endpoint_of(request.url.path) or "timeline"
    if fault == "rate_limited":
        reset = int(time.time()) + RATE_LIMITED_RESET_SECONDS
        headers = {
            "x-rate-limit-limit": str(RATE_LIMITS[endpoint]),
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        }
        return problem_response(too_many_requests(headers))
    if fault == "usage_capped":
        problem = usage_capped()
        token = bearer_token(request) or ""
        problem.headers = {
            k: v for k, v in _rates(state).headers(endpoint, token, False).items() if k != "_over"
        }
        return problem_response(problem)
    if fault == "error_500":
        return problem_response(server_error(500))
    if fault == "error_503":
        return problem_response(server_error(503))
    if fault in ("expired_token", "revoked_token"):  # X answers both alike
        return problem_response(unauthorized())
    if fault == "unknown_metric":
        parameter = "user.fields" if endpoint == "user" else "tweet.fields"
        valid = USER_FIELDS if endpoint == "user" else TWEET_FIELDS
        return problem_response(not_one_of(parameter, "impression_count", valid, "impression_count"))
    return None


def _finish(request: Request, response: Response, fault: str | None) -> None:
    number = getattr(request.state, "request_number", 0)
    response.headers.setdefault("x-transaction-id", hashlib.sha256(f"x:{number}".encode()).hexdigest()[:16])
    if fault == "error_503" or response.status_code == 401 or "x-rate-limit-limit" in response.headers:
        return
    headers = getattr(request.state, "x_rate_headers", None)
    endpoint = endpoint_of(request.url.path)
    token = bearer_token(request)
    if headers is None and endpoint is not None and token is not None:
        state: DemoState = request.app.state.demo
        headers = {k: v for k, v in _rates(state).headers(endpoint, token, False).items() if k != "_over"}
    for name, value in (headers or {}).items():
        response.headers[name] = value


def _problem_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, XProblem)
    return problem_response(exc)


PLATFORM = Platform(
    name=NAME,
    claims=lambda path: bool(X_PATH.match(path)),
    api_router=api_router,
    truth_router=truth_router,
    fault_response=_fault_response,
    finish=_finish,
    chaos_faults=CHAOS_FAULTS,
    exception_handlers={XProblem: _problem_handler},
)
