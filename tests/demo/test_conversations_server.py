"""The Messenger inbox of the demo Graph server over real HTTP (conversations, messages, the
20-message limit, errors) and the generator's truth (the 24-hour session rule and its designed
edge cases, reply delays, the incident and the one unanswered complaint)."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import requests

from demo.generator import conversations as truth
from demo.generator.common import days
from demo.server import DemoServer
from demo.state import DEMO_TOKENS, EXPIRED_DEMO_TOKEN

TODAY = date(2026, 11, 20)
PAGE, UK_PAGE, COMPETITOR = "104729381726354", "187263549910273", "110293847561029"
CONVERSATION_FIELDS = "id,updated_time,message_count,unread_count,participants"
MESSAGE_FIELDS = "id,created_time,from,to,message"
GRAPH_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$")
QUIET = (date(2026, 9, 1), date(2026, 11, 16))
DAY = timedelta(hours=24)


def fb(server: DemoServer, path: str, token: str = DEMO_TOKENS["facebook_pages"], **params: object):
    return requests.get(f"{server.url}/v25.0/{path}", params={"access_token": token, **params}, timeout=30)


def graph_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")


def pages_until(first: requests.Response, stop: int) -> tuple[list[dict], int]:
    """Items following ``paging.next`` as sent, until ``stop`` items; and how many pages that took."""
    assert first.status_code == 200, first.text
    body, items, pages = first.json(), list(first.json()["data"]), 1
    while "next" in body.get("paging", {}) and len(items) < stop:
        assert body["paging"]["cursors"]["after"] in body["paging"]["next"]
        body = requests.get(body["paging"]["next"], timeout=30).json()
        items.extend(body["data"])
        pages += 1
    return items, pages


def long_thread(first: date = date(2026, 11, 1), last: date = date(2026, 11, 10)) -> truth.Thread:
    return next(
        t
        for day in days(first, last)
        for t in truth.threads_born(PAGE, day)
        if t.kind == "long" and len(t.messages) > 25
    )


# The routes.


def test_conversations_come_newest_updated_first_with_cursor_paging(demo: DemoServer) -> None:
    inbox = truth.inbox(PAGE, TODAY)
    served, pages = pages_until(
        fb(demo, f"{PAGE}/conversations", platform="messenger", fields=CONVERSATION_FIELDS, limit=7), 40
    )
    assert pages == 6 and len(served) == 42
    assert [c["id"] for c in served] == [t.id for _, t in inbox[:42]]
    for got, (updated, thread) in zip(served, inbox, strict=False):
        visible = thread.visible(TODAY)
        assert GRAPH_TIME.match(got["updated_time"]) and graph_time(got["updated_time"]) == updated
        assert got["message_count"] == len(visible)
        assert got["participants"]["data"][0]["id"] == thread.customer.id
        assert got["participants"]["data"][1] == {
            "name": "Lumo Strollers",
            "email": f"{PAGE}@facebook.com",
            "id": PAGE,
        }
        answered = visible[-1].is_page
        assert (got["unread_count"] == 0) == answered
    # Time-based paging is not available on this edge: since/until change nothing.
    since = fb(demo, f"{PAGE}/conversations", since="2026-11-19", until="2026-11-20", limit=7)
    assert [c["id"] for c in since.json()["data"]] == [c["id"] for c in served[:7]]
    back = requests.get(
        requests.get(fb(demo, f"{PAGE}/conversations", limit=7).json()["paging"]["next"], timeout=30).json()[
            "paging"
        ]["previous"],
        timeout=30,
    ).json()
    assert [c["id"] for c in back["data"]] == [c["id"] for c in served[:7]]
    assert fb(demo, f"{PAGE}/conversations", platform="instagram").json() == {"data": []}


def test_messages_list_every_message_but_details_only_the_20_most_recent(demo: DemoServer) -> None:
    thread = long_thread()
    served, pages = pages_until(fb(demo, f"{thread.id}/messages", fields=MESSAGE_FIELDS, limit=9), 100)
    assert pages == -(-len(thread.messages) // 9)
    assert [m["id"] for m in served] == [m.id for m in reversed(thread.messages)]  # newest first
    for position, (got, want) in enumerate(zip(served, reversed(thread.messages), strict=True)):
        assert graph_time(got["created_time"]) == want.created_at
        if position < 20:
            assert got["message"] == want.text and got["from"]["id"] == want.from_id
            assert got["to"]["data"][0]["id"] == (thread.customer.id if want.is_page else PAGE)
        else:
            assert set(got) == {"id", "created_time"}
    recent, old = served[19]["id"], served[20]["id"]
    assert fb(demo, recent, fields="id,message").json()["message"] == thread.messages[-20].text
    error = fb(demo, old, fields="id,message").json()["error"]
    assert error["code"] == 100 and "deleted" in error["message"]
    assert set(fb(demo, f"{thread.id}/messages").json()["data"][0]) == {"id", "created_time"}
    node = fb(demo, thread.id, fields="id,message_count").json()
    assert node == {"id": thread.id, "message_count": len(thread.messages)}


def test_inbox_errors_follow_graph(demo: DemoServer) -> None:
    thread = long_thread()
    assert fb(demo, f"{COMPETITOR}/conversations").json()["error"]["code"] == 10
    for unknown in ("t_100099999999999", "m_bm90LWEtbWVzc2FnZQ"):
        error = fb(demo, f"{unknown}/messages" if unknown.startswith("t_") else unknown).json()["error"]
        assert (error["code"], error["error_subcode"]) == (100, 33)
    unborn = truth.threads_born(PAGE, TODAY)[0]  # its first message is today: not visible yet
    assert fb(demo, f"{unborn.id}/messages").json()["error"]["error_subcode"] == 33
    assert "(bogus)" in fb(demo, f"{thread.id}/messages", fields="id,bogus").json()["error"]["message"]
    assert fb(demo, f"{PAGE}/conversations", platform="whatsapp").json()["error"]["code"] == 100
    assert fb(demo, f"{PAGE}/conversations", after="not-a-cursor").json()["error"]["code"] == 100
    assert fb(demo, f"{PAGE}/conversations", token=EXPIRED_DEMO_TOKEN).json()["error"]["code"] == 190
    demo.add_faults("/messages", ["throttle_80001"])
    assert fb(demo, f"{thread.id}/messages").json()["error"]["code"] == 80001


def test_truth_routes_serve_the_generators_messages_and_sessions(demo: DemoServer) -> None:
    start = date(2026, 11, 17)
    for route, function in (("messages", truth.messages_between), ("sessions", truth.sessions_between)):
        served = requests.get(
            f"{demo.url}/_demo/truth/facebook_pages/{route}",
            params={"account_id": UK_PAGE, "start": start.isoformat()},
            timeout=30,
        ).json()
        expected = function(UK_PAGE, start, TODAY - timedelta(days=1), TODAY)
        key = "message_id" if route == "messages" else "first_inbound_message_id"
        assert served and [row[key] for row in served] == [row[key] for row in expected]
        competitor = requests.get(
            f"{demo.url}/_demo/truth/facebook_pages/{route}",
            params={"account_id": COMPETITOR, "start": start.isoformat()},
            timeout=30,
        )
        assert competitor.status_code == 404


# The truth.


def sessions_by_rule(messages: list[dict]) -> list[dict]:
    """The 24-hour rule, written again from the message rows (oldest first)."""
    by_thread: dict[str, list[dict]] = {}
    for row in messages:
        by_thread.setdefault(row["conversation_id"], []).append(row)
    found = []
    for rows in by_thread.values():
        previous = None
        for row in rows:
            gap = None if previous is None else row["created_at"] - previous["created_at"]
            if not row["is_page"] and (gap is None or gap >= DAY):
                found.append({"start": row, "reply": None})
            elif row["is_page"] and found and found[-1]["start"]["conversation_id"] == row["conversation_id"]:
                found[-1]["reply"] = found[-1]["reply"] or row
            previous = row
    return found


def test_sessions_follow_the_24_hour_rule_with_its_designed_edge_cases() -> None:
    # Threads are at most MAX_THREAD_DAYS long: read their whole history to cut sessions.
    start, end = date(2026, 8, 1), date(2026, 11, 19)
    messages = truth.messages_between(PAGE, start - timedelta(days=truth.MAX_THREAD_DAYS), end, TODAY)
    born = {row["conversation_id"] for row in messages if row["silence_before_seconds"] is None}
    messages = [row for row in messages if row["conversation_id"] in born]
    mine = sorted(
        (s for s in sessions_by_rule(messages) if s["start"]["created_at"].date() >= start),
        key=lambda s: (s["start"]["created_at"], s["start"]["conversation_id"]),
    )
    sessions = truth.sessions_between(PAGE, start, end, TODAY)
    assert [s["first_inbound_message_id"] for s in sessions] == [s["start"]["message_id"] for s in mine]
    assert [s["first_reply_at"] for s in sessions] == [
        s["reply"]["created_at"] if s["reply"] else None for s in mine
    ]
    starts = {s["first_inbound_message_id"] for s in sessions}
    customer = [row for row in messages if not row["is_page"] and row["created_at"].date() >= start]
    silence = Counter(
        (row["silence_before_seconds"], row["message_id"] in starts)
        for row in customer
        if row["silence_before_seconds"] in (23 * 3600 + 1800, 24 * 3600, 24 * 3600 + 1800)
    )
    assert silence[(84_600, False)] >= 5, "23h30 after the previous message: the same session"
    assert silence[(88_200, True)] >= 5, "24h30 after it: a new session"
    assert silence[(86_400, True)] >= 2, "exactly 24h: a new session (24 hours or more)"
    assert not silence[(84_600, True)] and not silence[(88_200, False)] and not silence[(86_400, False)]
    # A Page follow-up after a day's silence does not start a session, nor does the quick answer.
    follow_ups = [
        row
        for row in messages
        if row["is_page"] and row["silence_before_seconds"] and row["silence_before_seconds"] >= 86_400
    ]
    assert len(follow_ups) >= 3
    answers = {
        row["message_id"]
        for previous, row in itertools.pairwise(messages)
        if previous in follow_ups and row["conversation_id"] == previous["conversation_id"]
    }
    assert answers and not answers & starts
    assert all(s["session_index"] == 0 or s["silence_before_seconds"] >= 86_400 for s in sessions)


def test_every_quiet_session_is_answered_within_200_minutes_a_third_beyond_the_sla() -> None:
    sessions = [
        s
        for page in (PAGE, UK_PAGE)
        for s in truth.sessions_between(page, *QUIET, TODAY)
        if s["thread_kind"] not in {"incident", "designed"}
    ]
    delays = [s["response_seconds"] for s in sessions]
    assert None not in delays and all(60 <= d <= 200 * 60 for d in delays)
    assert 0.25 <= sum(d > 3600 for d in delays) / len(delays) <= 0.34
    per_day = Counter((s["account_id"], s["first_inbound_at"].date()) for s in sessions)
    days_ = (QUIET[1] - QUIET[0]).days + 1
    assert 10 < sum(n for (a, _), n in per_day.items() if a == PAGE) / days_ < 14
    assert 2 < sum(n for (a, _), n in per_day.items() if a == UK_PAGE) / days_ < 4


def test_long_threads_hold_25_to_40_messages_never_more_than_20_a_day() -> None:
    threads = [t for day in days(*QUIET) for t in truth.threads_born(PAGE, day)]
    long = [t for t in threads if t.kind == "long"]
    assert len(long) >= 5 and all(25 <= len(t.messages) <= 40 for t in long)
    per_day = Counter((m.conversation_id, m.created_at.date()) for t in threads for m in t.messages)
    assert max(per_day.values()) <= 20


def test_incident_and_the_designed_unanswered_complaint() -> None:
    sessions = truth.sessions_between(PAGE, date(2026, 11, 1), date(2026, 11, 19), TODAY)
    incident = [s for s in sessions if s["thread_kind"] == "incident"]
    assert Counter(s["first_inbound_at"].date() for s in incident) == {
        date(2026, 11, 17): 25,
        date(2026, 11, 18): 12,
    }
    late = [s for s in incident if s["response_seconds"] and s["response_seconds"] >= 2 * 3600]
    never = [s for s in incident if s["response_seconds"] is None]
    assert 0.35 <= len(late) / len(incident) <= 0.65 and never
    # Outside the incident, one complaint in a quiet week is never answered.
    unanswered = [s for s in sessions if s["thread_kind"] != "incident" and s["first_reply_at"] is None]
    assert len(unanswered) == 1
    designed = unanswered[0]
    assert designed["first_inbound_at"] == datetime(2026, 11, 12, 14, 5, tzinfo=UTC)
    assert (designed["thread_kind"], designed["inbound_messages"]) == ("designed", 2)
    text = next(
        m["text"]
        for m in truth.messages_between(PAGE, date(2026, 11, 12), date(2026, 11, 12), TODAY)
        if m["message_id"] == designed["first_inbound_message_id"]
    )
    assert "refund" in text
    # Still unanswered days later: the Page never writes in that thread again.
    later = truth.thread(designed["conversation_id"])
    assert later is not None and not any(m.is_page for m in later.messages)


def test_truth_is_a_pure_function_of_its_coordinates() -> None:
    first = truth.messages_between(UK_PAGE, date(2026, 11, 1), date(2026, 11, 10), TODAY)
    truth.threads_born.cache_clear()
    assert truth.messages_between(UK_PAGE, date(2026, 11, 1), date(2026, 11, 10), TODAY) == first
    earlier = truth.messages_between(UK_PAGE, date(2026, 11, 1), date(2026, 11, 10), date(2026, 11, 5))
    assert earlier == [m for m in first if m["created_at"] < datetime(2026, 11, 5, tzinfo=UTC)]
