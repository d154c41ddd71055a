"""The Reddit extractor against the demo Reddit Data API, over real HTTP.

Every case goes through the production path (the token grant, HttpClient, Reddit's rules, the
listing paginator, the stream, the source and the landing writer); expected posts come from the
mentions generator.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests

from core.config import CompanyConfig
from core.settings import PROJECT_ROOT
from demo.generator import mentions as truth
from demo.platforms.reddit import rate_windows
from demo.server import DemoServer
from demo.state import DEMO_REDDIT_CLIENT_ID, DEMO_REDDIT_CLIENT_SECRET, DEMO_TOKENS
from extractors.connections import ConnectionInfo
from extractors.core import Window
from extractors.errors import ExtractError, Where
from extractors.http import RetryPolicy
from extractors.landing import partition_path
from extractors.reddit import Reddit
from extractors.reddit.api import policy, token
from extractors.reddit.search import search_query, time_filter
from tests.conftest import DEMO_TODAY, FAST_RETRIES

AGENT = "python:lumo-listening-tests:1.0 (by /u/lumo_data)"
BRANDS = ("lumo", "bramble-baby", "kiddo-motion")
RUN = Window(date(2026, 11, 15), date(2026, 11, 19))
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
"""The extractor's clock: the morning after the run's last day."""


def connection(
    server: DemoServer, secret: str = DEMO_REDDIT_CLIENT_SECRET, **extra: object
) -> ConnectionInfo:
    return ConnectionInfo(
        "reddit_default",
        server.url,
        secret,
        {"user_agent": AGENT, **FAST_RETRIES, **extra},
        login=DEMO_REDDIT_CLIENT_ID,
    )


def source(company: CompanyConfig, server: DemoServer, **extra: object) -> Reddit:
    return Reddit(company, connection(server, **extra), clock=lambda: NOW)


def with_reddit(company: CompanyConfig, **settings: object) -> CompanyConfig:
    reddit = company.sources.reddit.model_copy(update=settings)
    return company.model_copy(update={"sources": company.sources.model_copy(update={"reddit": reddit})})


def landed(root: Path, brand: str, day: date) -> list[dict]:
    path = partition_path(root, "reddit", "search", brand, day)
    return [json.loads(line)["record"] for line in path.read_text().splitlines()]


def expected(brand: str, window: Window, subreddits: tuple[str, ...] = ()) -> list[truth.Sighting]:
    return [
        post
        for post in truth.reddit_posts(DEMO_TODAY)
        if brand in post.brands
        and window.start <= post.created_at.date() <= window.end
        and (not subreddits or post.subreddit in subreddits)
    ]


def searches(server: DemoServer) -> list[dict]:
    return [r for r in server.requests() if r["path"].endswith("/search")]


def token_grants(server: DemoServer) -> list[dict]:
    return [r for r in server.requests() if r["path"] == "/api/v1/access_token"]


def test_landed_posts_per_brand_equal_the_truth(company, demo, tmp_path) -> None:
    reddit = source(company, demo)
    window = reddit.streams()[0].window(RUN, DEMO_TODAY)
    assert window == Window(RUN.start - timedelta(days=company.sources.reddit.lookback_days), RUN.end)
    partitions = reddit.run(RUN, tmp_path, "t1")
    assert {(p.account, p.day) for p in partitions} == {(b, d) for b in BRANDS for d in window.days()}

    for brand in BRANDS:
        query = search_query(company.listening_target(brand).keywords, Where("reddit"))
        wanted = expected(brand, window)
        assert wanted, f"the demo should have {brand} posts in the window"
        by_id = {r["id"]: (day, r) for day in window.days() for r in landed(tmp_path, brand, day)}
        assert sorted(by_id) == sorted(post.id for post in wanted)
        for post in wanted:
            day, record = by_id[post.id]
            assert day == post.created_at.date()
            assert record["_query"] == query
            assert record["created_utc"] == post.created_at.timestamp()
            assert (record["subreddit"], record["title"], record["url"]) == (
                post.subreddit,
                post.title,
                post.url,
            )
            assert record["score"] == post.metrics["score"]
            assert record["num_comments"] == post.metrics["num_comments"]
            assert record["subreddit_subscribers"] == post.subscribers
            assert record.get("crosspost_parent") == post.crosspost_parent
            assert record["selftext"] == (post.text if post.is_self else "")

    assert len(token_grants(demo)) == 1, "one token serves the whole run"
    asked = searches(demo)
    assert [r["path"] for r in asked] == ["/search"] * 3
    first = asked[0]["query"]
    assert first == {
        "q": '"Lumo Strollers" OR "Lumo stroller" OR #lumostrollers OR @lumostrollers',
        "sort": "new",
        "t": "month",  # 2026-11-12 00:00 is 8 days 10 hours before the clock: more than a week
        "limit": "100",
        "type": "link",
        "raw_json": "1",
    }


def test_a_rerun_lands_the_same_rows(company, demo, tmp_path) -> None:
    def rows(root: Path) -> dict[tuple[str, str], list[dict]]:
        return {
            (brand, str(path.parent.name)): [
                json.loads(line)["record"] for line in path.read_text().splitlines()
            ]
            for brand in BRANDS
            for path in sorted((root / "reddit" / "search" / f"account={brand}").rglob("data.jsonl"))
        }

    source(company, demo).run(RUN, tmp_path, "t1")
    first = rows(tmp_path)
    source(company, demo).run(RUN, tmp_path, "t2")
    assert rows(tmp_path) == first
    assert sum(len(r) for r in first.values()) > 20


def test_paging_follows_after_and_stops_at_the_window_start(company, demo, tmp_path) -> None:
    run = Window(date(2026, 9, 20), date(2026, 11, 19))
    config = with_reddit(company, lookback_days=0)
    source(config, demo).run(run, tmp_path, "t1", accounts=["bramble-baby"])
    wanted = expected("bramble-baby", run)
    assert 100 < len(wanted) < 200
    asked = [r["query"] for r in searches(demo)]
    assert [q["t"] for q in asked] == ["year", "year"], "61 days back from the clock need t=year"
    assert len(asked) == 2, "two pages reach the window start; the listing goes on but is not read"
    assert "after" not in asked[0] and asked[1]["after"].startswith("t3_")
    got = sorted(r["id"] for day in run.days() for r in landed(tmp_path, "bramble-baby", day))
    assert got == sorted(post.id for post in wanted)


def test_configured_subreddits_are_searched_one_by_one(company, demo, tmp_path) -> None:
    subreddits = ("Parenting", "strollers")
    # A subreddit named twice (in another case) lists the same posts: they land once.
    config = with_reddit(company, subreddits=(*subreddits, "parenting"))
    source(config, demo).run(RUN, tmp_path, "t1", accounts=["lumo"])
    window = Window(RUN.start - timedelta(days=3), RUN.end)
    asked = searches(demo)
    assert [r["path"] for r in asked] == ["/r/Parenting/search", "/r/strollers/search", "/r/parenting/search"]
    assert all(r["query"]["restrict_sr"] == "1" for r in asked)
    got = [r["id"] for day in window.days() for r in landed(tmp_path, "lumo", day)]
    assert sorted(got) == sorted(post.id for post in expected("lumo", window, subreddits))
    assert len(got) == len(set(got))


def test_an_expired_token_is_fetched_again_once(company, demo, tmp_path) -> None:
    demo.add_faults("/search", ["expired_token"])
    source(company, demo).run(RUN, tmp_path, "t1", accounts=["kiddo-motion"])
    assert [r["status"] for r in searches(demo)] == [401, 200]
    assert len(token_grants(demo)) == 2
    window = Window(RUN.start - timedelta(days=3), RUN.end)
    got = [r["id"] for day in window.days() for r in landed(tmp_path, "kiddo-motion", day)]
    assert sorted(got) == sorted(post.id for post in expected("kiddo-motion", window))


def test_a_second_401_is_fatal_and_names_the_credentials(company, demo, tmp_path) -> None:
    demo.add_faults("/search", ["expired_token", "expired_token"])
    with pytest.raises(ExtractError) as caught:
        source(company, demo).run(RUN, tmp_path, "t1", accounts=["lumo"])
    message = str(caught.value)
    assert "source=reddit stream=search account=lumo day=2026-11-12..2026-11-19" in message
    assert "client id (login) and secret (password)" in message and "'reddit_default'" in message
    assert len(searches(demo)) == 2, "one refresh, then no more attempts"


def test_refused_credentials_name_where_and_what_to_do(company, demo, tmp_path) -> None:
    reddit = Reddit(company, connection(demo, secret="wrong-secret"), clock=lambda: NOW)
    with pytest.raises(ExtractError) as caught:
        reddit.run(RUN, tmp_path, "t1")
    message = str(caught.value)
    assert message.startswith("[source=reddit stream=search account=lumo day=2026-11-12..2026-11-19]")
    assert "401" in message and "client id in the login and its secret in the password" in message
    assert "wrong-secret" not in message
    assert searches(demo) == [] and not list(tmp_path.rglob("*.jsonl"))


@pytest.mark.parametrize("agent", [None, "", "python-requests/2.32.3"])
def test_a_user_agent_is_required(company, demo, tmp_path, agent) -> None:
    extra = {} if agent is None else {"user_agent": agent}
    conn = connection(demo)
    conn = ConnectionInfo(conn.conn_id, conn.host, conn.token, {**FAST_RETRIES, **extra}, login=conn.login)
    with pytest.raises(ExtractError) as caught:
        Reddit(company, conn).run(RUN, tmp_path, "t1")
    message = str(caught.value)
    assert "user_agent" in message.lower() or "User-Agent" in message
    assert "<platform>:<app ID>:<version> (by /u/<username>)" in message
    assert demo.requests() == [], "nothing is sent without an identifying User-Agent"


def test_a_429_waits_for_the_reset_then_succeeds(company, demo, tmp_path) -> None:
    demo.add_faults("/search", ["rate_limited"])
    started = time.monotonic()
    source(company, demo).run(RUN, tmp_path, "t1", accounts=["lumo"])
    assert time.monotonic() - started >= 1.0, "the retry must wait for X-Ratelimit-Reset (1 s)"
    assert [r["status"] for r in searches(demo)] == [429, 200]
    assert sum(len(landed(tmp_path, "lumo", d)) for d in Window(date(2026, 11, 12), RUN.end).days()) > 0


def test_the_client_rests_when_no_request_is_left_in_the_window(company, tmp_path, caplog) -> None:
    with DemoServer(today=DEMO_TODAY) as server:
        rate_windows(server.state).configure(limit=1, window_seconds=1)
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="extractors.http"):
            source(company, server).run(RUN, tmp_path, "t1", accounts=["lumo", "kiddo-motion"])
        elapsed = time.monotonic() - started
        statuses = [r["status"] for r in searches(server)]
    assert statuses == [200, 200], "the pause must outlast the window: no 429"
    assert any("resting" in r.getMessage() for r in caplog.records)
    assert elapsed >= 1.0


def test_pause_after_reads_remaining_and_reset() -> None:
    app = ConnectionInfo("reddit_default", None, "secret", login="id")
    reddit = policy(token("http://127.0.0.1:9/token", app, AGENT, RetryPolicy()), "reddit_default")
    spent, left, plain = requests.Response(), requests.Response(), requests.Response()
    spent.headers.update(
        {"X-Ratelimit-Remaining": "0.0", "X-Ratelimit-Reset": "42", "X-Ratelimit-Used": "600"}
    )
    left.headers.update(
        {"X-Ratelimit-Remaining": "12.0", "X-Ratelimit-Reset": "42", "X-Ratelimit-Used": "588"}
    )
    assert 42 <= reddit.pause_after(spent) <= 44
    assert reddit.pause_after(left) == 0 and reddit.pause_after(plain) == 0


def test_a_capped_listing_warns_and_leaves_unreachable_days_unwritten(
    company, demo, tmp_path, caplog
) -> None:
    # Keywords that match every demo post: far more than the ~1,000 a listing holds.
    brand = company.brand.model_copy(update={"keywords": ("Lumo", "Bramble", "Kiddo")})
    config = with_reddit(company.model_copy(update={"brand": brand}), lookback_days=0)
    run = Window(date(2026, 3, 1), date(2026, 11, 19))
    with caplog.at_level(logging.WARNING, logger="extractors.reddit"):
        partitions = source(config, demo).run(run, tmp_path, "t1", accounts=["lumo"])
    listed = truth.reddit_posts(DEMO_TODAY)[: truth.REDDIT_LISTING_CAP]
    reached = listed[-1].created_at.date()
    assert run.start < reached
    warning = next(r.getMessage() for r in caplog.records if "cannot be reached by search" in r.getMessage())
    assert "Lumo" in warning and str(reached) in warning and "account=lumo" in warning
    assert [p.day for p in partitions] == [d for d in run.days() if d > reached]
    got = sorted(r["id"] for p in partitions for r in landed(tmp_path, "lumo", p.day))
    assert got == sorted(post.id for post in listed if post.created_at.date() > reached)
    assert len(searches(demo)) == truth.REDDIT_LISTING_CAP // 100


def test_query_and_time_filter_rules() -> None:
    where = Where("reddit", "search", "lumo")
    assert (
        search_query(('Lumo "Strollers"', "#lumo", "#lumo", "@lumo"), where)
        == '"Lumo Strollers" OR #lumo OR @lumo'
    )
    with pytest.raises(ExtractError) as caught:
        search_query(tuple(f"keyword number {n}" for n in range(40)), where)
    assert "512" in str(caught.value) and "account=lumo" in str(caught.value)
    start = datetime(2026, 11, 12, tzinfo=UTC)
    assert time_filter(start, start + timedelta(minutes=10)) == "day"
    assert time_filter(start, start + timedelta(hours=20)) == "day"
    assert time_filter(start, start + timedelta(days=3)) == "week"
    assert time_filter(start, start + timedelta(days=27)) == "month"
    assert time_filter(start, start + timedelta(days=40)) == "year"
    assert time_filter(start, start + timedelta(days=400)) == "all"


def test_secrets_never_reach_landing_files_or_logs(company, demo, tmp_path, caplog) -> None:
    demo.add_faults("/search", ["error_500", "expired_token"])
    with caplog.at_level(logging.DEBUG):
        source(company, demo).run(RUN, tmp_path, "t1")
    text = "".join(p.read_text() for p in tmp_path.rglob("*.jsonl")) + caplog.text
    assert "retrying" in caplog.text
    for secret in (DEMO_REDDIT_CLIENT_SECRET, DEMO_TOKENS["reddit"]):
        assert secret not in text


def test_the_command_line_extracts_without_airflow(demo, tmp_path) -> None:
    conn = {
        "conn_type": "http",
        "host": demo.url,
        "login": DEMO_REDDIT_CLIENT_ID,
        "password": DEMO_REDDIT_CLIENT_SECRET,
        "extra": {"user_agent": AGENT, "token_url": f"{demo.url}/api/v1/access_token", **FAST_RETRIES},
    }
    env = {**os.environ, "WAREHOUSE_DATA_DIR": str(tmp_path), "AIRFLOW_CONN_REDDIT_DEFAULT": json.dumps(conn)}
    command = [sys.executable, "-m", "extractors", "reddit", "--start", "2026-11-18", "--end", "2026-11-19"]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert completed.returncode == 0, completed.stderr
    assert "landed" in completed.stdout
    for brand in BRANDS:
        assert partition_path(tmp_path / "landing", "reddit", "search", brand, date(2026, 11, 19)).exists()
    assert DEMO_REDDIT_CLIENT_SECRET not in completed.stdout + completed.stderr
    assert DEMO_TOKENS["reddit"] not in completed.stdout + completed.stderr

    env["AIRFLOW_CONN_REDDIT_DEFAULT"] = json.dumps(
        {**conn, "extra": {"token_url": conn["extra"]["token_url"]}}
    )
    failed = subprocess.run(command, env=env, capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert failed.returncode == 2
    assert "error: [source=reddit " in failed.stderr and "user_agent" in failed.stderr
