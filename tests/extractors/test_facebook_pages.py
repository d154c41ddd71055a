"""The Facebook Pages extractor against the demo Graph server, over real HTTP.

Every case goes through the production path: HttpClient, the Graph rules, paginator, stream,
source and the landing writer; the expected numbers come from the demo generator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from core.config import CompanyConfig
from core.settings import PROJECT_ROOT
from demo.generator import facebook_pages as truth
from demo.server import DemoServer
from extractors.connections import ConnectionInfo
from extractors.core import Window
from extractors.errors import ExtractError
from extractors.facebook_pages import FacebookPages, pacific_day
from extractors.landing import partition_path
from tests.conftest import DEMO_TODAY, DEMO_TOKEN, posts_on_pacific_days

MAIN_PAGE = "104729381726354"
UK_PAGE = "187263549910273"
FAST = {"backoff_base_seconds": 0.01, "backoff_max_seconds": 0.05, "usage_pause_seconds": 0.01}


def source(
    config: CompanyConfig, server: DemoServer, token: str = DEMO_TOKEN, **extra: object
) -> FacebookPages:
    connection = ConnectionInfo("facebook_pages_default", server.url, token, {**FAST, **extra})
    return FacebookPages(config, connection)


def landed_records(root: Path, stream: str, account: str, day: date) -> list[dict]:
    path = partition_path(root, "facebook_pages", stream, account, day)
    return [json.loads(line)["record"] for line in path.read_text().splitlines()]


def graph_calls(server: DemoServer, edge: str) -> list[dict]:
    return [r for r in server.requests() if r["path"].endswith(edge)]


def test_pacific_day_convention_across_dst_change() -> None:
    assert pacific_day("2026-11-01T07:00:00+0000") == date(2026, 10, 31)
    assert pacific_day("2026-11-02T08:00:00+0000") == date(2026, 11, 1)


def test_insights_land_one_partition_per_pacific_day_equal_to_truth(company, demo, tmp_path) -> None:
    run = Window(date(2026, 10, 25), date(2026, 11, 5))  # spans the DST change
    source(company, demo).run(run, tmp_path, "t1", streams=["page_insights"], accounts=[MAIN_PAGE])
    lookback = company.sources.facebook_pages.insights_lookback_days
    for expected in truth.account_daily(MAIN_PAGE, run.start - timedelta(days=lookback), run.end):
        day = date.fromisoformat(str(expected["date"]))
        records = {r["name"]: r for r in landed_records(tmp_path, "page_insights", MAIN_PAGE, day)}
        assert records["page_follows"]["values"][0]["value"] == expected["followers"]
        assert records["page_media_view"]["values"][0]["value"] == expected["views"]
        assert records["page_post_engagements"]["values"][0]["value"] == expected["post_engagements"]
        assert all(len(r["values"]) == 1 for r in records.values())


def test_insights_longer_than_90_days_are_requested_in_chunks(company, demo, tmp_path) -> None:
    run = Window(date(2026, 5, 1), date(2026, 9, 30))
    source(company, demo).run(run, tmp_path, "t1", streams=["page_insights"], accounts=[UK_PAGE])
    calls = graph_calls(demo, "/insights")
    assert len(calls) == 2
    assert all(c["status"] == 200 for c in calls)


def test_posts_follow_cursor_pages_and_match_truth(company, demo, tmp_path) -> None:
    run = Window(date(2026, 11, 1), date(2026, 11, 10))
    fb = source(company, demo, page_size=5)
    window = next(s for s in fb.streams() if s.name == "posts").window(run, DEMO_TODAY)
    fb.run(run, tmp_path, "t1", streams=["posts"], accounts=[MAIN_PAGE])
    pages = graph_calls(demo, "/published_posts")
    assert len(pages) > 3, "expected several pages at limit=5"
    expected = posts_on_pacific_days(MAIN_PAGE, window)
    landed = [p for day in window.days() for p in landed_records(tmp_path, "posts", MAIN_PAGE, day)]
    assert sorted(p["id"] for p in landed) == sorted(p["id"] for p in expected)
    by_id = {p["id"]: p for p in landed}
    for post in expected:
        got = by_id[post["id"]]
        assert got["reactions"]["summary"]["total_count"] == post["reactions"]
        assert got["comments"]["summary"]["total_count"] == post["comments"]
        assert got.get("shares", {}).get("count", 0) == post["shares"]


def test_empty_window_lands_empty_partitions(company, demo, tmp_path) -> None:
    run = Window(date(2023, 6, 1), date(2023, 6, 3))  # before the demo company existed
    landed = source(company, demo).run(run, tmp_path, "t1", streams=["posts", "page_insights"])
    assert landed and all(p.rows == 0 for p in landed)
    assert all(p.path.exists() and p.path.read_text() == "" for p in landed)


@pytest.mark.parametrize(
    "fault", ["throttle_4", "throttle_17", "throttle_32", "throttle_613", "throttle_80001"]
)
def test_graph_throttling_is_retried_then_succeeds(company, demo, tmp_path, fault) -> None:
    demo.add_faults("/insights", [fault, fault])
    run = Window(date(2026, 11, 1), date(2026, 11, 2))
    landed = source(company, demo).run(run, tmp_path, "t1", streams=["page_insights"], accounts=[MAIN_PAGE])
    statuses = [c["status"] for c in graph_calls(demo, "/insights")]
    assert statuses[:2] in ([400, 400], [403, 403]) and statuses[2] == 200
    assert sum(p.rows for p in landed) > 0


@pytest.mark.parametrize("fault", ["error_500", "error_503"])
def test_server_errors_are_retried_then_succeed(company, demo, tmp_path, fault) -> None:
    demo.add_faults("/published_posts", [fault])
    run = Window(date(2026, 11, 1), date(2026, 11, 2))
    source(company, demo).run(run, tmp_path, "t1", streams=["posts"], accounts=[MAIN_PAGE])
    statuses = [c["status"] for c in graph_calls(demo, "/published_posts")]
    assert statuses[0] >= 500 and statuses[-1] == 200


def test_read_timeout_is_retried(company, demo, tmp_path) -> None:
    demo.add_faults(f"/{MAIN_PAGE}", ["slow:2"])
    run = Window(date(2026, 11, 1), date(2026, 11, 1))
    fb = source(company, demo, read_timeout_seconds=0.5)
    landed = fb.run(run, tmp_path, "t1", streams=["page_snapshot"], accounts=[MAIN_PAGE], today=DEMO_TODAY)
    assert landed[0].rows == 1
    assert (
        landed_records(tmp_path, "page_snapshot", MAIN_PAGE, landed[0].day)[0]["followers_count"]
        == (truth.page_snapshot(MAIN_PAGE, DEMO_TODAY)["followers_count"])
    )


def test_persistent_throttling_gives_up_with_a_clear_error(company, demo, tmp_path) -> None:
    demo.add_faults("/insights", ["throttle_80001"] * 3)
    with pytest.raises(ExtractError) as caught:
        source(company, demo, max_attempts=3).run(
            Window(date(2026, 11, 1), date(2026, 11, 2)), tmp_path, "t1", streams=["page_insights"]
        )
    message = str(caught.value)
    assert "source=facebook_pages stream=page_insights account=104729381726354" in message
    assert "after 3 attempts" in message and "80001" in message and "re-run" in message


def test_expired_token_fails_fast_and_names_the_fix(company, demo, tmp_path) -> None:
    with pytest.raises(ExtractError) as caught:
        source(company, demo, token="expired-demo-token").run(
            Window(date(2026, 11, 1), date(2026, 11, 2)), tmp_path, "t1", streams=["page_insights"]
        )
    message = str(caught.value)
    assert "190/463" in message and "Session has expired" in message
    assert "facebook_pages_default" in message and "account=104729381726354" in message
    assert len(graph_calls(demo, "/insights")) == 1, "an expired token must not be retried"


def test_retired_metric_fails_fast_and_points_at_the_config(company, demo, tmp_path) -> None:
    settings = company.sources.facebook_pages.model_copy(
        update={"page_insights_metrics": ("page_media_view", "page_impressions")}
    )
    config = company.model_copy(
        update={"sources": company.sources.model_copy(update={"facebook_pages": settings})}
    )
    with pytest.raises(ExtractError) as caught:
        source(config, demo).run(
            Window(date(2026, 11, 1), date(2026, 11, 2)), tmp_path, "t1", streams=["page_insights"]
        )
    message = str(caught.value)
    assert "(#100)" in message and "company config" in message
    assert len(graph_calls(demo, "/insights")) == 1


def test_malformed_json_is_retried_once_then_reported_clearly(company, demo, tmp_path) -> None:
    run = Window(date(2026, 11, 1), date(2026, 11, 1))
    demo.add_faults(f"/{MAIN_PAGE}", ["malformed_json"])
    landed = source(company, demo).run(run, tmp_path, "t1", streams=["page_snapshot"], accounts=[MAIN_PAGE])
    assert landed[0].rows == 1

    demo.add_faults(f"/{MAIN_PAGE}", ["malformed_json"] * 2)
    with pytest.raises(ExtractError) as caught:
        source(company, demo, max_attempts=2).run(
            run, tmp_path / "again", "t2", streams=["page_snapshot"], accounts=[MAIN_PAGE]
        )
    assert "malformed JSON" in str(caught.value) and "stream=page_snapshot" in str(caught.value)
    assert not (tmp_path / "again").exists(), "nothing may be landed from a failed stream"


def test_missing_connection_is_a_clear_error(company, monkeypatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_FACEBOOK_PAGES_DEFAULT", raising=False)
    with pytest.raises(ExtractError) as caught:
        FacebookPages(company).connection()
    assert "AIRFLOW_CONN_FACEBOOK_PAGES_DEFAULT" in str(caught.value)


def test_token_never_reaches_landing_files_or_logs(company, demo, tmp_path, caplog) -> None:
    demo.add_faults("/published_posts", ["error_500"])
    source(company, demo).run(Window(date(2026, 11, 1), date(2026, 11, 3)), tmp_path, "t1")
    landed_text = "".join(p.read_text() for p in tmp_path.rglob("*.jsonl"))
    assert landed_text, "expected landed data"
    assert DEMO_TOKEN not in landed_text
    assert DEMO_TOKEN not in caplog.text
    assert any("retrying" in r.getMessage() for r in caplog.records), "the retry should have been logged"


def test_connection_refused_is_retried_then_reported(company, tmp_path) -> None:
    connection = ConnectionInfo(
        "facebook_pages_default", "http://127.0.0.1:9", DEMO_TOKEN, {**FAST, "max_attempts": 2}
    )
    with pytest.raises(ExtractError) as caught:
        FacebookPages(company, connection).run(
            Window(date(2026, 11, 1), date(2026, 11, 1)), tmp_path, "t1", streams=["page_snapshot"]
        )
    assert "connection failed" in str(caught.value) and "after 2 attempts" in str(caught.value)


def test_the_command_line_extracts_without_airflow(demo, tmp_path) -> None:
    env = {
        **os.environ,
        "WAREHOUSE_DATA_DIR": str(tmp_path),
        "AIRFLOW_CONN_FACEBOOK_PAGES_DEFAULT": json.dumps(
            {"conn_type": "http", "host": demo.url, "password": DEMO_TOKEN, "extra": FAST}
        ),
    }
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "extractors",
            "facebook_pages",
            "--start",
            "2026-11-01",
            "--end",
            "2026-11-03",
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert completed.returncode == 0, completed.stderr
    assert "landed" in completed.stdout
    assert partition_path(
        tmp_path / "landing", "facebook_pages", "page_insights", MAIN_PAGE, date(2026, 11, 3)
    ).exists()
    assert DEMO_TOKEN not in completed.stdout + completed.stderr

    env["AIRFLOW_CONN_FACEBOOK_PAGES_DEFAULT"] = json.dumps(
        {"conn_type": "http", "host": demo.url, "password": "expired-demo-token", "extra": FAST}
    )
    failed = subprocess.run(
        [
            sys.executable,
            "-m",
            "extractors",
            "facebook_pages",
            "--start",
            "2026-11-01",
            "--end",
            "2026-11-01",
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert failed.returncode == 2
    assert "error: [source=facebook_pages" in failed.stderr and "Session has expired" in failed.stderr


def test_an_empty_answer_for_a_look_back_day_keeps_the_data_landed_before(company, demo, tmp_path) -> None:
    # The demo company starts on 2024-01-01, so Graph has nothing for the look-back days before it.
    earlier = partition_path(tmp_path, "facebook_pages", "page_insights", MAIN_PAGE, date(2023, 12, 31))
    earlier.parent.mkdir(parents=True)
    earlier.write_text('{"record": {"name": "page_follows"}, "extracted_at": "2024-01-01T00:00:00+00:00"}\n')
    run = Window(date(2024, 1, 1), date(2024, 1, 2))
    landed = source(company, demo).run(run, tmp_path, "t1", streams=["page_insights"], accounts=[MAIN_PAGE])
    written = [date(2023, 12, 30), date(2024, 1, 1), date(2024, 1, 2)]
    # The kept day comes last, offered to the load again (its run may have been killed before it).
    assert [p.day for p in landed] == [*written, date(2023, 12, 31)]
    assert (landed[-1].path, landed[-1].rows) == (earlier, 1)
    assert "page_follows" in earlier.read_text(), "the earlier data for the look-back day is kept"

    inside = Window(date(2023, 12, 31), date(2023, 12, 31))  # the day itself, re-run on purpose
    source(company, demo).run(inside, tmp_path, "t2", streams=["page_insights"], accounts=[MAIN_PAGE])
    assert earlier.read_text() == ""
