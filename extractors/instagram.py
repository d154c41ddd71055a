"""Instagram professional accounts through the Instagram Graph API (Facebook login).

The wire format is Meta Graph's (errors, cursors, usage headers, Pacific days), so this module
reads them through ``extractors.graph`` and only adds what is Instagram's own.

Streams:

* ``account_snapshot`` — the IG User node (``followers_count``, ``media_count``...) as of the run.
* ``account_insights`` — daily account metrics, Pacific days, in two request shapes:
  ``metric_type=time_series`` (``reach``, ``follower_count``) answers ``values`` stamped with
  ``end_time`` = the next Pacific midnight, landed one value per metric per day as for Facebook;
  ``metric_type=total_value`` (``views``, ``total_interactions``...) answers ONE number summed
  over since..until, so it is asked one Pacific day per request and landed under that day.
  ``follower_count`` exists only for the last 30 days: older days come back without it, and land
  without it (absent, never zero). A backfill of a day older than that therefore replaces the
  day's partition without the ``follower_count`` an earlier run landed: Graph has no copy left.
* ``media`` — the ``/media`` edge (newest first, cursor paging, ``since``/``until`` on the
  timestamp), partitioned by the Pacific day of ``timestamp`` and re-read for a trailing window
  because ``like_count``/``comments_count`` keep growing.
* ``media_insights`` — lifetime insights of each media in the same window, one request per media,
  each element of ``data`` landed as a record under its media's Pacific day. Newer metrics
  (``views``, ``shares``) come as ``total_value``, older ones as ``values[0]``; both are landed as
  sent. A media product type offers only some metrics, so each request asks the configured
  metrics that type supports; metrics this module does not know are sent as they are, so Meta's
  answer decides (a retired metric such as ``impressions`` fails with code 100, and the error
  points at ``sources.instagram`` in the company config).

* ``comments`` — the ``/comments`` edge of each media of the last ``media_lookback_days``: top-level
  comments with their ``replies`` nested (the own account's replies among them), landed as sent
  plus ``_media_id`` under the UTC day of ``timestamp`` and re-read for ``comment_lookback_days``.
  Needs ``instagram_manage_comments``.
* ``business_discovery`` — a competitor's public profile and recent media, read by username
  through the first own IG account: ``GET /{own-ig-id}?fields=business_discovery.username(<u>)
  {followers_count,...,media.limit(N){...}}``. The nested ``media`` edge pages with cursors only
  (no ``next`` URL): the next page is ``media.after(<cursor>).limit(N)``, newest first, and it
  takes no ``since``, so paging stops at the first media older than the window. One snapshot
  record per competitor and run, the object as sent with every page's media merged into one
  ``media.data`` list: the media of the ``media_lookback_days`` before the run's first day and
  after (their ``like_count``/``comments_count`` are lifetime counters, like own media). An
  unknown username (or a personal account) is Graph error 110/2207013.

Throttling is the Graph one (HTTP 400/403, codes 4, 17, 32, 613 and Instagram's 80002, no
``Retry-After``; ``X-Business-Use-Case-Usage`` of type ``instagram``), read by
Graph's rules (``extractors.graph``); only the hints are Instagram's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, timedelta
from typing import Any, ClassVar

from core.config import Account, InstagramSettings
from extractors.auth import bearer_client
from extractors.connections import ConnectionInfo
from extractors.core import Record, Source, Stream, Window
from extractors.errors import ExtractError, Where
from extractors.graph import (
    DEFAULT_BASE_URL,
    PACIFIC,
    PERMISSION_CODES,
    GraphHints,
    GraphNodeSnapshot,
    api_version,
    edge_items,
    graph_data,
    graph_policy,
    graph_time,
    pacific_day,
)
from extractors.http import HttpClient, segment
from extractors.paginators import GraphCursorPaginator

log = logging.getLogger(__name__)

MAX_INSIGHTS_DAYS = 30
"""Account insights accept at most 30 days between since and until."""
MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,timestamp,permalink,like_count,comments_count,shortcode"
)

MEDIA_METRICS_BY_PRODUCT_TYPE: dict[str, frozenset[str]] = {
    "FEED": frozenset(
        {
            "views",
            "reach",
            "likes",
            "comments",
            "shares",
            "saved",
            "total_interactions",
            "follows",
            "profile_visits",
            "profile_activity",
        }
    ),
    "REELS": frozenset(
        {
            "views",
            "reach",
            "likes",
            "comments",
            "shares",
            "saved",
            "total_interactions",
            "ig_reels_avg_watch_time",
            "ig_reels_video_view_total_time",
        }
    ),
    "STORY": frozenset(
        {
            "views",
            "reach",
            "replies",
            "navigation",
            "follows",
            "profile_visits",
            "profile_activity",
            "shares",
            "total_interactions",
        }
    ),
}
"""Which lifetime metrics Meta offers per ``media_product_type`` (Graph v22+). Ads are feed posts."""
KNOWN_MEDIA_METRICS = frozenset().union(*MEDIA_METRICS_BY_PRODUCT_TYPE.values())


def media_metrics_for(product_type: str, configured: tuple[str, ...]) -> list[str]:
    """The configured metrics to ask a media of ``product_type`` for, in configuration order.

    A known metric the type does not offer is left out (asking would fail the whole request);
    an unknown one is kept, for Meta to accept or refuse.
    """
    offered = MEDIA_METRICS_BY_PRODUCT_TYPE.get(product_type, MEDIA_METRICS_BY_PRODUCT_TYPE["FEED"])
    return [m for m in configured if m in offered or m not in KNOWN_MEDIA_METRICS]


HINTS = GraphHints(
    token="generate a new Instagram access token (a Facebook login user or Page token with "
    "instagram_basic and instagram_manage_insights) and update the Airflow connection {conn_id!r} "
    "(its password field)",
    refused="if it names a metric, Meta has retired it or does not offer it here: remove or "
    "replace it under sources.instagram in the company config",
    permission="the token needs instagram_basic, instagram_manage_insights and "
    "pages_read_engagement for the Page linked to this Instagram account",
)


def _window_where(where: Where, window: Window) -> Where:
    return Where(where.source, where.stream, where.account, f"{window.start}..{window.end}")


class AccountSnapshot(GraphNodeSnapshot):
    name = "account_snapshot"
    fields = "id,username,name,followers_count,follows_count,media_count,website,biography"
    node_kind = "IG User object"


class AccountInsights(Stream):
    name = "account_insights"

    def __init__(self, version: str, settings: InstagramSettings):
        self.version = version
        self.time_series = settings.account_time_series_metrics
        self.total_value = settings.account_total_value_metrics
        self.lookback_days = self.lookback_from(settings)

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        both = sorted(set(self.time_series) & set(self.total_value))
        if both:
            raise ExtractError(
                where,
                f"metrics listed both as a time series and as a total value: {', '.join(both)}",
                hint="list each metric once under sources.instagram in the company config "
                "(one record per metric and day)",
            )
        path = f"{self.version}/{segment(account.id)}/insights"
        yield from self._time_series(client, path, window, where)
        yield from self._total_values(client, path, window, where)

    def _time_series(
        self, client: HttpClient, path: str, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        for chunk in window.chunks(MAX_INSIGHTS_DAYS):
            chunk_where = _window_where(where, chunk)
            since, until = chunk.bounds(PACIFIC)
            params = {
                "metric": ",".join(self.time_series),
                "period": "day",
                "metric_type": "time_series",
                "since": since,
                "until": until,
            }
            results = graph_data(client.get_json(path, chunk_where, params), chunk_where, client)
            missing = set(self.time_series) - {r.get("name") for r in results}
            if missing:
                # follower_count is only kept for 30 days: older days have none, and land none.
                log.info(
                    "[%s] no data for %s; those days land without it", chunk_where, ", ".join(sorted(missing))
                )
            for result in results:
                for value in result.get("values") or []:
                    yield pacific_day(value["end_time"]), {**result, "values": [value]}

    def _total_values(
        self, client: HttpClient, path: str, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        # A total_value is summed over since..until: one request per Pacific day keeps days apart.
        for day in window.days():
            day_where = Where(where.source, where.stream, where.account, day)
            since, until = Window(day, day).bounds(PACIFIC)
            params = {
                "metric": ",".join(self.total_value),
                "period": "day",
                "metric_type": "total_value",
                "since": since,
                "until": until,
            }
            for result in graph_data(client.get_json(path, day_where, params), day_where, client):
                if "total_value" not in result:
                    raise ExtractError(
                        day_where,
                        f"metric {result.get('name')!r} came back without a total_value: "
                        f"{client.redact(str(result)[:200])!r}",
                        hint="move it to account_time_series_metrics under sources.instagram "
                        "in the company config",
                    )
                yield day, result


def list_media(
    client: HttpClient,
    paginator: GraphCursorPaginator,
    version: str,
    account: Account,
    window: Window,
    where: Where,
) -> Iterator[tuple[date, Record]]:
    """(Pacific day, media object) for the media published on the window's Pacific days."""
    since, until = window.bounds(PACIFIC)
    params = {"fields": MEDIA_FIELDS, "since": since, "until": until}
    seen: set[str] = set()
    for body in paginator.pages(client, f"{version}/{segment(account.id)}/media", params, where):
        for media in graph_data(body, where, client):
            # A media published while we page shifts the list: the next page can repeat one.
            if media["id"] not in seen:
                seen.add(media["id"])
                yield graph_time(media["timestamp"]).astimezone(PACIFIC).date(), media


class Media(Stream):
    name = "media"

    def __init__(self, version: str, settings: InstagramSettings, page_size: int = 100):
        self.version = version
        self.lookback_days = self.lookback_from(settings)
        self.paginator = GraphCursorPaginator(limit=page_size)

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        yield from list_media(client, self.paginator, self.version, account, window, where)


class MediaInsights(Stream):
    name = "media_insights"

    def __init__(self, version: str, settings: InstagramSettings, page_size: int = 100):
        self.version = version
        self.metrics = settings.media_insights_metrics
        self.lookback_days = self.lookback_from(settings)
        self.paginator = GraphCursorPaginator(limit=page_size)

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        media_list = list(list_media(client, self.paginator, self.version, account, window, where))
        for day, media in media_list:
            product_type = str(media.get("media_product_type") or "FEED")
            metrics = media_metrics_for(product_type, self.metrics)
            if not metrics:
                log.info("[%s] media %s (%s): no configured metric applies", where, media["id"], product_type)
                continue
            day_where = Where(where.source, where.stream, where.account, day)
            try:
                body = client.get_json(
                    f"{self.version}/{segment(media['id'])}/insights",
                    day_where,
                    {"metric": ",".join(metrics)},
                )
            except ExtractError as error:
                error.message = f"media {media['id']} ({product_type}): {error.message}"
                raise
            for result in graph_data(body, day_where, client):
                yield day, result


DISCOVERY_FIELDS = "id,username,name,followers_count,follows_count,media_count"
DISCOVERY_MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,timestamp,permalink,like_count,comments_count"
)
USER_NOT_FOUND_CODE = 110
"""Graph's code for a business_discovery username it cannot find (error_subcode 2207013)."""


class BusinessDiscovery(Stream):
    """A competitor's profile and media through ``business_discovery`` (module docstring)."""

    name = "business_discovery"

    def __init__(
        self,
        version: str,
        settings: InstagramSettings,
        through: tuple[Account, ...],
        brands: dict[str, str],
        page_size: int = 100,
    ):
        self.version = version
        self.lookback_days = self.lookback_from(settings)
        self.through = through
        """The own IG accounts; the first one makes the calls."""
        self.brands = brands
        """Competitor name by username, for error messages."""
        self.page_size = page_size
        self.max_pages = GraphCursorPaginator().max_pages

    def window(self, run: Window, today: date) -> Window:
        """From the media look-back before the run to the snapshot day (the only partition written)."""
        snapshot_day = max(run.end, today - timedelta(days=1))
        return Window(run.start - timedelta(days=self.lookback_days), snapshot_day)

    def partition_days(self, window: Window, found: set[date], today: date, where: Where) -> list[date]:
        return [window.end]

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        if not self.through:
            raise ExtractError(
                where,
                "business_discovery needs an own Instagram account to ask through; none is configured",
                hint="add the company's Instagram professional account under accounts.instagram in the "
                "company config, or remove the competitors' instagram accounts",
            )
        since = window.start
        merged: list[Record] = []
        seen: set[str] = set()
        after: str | None = None
        for _ in range(self.max_pages):
            discovered = self._page(client, account, after, where)
            media = discovered.get("media") or {}
            page = graph_data(media, where, client) if media else []
            for item in page:
                if (
                    item["id"] not in seen
                    and graph_time(item["timestamp"]).astimezone(PACIFIC).date() >= since
                ):
                    seen.add(item["id"])
                    merged.append(item)
            cursor = (media.get("paging") or {}).get("cursors", {}).get("after")
            oldest = graph_time(page[-1]["timestamp"]).astimezone(PACIFIC).date() if page else None
            if not cursor or oldest is None or oldest < since:
                record = {**discovered, "media": {"data": merged}}
                yield window.end, record
                return
            if cursor == after:
                raise ExtractError(where, f"Graph returned the media cursor {cursor!r} twice; paging loops")
            after = cursor
        raise ExtractError(where, f"more than {self.max_pages} media pages; refusing to page further")

    def _page(self, client: HttpClient, account: Account, after: str | None, where: Where) -> dict[str, Any]:
        paging = (f".after({after})" if after else "") + f".limit({self.page_size})"
        fields = (
            f"business_discovery.username({account.id})"
            f"{{{DISCOVERY_FIELDS},media{paging}{{{DISCOVERY_MEDIA_FIELDS}}}}}"
        )
        try:
            body = client.get_json(f"{self.version}/{segment(self.through[0].id)}", where, {"fields": fields})
        except ExtractError as error:
            if error.platform_code == USER_NOT_FOUND_CODE:
                brand = self.brands.get(account.id, "a competitor")
                error.message = (
                    f"Instagram has no business or creator account named {account.id!r} ({brand}): "
                    f"{error.message}"
                )
                error.hint = (
                    "fix competitors[].accounts.instagram in the company config: the id is the "
                    "competitor's Instagram username (as in instagram.com/<username>), not a numeric id; "
                    "a personal account cannot be read"
                )
            raise
        discovered = body.get("business_discovery") if isinstance(body, dict) else None
        if not isinstance(discovered, dict) or "id" not in discovered:
            raise ExtractError(
                where, f"unexpected business_discovery answer: {client.redact(str(body)[:200])!r}"
            )
        return discovered


COMMENT_FIELDS = "id,text,timestamp,username,like_count,replies{id,text,timestamp,username}"
COMMENTS_PERMISSION_HINT = (
    "reading comments needs the instagram_manage_comments permission (with instagram_basic and "
    "pages_read_engagement): grant it to the app, then generate a new access token"
)


class Comments(Stream):
    """Comments on the account's recent media, each with its replies nested (``replies{...}``).

    Lists the media of the last ``media_lookback_days`` before the window's end (the whole window
    when it is longer), then pages through each media's top-level comments; comments on older
    media are not read. Each comment lands as sent plus ``_media_id``, under the UTC day of its
    ``timestamp`` (its replies, the own account's included, stay nested in it).
    """

    name = "comments"

    def __init__(self, version: str, settings: InstagramSettings, page_size: int = 100):
        self.version = version
        self.lookback_days = self.lookback_from(settings)
        self.media_lookback_days = settings.media_lookback_days
        self.paginator = GraphCursorPaginator(limit=page_size)

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        first = min(window.start, window.end - timedelta(days=self.media_lookback_days))
        listed = list(
            list_media(client, self.paginator, self.version, account, Window(first, window.end), where)
        )
        for _, media in listed:
            path = f"{self.version}/{segment(media['id'])}/comments"
            try:
                for comment in edge_items(client, self.paginator, path, {"fields": COMMENT_FIELDS}, where):
                    day = graph_time(comment["timestamp"]).astimezone(UTC).date()
                    yield day, {**comment, "_media_id": media["id"]}
            except ExtractError as error:
                error.message = f"comments of media {media['id']}: {error.message}"
                if error.platform_code in PERMISSION_CODES:
                    error.hint = COMMENTS_PERMISSION_HINT
                raise


class Instagram(Source):
    name: ClassVar[str] = "instagram"
    stream_types = (AccountSnapshot, AccountInsights, Media, MediaInsights, Comments, BusinessDiscovery)

    @property
    def settings(self) -> InstagramSettings:
        return self.config.sources.instagram

    @property
    def conn_id(self) -> str:
        return self.settings.conn_id

    def streams(self) -> list[Stream]:
        version = api_version(self.connection())
        page_size = int(self.connection().extra.get("page_size", 100))
        return [
            AccountSnapshot(version),
            AccountInsights(version, self.settings),
            Media(version, self.settings, page_size),
            MediaInsights(version, self.settings, page_size),
            Comments(version, self.settings, page_size),
            BusinessDiscovery(
                version,
                self.settings,
                self.config.own_accounts(self.name),
                {a.id: c.name for c in self.config.competitors for a in c.accounts.instagram},
                page_size,
            ),
        ]

    def client(self, connection: ConnectionInfo) -> HttpClient:
        return bearer_client(
            self.name,
            connection,
            default_url=DEFAULT_BASE_URL,
            policy=graph_policy(connection, HINTS),
            hint="put the Instagram access token in the connection's password field",
        )
