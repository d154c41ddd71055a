"""LinkedIn pages (organizations) through the Community Management API (``/rest``).

Streams:

* ``network_size`` — ``networkSizes`` of the organization: ``{"firstDegreeSize": N}``, the
  follower total as of the run (LinkedIn's follower statistics have no total).
* ``share_statistics`` — daily organic share statistics (impressions, unique impressions,
  clicks, likes, comments, shares), one element per UTC day. LinkedIn leaves a day with no
  activity out of its answer, so that day lands as an empty partition.
* ``follower_statistics`` — daily organic and paid follower gains (net of unfollows). LinkedIn
  refuses a window ending later than now - 2 days, so the stream stops at today - 3 and leaves
  the newer days unlanded (an empty file would read as "no gains"); the look-back reads them
  on a later run.
* ``posts`` — the author finder of the Posts API, ``start``/``count`` paging that follows
  ``rel=next`` links (a short page is not the last one), partitioned by the UTC day of
  ``publishedAt``.
* ``post_statistics`` — lifetime share statistics of the window's posts, 20 posts a request
  (``shares=List(..)&ugcPosts=List(..)``), in the partition of their post. LinkedIn leaves out
  posts with no impressions and no actions.

LinkedIn keeps statistics for a rolling 12 months; the statistics streams do not ask for older
days. Days are UTC (epoch-millisecond midnight buckets).

Every request carries ``LinkedIn-Version: YYYYMM`` (connection extra ``linkedin_version``;
LinkedIn retires a version after about a year and answers 426) and
``X-Restli-Protocol-Version: 2.0.0``. Rest.li 2.0 wants URNs percent-encoded and the
parentheses, colons and commas of structured parameters raw, which ``requests`` would escape,
so those query strings are built here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar
from urllib.parse import quote

import requests

from core.config import Account, LinkedInSettings
from extractors.auth import bearer_client, require_token
from extractors.connections import ConnectionInfo
from extractors.core import Record, Source, Stream, StreamTask, Window
from extractors.errors import ExtractError, Where
from extractors.http import HttpClient
from extractors.paginators import LinkPaginator
from extractors.responses import (
    Failure,
    ResponseRules,
    Rule,
    code,
    json_object,
    says,
    server_side,
    status,
    without_error_body,
)

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.linkedin.com"
DEFAULT_LINKEDIN_VERSION = "202609"
RESTLI_PROTOCOL_VERSION = "2.0.0"
VERSION_FORMAT = re.compile(r"[0-9]{6}(\.[0-9]{2})?")

RETENTION_DAYS = 365
"""LinkedIn serves statistics for a rolling 12 months; we ask for one day less, to stay inside."""
FOLLOWER_LAG_DAYS = 3
"""A follower-statistics window may end no later than now - 2 days: the last full day is today - 3."""
SHARE_LAG_DAYS = 1
MAX_PAGE_SIZE = 100
POST_STATISTICS_BATCH = 20
SCHEDULE_HORIZON_DAYS = 92
"""Posts come newest ``lastModifiedAt`` first. A post scheduled ahead (LinkedIn allows up to three
months) could carry an older ``lastModifiedAt`` than its ``publishedAt``, so paging stops only
once posts are this much older than the window."""
MAX_PAGES = 10_000

TOKEN_CODES = frozenset(
    {"EXPIRED_ACCESS_TOKEN", "REVOKED_ACCESS_TOKEN", "INVALID_ACCESS_TOKEN", "EMPTY_ACCESS_TOKEN"}
)
VERSION_CODES = frozenset({"NONEXISTENT_VERSION", "VERSION_MISSING"})
POST_URN_KEYS = ("share", "ugcPost")


def organization_urn(account_id: str) -> str:
    return f"urn:li:organization:{account_id}"


def encode_urn(urn: str) -> str:
    """A URN as Rest.li 2.0 wants it in a query value or path key: every reserved character escaped."""
    return quote(urn, safe="")


def epoch_ms(day: date) -> int:
    """Milliseconds since 1970 at 00:00 UTC of ``day``."""
    return int(datetime.combine(day, time.min, UTC).timestamp()) * 1000


def utc_day(millis: int) -> date:
    """The UTC day of an epoch-millisecond timestamp."""
    return datetime.fromtimestamp(millis // 1000, tz=UTC).date()


def time_intervals(window: Window) -> str:
    """``timeIntervals`` for daily buckets over ``window``, in Rest.li 2.0 syntax (end exclusive)."""
    start, end = epoch_ms(window.start), epoch_ms(window.end + timedelta(days=1))
    return f"(timeRange:(start:{start},end:{end}),timeGranularityType:DAY)"


def restli_list(urns: list[str]) -> str:
    return f"List({','.join(encode_urn(urn) for urn in urns)})"


def rest_path(resource: str, params: list[tuple[str, str | int]]) -> str:
    """``rest/<resource>?k=v&...`` with each value used as given: the caller encodes (see encode_urn)."""
    return f"rest/{resource}?" + "&".join(f"{key}={value}" for key, value in params)


def read_error(response: requests.Response) -> Failure:
    """LinkedIn's ``{"status", "code", "message"}`` (``code`` only in newer versions)."""
    body = json_object(response)
    if body is None or ("message" not in body and "code" not in body):
        return Failure(response, f"HTTP {response.status_code}")
    code = body.get("code")
    message = str(body.get("message", ""))
    label = f"LinkedIn {response.status_code}" + (f" {code}" if code else "") + f": {message}"
    return Failure(response, label, body, code, message)


RULES = (
    *without_error_body(
        "LinkedIn", hint=f"check that the host of connection {{conn_id!r}} is {DEFAULT_BASE_URL}"
    ),
    Rule(status(429), "retry", "throttled ({label}); LinkedIn's daily limits reset at midnight UTC"),
    Rule(server_side, "retry"),
    Rule(
        status(401) | code(*TOKEN_CODES),
        "fail",
        "access token rejected ({label})",
        hint="LinkedIn access tokens last 60 days: create a new one for a page administrator "
        "and put it in the password field of the Airflow connection {conn_id!r}",
    ),
    Rule(
        status(426) | code(*VERSION_CODES),
        "fail",
        "LinkedIn refused API version {version} ({label})",
        hint="LinkedIn retires a version about a year after its release: set the extra "
        "linkedin_version of the connection {conn_id!r} to a current YYYYMM "
        "(see LinkedIn's versioning page for the active ones)",
    ),
    Rule(
        status(403),
        "fail",
        "access denied ({label})",
        hint="the token's member needs the ADMINISTRATOR role on this organization, and the "
        "token the scopes rw_organization_admin (statistics) and r_organization_social (posts)",
    ),
    Rule(
        says("Invalid timeIntervals parameter"),
        "fail",
        "LinkedIn refused the time range ({label})",
        hint="LinkedIn serves statistics from 12 months back up to today - 3 (followers) or "
        "yesterday (shares); re-run with a window inside that range",
    ),
    Rule(
        status(400),
        "fail",
        "LinkedIn refused the request ({label})",
        hint="if it names a field or parameter, LinkedIn-Version {version} may have "
        "changed the API: check LinkedIn's migration notes before changing linkedin_version",
    ),
)
"""LinkedIn's failures, keyed on the body's ``code``. No usage headers: its daily quotas show
only as 429s."""


def _elements(body: Any, where: Where, client: HttpClient) -> list[Record]:
    if not isinstance(body, dict) or not isinstance(body.get("elements"), list):
        raise ExtractError(
            where,
            "unexpected payload: expected an object with an 'elements' list, got "
            f"{client.redact(str(body)[:200])!r}",
            hint="the API answered in an unknown shape; check linkedin_version in the connection",
        )
    return body["elements"]


def _next_href(body: dict[str, Any]) -> str | None:
    links = (body.get("paging") or {}).get("links") or []
    return next((link.get("href") for link in links if link.get("rel") == "next" and link.get("href")), None)


# The posts finder links its next page (`paging.links`, rel=next).
POSTS_PAGES = LinkPaginator(_next_href, "LinkedIn's paging repeats or never ends (at {token!r})", MAX_PAGES)


class NetworkSize(Stream):
    name = "network_size"

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        path = (
            f"rest/networkSizes/{encode_urn(organization_urn(account.id))}"
            "?edgeType=COMPANY_FOLLOWED_BY_MEMBER"
        )
        body = client.get_json(path, where)
        if not isinstance(body, dict) or not isinstance(body.get("firstDegreeSize"), int):
            raise ExtractError(where, f"unexpected network size: {client.redact(str(body)[:200])!r}")
        yield window.end, body


class _DailyStatistics(Stream):
    """A time-bound statistics finder: one element per UTC day of the window LinkedIn can answer."""

    resource: ClassVar[str]
    lag_days: ClassVar[int]
    """The newest day served is today minus this."""

    def __init__(self, settings: LinkedInSettings):
        self.lookback_days = self.lookback_from(settings)

    def available(self, run: Window, today: date) -> Window | None:
        """The part of the stream's window LinkedIn serves (None when it serves none of it yet)."""
        wanted = super().window(run, today)
        first = max(wanted.start, today - timedelta(days=RETENTION_DAYS - 1))
        last = min(wanted.end, today - timedelta(days=self.lag_days))
        return Window(first, last) if first <= last else None

    def before(self, task: StreamTask) -> bool:
        """Nothing LinkedIn can serve yet: land nothing (not empty days)."""
        if self.available(task.run, task.today) is not None:
            return True
        log.info(
            "[source=%s stream=%s account=%s] LinkedIn serves none of %s..%s yet; nothing landed",
            task.source,
            self.name,
            task.account.id,
            task.run.start,
            task.run.end,
        )
        return False

    def window(self, run: Window, today: date) -> Window:
        wanted = super().window(run, today)
        available = self.available(run, today)
        if available is None:
            raise ValueError(f"LinkedIn serves no {self.name} for {wanted.start}..{wanted.end} yet")
        if available.end < wanted.end:
            log.info(
                "[source=linkedin stream=%s] %s..%s are not available yet (LinkedIn serves up to "
                "today - %d); not landed: the look-back reads them on a later run",
                self.name,
                available.end + timedelta(days=1),
                wanted.end,
                self.lag_days,
            )
        if available.start > wanted.start:
            log.warning(
                "[source=linkedin stream=%s] %s..%s are older than LinkedIn's 12 months of statistics; "
                "not landed",
                self.name,
                wanted.start,
                available.start - timedelta(days=1),
            )
        return available

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        path = rest_path(
            self.resource,
            [
                ("q", "organizationalEntity"),
                ("organizationalEntity", encode_urn(organization_urn(account.id))),
                ("timeIntervals", time_intervals(window)),
            ],
        )
        for element in _elements(client.get_json(path, where), where, client):
            yield utc_day(int(element["timeRange"]["start"])), element


class ShareStatistics(_DailyStatistics):
    name = "share_statistics"
    resource = "organizationalEntityShareStatistics"
    lag_days = SHARE_LAG_DAYS


class FollowerStatistics(_DailyStatistics):
    name = "follower_statistics"
    resource = "organizationalEntityFollowerStatistics"
    lag_days = FOLLOWER_LAG_DAYS


def post_day(post: Record) -> date:
    """The UTC day a post belongs to: ``publishedAt``, or ``createdAt`` for one never published."""
    return utc_day(int(post.get("publishedAt") or post["createdAt"]))


class Posts(Stream):
    name = "posts"

    def __init__(self, settings: LinkedInSettings, page_size: int = MAX_PAGE_SIZE):
        self.lookback_days = self.lookback_from(settings)
        self.page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        self._read: dict[tuple[str, Window], list[tuple[date, Record]]] = {}

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        yield from self.posts_in(client, account, window, where)

    def posts_in(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> list[tuple[date, Record]]:
        """(day, post) for the posts published in ``window``; read once per run, then remembered
        for ``post_statistics``."""
        key = (account.id, window)
        if key not in self._read:
            self._read[key] = list(self._page_through(client, account, window, where))
        return self._read[key]

    def _page_through(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        stop_before = epoch_ms(window.start - timedelta(days=SCHEDULE_HORIZON_DAYS))
        path = rest_path(
            "posts",
            [
                ("q", "author"),
                ("author", encode_urn(organization_urn(account.id))),
                ("count", self.page_size),
                ("start", 0),
                ("sortBy", "LAST_MODIFIED"),
            ],
        )
        seen_posts: set[str] = set()
        for body in POSTS_PAGES.pages(client, path, where):
            elements = _elements(body, where, client)
            for post in elements:
                # A post edited while we page moves to the front: the next page can repeat one.
                if post["id"] in seen_posts:
                    continue
                seen_posts.add(post["id"])
                day = post_day(post)
                if window.start <= day <= window.end:
                    yield day, post
            # Newest modified first: once a page reaches before the horizon, the rest is older.
            modified = [int(p["lastModifiedAt"]) for p in elements if p.get("lastModifiedAt")]
            if modified and min(modified) < stop_before:
                return


class PostStatistics(Stream):
    name = "post_statistics"

    def __init__(self, posts: Posts):
        self.posts = posts
        self.lookback_days = posts.lookback_days

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        day_of = {post["id"]: day for day, post in self.posts.posts_in(client, account, window, where)}
        urns = [urn for urn in day_of if urn.startswith(("urn:li:share:", "urn:li:ugcPost:"))]
        if len(urns) < len(day_of):
            log.warning("[%s] %d posts have no share statistics URN; skipped", where, len(day_of) - len(urns))
        org = encode_urn(organization_urn(account.id))
        for first in range(0, len(urns), POST_STATISTICS_BATCH):
            batch = urns[first : first + POST_STATISTICS_BATCH]
            params: list[tuple[str, str | int]] = [
                ("q", "organizationalEntity"),
                ("organizationalEntity", org),
            ]
            shares = [urn for urn in batch if urn.startswith("urn:li:share:")]
            ugc_posts = [urn for urn in batch if urn.startswith("urn:li:ugcPost:")]
            if shares:
                params.append(("shares", restli_list(shares)))
            if ugc_posts:
                params.append(("ugcPosts", restli_list(ugc_posts)))
            body = client.get_json(rest_path("organizationalEntityShareStatistics", params), where)
            for element in _elements(body, where, client):
                urn = next((element[k] for k in POST_URN_KEYS if element.get(k)), None)
                if urn not in day_of:
                    log.warning("[%s] statistics for a post not asked for (%s); skipped", where, urn)
                    continue
                yield day_of[urn], element


class LinkedIn(Source):
    name: ClassVar[str] = "linkedin"
    stream_types = (NetworkSize, ShareStatistics, FollowerStatistics, Posts, PostStatistics)

    @property
    def settings(self) -> LinkedInSettings:
        return self.config.sources.linkedin

    @property
    def conn_id(self) -> str:
        return self.settings.conn_id

    @property
    def linkedin_version(self) -> str:
        return str(self.connection().extra.get("linkedin_version", DEFAULT_LINKEDIN_VERSION)).strip()

    def streams(self) -> list[Stream]:
        posts = Posts(self.settings, int(self.connection().extra.get("page_size", MAX_PAGE_SIZE)))
        return [
            NetworkSize(),
            ShareStatistics(self.settings),
            FollowerStatistics(self.settings),
            posts,
            PostStatistics(posts),
        ]

    def client(self, connection: ConnectionInfo) -> HttpClient:
        hint = "put a LinkedIn access token of a page administrator in the connection's password field"
        require_token(self.name, connection, hint)
        version = self.linkedin_version
        if not VERSION_FORMAT.fullmatch(version):
            raise ExtractError(
                Where(self.name),
                f"linkedin_version {version!r} is not a LinkedIn API version",
                hint=f"set the extra linkedin_version of the connection {connection.conn_id!r} to a "
                "current YYYYMM, e.g. " + DEFAULT_LINKEDIN_VERSION,
            )
        return bearer_client(
            self.name,
            connection,
            default_url=DEFAULT_BASE_URL,
            policy=ResponseRules(
                read_error, RULES, context={"conn_id": connection.conn_id, "version": version}
            ),
            hint=hint,
            headers={"LinkedIn-Version": version, "X-Restli-Protocol-Version": RESTLI_PROTOCOL_VERSION},
        )
