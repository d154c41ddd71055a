"""LinkedIn extractor: under construction; the stream names below are the raw-table contract."""

from __future__ import annotations

from typing import ClassVar

from extractors.core import Source, Stream


class NetworkSize(Stream):
    name = "network_size"
    primary_key = ("account_id", "partition_day")
    partitioned_by = "snapshot"

    def extract(self, client, account, window, where):  # type: ignore[no-untyped-def]
        raise NotImplementedError


class ShareStatistics(Stream):
    name = "share_statistics"
    primary_key = ("account_id", "partition_day")
    partitioned_by = "day"

    def extract(self, client, account, window, where):  # type: ignore[no-untyped-def]
        raise NotImplementedError


class FollowerStatistics(Stream):
    name = "follower_statistics"
    primary_key = ("account_id", "partition_day")
    partitioned_by = "day"

    def extract(self, client, account, window, where):  # type: ignore[no-untyped-def]
        raise NotImplementedError


class Posts(Stream):
    name = "posts"
    primary_key = ("id",)
    partitioned_by = "day"

    def extract(self, client, account, window, where):  # type: ignore[no-untyped-def]
        raise NotImplementedError


class PostStatistics(Stream):
    name = "post_statistics"
    primary_key = ("post_urn",)
    partitioned_by = "day"

    def extract(self, client, account, window, where):  # type: ignore[no-untyped-def]
        raise NotImplementedError


class LinkedIn(Source):
    name: ClassVar[str] = "linkedin"
    stream_types = (NetworkSize, ShareStatistics, FollowerStatistics, Posts, PostStatistics)
