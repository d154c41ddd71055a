"""The accounts' own posts on X: the user object, the timeline, the tweets' live counters and the
own account's replies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from core.config import Account, XSettings
from extractors.core import Record, Stream, Window
from extractors.errors import ExtractError, Where
from extractors.http import HttpClient, segment
from extractors.x.api import (
    NextTokenPaginator,
    check_user_found,
    created_day,
    json_object_of,
    time_bounds,
    utc_clock,
    warn_partial_errors,
    x_time,
)

log = logging.getLogger(__name__)


MAX_IDS_PER_LOOKUP = 100
USER_FIELDS = "public_metrics,created_at,description,username,name,verified"
TWEET_FIELDS = "created_at,public_metrics,attachments,entities,referenced_tweets,conversation_id,lang"
METRIC_FIELDS = "public_metrics,created_at"
EXCLUDE = "retweets,replies"
REPLY_TWEET_FIELDS = "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,lang"


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
        for body in self.paginator.pages(client, f"2/users/{segment(account.id)}/tweets", params, where):
            check_user_found(body, account, where)
            warn_partial_errors(body, where, "objects from the timeline")
            yield body


class User(Stream):
    name = "user"

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        body = json_object_of(
            client.get_json(f"2/users/{segment(account.id)}", where, {"user.fields": USER_FIELDS}),
            where,
            client,
        )
        check_user_found(body, account, where)
        user = body.get("data")
        if not isinstance(user, dict) or "id" not in user:
            raise ExtractError(where, f"unexpected user object: {client.redact(str(body)[:200])!r}")
        yield window.end, user


class Tweets(Stream):
    name = "tweets"

    def __init__(self, settings: XSettings, page_size: int = 100, clock: Callable[[], datetime] = utc_clock):
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

    def __init__(self, settings: XSettings, page_size: int = 100, clock: Callable[[], datetime] = utc_clock):
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
        body = json_object_of(client.get_json("2/tweets", where, params), where, client)
        warn_partial_errors(body, where, "requested tweets")
        data = body.get("data") or []
        if not data and not body.get("errors"):
            raise ExtractError(where, f"unexpected lookup answer: {client.redact(str(body)[:200])!r}")
        yield from data


class Replies(Stream):
    """The own account's replies (to mentions and to anyone else), for first response times."""

    name = "replies"

    def __init__(self, settings: XSettings, page_size: int = 100, clock: Callable[[], datetime] = utc_clock):
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
