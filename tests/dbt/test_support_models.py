"""Support response times end to end, held to the demo generators' truth.

The warehouse of tests/support_warehouse.py (Messenger read daily, X mentions weekly, comments
and X replies once) is built with dbt; the truth is worked out here from the generators:

* every support item (a Messenger session, a top-level comment, an X mention) with its first
  inbound and first brand reply, sessions cut by the 24-hour rule, equal to the truth's;
* the documented needs-a-response rules agree with what each item was designed to be;
* business-hours response times equal an independent zoneinfo computation;
* the daily and monthly statistics (mean, median, p90, response rate, SLA breaches) equal the
  same statistics computed from the truth's items.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.config import CompanyConfig
from demo.generator import conversations
from tests.conftest import DEMO_TODAY
from tests.support_truth import business_seconds
from tests.support_warehouse import WINDOW, support_items


def _naive(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC).replace(tzinfo=None)


@pytest.fixture(scope="module")
def truth_items(company: CompanyConfig) -> dict[str, dict]:
    return support_items(company)


@pytest.fixture(scope="module")
def warehouse_items(support_warehouse) -> dict[str, dict]:
    """The warehouse's items in the window, keyed like the truth (Messenger by first message)."""
    rows = support_warehouse.rows(
        """
        select * from marts.fct_support_conversations
        where cast(first_inbound_at as date) between $start and $end
        """,
        {"start": WINDOW.start, "end": WINDOW.end},
    )
    keyed = {}
    for row in rows:
        key = row["support_item_key"]
        if row["channel"] == "messenger":
            key = f"messenger:{row['thread_id']}:{row['first_inbound_id']}"
        keyed[key] = row
    return keyed


def test_every_item_and_its_first_reply_match_the_truth(truth_items, warehouse_items) -> None:
    assert set(warehouse_items) == set(truth_items)
    wrong = [
        (
            key,
            truth["first_inbound_at"],
            truth["first_reply_at"],
            got["first_inbound_at"],
            got["first_reply_at"],
        )
        for key, truth in truth_items.items()
        if (got := warehouse_items[key])["first_inbound_at"] != _naive(truth["first_inbound_at"])
        or got["first_reply_at"] != _naive(truth["first_reply_at"])
    ]
    assert not wrong, wrong[:5]
    for key, truth in truth_items.items():
        got = warehouse_items[key]
        if truth["first_reply_at"] is None:
            assert got["first_response_seconds"] is None and not got["is_answered"]
        else:
            expected = (truth["first_reply_at"] - truth["first_inbound_at"]).total_seconds()
            assert got["first_response_seconds"] == pytest.approx(expected), key
    # Every channel is represented, with answered and unanswered items.
    channels = {t["channel"] for t in truth_items.values()}
    assert channels == {"messenger", "facebook_comment", "instagram_comment", "x_mention"}
    assert any(t["first_reply_at"] is None and t["needs_response"] for t in truth_items.values())


def test_messenger_sessions_split_after_24_hours_of_silence(company, warehouse_items) -> None:
    """The designed near misses: 23 h 30 min of silence keeps a session, 24 h 30 min splits it."""
    page = company.own_accounts("facebook_pages")[0].id
    sessions = conversations.sessions_between(page, WINDOW.start, WINDOW.end, DEMO_TODAY)
    later = [s for s in sessions if s["silence_before_seconds"] is not None]
    assert any(86_400 <= s["silence_before_seconds"] < 90_000 for s in later), "no just-over-24h gap"
    messages = conversations.messages_between(page, WINDOW.start, WINDOW.end, DEMO_TODAY)
    near_misses = [
        m for m in messages if not m["is_page"] and 82_800 <= (m["silence_before_seconds"] or 0) < 86_400
    ]
    assert near_misses, "no just-under-24h gap in the window"
    starts = {(row["thread_id"], row["first_inbound_id"]) for row in warehouse_items.values()}
    for m in near_misses:  # a customer message after 23.x hours continues its session
        assert (m["conversation_id"], m["message_id"]) not in starts
    for s in later:
        assert (s["conversation_id"], s["first_inbound_message_id"]) in starts
    # More than one session in some conversation, numbered in order.
    numbers = defaultdict(list)
    for row in warehouse_items.values():
        if row["channel"] == "messenger":
            numbers[row["thread_id"]].append(row["session_number"])
    assert any(len(n) > 1 for n in numbers.values())


def test_needs_response_rules_agree_with_the_design(truth_items, warehouse_items) -> None:
    disagree = [
        (key, warehouse_items[key]["inbound_text"])
        for key, truth in truth_items.items()
        if warehouse_items[key]["needs_response"] != truth["needs_response"]
    ]
    assert not disagree, disagree[:5]
    kinds = {
        (r["is_question"], r["is_complaint"]) for r in warehouse_items.values() if not r["is_direct_message"]
    }
    assert {(True, False), (False, True), (False, False)} <= kinds


def test_business_hours_response_times_match_zoneinfo(company, truth_items, warehouse_items) -> None:
    hours = company.support.business_hours
    checked = 0
    for key, truth in truth_items.items():
        expected = business_seconds(
            truth["first_inbound_at"],
            truth["first_reply_at"],
            company.company.timezone,
            hours.start,
            hours.end,
            hours.days,
        )
        got = warehouse_items[key]["first_response_business_seconds"]
        if expected is None:
            assert got is None, key
            continue
        assert got == pytest.approx(expected, abs=1e-6), key
        checked += 1
    # Night and weekend items exist, so business time differs from wall-clock time.
    assert checked > 100
    assert any(
        r["first_response_business_seconds"] is not None
        and r["first_response_business_seconds"] < r["first_response_seconds"]
        for r in warehouse_items.values()
    )


def _stats(items: list[dict], sla_seconds: int) -> dict[str, float | int | None]:
    needing = [i for i in items if i["needs_response"]]
    times = [
        (i["first_reply_at"] - i["first_inbound_at"]).total_seconds() / 60
        for i in needing
        if i["first_reply_at"] is not None
    ]
    late = [
        i
        for i in needing
        if i["first_reply_at"] is None
        or (i["first_reply_at"] - i["first_inbound_at"]).total_seconds() > sla_seconds
    ]

    def p90(values: list[float]) -> float:
        ordered = sorted(values)
        rank = 0.9 * (len(ordered) - 1)
        low = int(rank)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)

    return {
        "inbound_items": len(items),
        "items_needing_response": len(needing),
        "items_answered": len(times),
        "sla_breaches": len(late),
        "response_rate": len(times) / len(needing) if needing else None,
        "mean_first_response_minutes": statistics.fmean(times) if times else None,
        "median_first_response_minutes": statistics.median(times) if times else None,
        "p90_first_response_minutes": p90(times) if times else None,
    }


def test_daily_and_monthly_statistics_equal_the_truths(company, truth_items, support_warehouse) -> None:
    zone = ZoneInfo(company.company.timezone)
    sla = company.support.first_response_sla_minutes * 60
    by_day: dict[tuple, list[dict]] = defaultdict(list)
    by_month: dict[tuple, list[dict]] = defaultdict(list)
    for item in truth_items.values():
        local = item["first_inbound_at"].astimezone(zone).date()
        platform = (
            "x"
            if item["channel"] == "x_mention"
            else ("instagram" if item["channel"] == "instagram_comment" else "facebook_pages")
        )
        if local.month == 11:
            for key in ((platform, item["account_id"], item["channel"]), ("all", "all", "all")):
                by_month[key].append(item)
        # Local days at the window's edges also hold items from outside it.
        if not WINDOW.start + timedelta(days=1) <= local <= WINDOW.end - timedelta(days=1):
            continue
        for key in ((local, platform, item["account_id"], item["channel"]), (local, "all", "all", "all")):
            by_day[key].append(item)
    rows = support_warehouse.rows("select * from marts.fct_support_daily")
    got = {(r["first_inbound_date"], r["platform"], r["account_id"], r["channel"]): r for r in rows}
    assert set(by_day) <= set(got)
    for key, items in by_day.items():
        expected = _stats(items, sla)
        for column, value in expected.items():
            assert got[key][column] == pytest.approx(value), (key, column)
    # November holds only days the window covers (the demo's today is 2026-11-20): the monthly
    # mart's figures are the month's truth items'.
    month = {
        (r["platform"], r["account_id"], r["channel"]): r
        for r in support_warehouse.rows(
            "select * from marts.fct_support_monthly where first_inbound_month = date '2026-11-01'"
        )
    }
    assert by_month and set(by_month) <= set(month)
    for key, items in by_month.items():
        for column, value in _stats(items, sla).items():
            assert month[key][column] == pytest.approx(value), (key, column)
