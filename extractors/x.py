"""X extractor: under construction; the stream names below are the raw-table contract."""

from __future__ import annotations

from typing import ClassVar

from extractors.core import Source, Stream


class User(Stream):
    name = "user"
    primary_key = ("account_id", "partition_day")
    partitioned_by = "snapshot"

    def extract(self, client, account, window, where):  # type: ignore[no-untyped-def]
        raise NotImplementedError


class Tweets(Stream):
    name = "tweets"
    primary_key = ("id",)
    partitioned_by = "day"

    def extract(self, client, account, window, where):  # type: ignore[no-untyped-def]
        raise NotImplementedError


class TweetMetrics(Stream):
    name = "tweet_metrics"
    primary_key = ("id", "partition_day")
    partitioned_by = "snapshot"

    def extract(self, client, account, window, where):  # type: ignore[no-untyped-def]
        raise NotImplementedError


class X(Source):
    name: ClassVar[str] = "x"
    stream_types = (User, Tweets, TweetMetrics)
