"""GA4 end to end through dbt: demo Data API -> extractor -> landing -> loader -> staging.

Two extract runs land into one landing zone, as a daily pipeline would: one with server today
2026-11-18, whose newest days are still provisional (GA4 settles late), and one on DEMO_TODAY
over only its last day, whose 3-day re-read replaces the provisional days. Staging must then
equal the generator's truth for DEMO_TODAY row by row, column by column.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from core.config import CompanyConfig
from demo.generator import google_analytics as truth
from demo.server import DemoServer
from extractors.core import Window
from tests.conftest import DEMO_TODAY, Built, extract, load_and_build

PROPERTY = "412345678"
EARLIER_TODAY = date(2026, 11, 18)
FIRST_RUN = Window(date(2026, 11, 1), EARLIER_TODAY - timedelta(days=1))
SECOND_RUN = Window(DEMO_TODAY - timedelta(days=1), DEMO_TODAY - timedelta(days=1))
FIRST_DAY = FIRST_RUN.start - timedelta(days=3)  # lookback_days
TRAFFIC_KEY = ("report_date", "session_source", "session_medium", "session_campaign_name")
LANDING_KEY = ("report_date", "landing_page", "session_source", "session_medium")
COLUMNS = (
    "property_id",
    "sessions",
    "engaged_sessions",
    "total_users",
    "key_events",
    "total_revenue",
)


@pytest.fixture(scope="module")
def built(
    company: CompanyConfig, demo_server: DemoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Built]:
    tmp = tmp_path_factory.mktemp("google_analytics_dbt")
    sources = {"google_analytics": None}
    with DemoServer(today=EARLIER_TODAY) as earlier:
        first = extract(company, earlier, tmp, sources, FIRST_RUN, "run-1", EARLIER_TODAY)
    second = extract(company, demo_server, tmp, sources, SECOND_RUN, "run-2")
    built = load_and_build(
        tmp, [first, second], ["--select", "path:models/staging/google_analytics"], company
    )
    yield built
    built.con.close()


def test_the_build_runs_every_google_analytics_model_and_test(built: Built) -> None:
    assert built.result.exception is None, built.result.exception
    results = built.result.result.results
    failed = [r.node.name for r in results if str(r.status) in ("error", "fail")]
    assert built.result.success and not failed, failed
    names = {r.node.name for r in results}
    assert {"stg_google_analytics__traffic", "stg_google_analytics__landing_pages"} <= names
    assert any(name.startswith("source_unique_combination_of_columns_google_analytics") for name in names)


def _by_key(rows: list[dict[str, Any]], key: tuple[str, ...]) -> dict[tuple, dict[str, Any]]:
    keyed = {tuple(row[k] for k in key): row for row in rows}
    assert len(keyed) == len(rows), "duplicate keys"
    return keyed


def test_traffic_equals_truth_with_the_provisional_days_settled(built: Built) -> None:
    got = _by_key(built.rows("select * from staging.stg_google_analytics__traffic"), TRAFFIC_KEY)
    expected = _by_key(truth.traffic(PROPERTY, FIRST_DAY, SECOND_RUN.end, DEMO_TODAY), TRAFFIC_KEY)
    assert set(got) == set(expected)
    for key, row in expected.items():
        assert {c: got[key][c] for c in (*COLUMNS, "session_default_channel_group")} == {
            c: row[c] for c in (*COLUMNS, "session_default_channel_group")
        }, key
    # The first run saw 2026-11-16 and -17 provisional; the re-read must have replaced them.
    provisional = truth.traffic(PROPERTY, date(2026, 11, 16), date(2026, 11, 16), EARLIER_TODAY)
    assert sum(r["sessions"] for r in provisional) < sum(
        r["sessions"] for k, r in got.items() if k[0] == date(2026, 11, 16)
    )
    assert isinstance(next(iter(got.values()))["total_revenue"], Decimal)


def test_landing_pages_equal_truth(built: Built) -> None:
    got = _by_key(built.rows("select * from staging.stg_google_analytics__landing_pages"), LANDING_KEY)
    expected = _by_key(truth.landing_pages(PROPERTY, FIRST_DAY, SECOND_RUN.end, DEMO_TODAY), LANDING_KEY)
    assert set(got) == set(expected)
    for key, row in expected.items():
        assert {c: got[key][c] for c in COLUMNS} == {c: row[c] for c in COLUMNS}, key


def test_the_new_referrer_and_the_campaign_traffic_reach_staging(built: Built) -> None:
    rows = built.rows(
        "select session_source, session_campaign_name, session_default_channel_group, "
        "min(report_date) as first_day, sum(sessions) as sessions "
        "from staging.stg_google_analytics__traffic group by all"
    )
    by_source = {(r["session_source"], r["session_campaign_name"]): r for r in rows}
    assert by_source[("threads.net", "(referral)")]["first_day"] == truth.THREADS_FIRST_DAY
    assert by_source[("facebook", "black_friday_2026")]["session_default_channel_group"] == "Paid Social"
    assert by_source[("google", "(organic)")]["session_default_channel_group"] == "Organic Search"
