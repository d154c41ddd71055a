"""X (Twitter) through the X API v2, with an app-only bearer token.

Streams:

* ``user`` — the user object (``public_metrics.followers_count`` and friends) as of the run: a
  snapshot. X has no account-level daily metrics, so this is the only follower number there is.
* ``tweets`` — the user's timeline (``GET /2/users/:id/tweets``) over the window plus
  ``tweet_lookback_days``, without retweets and replies (quotes stay: they are the account's own
  posts). Partitioned by the UTC day of ``created_at``: X reports in UTC. The window's UTC day
  bounds go in ``start_time``/``end_time`` (``end_time`` is exclusive and X refuses one later
  than now minus 10 s, so it is clamped). Paging: ``meta.next_token`` -> ``pagination_token``.
  Media types arrive once per page under ``includes.media``; each landed tweet is the object as
  X sent it plus ``_media``: the ``includes.media`` objects of its ``attachments.media_keys``, in
  order (empty when it has none), so a record alone says whether it is a photo, video or GIF.
  The timeline only reaches the 3,200 most recent tweets; older ones cannot be re-read.
* ``tweet_metrics`` — a daily re-snapshot of the live counters of recent tweets: the ids of the
  tweets created on the snapshot day and the ``tweet_lookback_days`` before it (read from the
  timeline), then ``GET /2/tweets?ids=`` in batches of 100. One record per tweet (``id``,
  ``created_at``, ``public_metrics``, as sent) under the snapshot day: the history of counters
  the warehouse differences into daily activity.
* ``search`` — recent search (``GET /2/tweets/search/recent``) for each listening target (the
  brand, then each competitor; account = the target's slug): ``(<keywords OR'ed; phrases in
  quotes>) -is:retweet -from:<id>`` for every configured X account, own and competitors', so a
  brand's own posts are not counted as mentions; a query over 512 characters is refused before
  asking. X keeps 7 days: only UTC days from today - 6 are asked for and landed (older days of a
  window are neither asked for nor written, so what an earlier run landed for them stays).
  ``start_time`` is the first such midnight, ``end_time`` clamped like the timeline's; paging:
  ``meta.next_token`` -> ``next_token`` (at least 10 per page). Partitioned by the UTC day of
  ``created_at``. Each landed post is the tweet as sent plus ``_author`` (its ``includes.users``
  object, or null) and ``_query``. A post naming two brands lands under both targets.

* ``mentions`` — the own account's mentions timeline (``GET /2/users/:id/mentions``): tweets
  that name ``@<username>``, with ``author_id`` expanded (``_author``: ``username``, ``name``,
  ``public_metrics.followers_count``, as in ``search``). X serves only the last 7 days (and at
  most the 800 most recent), so, as for ``search``, only UTC days from today - 6 are asked for and
  landed, re-read ``search_lookback_days`` back; when a run receives 800 mentions, the days up to
  the oldest one received may be cut short and are left unwritten (with a warning). Paging:
  ``meta.next_token`` -> ``pagination_token``. Partitioned by the UTC day of ``created_at``.
* ``replies`` — the own account's replies (what first response times are measured by): the same
  timeline as ``tweets`` but with ``exclude=retweets`` only, keeping the tweets that reference a
  ``replied_to`` tweet. A separate stream rather than a wider ``tweets`` read, so the own-post
  tables stay as they are; the timeline reaches back 3,200 tweets, not 7 days, so a plain window
  with ``search_lookback_days`` of re-reads. Partitioned by the UTC day of ``created_at``.

The source's ``clock`` is "now" for the streams that bound requests by time (``end_time``, the
7 days of recent search); tests set it to the demo server's today.

X's signals, read in ``XErrorPolicy``: every response carries ``x-rate-limit-limit``,
``-remaining`` and ``-reset`` (epoch seconds). A 429 "Too Many Requests" waits for the reset; a
429 whose problem ``type`` is ``.../usage-capped`` is the monthly usage cap, which no retry will
lift, so it fails at once. A 401 means the bearer token is wrong or revoked. A 400 "Invalid
Request" names the refused parameter in ``errors[].message``. A 200 may carry ``errors[]`` beside
``data`` (a tweet deleted since we listed it): those are logged and the rest is landed.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

import requests

from core.config import Account, CompanyConfig, ListeningTarget, XSettings
from core.settings import utc_now
from extractors.connections import ConnectionInfo
from extractors.core import Audience, Record, Source, Stream, Window
from extractors.errors import ExtractError, TransientError, Where
from extractors.http import RETRIABLE_STATUS, HttpClient, RetryPolicy, retry_after_seconds
from extractors.paginators import TokenPaginator

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.x.com"
X_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
END_TIME_MARGIN = timedelta(seconds=10)
"""X refuses an ``end_time`` later than 10 s before the request."""
RESET_MARGIN_SECONDS = 1.0
"""Wait this long past ``x-rate-limit-reset``: the header has whole seconds and clocks drift."""
MAX_IDS_PER_LOOKUP = 100
PAGE_SIZE_RANGE = (5, 100)

USER_FIELDS = "public_metrics,created_at,description,username,name,verified"
TWEET_FIELDS = "created_at,public_metrics,attachments,entities,referenced_tweets,conversation_id,lang"
METRIC_FIELDS = "public_metrics,created_at"
EXCLUDE = "retweets,replies"

MENTIONS_TWEET_FIELDS = (
    "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,public_metrics,lang,entities"
)
MENTIONS_USER_FIELDS = "username,name,public_metrics"
MENTIONS_CAP = 800
"""X's mentions timeline serves at most the 800 most recent mentions."""
REPLY_TWEET_FIELDS = "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,lang"

SEARCH_PATH = "2/tweets/search/recent"
SEARCH_TWEET_FIELDS = "created_at,public_metrics,lang,author_id,entities,conversation_id,referenced_tweets"
SEARCH_USER_FIELDS = "username,name,public_metrics"
SEARCH_DAYS = 7
SEARCH_REACH = timedelta(days=SEARCH_DAYS)
SEARCH_START_MARGIN = timedelta(minutes=1)
"""``start_time`` stays this far inside X's 7 days: clocks drift and requests take time."""
SEARCH_QUERY_MAX = 512
SEARCH_PAGE_SIZE_MIN = 10
"""Recent search takes ``max_results`` 10-100; a smaller ``page_size`` extra is raised to 10."""
SINGLE_TERM = re.compile(r"[#@]?\w+")

USAGE_CAP_TYPE = "https://api.twitter.com/2/problems/usage-capped"
NOT_FOUND_TYPE = "https://api.twitter.com/2/problems/resource-not-found"


def x_time(moment: datetime) -> str:
    """``2026-11-02T00:00:00Z``: the form ``start_time``/``end_time`` take (whole seconds, UTC)."""
    return moment.astimezone(UTC).strftime(X_TIME_FORMAT)


def created_day(created_at: str) -> date:
    """The UTC day of a tweet's ``created_at`` (``2026-11-02T15:02:11.000Z``): X's reporting day."""
    return datetime.fromisoformat(created_at.replace("Z", "+00:00")).astimezone(UTC).date()


def time_bounds(window: Window, now: datetime) -> tuple[datetime, datetime]:
    """``start_time`` and ``end_time`` for the window's UTC days, ``end_time`` clamped to now - 10 s."""
    start = datetime.combine(window.start, datetime.min.time(), UTC)
    after = datetime.combine(window.end + timedelta(days=1), datetime.min.time(), UTC)
    latest = (now - END_TIME_MARGIN).replace(microsecond=0)
    return start, min(after, latest)


def _problem(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _problem_label(status: int, body: Mapping[str, Any]) -> str:
    parts = [str(body[key]) for key in ("title", "detail") if body.get(key)]
    messages = [str(e.get("message")) for e in body.get("errors") or [] if isinstance(e, dict)]
    text = "; ".join(dict.fromkeys(parts + [m for m in messages if m != "None"]))
    return f"HTTP {status}" + (f" {text}" if text else "")


def _refused_parameters(body: Mapping[str, Any]) -> set[str]:
    """The parameters an invalid-request problem names in ``errors[].parameters``."""
    return {
        str(name)
        for error in body.get("errors") or []
        if isinstance(error, dict) and isinstance(error.get("parameters"), dict)
        for name in error["parameters"]
    }


def _seconds_until_reset(response: requests.Response) -> float | None:
    raw = response.headers.get("x-rate-limit-reset")
    try:
        reset = float(raw) if raw is not None else None
    except ValueError:
        reset = None
    if reset is None:
        return None
    return max(0.0, reset - time.time()) + RESET_MARGIN_SECONDS


class XErrorPolicy:
    """Which X responses are retried, which are fatal, and when to rest."""

    def __init__(self, conn_id: str):
        self.conn_id = conn_id

    def check(self, response: requests.Response, where: Where) -> None:
        status = response.status_code
        if status < 400:
            return
        body = _problem(response)
        label = _problem_label(status, body)
        if status == 429 and (body.get("type") == USAGE_CAP_TYPE or body.get("title") == "UsageCapExceeded"):
            period = str(body.get("period") or "").lower() or "billing"
            raise ExtractError(
                where,
                f"X usage cap reached ({label}; period={body.get('period')}, scope={body.get('scope')})",
                hint=f"the X project has used its {period} post-read cap; retrying will not help until "
                "the cap resets at the start of the next billing period. Upgrade the plan (or add "
                "credits) in the X developer portal, or lower sources.x.tweet_lookback_days (and "
                "search_lookback_days) so each run reads fewer posts",
                status=status,
                platform_code="UsageCapExceeded",
            )
        if status == 429:
            wait = _seconds_until_reset(response) or retry_after_seconds(response)
            raise TransientError(f"rate limited ({label})", wait, status)
        if status in RETRIABLE_STATUS or status >= 500:
            raise TransientError(label, retry_after_seconds(response), status)
        if status == 401:
            raise ExtractError(
                where,
                f"X rejected the bearer token ({label})",
                hint="generate a new bearer token for the app in the X developer portal and put it in "
                f"the password field of the Airflow connection {self.conn_id!r}",
                status=status,
            )
        if status == 403:
            raise ExtractError(
                where,
                f"X refused access ({label})",
                hint="the app's access level does not include this endpoint, or the app is not "
                "attached to a Project: check the plan and the app in the X developer portal",
                status=status,
            )
        if status == 400 and _refused_parameters(body) & {"start_time", "end_time"}:
            raise ExtractError(
                where,
                f"X refused the time bounds ({label})",
                hint="X measures start_time and end_time against its own clock: recent search reaches "
                "back 7 days, and end_time must be 10 s before now. Check that this machine's clock "
                "is right (UTC) and that sources.x.search_lookback_days is at most 6",
                status=status,
                platform_code=str(body.get("type") or "") or None,
            )
        if status == 400 and "query" in _refused_parameters(body):
            raise ExtractError(
                where,
                f"X refused the search query ({label})",
                hint="the query is built from the keywords of the brand and the competitors in the "
                "company config: remove the characters or words X names from those keywords",
                status=status,
                platform_code=str(body.get("type") or "") or None,
            )
        if status == 400:
            raise ExtractError(
                where,
                f"X refused the request ({label})",
                hint="X no longer accepts a field or parameter the extractor asks for (it renames and "
                "retires fields): compare the message with the field lists in extractors/x.py; a "
                "page_size connection extra must be 5-100",
                status=status,
                platform_code=str(body.get("type") or "") or None,
            )
        raise ExtractError(where, label, status=status, platform_code=str(body.get("type") or "") or None)

    def pause_after(self, response: requests.Response) -> float:
        """When the window's last request is spent, rest until ``x-rate-limit-reset``."""
        if response.headers.get("x-rate-limit-remaining", "").strip() != "0":
            return 0.0
        return _seconds_until_reset(response) or 0.0


def _body(body: Any, where: Where, client: HttpClient) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ExtractError(
            where,
            f"unexpected payload: expected a JSON object, got {client.redact(str(body)[:200])!r}",
            hint="check that the connection's host points at the X API (https://api.x.com)",
        )
    return body


def _missing_user(body: Mapping[str, Any], account: Account, where: Where) -> None:
    """X answers 200 with only ``errors[]`` for a user it cannot find (wrong id, suspended, deleted)."""
    if "data" in body or "meta" in body:
        return
    details = "; ".join(str(e.get("detail") or e.get("title")) for e in body.get("errors") or [])
    raise ExtractError(
        where,
        f"X did not return user {account.id} ({details or 'no data'})",
        hint="check the account id under accounts.x in the company config (the numeric user id, "
        "not the @handle); the account may be suspended or deleted",
    )


def _warn_partial_errors(body: Mapping[str, Any], where: Where, what: str) -> list[str]:
    """Log the ``errors[]`` of a 200 answer and return the ids they name."""
    errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    if not errors:
        return []
    ids = [str(e.get("resource_id") or e.get("value")) for e in errors]
    titles = sorted({str(e.get("title")) for e in errors})
    log.warning(
        "[%s] X left out %d %s (%s): %s; landing the rest",
        where,
        len(errors),
        what,
        ", ".join(titles),
        ", ".join(ids),
    )
    return ids


def _next_token(body: dict[str, Any]) -> str | None:
    return (body.get("meta") or {}).get("next_token")


def _page(client: HttpClient, path: str, query: Mapping[str, Any], where: Where) -> dict[str, Any]:
    return _body(client.get_json(path, where, query), where, client)


class NextTokenPaginator(TokenPaginator):
    """Pass ``meta.next_token`` back until it is absent: as ``pagination_token`` on timelines, as
    ``next_token`` (``token_param``) on recent search."""

    def __init__(
        self, page_size: int = 100, max_pages: int = 1_000, token_param: str = "pagination_token"
    ) -> None:
        super().__init__(
            _next_token,
            token_param,
            "X returned the next_token {token!r} twice; paging loops",
            page_size=page_size,
            size_param="max_results",
            max_pages=max_pages,
            read=_page,
        )


class _Timeline:
    """The user's own posts (no retweets and, by default, no replies) created in a window of UTC days."""

    def __init__(self, page_size: int, clock: Callable[[], datetime], exclude: str = EXCLUDE):
        self.paginator = NextTokenPaginator(page_size)
        self.clock = clock
        self.exclude = exclude

    def pages(
        self, client: HttpClient, account: Account, window: Window, where: Where, fields: Mapping[str, str]
    ) -> Iterator[dict[str, Any]]:
        start, end = time_bounds(window, self.clock())
        if end <= start:
            return
        params = {"start_time": x_time(start), "end_time": x_time(end), "exclude": self.exclude, **fields}
        for body in self.paginator.pages(client, f"2/users/{account.id}/tweets", params, where):
            _missing_user(body, account, where)
            _warn_partial_errors(body, where, "objects from the timeline")
            yield body


def _utc_now() -> datetime:
    return utc_now()


class User(Stream):
    name = "user"

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        body = _body(
            client.get_json(f"2/users/{account.id}", where, {"user.fields": USER_FIELDS}), where, client
        )
        _missing_user(body, account, where)
        user = body.get("data")
        if not isinstance(user, dict) or "id" not in user:
            raise ExtractError(where, f"unexpected user object: {client.redact(str(body)[:200])!r}")
        yield window.end, user


class Tweets(Stream):
    name = "tweets"

    def __init__(self, settings: XSettings, page_size: int = 100, clock: Callable[[], datetime] = _utc_now):
        self.lookback_days = self.lookback_from(settings)
        self.timeline = _Timeline(page_size, clock)
        self.fields = {
            "tweet.fields": TWEET_FIELDS,
            "expansions": "attachments.media_keys",
            "media.fields": "type",
        }

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        seen: set[str] = set()
        for body in self.timeline.pages(client, account, window, where, self.fields):
            media = {m.get("media_key"): m for m in (body.get("includes") or {}).get("media") or []}
            for tweet in body.get("data") or []:
                # A tweet posted while we page shifts the timeline: the next page can repeat one.
                if tweet["id"] in seen:
                    continue
                seen.add(tweet["id"])
                keys = (tweet.get("attachments") or {}).get("media_keys") or []
                missing = [key for key in keys if key not in media]
                if missing:
                    log.warning(
                        "[%s] tweet %s: no includes.media for %s", where, tweet["id"], ", ".join(missing)
                    )
                yield (
                    created_day(tweet["created_at"]),
                    {**tweet, "_media": [media[k] for k in keys if k in media]},
                )


class TweetMetrics(Stream):
    name = "tweet_metrics"

    def __init__(self, settings: XSettings, page_size: int = 100, clock: Callable[[], datetime] = _utc_now):
        self.recent_days = settings.tweet_lookback_days
        self.timeline = _Timeline(page_size, clock)

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        day = window.end
        recent = Window(day - timedelta(days=self.recent_days), day)
        ids: dict[str, None] = {}  # ordered and without the repeats paging can bring
        for body in self.timeline.pages(client, account, recent, where, {"tweet.fields": "created_at"}):
            ids.update(dict.fromkeys(tweet["id"] for tweet in body.get("data") or []))
        log.info(
            "[%s] re-reading the counters of %d tweets from %s to %s", where, len(ids), recent.start, day
        )
        for tweet in lookup(client, list(ids), where):
            yield day, tweet


def lookup(client: HttpClient, ids: list[str], where: Where) -> Iterator[Record]:
    """Tweets by id (``id``, ``created_at``, ``public_metrics``), up to 100 per request.

    Ids X cannot find any more (deleted or protected since) come back in ``errors[]``: logged,
    not fatal, because the other tweets' counters are still good.
    """
    for first in range(0, len(ids), MAX_IDS_PER_LOOKUP):
        batch = ids[first : first + MAX_IDS_PER_LOOKUP]
        params = {"ids": ",".join(batch), "tweet.fields": METRIC_FIELDS}
        body = _body(client.get_json("2/tweets", where, params), where, client)
        _warn_partial_errors(body, where, "requested tweets")
        data = body.get("data") or []
        if not data and not body.get("errors"):
            raise ExtractError(where, f"unexpected lookup answer: {client.redact(str(body)[:200])!r}")
        yield from data


def search_query(keywords: Iterable[str], excluded_ids: Iterable[str]) -> str:
    """``(<keywords OR'ed>) -is:retweet -from:<id> ...``: posts naming a brand, not by a configured account.

    A keyword that is not one word, ``#hashtag`` or ``@mention`` goes in double quotes: an exact
    phrase (X matches case-insensitively, on whole tokens).
    """
    terms = [k if SINGLE_TERM.fullmatch(k) else f'"{k}"' for k in keywords]
    return " ".join([f"({' OR '.join(terms)})", "-is:retweet", *(f"-from:{i}" for i in excluded_ids)])


def searchable_since(now: datetime) -> date:
    """The oldest UTC day recent search still holds whole at ``now`` (its midnight within 7 days)."""
    reach = (now - SEARCH_REACH + SEARCH_START_MARGIN).astimezone(UTC)
    first = reach.date()
    return first if reach == datetime.combine(first, datetime.min.time(), UTC) else first + timedelta(days=1)


class _SevenDays(Stream):
    """A stream of an X endpoint that keeps 7 days (recent search, the mentions timeline): a run
    asks for and lands only the UTC days X still holds whole; older days are neither asked for nor
    written, so what an earlier run landed for them stays."""

    clock: Callable[[], datetime]

    def oldest_day(self, today: date) -> date:
        """The oldest day a run on ``today`` may ask X for (and land): X keeps 7 days."""
        return max(today - timedelta(days=SEARCH_DAYS - 1), searchable_since(self.clock()))

    def window(self, run: Window, today: date) -> Window:
        """The stream's window without the days X no longer keeps (all of it when none is left)."""
        wanted = super().window(run, today)
        oldest = self.oldest_day(today)
        if wanted.start >= oldest:
            return wanted
        kept = "earlier landings are kept"
        if wanted.end < oldest:
            log.warning(
                "[source=x stream=%s] %s..%s are older than the %d days X keeps; "
                "nothing is read or landed (%s)",
                self.name,
                wanted.start,
                wanted.end,
                SEARCH_DAYS,
                kept,
            )
            return wanted
        log.info(
            "[source=x stream=%s] %s..%s are older than the %d days X keeps; not read (%s)",
            self.name,
            wanted.start,
            oldest - timedelta(days=1),
            SEARCH_DAYS,
            kept,
        )
        return Window(oldest, wanted.end)

    def partition_days(self, window: Window, found: set[date], today: date, where: Where) -> list[date]:
        """Only days X still keeps: an empty file for an older day would erase what a run landed then."""
        oldest = self.oldest_day(today)
        return [day for day in window.days() if day >= oldest]


class Search(_SevenDays):
    """Recent posts naming a listening target (the brand or a competitor), by its keywords."""

    name = "search"

    def __init__(
        self,
        settings: XSettings,
        targets: Iterable[ListeningTarget],
        excluded_ids: Iterable[str],
        page_size: int = 100,
        clock: Callable[[], datetime] = _utc_now,
    ):
        self.lookback_days = self.lookback_from(settings)
        self.targets = {target.id: target for target in targets}
        self.excluded_ids = tuple(excluded_ids)
        self.paginator = NextTokenPaginator(max(page_size, SEARCH_PAGE_SIZE_MIN), token_param="next_token")
        self.clock = clock

    def query(self, account: Account, where: Where) -> str:
        target = self.targets.get(account.id)
        if target is None or not target.keywords:
            raise ExtractError(
                where,
                f"no keywords to search X for listening target {account.id!r}",
                hint="give the brand (brand.keywords) and each competitor (competitors[].keywords) "
                "at least one keyword in the company config",
            )
        if any('"' in keyword for keyword in target.keywords):
            raise ExtractError(
                where,
                f"a keyword of {target.name} contains a double quote, which X's query cannot hold",
                hint=f"remove the double quotes from the keywords of {target.name} in the company config",
            )
        query = search_query(target.keywords, self.excluded_ids)
        if len(query) > SEARCH_QUERY_MAX:
            raise ExtractError(
                where,
                f"the X recent-search query for {target.name} is {len(query)} characters long; X takes "
                f"at most {SEARCH_QUERY_MAX}: {query}",
                hint=f"shorten or remove keywords of {target.name} in the company config (a phrase "
                "that contains another keyword adds nothing); the query also leaves out the posts "
                f"of the {len(self.excluded_ids)} configured X accounts with -from:<id>",
            )
        return query

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        query = self.query(account, where)
        now = self.clock()
        first = max(window.start, searchable_since(now))
        if first > window.end:
            return  # window() let an old window through whole: nothing of it is left to ask for
        start, end = time_bounds(Window(first, window.end), now)
        if end <= start:
            return
        params = {
            "query": query,
            "start_time": x_time(start),
            "end_time": x_time(end),
            "tweet.fields": SEARCH_TWEET_FIELDS,
            "expansions": "author_id",
            "user.fields": SEARCH_USER_FIELDS,
        }
        seen: set[str] = set()
        for body in self.paginator.pages(client, SEARCH_PATH, params, where):
            _warn_partial_errors(body, where, "objects from the search")
            users = {u.get("id"): u for u in (body.get("includes") or {}).get("users") or []}
            for tweet in body.get("data") or []:
                # A post published while we page shifts the results: the next page can repeat one.
                if tweet["id"] in seen:
                    continue
                seen.add(tweet["id"])
                author = users.get(tweet.get("author_id"))
                yield created_day(tweet["created_at"]), {**tweet, "_author": author, "_query": query}


class Mentions(_SevenDays):
    """Tweets naming the own account's ``@username``: the public inbound items of support."""

    name = "mentions"

    def __init__(self, settings: XSettings, page_size: int = 100, clock: Callable[[], datetime] = _utc_now):
        self.lookback_days = self.lookback_from(settings)
        self.paginator = NextTokenPaginator(page_size)
        self.clock = clock
        self._complete_after: dict[str, date] = {}
        """Per account, when the last read hit X's 800 cap: only days after this one are whole."""

    def partition_days(self, window: Window, found: set[date], today: date, where: Where) -> list[date]:
        """The days X still keeps, less those the 800 cap may have cut short (left unwritten)."""
        kept = super().partition_days(window, found, today, where)
        cut = self._complete_after.pop(where.account, None)
        if cut is None:
            return kept
        log.warning(
            "[%s] X served its maximum of %d mentions, so %s and the days before it may be incomplete; "
            "they are not written (earlier landings are kept). Run more often, or over shorter windows",
            where,
            MENTIONS_CAP,
            cut,
        )
        return [day for day in kept if day > cut]

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        now = self.clock()
        first = max(window.start, searchable_since(now))
        if first > window.end:
            return  # window() let an old window through whole: nothing of it is left to ask for
        start, end = time_bounds(Window(first, window.end), now)
        if end <= start:
            return
        params = {
            "start_time": x_time(start),
            "end_time": x_time(end),
            "tweet.fields": MENTIONS_TWEET_FIELDS,
            "expansions": "author_id",
            "user.fields": MENTIONS_USER_FIELDS,
        }
        seen: set[str] = set()
        received, oldest = 0, None
        for body in self.paginator.pages(client, f"2/users/{account.id}/mentions", params, where):
            _missing_user(body, account, where)
            _warn_partial_errors(body, where, "objects from the mentions timeline")
            users = {u.get("id"): u for u in (body.get("includes") or {}).get("users") or []}
            for tweet in body.get("data") or []:
                received += 1
                day = created_day(tweet["created_at"])
                oldest = day if oldest is None else min(oldest, day)
                # A mention posted while we page shifts the timeline: the next page can repeat one.
                if tweet["id"] in seen:
                    continue
                seen.add(tweet["id"])
                yield day, {**tweet, "_author": users.get(tweet.get("author_id"))}
        if received >= MENTIONS_CAP and oldest is not None:
            self._complete_after[account.id] = oldest


class Replies(Stream):
    """The own account's replies (to mentions and to anyone else), for first response times."""

    name = "replies"

    def __init__(self, settings: XSettings, page_size: int = 100, clock: Callable[[], datetime] = _utc_now):
        self.lookback_days = self.lookback_from(settings)
        self.timeline = _Timeline(page_size, clock, exclude="retweets")
        self.fields = {"tweet.fields": REPLY_TWEET_FIELDS}

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        seen: set[str] = set()
        for body in self.timeline.pages(client, account, window, where, self.fields):
            for tweet in body.get("data") or []:
                references = tweet.get("referenced_tweets") or []
                if tweet["id"] in seen or not any(r.get("type") == "replied_to" for r in references):
                    continue
                seen.add(tweet["id"])
                yield created_day(tweet["created_at"]), tweet


class X(Source):
    name: ClassVar[str] = "x"
    stream_types = (User, Tweets, TweetMetrics, Search, Mentions, Replies)

    def __init__(
        self,
        config: CompanyConfig,
        connection: ConnectionInfo | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ):
        super().__init__(config, connection)
        self.clock = clock

    @property
    def settings(self) -> XSettings:
        return self.config.sources.x

    def audience_accounts(self, audience: Audience) -> tuple[Account, ...]:
        """As for any source, except that a company with no X accounts at all (own or competitors')
        does not search X either: "platforms with no accounts are skipped", connection included."""
        if audience == "listening" and not self.x_accounts():
            return ()
        return super().audience_accounts(audience)

    def x_accounts(self) -> tuple[Account, ...]:
        """Every configured X account: the company's own, then the competitors'."""
        return self.config.own_accounts(self.name) + self.config.competitor_accounts(self.name)

    @property
    def conn_id(self) -> str:
        return self.settings.conn_id

    def page_size(self) -> int:
        raw = self.connection().extra.get("page_size", PAGE_SIZE_RANGE[1])
        low, high = PAGE_SIZE_RANGE
        try:
            size = int(raw)
        except (TypeError, ValueError):
            size = 0
        if not low <= size <= high:
            raise ExtractError(
                Where(self.name),
                f"page_size {raw!r} in connection {self.conn_id!r} is outside {low}-{high}",
                hint=f"X's max_results takes {low} to {high}; fix the connection extra",
            )
        return size

    def streams(self) -> list[Stream]:
        page_size = self.page_size()
        return [
            User(),
            Tweets(self.settings, page_size, self.clock),
            TweetMetrics(self.settings, page_size, self.clock),
            Search(
                self.settings,
                self.config.listening_targets(),
                [account.id for account in self.x_accounts()],
                page_size,
                self.clock,
            ),
            Mentions(self.settings, page_size, self.clock),
            Replies(self.settings, page_size, self.clock),
        ]

    def client(self, connection: ConnectionInfo, sleep: Callable[[float], None] = time.sleep) -> HttpClient:
        if not connection.token:
            raise ExtractError(
                Where(self.name),
                f"connection {connection.conn_id!r} has no bearer token",
                hint="put the app's bearer token (X developer portal, Keys and tokens) in the "
                "connection's password field",
            )
        return HttpClient(
            base_url=connection.host or DEFAULT_BASE_URL,
            policy=XErrorPolicy(connection.conn_id),
            retry=RetryPolicy.from_extra(connection.extra),
            headers={"Authorization": f"Bearer {connection.token}"},
            secrets=[connection.token],
            sleep=sleep,
        )
