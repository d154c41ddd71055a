"""YouTube extractor: under construction; the stream names below are the raw-table contract."""

from __future__ import annotations

from typing import ClassVar

from extractors.core import Source, Stream


class ChannelSnapshot(Stream):
    name = "channel_snapshot"
    primary_key = ("account_id", "partition_day")
    partitioned_by = "snapshot"

    def extract(self, client, account, window, where):  # type: ignore[no-untyped-def]
        raise NotImplementedError


class ChannelDaily(Stream):
    name = "channel_daily"
    primary_key = ("account_id", "partition_day")
    partitioned_by = "day"

    def extract(self, client, account, window, where):  # type: ignore[no-untyped-def]
        raise NotImplementedError


class Videos(Stream):
    name = "videos"
    primary_key = ("id",)
    partitioned_by = "day"

    def extract(self, client, account, window, where):  # type: ignore[no-untyped-def]
        raise NotImplementedError


class YouTube(Source):
    name: ClassVar[str] = "youtube"
    stream_types = (ChannelSnapshot, ChannelDaily, Videos)
