"""The X source: its streams, page size, clock and bearer-token client."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from core.config import Account, CompanyConfig, XSettings
from extractors.auth import bearer_client
from extractors.connections import ConnectionInfo
from extractors.core import Audience, Source, Stream
from extractors.errors import ExtractError, Where
from extractors.http import HttpClient
from extractors.x.api import DEFAULT_BASE_URL, utc_clock, x_policy
from extractors.x.listening import Mentions, Search
from extractors.x.timeline import Replies, TweetMetrics, Tweets, User

PAGE_SIZE_RANGE = (5, 100)


class X(Source):
    name: ClassVar[str] = "x"
    stream_types = (User, Tweets, TweetMetrics, Search, Mentions, Replies)

    def __init__(
        self,
        config: CompanyConfig,
        connection: ConnectionInfo | None = None,
        clock: Callable[[], datetime] = utc_clock,
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
        return bearer_client(
            self.name,
            connection,
            default_url=DEFAULT_BASE_URL,
            policy=x_policy(connection.conn_id),
            hint="put the app's bearer token (X developer portal, Keys and tokens) in the "
            "connection's password field",
            kind="bearer token",
            sleep=sleep,
        )
