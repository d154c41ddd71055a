"""Instagram extractor: under construction; the stream names below are the raw-table contract."""

from __future__ import annotations

from typing import ClassVar

from extractors.core import Source, Stream


class AccountSnapshot(Stream):
    name = "account_snapshot"
    primary_key = ("account_id", "partition_day")
    partitioned_by = "snapshot"

    def extract(self, client, account, window, where):  # type: ignore[no-untyped-def]
        raise NotImplementedError


class AccountInsights(Stream):
    name = "account_insights"
    primary_key = ("account_id", "name", "period", "partition_day")
    partitioned_by = "day"

    def extract(self, client, account, window, where):  # type: ignore[no-untyped-def]
        raise NotImplementedError


class Media(Stream):
    name = "media"
    primary_key = ("id",)
    partitioned_by = "day"

    def extract(self, client, account, window, where):  # type: ignore[no-untyped-def]
        raise NotImplementedError


class MediaInsights(Stream):
    name = "media_insights"
    primary_key = ("id",)
    partitioned_by = "day"

    def extract(self, client, account, window, where):  # type: ignore[no-untyped-def]
        raise NotImplementedError


class Instagram(Source):
    name: ClassVar[str] = "instagram"
    stream_types = (AccountSnapshot, AccountInsights, Media, MediaInsights)
