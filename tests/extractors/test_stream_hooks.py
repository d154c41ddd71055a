"""The stream hooks: what a source tells a stream before and after each account of a run.

Three streams use them (the Messenger inbox reads what earlier runs landed, LinkedIn's
statistics skip an account LinkedIn cannot answer for yet, a feed keeps its validators only once
its partition is landed); their behaviour is tested with their platforms. These cases pin the
contract they rely on.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any, ClassVar

import pytest

from core.config import Account, CompanyConfig
from extractors.connections import ConnectionInfo
from extractors.core import Record, Source, Stream, StreamTask, Window
from extractors.errors import ExtractError, Where
from extractors.http import HttpClient
from extractors.landing import Partition
from extractors.responses import Failure, ResponseRules

RUN = Window(date(2026, 11, 2), date(2026, 11, 3))


class Recorder(Stream):
    name = "entries"

    def __init__(self, skip: tuple[str, ...] = (), fail_for: tuple[str, ...] = ()):
        self.skip, self.fail_for = skip, fail_for
        self.calls: list[tuple[Any, ...]] = []

    def before(self, task: StreamTask) -> bool:
        self.calls.append(("before", task.source, task.account.id, task.run, task.today))
        return task.account.id not in self.skip

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        self.calls.append(("extract", account.id))
        if account.id in self.fail_for:
            raise ExtractError(where, "the platform broke")
        yield window.end, {"id": f"{account.id}-1"}

    def after(self, task: StreamTask, landed: list[Partition]) -> None:
        self.calls.append(("after", task.account.id, [(p.day, p.rows) for p in landed]))


class Feeds(Source):
    name: ClassVar[str] = "rss"
    stream_types = (Recorder,)

    def __init__(self, config: CompanyConfig, stream: Recorder):
        super().__init__(config, ConnectionInfo("rss_default", None, ""))
        self.stream = stream

    @property
    def conn_id(self) -> str:
        return "rss_default"

    def audience_accounts(self, audience: str) -> tuple[Account, ...]:
        return (Account(id="a", name="A"), Account(id="b", name="B")) if audience == "own" else ()

    def streams(self) -> list[Stream]:
        return [self.stream]

    def client(self, connection: ConnectionInfo) -> HttpClient:
        return HttpClient("http://127.0.0.1:9", ResponseRules(lambda r: Failure(r, "never asked"), ()))


def test_before_and_after_frame_each_account(company, tmp_path) -> None:
    stream = Recorder()
    landed = Feeds(company, stream).run(RUN, tmp_path, "r1", today=date(2026, 11, 5))
    assert stream.calls == [
        ("before", "rss", "a", RUN, date(2026, 11, 5)),
        ("extract", "a"),
        ("after", "a", [(date(2026, 11, 4), 1)]),
        ("before", "rss", "b", RUN, date(2026, 11, 5)),
        ("extract", "b"),
        ("after", "b", [(date(2026, 11, 4), 1)]),
    ]
    # The feed's stream is a snapshot: one reading, filed under yesterday (today - 1).
    assert [(p.account, p.day) for p in landed] == [("a", date(2026, 11, 4)), ("b", date(2026, 11, 4))]


def test_before_saying_no_lands_nothing_for_that_account(company, tmp_path) -> None:
    stream = Recorder(skip=("a",))
    landed = Feeds(company, stream).run(RUN, tmp_path, "r1", today=date(2026, 11, 5))
    assert ("extract", "a") not in stream.calls and not any(c[:2] == ("after", "a") for c in stream.calls)
    assert {p.account for p in landed} == {"b"}
    assert not (tmp_path / "rss" / "entries" / "account=a").exists()


def test_after_is_not_told_of_an_account_whose_extraction_failed(company, tmp_path) -> None:
    stream = Recorder(fail_for=("a",))
    with pytest.raises(ExtractError, match="the platform broke"):
        Feeds(company, stream).run(RUN, tmp_path, "r1", today=date(2026, 11, 5))
    assert stream.calls[-1] == ("extract", "a"), "nothing after a failed extraction: no state kept"
