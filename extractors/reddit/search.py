"""The ``search`` stream: each listening target's keywords across Reddit (or the configured
subreddits), newest first, by the UTC day of ``created_utc``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.config import Account, CompanyConfig, RedditSettings
from extractors.core import Record, Stream, Window
from extractors.errors import ExtractError, Where
from extractors.http import HttpClient
from extractors.reddit.api import listing_pages, utc_clock

log = logging.getLogger(__name__)


MAX_QUERY_CHARS = 512
LISTING_CAP = 1_000
"""Reddit ends any listing after about this many items, however far back the matches go."""
CAP_SUSPECTED_AT = 900
"""A listing that ends after this many items without reaching the window start hit the cap."""
TIME_FILTERS: tuple[tuple[str, timedelta], ...] = (
    ("hour", timedelta(hours=1)),
    ("day", timedelta(days=1)),
    ("week", timedelta(days=7)),
    ("month", timedelta(days=28)),  # a calendar month: at least 28 days
    ("year", timedelta(days=365)),
)
TIME_FILTER_MARGIN = timedelta(hours=1)


def search_query(keywords: tuple[str, ...], where: Where) -> str:
    """The keywords OR'ed, multi-word ones in double quotes: ``"Lumo Strollers" OR #lumostrollers``."""
    terms = []
    for keyword in keywords:
        word = " ".join(keyword.replace('"', " ").split())
        if word:
            terms.append(f'"{word}"' if " " in word else word)
    query = " OR ".join(dict.fromkeys(terms))
    if not query:
        raise ExtractError(
            where, "the brand has no keywords to search for", hint="add keywords in the company config"
        )
    if len(query) > MAX_QUERY_CHARS:
        raise ExtractError(
            where,
            f"the search query is {len(query)} characters; Reddit takes at most {MAX_QUERY_CHARS}",
            hint="use fewer or shorter keywords for this brand in the company config",
        )
    return query


def time_filter(oldest: datetime, now: datetime) -> str:
    """The smallest ``t`` whose period, counted back from ``now``, still reaches ``oldest``."""
    span = now - oldest + TIME_FILTER_MARGIN
    return next((name for name, length in TIME_FILTERS if span <= length), "all")


def created_at(post: Mapping[str, Any]) -> datetime:
    """A post's ``created_utc`` (unix seconds, a float) as a UTC time."""
    return datetime.fromtimestamp(float(post["created_utc"]), UTC)


class Search(Stream):
    name = "search"

    def __init__(
        self, settings: RedditSettings, config: CompanyConfig, clock: Callable[[], datetime] = utc_clock
    ):
        self.lookback_days = self.lookback_from(settings)
        self.subreddits = settings.subreddits
        self.config = config
        self.clock = clock
        self._unreachable: dict[str, date] = {}
        """Per account: the last day a capped listing left incomplete (it and older days are not written)."""

    def scopes(self) -> list[tuple[str, dict[str, Any]]]:
        """(path, extra params) per search: each configured subreddit, or all of Reddit."""
        if not self.subreddits:
            return [("search", {})]
        return [(f"r/{sub}/search", {"restrict_sr": 1}) for sub in self.subreddits]

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        target = self.config.listening_target(account.id)
        query = search_query(target.keywords, where)
        start = datetime.combine(window.start, datetime.min.time(), UTC)
        after = datetime.combine(window.end + timedelta(days=1), datetime.min.time(), UTC)
        params = {
            "q": query,
            "sort": "new",
            "t": time_filter(start, self.clock()),
            "type": "link",
            "raw_json": 1,
        }
        self._unreachable.pop(account.id, None)
        seen: set[str] = set()
        for path, scope in self.scopes():
            listed, oldest, reached = 0, None, False
            for page in listing_pages(client, path, {**params, **scope}, where):
                for post in page:
                    listed += 1
                    created = created_at(post)
                    if created < start:
                        reached = True  # sort=new: everything after this is older still
                        break
                    oldest = created
                    if created >= after or post["id"] in seen:
                        continue
                    seen.add(post["id"])
                    yield created.date(), {**post, "_query": query}
                if reached:
                    break
            if not reached and listed >= CAP_SUSPECTED_AT and oldest is not None:
                self._capped(account, target.name, path, listed, oldest.date(), window, where)

    def _capped(
        self, account: Account, brand: str, path: str, listed: int, day: date, window: Window, where: Where
    ) -> None:
        log.warning(
            "[%s] Reddit's listing for %s (/%s) ended after %d posts on %s, before the window start %s: "
            "Reddit lists only about %d posts per search, so older posts cannot be reached by search. "
            "Days up to %s are left unwritten; narrow the keywords or search per subreddit "
            "(sources.reddit.subreddits) to reach further back",
            where,
            brand,
            path,
            listed,
            day,
            window.start,
            LISTING_CAP,
            day,
        )
        self._unreachable[account.id] = max(day, self._unreachable.get(account.id, day))

    def partition_days(self, window: Window, found: set[date], today: date, where: Where) -> list[date]:
        days = super().partition_days(window, found, today, where)
        unreachable = self._unreachable.get(where.account)
        return days if unreachable is None else [day for day in days if day > unreachable]
