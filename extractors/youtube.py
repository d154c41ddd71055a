"""YouTube through the YouTube Data API v3 and the YouTube Analytics API v2.

Two Google hosts, one OAuth access token (``Authorization: Bearer``, the connection's password):
the Data API at the connection's host (default ``https://www.googleapis.com``, paths
``youtube/v3/...``) and YouTube Analytics at the ``analytics_host`` extra (default
``https://youtubeanalytics.googleapis.com``, path ``v2/reports``). One client serves both: the
Analytics requests go to an absolute URL, so retries, timeouts and token redaction are shared.

Streams:

* ``channel_snapshot`` — the channel resource (``channels?part=snippet,statistics,contentDetails``)
  as of the run. Counts (``subscriberCount``, ``viewCount``, ``videoCount``) are strings, as the
  Data API sends uint64 values; they are landed as sent and cast in staging.
* ``channel_daily`` — the channel's day report (``v2/reports``, ``dimensions=day``), by Pacific day.
  The API answers with ``columnHeaders`` and positional ``rows``; each row is landed as an object
  keyed by the header names (``{"day": "2026-01-15", "views": 100, ...}``), a lossless reshaping
  that keeps a record readable without its response. Metric names are configuration
  (``sources.youtube.analytics_metrics``); an unknown one fails the whole request with a 400.
  Analytics data lags: the API serves "data up until the last day for which all metrics in the
  query are available", two to three days back. Days after the report's last row that are within
  ``ANALYTICS_LAG_DAYS`` of today are not landed at all (an empty file would read as "no views
  that day"); the ``report_lookback_days`` re-read lands them on a later run.
* ``videos`` — every upload published in the window (Pacific day of ``snippet.publishedAt``, re-read
  for ``video_lookback_days`` because lifetime statistics keep growing): the uploads playlist
  (``contentDetails.relatedPlaylists.uploads``) through ``playlistItems`` with ``pageToken`` paging,
  newest first, stopping at the first page that reaches past the window start; then
  ``videos?part=snippet,statistics,contentDetails`` for at most 50 ids a call. The Data API has
  no per-video shares, and ``favoriteCount`` is deprecated (always 0).

``channel_snapshot`` and ``videos`` also run for the competitors' channels (the Data API is
public); ``channel_daily`` is YouTube Analytics, which answers only for channels the token owns.

Google quirks read by ``RULES`` (with ``extractors.google``): a spent daily quota is HTTP 403
``quotaExceeded`` (domain ``youtube.quota``) and retrying cannot help until midnight Pacific, while
``rateLimitExceeded``/``userRateLimitExceeded`` (403) and ``RESOURCE_EXHAUSTED`` (429) are
short-term limits worth retrying; an expired access token is 401 ``UNAUTHENTICATED``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from core.config import Account, YouTubeSettings
from extractors.auth import bearer_client
from extractors.connections import ConnectionInfo, base_url
from extractors.core import Record, Source, Stream, Window
from extractors.errors import ExtractError, Where
from extractors.google import any_reason, google_reader, reasons, says_per_day
from extractors.http import HttpClient
from extractors.paginators import TokenPaginator
from extractors.responses import (
    Failure,
    ResponseRules,
    Rule,
    When,
    says,
    server_side,
    status,
    without_error_body,
)

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://www.googleapis.com"
DEFAULT_ANALYTICS_URL = "https://youtubeanalytics.googleapis.com"
PACIFIC = ZoneInfo("America/Los_Angeles")
MAX_PAGE_SIZE = 50
"""The Data API's ceiling for ``maxResults`` and for the ids of one ``videos`` call."""
# An uploads playlist, newest first: ``nextPageToken`` goes back as ``pageToken``.
UPLOADS = TokenPaginator(
    lambda body: body.get("nextPageToken"),
    "pageToken",
    "the Data API returned the page token {token!r} twice; paging loops",
)
ANALYTICS_LAG_DAYS = 3
"""Days a YouTube Analytics day report may still be missing: days after the report's last row
and at least this recent are "not reported yet", not "nothing happened"."""

DAILY_QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
QUOTA_HINT = (
    "the daily quota resets at midnight Pacific time; re-run later (runs are idempotent) or raise "
    "the quota in the Google Cloud console (APIs & Services > Quotas)"
)


def google_time(value: str) -> datetime:
    """An RFC 3339 timestamp as the Data API writes it (``2026-11-02T15:02:11Z``), aware."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def pacific_day(value: str) -> date:
    """The Pacific day of a Data API timestamp: YouTube's reporting day."""
    return google_time(value).astimezone(PACIFIC).date()


def _per_day_quota(failure: Failure) -> bool:
    """A 429 for a per-day limit (``...PerDay...`` in the quota limit): retrying waits for midnight."""
    limits = [
        str((detail.get("metadata") or {}).get("quota_limit", ""))
        for detail in (failure.error or {}).get("details") or []
        if isinstance(detail, dict)
    ]
    return any("perday" in limit.lower() for limit in limits) or says_per_day(failure)


def _code(error: Mapping[str, Any], status: int) -> str:
    return str(error.get("status") or ",".join(sorted(reasons(error))) or status)


RULES = (
    *without_error_body(
        "Google", hint="check that the connection's host and analytics_host point at the Google APIs"
    ),
    Rule(
        any_reason(*DAILY_QUOTA_REASONS) | (status(429) & When(_per_day_quota)),
        "fail",
        "quota spent ({label})",
        hint=QUOTA_HINT,
        platform_code=lambda failure: "quotaExceeded",
    ),
    Rule(any_reason(*RATE_LIMIT_REASONS) | server_side, "retry"),
    Rule(
        status(401),
        "fail",
        "access token rejected ({label})",
        hint="refresh the OAuth access token and put it in the password of the Airflow connection "
        "{conn_id!r} (Google access tokens last about an hour)",
    ),
    Rule(
        status(400) & says("parameters.metrics"),
        "fail",
        "YouTube Analytics refused a metric ({label})",
        hint="remove or correct that metric under sources.youtube.analytics_metrics in the company config",
    ),
    Rule(
        status(403),
        "fail",
        "permission denied ({label})",
        hint="the token must belong to the channel's owner, with the youtube.readonly and "
        "yt-analytics.readonly scopes",
    ),
)
"""The Data and Analytics APIs' failures. No usage headers: the quota is per day, not per window."""


def _items(body: Any, where: Where, client: HttpClient) -> list[Record]:
    """The ``items`` of a Data API list response (absent means none)."""
    if not isinstance(body, dict) or not isinstance(body.get("items", []), list):
        raise ExtractError(
            where,
            f"unexpected payload: expected a list response, got {client.redact(str(body)[:200])!r}",
            hint="check that the connection's host points at https://www.googleapis.com",
        )
    return body.get("items", [])


def _field(resource: Record, path: str, where: Where, client: HttpClient) -> Any:
    """A nested field (``"snippet.publishedAt"``) of a Data API resource; a clear error when missing."""
    value: Any = resource
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            raise ExtractError(
                where,
                f"a {resource.get('kind', 'resource')} has no {path}: {client.redact(str(resource)[:200])!r}",
                hint="the Data API answered in an unknown shape; check the parts the extractor asks for",
            )
        value = value[key]
    return value


def _published_day(resource: Record, path: str, where: Where, client: HttpClient) -> date:
    return pacific_day(str(_field(resource, path, where, client)))


def _channel(client: HttpClient, account: Account, parts: str, where: Where) -> Record:
    body = client.get_json("youtube/v3/channels", where, {"part": parts, "id": account.id})
    items = _items(body, where, client)
    if not items:
        raise ExtractError(
            where,
            f"channel {account.id} not found",
            hint="check the channel id (UC...) under accounts.youtube (or a competitor's under "
            "competitors[].accounts.youtube) in the company config",
        )
    return items[0]


class ChannelSnapshot(Stream):
    name = "channel_snapshot"
    parts = "snippet,statistics,contentDetails"

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        yield window.end, _channel(client, account, self.parts, where)


class ChannelDaily(Stream):
    name = "channel_daily"

    def __init__(self, settings: YouTubeSettings, analytics_url: str):
        self.metrics = settings.analytics_metrics
        self.lookback_days = self.lookback_from(settings)
        self.reports_url = analytics_url.rstrip("/") + "/v2/reports"

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        params = {
            "ids": f"channel=={account.id}",
            "startDate": window.start.isoformat(),
            "endDate": window.end.isoformat(),
            "metrics": ",".join(self.metrics),
            "dimensions": "day",
            "sort": "day",
        }
        body = client.get_json(self.reports_url, where, params)
        headers = body.get("columnHeaders") if isinstance(body, dict) else None
        rows = (body.get("rows") or []) if isinstance(body, dict) else None  # omitted when empty
        if not isinstance(headers, list) or not isinstance(rows, list):
            raise ExtractError(
                where,
                f"unexpected payload: expected a result table, got {client.redact(str(body)[:200])!r}",
                hint="check that the analytics_host extra points at https://youtubeanalytics.googleapis.com",
            )
        names = [str(header.get("name")) for header in headers]
        if "day" not in names:
            raise ExtractError(where, f"the day report has no 'day' column (columns: {', '.join(names)})")
        for row in rows:
            if not isinstance(row, list) or len(row) != len(names):
                raise ExtractError(where, f"a report row does not match its {len(names)} columns: {row!r}")
            record = dict(zip(names, row, strict=True))
            try:
                day = date.fromisoformat(str(record["day"]))
            except ValueError:
                raise ExtractError(where, f"a report row has no valid day: {row!r}") from None
            yield day, record

    def partition_days(self, window: Window, found: set[date], today: date, where: Where) -> list[date]:
        """Every day up to the report's last row; later days only when older than the lag."""
        covered = max(found, default=None)
        lag_start = today - timedelta(days=ANALYTICS_LAG_DAYS)
        days = window.days()
        wanted = [day for day in days if (covered is not None and day <= covered) or day < lag_start]
        if len(wanted) < len(days):
            waiting = [day for day in days if day not in wanted]
            log.info(
                "[%s] YouTube Analytics has not reported %s..%s yet (data lags up to %d days); "
                "not landed, the report_lookback_days re-read lands them later",
                where,
                waiting[0],
                waiting[-1],
                ANALYTICS_LAG_DAYS,
            )
        return wanted


class Videos(Stream):
    name = "videos"
    parts = "snippet,statistics,contentDetails"

    def __init__(self, settings: YouTubeSettings, page_size: int = MAX_PAGE_SIZE):
        self.lookback_days = self.lookback_from(settings)
        self.page_size = max(1, min(page_size, MAX_PAGE_SIZE))

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        channel = _channel(client, account, "contentDetails", where)
        uploads = _field(channel, "contentDetails.relatedPlaylists.uploads", where, client)
        ids = self._video_ids(client, uploads, window, where)
        for start in range(0, len(ids), self.page_size):
            batch = ids[start : start + self.page_size]
            body = client.get_json(
                "youtube/v3/videos",
                where,
                {"part": self.parts, "id": ",".join(batch)},  # maxResults does not apply to id=
            )
            videos = _items(body, where, client)
            missing = set(batch) - {video.get("id") for video in videos}
            if missing:
                log.info("[%s] %d uploads are private or deleted; skipped", where, len(missing))
            for video in videos:
                yield _published_day(video, "snippet.publishedAt", where, client), video

    def _video_ids(self, client: HttpClient, playlist_id: str, window: Window, where: Where) -> list[str]:
        """Ids of the uploads published on the window's Pacific days, newest first."""
        params: dict[str, Any] = {
            "part": "contentDetails",
            "playlistId": playlist_id,
            "maxResults": self.page_size,
        }
        ids: dict[str, None] = {}  # ordered and unique: a list shifted by a new upload repeats one
        for body in UPLOADS.pages(client, "youtube/v3/playlistItems", params, where):
            items = _items(body, where, client)
            days = [_published_day(item, "contentDetails.videoPublishedAt", where, client) for item in items]
            for item, day in zip(items, days, strict=True):
                if window.start <= day <= window.end:
                    ids[str(_field(item, "contentDetails.videoId", where, client))] = None
            # Uploads come newest first: once a page reaches before the window, the rest is older.
            if days and min(days) < window.start:
                break
        return list(ids)


class YouTube(Source):
    name: ClassVar[str] = "youtube"
    stream_types = (ChannelSnapshot, ChannelDaily, Videos)

    @property
    def settings(self) -> YouTubeSettings:
        return self.config.sources.youtube

    @property
    def conn_id(self) -> str:
        return self.settings.conn_id

    def streams(self) -> list[Stream]:
        connection = self.connection()
        extra = connection.extra
        analytics = base_url(
            connection.conn_id, Where(self.name, "channel_daily"), host=str(extra.get("analytics_host") or "")
        )
        return [
            ChannelSnapshot(),
            ChannelDaily(self.settings, analytics or DEFAULT_ANALYTICS_URL),
            Videos(self.settings, int(extra.get("page_size", MAX_PAGE_SIZE))),
        ]

    def client(self, connection: ConnectionInfo) -> HttpClient:
        return bearer_client(
            self.name,
            connection,
            default_url=DEFAULT_BASE_URL,
            policy=ResponseRules(
                google_reader("Google", _code), RULES, context={"conn_id": connection.conn_id}
            ),
            hint="put a Google OAuth access token (scopes youtube.readonly, yt-analytics.readonly) "
            "in the connection's password field",
        )
