"""Facebook Pages through the Meta Graph API.

Streams:

* ``page_insights`` — daily page metrics. Graph stamps a daily value with ``end_time`` = the
  following midnight in US Pacific time, expressed in UTC (07:00Z in summer, 08:00Z in winter); the
  value belongs to the Pacific day before it. Windows of at most 90 days; ``paging.next`` points
  into the future and is not followed. Metric names are configuration: Meta retires metrics, and a
  retired name fails the whole request with code 100.
* ``page_snapshot`` — the Page object (``followers_count``, ``fan_count``) as of the run, for the
  own Pages and the competitors' (public fields; their insights and posts need a Page token).
* ``posts`` — ``published_posts`` with cursor paging and field-expanded lifetime insights,
  re-read for a trailing window because lifetime counters keep growing. Partitioned by the
  Pacific day of ``created_time``, like the insights, so a day's posts and its page metrics
  are read over the same instants.
* ``comments`` — comments on the posts of the last ``post_lookback_days`` (the ``/comments`` edge
  of each post with ``filter=stream``, so replies come flattened with their ``parent``), landed
  as sent plus ``_post_id`` under the UTC day of ``created_time`` and re-read for
  ``comment_lookback_days``. Graph omits ``from`` for people who have not authorised the app; the
  Page's own replies (``from.id`` = the Page) are landed too. Needs ``pages_read_user_content``.
* ``conversations`` — the Messenger inbox: every message of the conversations updated since the
  window's first day (``conversation_lookback_days`` before the run), landed as a snapshot (see
  ``Conversations``). Needs ``pages_messaging`` and ``pages_read_engagement`` (with
  ``pages_manage_metadata``) and a token from someone with the MESSAGING task on the Page.

Graph's conventions (its time stamps, throttling codes, usage headers) are in ``extractors.graph``;
the hints here name the Page token and its permissions.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, ClassVar

from core.config import Account, FacebookPagesSettings
from extractors.auth import bearer_client
from extractors.connections import ConnectionInfo
from extractors.core import Record, Source, Stream, StreamTask, Window
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
from extractors.landing import landed_partitions, partition_path
from extractors.paginators import GraphCursorPaginator

log = logging.getLogger(__name__)

MAX_INSIGHTS_DAYS = 90

HINTS = GraphHints(
    token="generate a new Page access token and update the Airflow connection {conn_id!r} "
    "(its password field)",
    refused="if it names a metric, Meta has retired it: remove or replace it under "
    "sources.facebook_pages in the company config",
    permission="the token needs pages_read_engagement and read_insights on this Page",
)


class PageInsights(Stream):
    name = "page_insights"

    def __init__(self, version: str, settings: FacebookPagesSettings):
        self.version = version
        self.metrics = settings.page_insights_metrics
        self.lookback_days = self.lookback_from(settings)

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        for chunk in window.chunks(MAX_INSIGHTS_DAYS):
            chunk_where = Where(where.source, where.stream, where.account, f"{chunk.start}..{chunk.end}")
            params = {
                "metric": ",".join(self.metrics),
                "period": "day",
                "since": chunk.start.isoformat(),
                "until": (chunk.end + timedelta(days=1)).isoformat(),
            }
            results = graph_data(
                client.get_json(f"{self.version}/{segment(account.id)}/insights", chunk_where, params),
                chunk_where,
                client,
            )
            missing = set(self.metrics) - {r.get("name") for r in results}
            if missing:
                log.warning(
                    "[%s] Graph returned no data for %s; those days land empty",
                    chunk_where,
                    ", ".join(sorted(missing)),
                )
            for result in results:
                for value in result.get("values") or []:
                    yield pacific_day(value["end_time"]), {**result, "values": [value]}


class PageSnapshot(GraphNodeSnapshot):
    name = "page_snapshot"
    fields = "id,name,followers_count,fan_count,link"
    node_kind = "page object"


class Posts(Stream):
    name = "posts"

    def __init__(self, version: str, settings: FacebookPagesSettings, page_size: int = 100):
        self.version = version
        self.lookback_days = self.lookback_from(settings)
        self.paginator = GraphCursorPaginator(limit=page_size)
        self.fields = ",".join(
            [
                "id",
                "created_time",
                "message",
                "permalink_url",
                "status_type",
                "shares",
                "reactions.summary(total_count).limit(0)",
                "comments.summary(total_count).limit(0)",
                f"insights.metric({','.join(settings.post_insights_metrics)})",
            ]
        )

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        since, until = window.bounds(PACIFIC)
        for post in list_posts(
            client, self.paginator, self.version, account, self.fields, since, until, where
        ):
            yield graph_time(post["created_time"]).astimezone(PACIFIC).date(), post


def list_posts(
    client: HttpClient,
    paginator: GraphCursorPaginator,
    version: str,
    account: Account,
    fields: str,
    since: int,
    until: int,
    where: Where,
) -> Iterator[Record]:
    """The Page's published posts with ``since <= created_time < until`` (unix seconds), newest first."""
    params = {"fields": fields, "since": since, "until": until}
    yield from edge_items(
        client, paginator, f"{version}/{segment(account.id)}/published_posts", params, where
    )


COMMENTS_PERMISSION_HINT = (
    "reading comments needs the pages_read_user_content permission (with pages_read_engagement) on "
    "this Page: grant it to the app, then generate a new Page access token"
)


class Comments(Stream):
    """Comments on the Page's recent posts, the replies flattened in (``filter=stream``).

    Lists the posts of the last ``post_lookback_days`` before the window's end (the whole window
    when it is longer), then pages through each post's comments; comments on older posts are
    not read. Each comment lands as sent plus ``_post_id``, under the UTC day of its
    ``created_time``; ``from`` is absent for people who have not authorised the app.
    """

    name = "comments"
    fields = "id,message,created_time,from{id,name},like_count,comment_count,parent{id}"

    def __init__(self, version: str, settings: FacebookPagesSettings, page_size: int = 100):
        self.version = version
        self.lookback_days = self.lookback_from(settings)
        self.post_lookback_days = settings.post_lookback_days
        self.paginator = GraphCursorPaginator(limit=page_size)

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        first = min(window.start, window.end - timedelta(days=self.post_lookback_days))
        since, until = Window(first, window.end).bounds(UTC)
        listed = list(
            list_posts(client, self.paginator, self.version, account, "id,created_time", since, until, where)
        )
        params = {"filter": "stream", "order": "chronological", "fields": self.fields}
        for post in listed:
            path = f"{self.version}/{segment(post['id'])}/comments"
            try:
                for comment in edge_items(client, self.paginator, path, params, where):
                    day = graph_time(comment["created_time"]).astimezone(UTC).date()
                    yield day, {**comment, "_post_id": post["id"]}
            except ExtractError as error:
                error.message = f"comments of post {post['id']}: {error.message}"
                if error.platform_code in PERMISSION_CODES:
                    error.hint = COMMENTS_PERMISSION_HINT
                raise


CONVERSATIONS_PERMISSION_HINT = (
    "reading the Messenger inbox needs the pages_messaging and pages_read_engagement permissions "
    "(with pages_manage_metadata) and a Page access token from someone with the MESSAGING task on "
    "this Page: grant them, then generate a new Page access token"
)


class LandedMessages:
    """What earlier runs landed for one account's ``conversations`` stream (read before replacing)."""

    def __init__(self, root: Path, source: str, stream: str, account: str):
        self.root, self.source, self.stream, self.account = root, source, stream, account

    def partition(self, day: date) -> list[Record]:
        """The records of the partition a run is about to replace (empty when there is none)."""
        path = partition_path(self.root, self.source, self.stream, self.account, day)
        if not path.exists():
            return []
        return [json.loads(line)["record"] for line in path.read_text(encoding="utf-8").splitlines() if line]

    def ids_since(self, first: date) -> set[str]:
        """Message ids in every partition from ``first`` on (a message lands on or after its day)."""
        found: set[str] = set()
        for landed in landed_partitions(self.root, self.source, self.stream, first, date.max):
            if landed.account == self.account:
                found.update(str(r.get("id")) for r in self.partition(landed.day))
        return found


class Conversations(Stream):
    """The Page's Messenger inbox: one record per message, landed as a **snapshot**.

    Lists ``/{page-id}/conversations`` (``platform=messenger``, newest ``updated_time`` first,
    cursor paging only: Graph has no time-based paging on this edge) and stops at the first
    conversation last updated before the window's first day; then reads each conversation's
    ``/messages``. Graph lists every message but gives details (``from``, ``to``, ``message``)
    of the 20 most recent only, so a message is landed while it is among those 20, as sent plus
    ``_conversation_id``, ``_conversation_updated_time`` and ``_conversation_message_count``.

    **Nothing lost.** Each run lands under its snapshot day (``Stream.window``) every readable
    message of the conversations it lists, whatever day they were written; staging keeps the
    latest read of each message id. Older snapshots are never rewritten, and when a run replaces
    its own snapshot day (a re-run), the messages that partition held and this read did not
    return are carried into the new file.

    **Each loss is reported once, by the run that owns its day.** A message that has dropped
    out of the 20 and was never landed cannot be read any more. A run warns, per conversation,
    about such messages written on its *own* days (the run's first day to the snapshot day; the
    look-back days belong to the runs before it), so daily runs report a loss once instead of
    every day for as long as the thread lives, and a backfill reports what it can no longer
    recover on the days it was asked for. Losses on days before the run's own are only counted
    at info level. Extract more often than every 20 messages of a thread; a daily run does.
    """

    name = "conversations"
    conversation_fields = "id,updated_time,message_count,unread_count,participants"
    message_fields = "id,created_time,from,to,message"

    def __init__(self, version: str, settings: FacebookPagesSettings, page_size: int = 100):
        self.version = version
        self.lookback_days = self.lookback_from(settings)
        self.paginator = GraphCursorPaginator(limit=page_size)
        self.landed: LandedMessages | None = None
        """Set before each account: what earlier runs landed."""
        self.run: Window | None = None
        """Set before each account: the run's own days (without the look-back)."""

    def before(self, task: StreamTask) -> bool:
        self.landed = LandedMessages(task.landing_root, task.source, self.name, task.account.id)
        self.run = task.run
        return True

    def window(self, run: Window, today: date) -> Window:
        """From the run's first day minus the look-back (the listing's stop) to the snapshot day."""
        day = max(run.end, today - timedelta(days=1))
        return Window(min(run.start - timedelta(days=self.lookback_days), day), day)

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        since = datetime.combine(window.start, time.min, UTC)
        read: dict[str, dict[str, Any]] = {}
        unreadable: dict[str, list[tuple[datetime, str]]] = {}
        landed_now: set[str] = set()
        for conversation in self._conversations(client, account, since, where):
            meta = {
                "_conversation_id": conversation["id"],
                "_conversation_updated_time": conversation.get("updated_time"),
                "_conversation_message_count": conversation.get("message_count"),
            }
            read[conversation["id"]] = meta
            path = f"{self.version}/{segment(conversation['id'])}/messages"
            try:
                for message in edge_items(
                    client, self.paginator, path, {"fields": self.message_fields}, where
                ):
                    if "from" not in message:  # older than the 20 Graph details: id and time only
                        moment = graph_time(message["created_time"]).astimezone(UTC)
                        unreadable.setdefault(conversation["id"], []).append((moment, message["id"]))
                        continue
                    landed_now.add(message["id"])
                    yield window.end, {**message, **meta}
            except ExtractError as error:
                error.message = f"messages of conversation {conversation['id']}: {error.message}"
                if error.platform_code in PERMISSION_CODES:
                    error.hint = CONVERSATIONS_PERMISSION_HINT
                raise
        yield from self._carried_forward(window.end, landed_now, read, where)
        own_first = self.run.start if self.run else window.start  # the look-back days are not its own
        self._warn_unlanded(unreadable, landed_now, Window(own_first, window.end), where)

    def _conversations(
        self, client: HttpClient, account: Account, since: datetime, where: Where
    ) -> Iterator[Record]:
        """Conversations updated at or after ``since``, newest first; stops at the first older one."""
        params = {"platform": "messenger", "fields": self.conversation_fields}
        seen: set[str] = set()
        try:
            for body in self.paginator.pages(
                client, f"{self.version}/{segment(account.id)}/conversations", params, where
            ):
                for conversation in graph_data(body, where, client):
                    if graph_time(conversation["updated_time"]) < since:
                        return
                    if conversation["id"] not in seen:
                        seen.add(conversation["id"])
                        yield conversation
        except ExtractError as error:
            if error.platform_code in PERMISSION_CODES:
                error.hint = CONVERSATIONS_PERMISSION_HINT
            raise

    def _carried_forward(
        self, day: date, landed_now: set[str], read: dict[str, dict[str, Any]], where: Where
    ) -> Iterator[tuple[date, Record]]:
        """Messages the partition being replaced holds that this read did not return."""
        kept = [
            r for r in (self.landed.partition(day) if self.landed else []) if r.get("id") not in landed_now
        ]
        if kept:
            log.info(
                "[%s] keeping %d messages landed earlier for %s that this read did not return",
                where,
                len(kept),
                day,
            )
        for record in kept:
            yield day, {**record, **read.get(str(record.get("_conversation_id")), {})}

    def _warn_unlanded(
        self,
        unreadable: dict[str, list[tuple[datetime, str]]],
        landed_now: set[str],
        own: Window,
        where: Where,
    ) -> None:
        """Warn, per conversation, about unreadable messages of the ``own`` days that no run landed."""
        if not unreadable:
            return
        first = min(moment for found in unreadable.values() for moment, _ in found).date()
        known = (self.landed.ids_since(first) if self.landed else set()) | landed_now
        earlier = 0
        for conversation, found in unreadable.items():
            missing = [moment for moment, message_id in found if message_id not in known]
            earlier += sum(moment.date() < own.start for moment in missing)
            mine = [moment for moment in missing if own.start <= moment.date() <= own.end]
            if not mine:
                continue
            log.warning(
                "[%s] conversation %s: %d messages written on %s are older than the 20 most recent "
                "that Graph shows and were never landed, so the warehouse cannot have them. What to "
                "do: extract this Page at least once per 20 messages of a thread (the daily run "
                "does); re-reading these days later cannot recover them",
                where,
                conversation,
                len(mine),
                ", ".join(sorted({moment.date().isoformat() for moment in mine})),
            )
        if earlier:
            log.info(
                "[%s] %d messages written before %s are no longer readable and were never landed; "
                "the runs (or backfills) of their own days report them",
                where,
                earlier,
                own.start,
            )


class FacebookPages(Source):
    name: ClassVar[str] = "facebook_pages"
    stream_types = (PageInsights, PageSnapshot, Posts, Comments, Conversations)

    @property
    def settings(self) -> FacebookPagesSettings:
        return self.config.sources.facebook_pages

    @property
    def conn_id(self) -> str:
        return self.settings.conn_id

    def streams(self) -> list[Stream]:
        version = api_version(self.connection())
        page_size = int(self.connection().extra.get("page_size", 100))
        return [
            PageInsights(version, self.settings),
            PageSnapshot(version),
            Posts(version, self.settings, page_size),
            Comments(version, self.settings, page_size),
            Conversations(version, self.settings, page_size),
        ]

    def client(self, connection: ConnectionInfo) -> HttpClient:
        return bearer_client(
            self.name,
            connection,
            default_url=DEFAULT_BASE_URL,
            policy=graph_policy(connection, HINTS),
            hint="put the Page access token in the connection's password field",
        )
