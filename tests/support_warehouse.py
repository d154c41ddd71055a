"""A warehouse of mentions and the support inbox as the hourly runs would have built it.

The listening and inbox streams are extracted the way time would have let them be: X search and
X mentions hold the six whole days before "now", so they are read every six days; feeds hold
their last 14 days, so they are read twice; Messenger shows only the 20 most recent messages of
a conversation, so conversations are read every day, each day on a demo server whose today is
the next day. The rest (comments, X replies, Reddit) is read once, at the demo's today. Then
everything is loaded, run by run, and the mention and support marts are built with dbt.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

from core.config import CompanyConfig
from demo.generator import comments, conversations, x_support
from demo.server import DemoServer
from extractors.core import Window
from extractors.landing import Partition
from tests.conftest import DEMO_TODAY, Built, assert_dbt_succeeded, extract, load_and_build

WINDOW = Window(date(2026, 10, 25), DEMO_TODAY - timedelta(days=1))
MARTS = "+fct_mentions +fct_support_daily +fct_support_monthly"
ONCE = {
    "facebook_pages": ["posts", "comments"],
    "instagram": ["account_snapshot", "media", "comments"],
    "x": ["replies"],
    "reddit": ["search"],
}


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _run(
    company: CompanyConfig, server: DemoServer, tmp: Path, sources: dict[str, list[str]], window: Window
) -> list[Partition]:
    """One run on the server's today (run id ``run-<today>``)."""
    today = server.state.today()
    return extract(company, server, tmp, sources, window, f"run-{today}", today)


def runs(company: CompanyConfig, tmp: Path) -> list[list[Partition]]:
    """Land the window's listening and inbox data as the hourly runs would have seen it: one
    batch of partitions per run, to be loaded in order as each run's load would have."""
    landed: list[list[Partition]] = []
    # X holds whole the 6 days before its "now" (the demo's today, 00:00 UTC): read every 6 days.
    for today in (*(WINDOW.start + timedelta(days=n) for n in (6, 12, 18, 24)), DEMO_TODAY):
        days = Window(today - timedelta(days=6), today - timedelta(days=1))
        with DemoServer(today=today) as server:
            landed.append(_run(company, server, tmp, {"x": ["search", "mentions"]}, days))
            if today in (WINDOW.start + timedelta(days=12), DEMO_TODAY):
                landed.append(_run(company, server, tmp, {"rss": ["entries"]}, days))
    for day in _days(WINDOW.start, WINDOW.end):
        with DemoServer(today=day + timedelta(days=1)) as server:
            landed.append(_run(company, server, tmp, {"facebook_pages": ["conversations"]}, Window(day, day)))
    with DemoServer(today=DEMO_TODAY) as server:
        landed.append(_run(company, server, tmp, ONCE, WINDOW))
    return landed


def build(company: CompanyConfig, tmp: Path) -> Built:
    """Extract, load (run ids ``load-0``, ``load-1``, …) and build; the warehouse comes back open
    for writing (the alert tests keep their state in it)."""
    loads = {f"load-{number}": batch for number, batch in enumerate(runs(company, tmp))}
    selection = ["--select", MARTS, "--indirect-selection", "cautious"]
    built = load_and_build(tmp, loads, selection, company, path=tmp / "support.duckdb", read_only=False)
    assert_dbt_succeeded(built.result)
    return built


def support_items(company: CompanyConfig) -> dict[str, dict]:
    """Truth: every support item whose first inbound is on a UTC day of the window, by item key
    (Messenger sessions by conversation and first message), from the generators."""
    items: dict[str, dict] = {}
    for platform, channel in (("facebook_pages", "facebook_comment"), ("instagram", "instagram_comment")):
        for account in company.own_accounts(platform):
            rows = comments.comments_between(platform, account.id, WINDOW.start, DEMO_TODAY, DEMO_TODAY)
            first_reply: dict[str, datetime] = {}
            for row in rows:
                if row["is_brand_reply"] and row["parent_id"]:
                    first_reply.setdefault(row["parent_id"], row["created_at"])
            for row in rows:
                if row["parent_id"] or row["is_brand_reply"]:
                    continue
                if not WINDOW.start <= row["created_at"].date() <= WINDOW.end:
                    continue
                items[f"{channel}:{row['comment_id']}"] = {
                    "channel": channel,
                    "account_id": account.id,
                    "first_inbound_at": row["created_at"],
                    "first_reply_at": first_reply.get(row["comment_id"]),
                    "needs_response": row["needs_reply"],
                }
    for account in company.own_accounts("facebook_pages"):
        for row in conversations.sessions_between(account.id, WINDOW.start, WINDOW.end, DEMO_TODAY):
            key = f"messenger:{row['conversation_id']}:{row['first_inbound_message_id']}"
            items[key] = {
                "channel": "messenger",
                "account_id": account.id,
                "first_inbound_at": row["first_inbound_at"],
                "first_reply_at": row["first_reply_at"],
                "needs_response": True,
            }
    for account in company.own_accounts("x"):
        for row in x_support.mention_threads(account.id, WINDOW.start, WINDOW.end, DEMO_TODAY):
            items[f"x_mention:{row['tweet_id']}"] = {
                "channel": "x_mention",
                "account_id": account.id,
                "first_inbound_at": row["created_at"],
                "first_reply_at": row["first_reply_at"],
                "needs_response": row["needs_reply_by_design"],
            }
    return items
