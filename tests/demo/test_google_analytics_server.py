"""The demo GA4 Data API over real HTTP: runReport wire format, paging, settling, errors."""

from __future__ import annotations

from datetime import date

import requests

from demo.generator import google_analytics as truth
from demo.server import DemoServer
from demo.state import DEMO_TOKENS
from tests.conftest import DEMO_TODAY

PROPERTY = "412345678"
AUTH = {"Authorization": f"Bearer {DEMO_TOKENS['google_analytics']}"}
TRAFFIC = ["date", "sessionSource", "sessionMedium", "sessionCampaignName", "sessionDefaultChannelGroup"]
METRICS = ["sessions", "engagedSessions", "totalUsers", "keyEvents", "totalRevenue"]


def run_report(
    server: DemoServer,
    start: str,
    end: str,
    headers: dict | None = None,
    prop: str = PROPERTY,
    **extra: object,
) -> requests.Response:
    body = {
        "dateRanges": [{"startDate": start, "endDate": end}],
        "dimensions": [{"name": n} for n in extra.pop("dimensions", TRAFFIC)],
        "metrics": [{"name": n} for n in extra.pop("metrics", METRICS)],
        **extra,
    }
    return requests.post(
        f"{server.url}/v1beta/properties/{prop}:runReport",
        json=body,
        headers=AUTH if headers is None else headers,
        timeout=5,
    )


def test_a_report_has_headers_string_values_and_yyyymmdd_dates(demo) -> None:
    body = run_report(demo, "2026-11-01", "2026-11-02").json()
    assert body["dimensionHeaders"] == [{"name": n} for n in TRAFFIC]
    assert body["metricHeaders"][0] == {"name": "sessions", "type": "TYPE_INTEGER"}
    assert body["metricHeaders"][-1] == {"name": "totalRevenue", "type": "TYPE_CURRENCY"}
    assert body["kind"] == "analyticsData#runReport" and body["metadata"]["currencyCode"] == "GBP"
    assert (
        body["rowCount"]
        == len(body["rows"])
        == len(truth.traffic(PROPERTY, date(2026, 11, 1), date(2026, 11, 2), DEMO_TODAY))
    )
    row = body["rows"][0]
    assert {v["value"][:6] for v in row["dimensionValues"][:1]} == {"202611"}
    assert all(isinstance(v["value"], str) for v in row["dimensionValues"] + row["metricValues"])
    sessions = [int(r["metricValues"][0]["value"]) for r in body["rows"]]
    assert sessions == sorted(sessions, reverse=True)


def test_offset_and_limit_page_against_row_count(demo) -> None:
    full = run_report(demo, "2026-11-01", "2026-11-01").json()
    pages = [run_report(demo, "2026-11-01", "2026-11-01", limit=str(5), offset=str(o)).json() for o in (0, 5)]
    assert all(p["rowCount"] == full["rowCount"] for p in pages)
    assert pages[0]["rows"] + pages[1]["rows"] == full["rows"][:10]
    beyond = run_report(demo, "2026-11-01", "2026-11-01", limit=5, offset=full["rowCount"]).json()
    assert "rows" not in beyond and beyond["rowCount"] == full["rowCount"]
    assert run_report(demo, "2026-11-01", "2026-11-01", limit=250_001).status_code == 400


def test_an_empty_report_has_no_rows_and_no_row_count(demo) -> None:
    body = run_report(demo, "2023-06-01", "2023-06-30").json()
    assert "rows" not in body and "rowCount" not in body and body["dimensionHeaders"]
    today = run_report(demo, "today", "today").json()
    assert "rows" not in today, "today is never served"


def test_recent_days_settle_upwards(demo) -> None:
    day = date(2026, 11, 18)
    with DemoServer(today=date(2026, 11, 19)) as early:
        provisional = run_report(early, "2026-11-18", "2026-11-18", dimensions=["date"]).json()
    final = run_report(demo, "yesterday", "yesterday", dimensions=["date"]).json()
    settled = run_report(demo, day.isoformat(), day.isoformat(), dimensions=["date"]).json()
    first = int(provisional["rows"][0]["metricValues"][0]["value"])
    last = int(settled["rows"][0]["metricValues"][0]["value"])
    assert first < last and final["rows"][0]["dimensionValues"][0]["value"] == "20261119"


def test_errors_are_google_bodies(demo) -> None:
    expired = run_report(
        demo, "2026-11-01", "2026-11-01", headers={"Authorization": "Bearer expired-demo-token"}
    )
    assert expired.status_code == 401 and expired.json()["error"]["status"] == "UNAUTHENTICATED"
    unknown = run_report(demo, "2026-11-01", "2026-11-01", metrics=["conversionsX"])
    assert (
        unknown.status_code == 400
        and "conversionsX is not a valid metric" in unknown.json()["error"]["message"]
    )
    denied = run_report(demo, "2026-11-01", "2026-11-01", prop="999")
    assert denied.status_code == 403 and denied.json()["error"]["status"] == "PERMISSION_DENIED"
    demo.add_faults("runReport", ["quota_exceeded", "daily_limit"])
    hourly, daily = (run_report(demo, "2026-11-01", "2026-11-01").json()["error"] for _ in range(2))
    assert hourly["code"] == 429 and hourly["status"] == "RESOURCE_EXHAUSTED"
    assert hourly["message"].startswith("Exhausted property tokens per hour")
    assert daily["message"].startswith("Exhausted property tokens per day")


def test_the_new_referrer_first_appears_on_its_day(demo) -> None:
    def sources(day: str) -> set[str]:
        body = run_report(demo, day, day, dimensions=["sessionSource"], metrics=["sessions"]).json()
        return {r["dimensionValues"][0]["value"] for r in body["rows"]}

    assert "threads.net" not in sources("2026-11-02") and "threads.net" in sources("2026-11-10")
    assert {"facebook.com", "t.co", "lnkd.in", "scoop.it", "(direct)"} <= sources("2026-11-10")
