"""The ``conversations`` stream of the Facebook Pages extractor against the demo Graph server, over
real HTTP: daily runs land every message of the truth (long threads included), a late backfill
warns about messages Graph no longer details and never erases what was landed, and errors say
where they happened."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from core.config import CompanyConfig
from demo.generator import conversations as truth
from demo.generator.common import days
from demo.server import DemoServer
from extractors.core import Window
from extractors.errors import ExtractError
from extractors.facebook_pages import FacebookPages
from extractors.landing import landed_partitions
from loading.raw import ensure_raw_tables, raw_table
from tests.conftest import DEMO_TODAY, demo_connection

PAGE = "104729381726354"
FIRST, LAST = date(2026, 11, 9), date(2026, 11, 14)  # daily runs for these days


@pytest.fixture(scope="module")
def inbox_server() -> Iterator[DemoServer]:
    """A server of our own: the daily runs move its 'today'."""
    with DemoServer(today=DEMO_TODAY) as server:
        yield server


def source(config: CompanyConfig, server: DemoServer, **extra: object) -> FacebookPages:
    return FacebookPages(config, demo_connection("facebook_pages", server, **extra))


def run_on(fb: FacebookPages, server: DemoServer, root: Path, run: Window, today: date, run_id: str) -> None:
    server.state.fixed_today = today
    try:
        fb.run(run, root, run_id, streams=["conversations"], accounts=[PAGE], today=today)
    finally:
        server.state.fixed_today = DEMO_TODAY


def landed(root: Path) -> dict[str, tuple[dict, date]]:
    """Every landed message, latest read wins (as staging deduplicates): id -> (record, partition day)."""
    found: dict[str, tuple[dict, date, str]] = {}
    for partition in landed_partitions(root, "facebook_pages", "conversations", date.min, date.max):
        for line in partition.path.read_text().splitlines():
            row = json.loads(line)
            record = row["record"]
            if record["id"] not in found or found[record["id"]][2] < row["extracted_at"]:
                found[record["id"]] = (record, partition.day, row["extracted_at"])
    return {key: (record, day) for key, (record, day, _) in found.items()}


def long_thread_in(first: date, last: date) -> truth.Thread:
    return next(
        t
        for day in days(first, last)
        for t in truth.threads_born(PAGE, day)
        if t.kind == "long" and len(t.messages) >= 30 and t.messages[-1].created_at.date() <= last
    )


def outgrowing_thread_in(first: date, last: date) -> truth.Thread:
    """A thread born and over in ``first..last`` that gets more than 20 messages after its first day:
    run only on that day, some of its messages drop out of Graph's 20 before any run reads them."""
    return next(
        t
        for day in days(first, last)
        for t in truth.threads_born(PAGE, day)
        if sum(m.created_at.date() > day for m in t.messages) > 20
        and t.messages[-1].created_at.date() <= last
    )


def test_registered_and_raw_table_created() -> None:
    import duckdb

    assert "conversations" in [s.name for s in FacebookPages.stream_types]
    con = duckdb.connect()
    con.execute("create schema raw")
    ensure_raw_tables(con)
    assert con.execute(f"select count(*) from {raw_table('facebook_pages', 'conversations')}").fetchone() == (
        0,
    )


def test_daily_runs_land_every_message_including_long_threads(
    company, inbox_server, tmp_path, caplog
) -> None:
    fb = source(company, inbox_server, page_size=25)
    # Threads born before FIRST have messages no run ever read; they belong to days no run owns,
    # so no run warns about them (each run warns only about its own days: see the backfill test).
    with caplog.at_level(logging.WARNING, logger="extractors.facebook_pages"):
        for day in days(FIRST, LAST):
            run_on(fb, inbox_server, tmp_path, Window(day, day), day + timedelta(days=1), f"d{day}")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], "daily runs lose nothing"
    rows = landed(tmp_path)
    as_of = LAST + timedelta(days=1)
    expected = truth.messages_between(PAGE, FIRST, LAST, as_of)
    in_window = {
        key: value
        for key, value in rows.items()
        if FIRST <= datetime.strptime(value[0]["created_time"], "%Y-%m-%dT%H:%M:%S%z").date() <= LAST
    }
    assert sorted(in_window) == sorted(e["message_id"] for e in expected)
    for want in expected:
        got, day = rows[want["message_id"]]
        assert got["message"] == want["text"] and got["from"]["id"] == want["from_id"]
        assert got["_conversation_id"] == want["conversation_id"]
        assert datetime.strptime(got["created_time"], "%Y-%m-%dT%H:%M:%S%z") == want["created_at"]
        assert FIRST <= day <= LAST, "partitioned by the run's snapshot day"
    thread = long_thread_in(FIRST - timedelta(days=1), LAST)
    assert all(m.id in rows for m in thread.messages if m.created_at.date() >= FIRST)
    assert sum(m.created_at.date() >= FIRST for m in thread.messages) > 20, "more than Graph details at once"
    # The conversation's message count comes from its latest read.
    counts = {rows[m.id][0]["_conversation_message_count"] for m in thread.messages[-20:]}
    assert counts == {len(thread.messages)}


def test_the_listing_stops_at_the_first_conversation_older_than_the_window(company, demo, tmp_path) -> None:
    fb = source(company, demo, page_size=10)
    run = Window(date(2026, 11, 19), date(2026, 11, 19))
    fb.run(run, tmp_path, "t1", streams=["conversations"], accounts=[PAGE], today=DEMO_TODAY)
    since = datetime(2026, 11, 17, tzinfo=UTC)  # the run's day minus conversation_lookback_days (2)
    assert company.sources.facebook_pages.conversation_lookback_days == 2
    listed = [t for updated, t in truth.inbox(PAGE, DEMO_TODAY) if updated >= since]
    wanted = [t.id for t in listed]
    # /messages is cursor-paged too: a thread longer than a page (10 messages here) takes one call
    # per page, each right after the previous one; only a thread's first call has no cursor.
    pages = {t.id: -(-len(t.visible(DEMO_TODAY)) // 10) for t in listed}
    assert any(n > 1 for n in pages.values()), "some thread needs more than one page"
    calls = [
        (r["path"].split("/")[2], "after" in r["query"])
        for r in demo.requests()
        if r["path"].endswith("/messages")
    ]
    assert [conversation for conversation, paged in calls if not paged] == wanted
    assert [conversation for conversation, _ in calls] == [c for c in wanted for _ in range(pages[c])]
    listing = [r for r in demo.requests() if r["path"].endswith("/conversations")]
    assert len(listing) == len(wanted) // 10 + 1, "the page holding the first older one is the last read"
    assert all("since" not in r["query"] and r["query"]["platform"] == "messenger" for r in listing)


def test_a_late_backfill_warns_and_never_erases_earlier_messages(
    company, inbox_server, tmp_path, caplog
) -> None:
    fb = source(company, inbox_server)
    thread = outgrowing_thread_in(date(2026, 10, 20), date(2026, 11, 8))
    born = thread.messages[0].created_at.date()
    last = thread.messages[-1].created_at.date()
    # One daily run on the thread's first day lands its first messages...
    run_on(fb, inbox_server, tmp_path, Window(born, born), born + timedelta(days=1), "early")
    early = set(landed(tmp_path))
    first_day = [m.id for m in thread.messages if m.created_at.date() == born]
    assert set(first_day) <= early
    # ...then nothing until a backfill long after: Graph now details only the last 20.
    with caplog.at_level(logging.WARNING, logger="extractors.facebook_pages"):
        run_on(fb, inbox_server, tmp_path, Window(born, last), last + timedelta(days=1), "late")
    after = landed(tmp_path)
    assert early <= set(after), "a re-read never erases what was landed"
    never = [m for m in thread.messages[:-20] if m.id not in early]
    assert never, "the design leaves messages no run read while they were readable"
    assert not any(m.id in after for m in never)
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and f"conversation {thread.id}:" in r.getMessage()
    ]
    assert len(warnings) == 1, "one warning per conversation"
    assert f"source=facebook_pages stream=conversations account={PAGE}" in warnings[0]
    assert f"{len(never)} messages" in warnings[0]
    assert all(m.created_at.date().isoformat() in warnings[0] for m in never)
    assert "never landed" in warnings[0] and "What to do" in warnings[0]


def test_rerunning_the_same_snapshot_day_keeps_messages_that_dropped_out(
    company, inbox_server, tmp_path
) -> None:
    fb = source(company, inbox_server)
    thread = long_thread_in(date(2026, 10, 20), date(2026, 11, 8))
    born = thread.messages[0].created_at.date()
    snapshot = born + timedelta(days=1)
    run_on(fb, inbox_server, tmp_path, Window(born, born), snapshot, "first")
    before = set(landed(tmp_path))
    assert any(m.id in before for m in thread.messages[:-20])
    # The same snapshot day read again when the thread has moved on (a re-run after more messages):
    # the partition is replaced, but what it held and Graph no longer details is carried over.
    inbox_server.state.fixed_today = DEMO_TODAY
    try:
        fb.run(
            Window(born, born), tmp_path, "again", streams=["conversations"], accounts=[PAGE], today=snapshot
        )
    finally:
        inbox_server.state.fixed_today = DEMO_TODAY
    partitions = landed_partitions(tmp_path, "facebook_pages", "conversations", date.min, date.max)
    assert [p.day for p in partitions] == [born]
    assert before <= set(landed(tmp_path))


def test_errors_name_the_stream_account_and_conversation(company, demo, tmp_path) -> None:
    fb = source(company, demo)
    run = Window(date(2026, 11, 19), date(2026, 11, 19))
    demo.add_faults("/messages", ["expired_token"])
    with pytest.raises(ExtractError) as caught:
        fb.run(run, tmp_path, "t1", streams=["conversations"], accounts=[PAGE], today=DEMO_TODAY)
    message = str(caught.value)
    assert f"source=facebook_pages stream=conversations account={PAGE} day=2026-11-17..2026-11-19" in message
    assert "messages of conversation t_" in message and "190/463" in message
    assert "facebook_pages_default" in message and "What to do" in message
    assert not (tmp_path / "facebook_pages" / "conversations").exists(), "nothing lands from a failed stream"
    demo.add_faults("/conversations", ["throttle_80001", "error_500"])
    fb.run(run, tmp_path, "t2", streams=["conversations"], accounts=[PAGE], today=DEMO_TODAY)
    statuses = [r["status"] for r in demo.requests() if r["path"].endswith("/conversations")]
    assert statuses[1:4] == [400, 500, 200], "throttles and 500s are retried"
