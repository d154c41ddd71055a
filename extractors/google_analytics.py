"""Google Analytics 4 through the Data API v1beta (``POST v1beta/properties/{id}:runReport``).

One property (``sources.google_analytics.property_id``) is the source's one account; without a
property id the source has no accounts and is skipped. The connection's password is an OAuth
access token (scope ``analytics.readonly``), its host defaults to
``https://analyticsdata.googleapis.com``.

Streams, both partitioned by the report's ``date`` (the property's day, in its own time zone):

* ``traffic`` — date x sessionSource x sessionMedium x sessionCampaignName x
  sessionDefaultChannelGroup;
* ``landing_pages`` — date x landingPagePlusQueryString x sessionSource x sessionMedium;

each with sessions, engagedSessions, totalUsers, keyEvents and totalRevenue. The API answers
with ``dimensionHeaders``/``metricHeaders`` and positional rows of ``{"value": "..."}`` strings;
each row is landed as one object keyed by the header names (``{"date": "20261101",
"sessionSource": "facebook.com", ..., "sessions": "12", "totalRevenue": "329.5"}``), a lossless
reshaping that keeps a record readable without its response; values stay strings (dates
``YYYYMMDD``) and are typed in staging. One request per window chunk of ``CHUNK_DAYS`` days,
paged with ``offset``/``limit`` (connection extra ``page_size``, default 10,000, at most 250,000)
until ``rowCount`` rows are read; an empty report has neither ``rows`` nor ``rowCount``.
GA4 data settles over 24-48 hours, so every run re-reads ``lookback_days`` (3) earlier days.

Errors (``RULES``, read with ``extractors.google``): 429 ``RESOURCE_EXHAUSTED`` is retried with
backoff, unless the message says the daily property quota is spent (retrying waits for
tomorrow: fatal, with a hint); 401 ``UNAUTHENTICATED`` names the connection to refresh; 400
``INVALID_ARGUMENT`` (an unknown dimension or metric) and 403 ``PERMISSION_DENIED`` are fatal
with what to check.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime
from functools import partial
from typing import Any, ClassVar

from core.config import Account, GoogleAnalyticsSettings
from extractors.auth import bearer_client
from extractors.connections import ConnectionInfo
from extractors.core import Audience, Record, Source, Stream, Window
from extractors.errors import ExtractError, Where
from extractors.google import google_reader, says_per_day
from extractors.http import HttpClient, segment
from extractors.paginators import OffsetPaginator
from extractors.responses import ResponseRules, Rule, server_side, status, without_error_body

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://analyticsdata.googleapis.com"
DEFAULT_PAGE_SIZE = 10_000
MAX_PAGE_SIZE = 250_000
CHUNK_DAYS = 31
"""Days asked in one report request; a longer window is read chunk by chunk."""
METRICS = ("sessions", "engagedSessions", "totalUsers", "keyEvents", "totalRevenue")


RULES = (
    *without_error_body(
        "Google", hint="check that the connection's host points at https://analyticsdata.googleapis.com"
    ),
    Rule(
        status(429) & says_per_day,
        "fail",
        "the property's daily quota is spent ({label})",
        hint="GA4 returns the daily tokens tomorrow; re-run then (runs are idempotent), or ask "
        "less per run (a shorter window)",
    ),
    Rule(server_side, "retry"),
    Rule(
        status(401),
        "fail",
        "access token rejected ({label})",
        hint="refresh the OAuth access token (scope analytics.readonly) and put it in the password "
        "of the Airflow connection {conn_id!r}",
    ),
    Rule(
        status(400),
        "fail",
        "GA4 refused the report request ({label})",
        hint="a dimension or metric name is unknown to the Data API (see the api-schema page); "
        "the extractor's report definitions need updating",
    ),
    Rule(
        status(403),
        "fail",
        "permission denied ({label})",
        hint="check sources.google_analytics.property_id and that the token's user has at least "
        "Viewer access to that property and the Data API is enabled",
    ),
)
"""The Data API's failures; its ``status`` (``RESOURCE_EXHAUSTED``, ``UNAUTHENTICATED``...) is the
code. No usage headers: the quota is in tokens per hour and per day."""


def report_day(value: Any) -> date:
    """A GA4 ``date`` dimension value (``YYYYMMDD``) as a date."""
    return datetime.strptime(str(value), "%Y%m%d").date()


class Report(Stream):
    """A runReport with a ``date`` dimension: one landed record per report row."""

    dimensions: ClassVar[tuple[str, ...]]

    def __init__(self, settings: GoogleAnalyticsSettings, page_size: int = DEFAULT_PAGE_SIZE):
        self.lookback_days = self.lookback_from(settings)
        self.page_size = max(1, min(page_size, MAX_PAGE_SIZE))

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        path = f"v1beta/properties/{segment(account.id)}:runReport"
        paging = OffsetPaginator(
            lambda body: self._rows(body, where, client),
            "GA4 reported {total} rows but returned none at offset {offset}",
            "re-run; the report changed while it was being paged",
        )
        for chunk in window.chunks(CHUNK_DAYS):
            for body, rows in paging.pages(partial(self._fetch, client, path, where, chunk), where):
                for row in rows:
                    record = self._record(body, row, where)
                    yield report_day(record["date"]), record

    def _fetch(self, client: HttpClient, path: str, where: Where, chunk: Window, offset: int) -> Any:
        return client.post_json(path, where, self._request(chunk, offset))

    def _request(self, chunk: Window, offset: int) -> dict[str, Any]:
        return {
            "dateRanges": [{"startDate": chunk.start.isoformat(), "endDate": chunk.end.isoformat()}],
            "dimensions": [{"name": name} for name in self.dimensions],
            "metrics": [{"name": name} for name in METRICS],
            "limit": str(self.page_size),
            "offset": str(offset),
            "keepEmptyRows": False,
        }

    def _rows(self, body: Any, where: Where, client: HttpClient) -> tuple[list[Any], int]:
        """The page's rows and the report's total row count (both absent from an empty report)."""
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("dimensionHeaders"), list)
            or not isinstance(body.get("rows", []), list)
        ):
            raise ExtractError(
                where,
                f"unexpected payload: expected a runReport response, got {client.redact(str(body)[:200])!r}",
                hint="check that the connection's host points at https://analyticsdata.googleapis.com",
            )
        if (body.get("metadata") or {}).get("dataLossFromOtherRow"):
            log.warning("[%s] GA4 folded some rows into '(other)' (high cardinality)", where)
        rows = body.get("rows", [])
        try:
            row_count = int(body.get("rowCount", 0))
        except (TypeError, ValueError):
            raise ExtractError(where, f"rowCount is not a number: {body.get('rowCount')!r}") from None
        return rows, row_count

    def _record(self, body: dict[str, Any], row: Any, where: Where) -> Record:
        names = [str(h.get("name")) for h in body["dimensionHeaders"]]
        metrics = [str(h.get("name")) for h in body.get("metricHeaders") or []]
        try:
            values = [v["value"] for v in row["dimensionValues"]]
            metric_values = [v["value"] for v in row["metricValues"]]
            record = dict(zip(names, values, strict=True)) | dict(zip(metrics, metric_values, strict=True))
            report_day(record["date"])
        except (KeyError, TypeError, ValueError):
            raise ExtractError(
                where,
                f"a report row does not match its headers ({', '.join(names + metrics)}): {str(row)[:200]!r}",
                hint="the Data API answered in an unknown shape",
            ) from None
        return record


class Traffic(Report):
    name = "traffic"
    dimensions = (
        "date",
        "sessionSource",
        "sessionMedium",
        "sessionCampaignName",
        "sessionDefaultChannelGroup",
    )


class LandingPages(Report):
    name = "landing_pages"
    dimensions = ("date", "landingPagePlusQueryString", "sessionSource", "sessionMedium")


class GoogleAnalytics(Source):
    name: ClassVar[str] = "google_analytics"
    stream_types = (Traffic, LandingPages)

    @property
    def settings(self) -> GoogleAnalyticsSettings:
        return self.config.sources.google_analytics

    @property
    def conn_id(self) -> str:
        return self.settings.conn_id

    def audience_accounts(self, audience: Audience) -> tuple[Account, ...]:
        property_id = self.settings.property_id
        if audience != "own" or not property_id:
            return ()
        return (Account(id=property_id, name=f"GA4 property {property_id}"),)

    def streams(self) -> list[Stream]:
        page_size = int(self.connection().extra.get("page_size", DEFAULT_PAGE_SIZE))
        return [Traffic(self.settings, page_size), LandingPages(self.settings, page_size)]

    def client(self, connection: ConnectionInfo) -> HttpClient:
        return bearer_client(
            self.name,
            connection,
            default_url=DEFAULT_BASE_URL,
            policy=ResponseRules(
                google_reader("GA4", lambda error, status: str(error.get("status") or status)),
                RULES,
                context={"conn_id": connection.conn_id},
            ),
            hint="put a Google OAuth access token (scope analytics.readonly) in the connection's "
            "password field",
        )
