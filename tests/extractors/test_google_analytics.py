"""The GA4 extractor against the demo Data API, over real HTTP.

Every case goes through the production path: HttpClient, the GA4 rules, stream, source and the
landing writer; the expected rows come from the demo generator.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from core.config import CompanyConfig
from demo.generator import google_analytics as truth
from demo.server import DemoServer
from extractors.core import Window
from extractors.errors import ExtractError
from extractors.google_analytics import GoogleAnalytics
from extractors.landing import partition_path
from tests.conftest import DEMO_TODAY, demo_connection

PROPERTY = "412345678"
REPORT = f"/v1beta/properties/{PROPERTY}:runReport"
RUN = Window(date(2026, 11, 12), date(2026, 11, 14))


def source(
    config: CompanyConfig, server: DemoServer, token: str | None = None, **extra: object
) -> GoogleAnalytics:
    return GoogleAnalytics(config, demo_connection("google_analytics", server, token, **extra))


def landed(root: Path, stream: str, day: date) -> list[dict]:
    path = partition_path(root, "google_analytics", stream, PROPERTY, day)
    return [json.loads(line)["record"] for line in path.read_text().splitlines()]


def statuses(server: DemoServer) -> list[int]:
    return [r["status"] for r in server.requests() if r["path"] == REPORT]


def as_record(row: dict) -> tuple:
    revenue = f"{row['total_revenue']:.2f}".rstrip("0").rstrip(".") or "0"
    return (
        row["report_date"].strftime("%Y%m%d"),
        str(row["sessions"]),
        str(row["engaged_sessions"]),
        str(row["total_users"]),
        str(row["key_events"]),
        revenue,
    )


def test_traffic_rows_are_landed_as_header_keyed_objects_equal_to_truth(company, demo, tmp_path) -> None:
    parts = source(company, demo).run(RUN, tmp_path, "t1", streams=["traffic"], today=DEMO_TODAY)
    assert [p.day for p in parts] == [date(2026, 11, d) for d in range(9, 15)]  # 3-day look-back
    for day in (date(2026, 11, 9), date(2026, 11, 14)):
        records = landed(tmp_path, "traffic", day)
        assert all(isinstance(v, str) for r in records for v in r.values())
        assert list(records[0]) == [
            "date", "sessionSource", "sessionMedium", "sessionCampaignName", "sessionDefaultChannelGroup",
            "sessions", "engagedSessions", "totalUsers", "keyEvents", "totalRevenue",
        ]  # fmt: skip
        got = sorted(
            (
                r["sessionSource"],
                r["sessionMedium"],
                r["sessionCampaignName"],
                r["sessionDefaultChannelGroup"],
                r["date"],
                r["sessions"],
                r["engagedSessions"],
                r["totalUsers"],
                r["keyEvents"],
                r["totalRevenue"],
            )
            for r in records
        )
        expected = sorted(
            (
                t["session_source"],
                t["session_medium"],
                t["session_campaign_name"],
                t["session_default_channel_group"],
                *as_record(t),
            )
            for t in truth.traffic(PROPERTY, day, day, DEMO_TODAY)
        )
        assert got == expected
    assert len(statuses(demo)) == 1, "one request for the whole window"


def test_landing_pages_equal_truth(company, demo, tmp_path) -> None:
    source(company, demo).run(RUN, tmp_path, "t1", streams=["landing_pages"], today=DEMO_TODAY)
    records = landed(tmp_path, "landing_pages", date(2026, 11, 13))
    got = sorted(
        (r["landingPagePlusQueryString"], r["sessionSource"], r["sessionMedium"], r["sessions"])
        for r in records
    )
    expected = sorted(
        (t["landing_page"], t["session_source"], t["session_medium"], str(t["sessions"]))
        for t in truth.landing_pages(PROPERTY, date(2026, 11, 13), date(2026, 11, 13), DEMO_TODAY)
    )
    assert got == expected


def test_small_pages_are_followed_until_row_count(company, demo, tmp_path) -> None:
    parts = source(company, demo, page_size=7).run(RUN, tmp_path, "t1", streams=["traffic"], today=DEMO_TODAY)
    total = len(truth.traffic(PROPERTY, date(2026, 11, 9), RUN.end, DEMO_TODAY))
    assert sum(p.rows for p in parts) == total
    assert len(statuses(demo)) == -(-total // 7)


def test_a_long_window_is_asked_in_chunks(company, demo, tmp_path) -> None:
    source(company, demo).run(
        Window(date(2026, 9, 1), date(2026, 11, 10)),
        tmp_path,
        "t1",
        streams=["landing_pages"],
        today=DEMO_TODAY,
    )
    assert len(statuses(demo)) == 3  # 2026-08-29..2026-11-10 (with look-back): 74 days, 31 a chunk


def test_an_empty_report_lands_empty_partitions(company, demo, tmp_path) -> None:
    parts = source(company, demo).run(
        Window(date(2023, 12, 1), date(2023, 12, 3)), tmp_path, "t1", streams=["traffic"], today=DEMO_TODAY
    )
    assert parts and all(p.rows == 0 for p in parts)


def test_no_property_id_skips_the_source(company, demo, tmp_path) -> None:
    settings = company.sources.google_analytics.model_copy(update={"property_id": None})
    config = company.model_copy(
        update={"sources": company.sources.model_copy(update={"google_analytics": settings})}
    )
    assert source(config, demo).run(RUN, tmp_path, "t1", today=DEMO_TODAY) == []
    assert demo.requests() == []
    assert [a.name for a in source(company, demo).accounts()] == [f"GA4 property {PROPERTY}"]


def test_hourly_quota_is_retried_then_succeeds(company, demo, tmp_path) -> None:
    demo.add_faults(REPORT, ["quota_exceeded", "quota_exceeded"])
    parts = source(company, demo).run(RUN, tmp_path, "t1", streams=["traffic"], today=DEMO_TODAY)
    assert statuses(demo)[:3] == [429, 429, 200] and sum(p.rows for p in parts) > 0


def test_daily_quota_fails_fast_with_a_hint(company, demo, tmp_path) -> None:
    demo.add_faults(REPORT, ["daily_limit"])
    with pytest.raises(ExtractError) as caught:
        source(company, demo).run(RUN, tmp_path, "t1", streams=["traffic"], today=DEMO_TODAY)
    message = str(caught.value)
    assert "RESOURCE_EXHAUSTED" in message and "per day" in message and "tomorrow" in message
    assert statuses(demo) == [429]


@pytest.mark.parametrize("fault", ["error_500", "error_503"])
def test_server_errors_are_retried_then_succeed(company, demo, tmp_path, fault) -> None:
    demo.add_faults(REPORT, [fault])
    parts = source(company, demo).run(RUN, tmp_path, "t1", streams=["traffic"], today=DEMO_TODAY)
    assert statuses(demo)[:2] == [int(fault[-3:]), 200] and sum(p.rows for p in parts) > 0


def test_an_expired_token_names_the_connection(company, demo, tmp_path) -> None:
    with pytest.raises(ExtractError) as caught:
        source(company, demo, token="expired-demo-token").run(RUN, tmp_path, "t1", today=DEMO_TODAY)
    message = str(caught.value)
    assert f"source=google_analytics stream=traffic account={PROPERTY}" in message
    assert "UNAUTHENTICATED" in message and "google_analytics_default" in message
    assert statuses(demo) == [401]


def test_an_unknown_metric_is_a_clear_error(company, demo, tmp_path) -> None:
    demo.add_faults(REPORT, ["unknown_metric"])
    with pytest.raises(ExtractError) as caught:
        source(company, demo).run(RUN, tmp_path, "t1", streams=["landing_pages"], today=DEMO_TODAY)
    assert "INVALID_ARGUMENT" in str(caught.value) and "is not a valid metric" in str(caught.value)
    assert statuses(demo) == [400]
    assert not tmp_path.joinpath("google_analytics").exists()


def test_a_malformed_body_is_retried_then_reported(company, demo, tmp_path) -> None:
    demo.add_faults(REPORT, ["malformed_json"])
    assert sum(p.rows for p in source(company, demo).run(RUN, tmp_path, "t1", streams=["traffic"])) > 0
    demo.add_faults(REPORT, ["malformed_json"] * 2)
    with pytest.raises(ExtractError) as caught:
        source(company, demo, max_attempts=2).run(RUN, tmp_path / "again", "t2", streams=["traffic"])
    assert "malformed JSON" in str(caught.value) and "stream=traffic" in str(caught.value)
