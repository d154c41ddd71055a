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
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb

from core.config import CompanyConfig
from demo.generator import comments, conversations, x_support
from demo.server import DemoServer
from extractors import source_class
from extractors.core import Window
from extractors.landing import Partition
from extractors.x import X
from loading.raw import load_partitions
from tests.conftest import DEMO_TODAY, assert_dbt_succeeded, demo_connection, rows, run_dbt

WINDOW = Window(date(2026, 10, 25), DEMO_TODAY - timedelta(days=1))
MARTS = "+fct_mentions +fct_support_daily +fct_support_monthly"
ONCE = {
    "facebook_pages": ["posts", "comments"],
    "instagram": ["account_snapshot", "media", "comments"],
    "x": ["replies"],
    "reddit": ["search"],
}


@dataclass
class Built:
    con: duckdb.DuckDBPyConnection
    path: Path
    landed: list[Partition]

    def rows(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        return rows(self.con, sql, params)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _run(
    company: CompanyConfig,
    server: DemoServer,
    today: date,
    window: Window,
    streams: dict[str, list[str]],
    landing: Path,
) -> list[Partition]:
    landed: list[Partition] = []
    for name, wanted in streams.items():
        connection = demo_connection(name, server)
        if name == "x":  # recent search and mentions count back from the demo's today, 00:00 UTC
            source = X(company, connection, clock=lambda: datetime.combine(today, time.min, UTC))
        else:
            source = source_class(name)(company, connection)
        landed += source.run(window, landing, f"run-{today}", streams=wanted, today=today)
    return landed


def extract(company: CompanyConfig, landing: Path) -> list[list[Partition]]:
    """Land the window's listening and inbox data as the hourly runs would have seen it: one
    batch of partitions per run, to be loaded in order as each run's load would have."""
    landed: list[list[Partition]] = []
    # X holds whole the 6 days before its "now" (the demo's today, 00:00 UTC): read every 6 days.
    for today in (*(WINDOW.start + timedelta(days=n) for n in (6, 12, 18, 24)), DEMO_TODAY):
        days = Window(today - timedelta(days=6), today - timedelta(days=1))
        with DemoServer(today=today) as server:
            landed.append(_run(company, server, today, days, {"x": ["search", "mentions"]}, landing))
            if today in (WINDOW.start + timedelta(days=12), DEMO_TODAY):
                landed.append(_run(company, server, today, days, {"rss": ["entries"]}, landing))
    for day in _days(WINDOW.start, WINDOW.end):
        with DemoServer(today=day + timedelta(days=1)) as server:
            landed.append(
                _run(
                    company,
                    server,
                    day + timedelta(days=1),
                    Window(day, day),
                    {"facebook_pages": ["conversations"]},
                    landing,
                )
            )
    with DemoServer(today=DEMO_TODAY) as server:
        landed.append(_run(company, server, DEMO_TODAY, WINDOW, ONCE, landing))
    return landed


def build(company: CompanyConfig, tmp: Path) -> Built:
    """Extract, load and build; the open connection comes back with what was landed."""
    batches = extract(company, tmp / "landing")
    path = tmp / "support.duckdb"
    con = duckdb.connect(str(path))
    for number, batch in enumerate(batches):
        load_partitions(con, batch, f"load-{number}", company)
    con.close()
    landed = [partition for batch in batches for partition in batch]
    assert_dbt_succeeded(run_dbt(["build", "--select", MARTS, "--indirect-selection", "cautious"], path, tmp))
    return Built(duckdb.connect(str(path)), path, landed)


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
