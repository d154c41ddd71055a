"""Listening on X: recent search for each listening target, and the own account's mentions. X
keeps 7 days of both, so only the days from today - 6 are asked for and landed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta

from core.config import Account, ListeningTarget, XSettings
from extractors.core import Record, Stream, Window
from extractors.errors import ExtractError, Where
from extractors.http import HttpClient, segment
from extractors.x.api import (
    NextTokenPaginator,
    check_user_found,
    created_day,
    time_bounds,
    utc_clock,
    warn_partial_errors,
    x_time,
)

log = logging.getLogger(__name__)


MENTIONS_TWEET_FIELDS = (
    "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,public_metrics,lang,entities"
)
MENTIONS_USER_FIELDS = "username,name,public_metrics"
MENTIONS_CAP = 800
"""X's mentions timeline serves at most the 800 most recent mentions."""
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
        clock: Callable[[], datetime] = utc_clock,
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
            warn_partial_errors(body, where, "objects from the search")
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

    def __init__(self, settings: XSettings, page_size: int = 100, clock: Callable[[], datetime] = utc_clock):
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
        for body in self.paginator.pages(client, f"2/users/{segment(account.id)}/mentions", params, where):
            check_user_found(body, account, where)
            warn_partial_errors(body, where, "objects from the mentions timeline")
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
