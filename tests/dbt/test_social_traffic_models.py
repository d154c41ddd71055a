"""GA4 social traffic end to end: demo Data API -> extractor -> loader -> dbt (seed, classification, marts).

One extract run on DEMO_TODAY lands the traffic report from 2026-09-01 (plus the 3-day re-read) to
the day before; `dbt build` then builds the social_traffic_sources seed, the classified traffic and
the two traffic marts. The marts are compared with the demo generator's rows summed here, with a
classification written out in this file rather than read from the warehouse, so a wrong seed row,
a wrong match rule or a wrong sum fails. Further builds on copies of the warehouse show that the
threshold var filters new sources and that a line appended to the seed makes a source social.
"""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt.cli.main import dbtRunnerResult

from core.config import CompanyConfig
from demo.generator import google_analytics as truth
from demo.server import DemoServer
from extractors.core import Window
from tests.conftest import (
    DBT_PROJECT_DIR,
    DEMO_TODAY,
    Built,
    assert_dbt_succeeded,
    extract,
    load_and_build,
    run_dbt,
)

PROPERTY = "412345678"
RUN = Window(date(2026, 9, 1), DEMO_TODAY - timedelta(days=1))
FIRST_DAY = RUN.start - timedelta(days=3)  # lookback_days
AS_OF = RUN.end  # the newest report day: the new-sources mart's "today"
MARTS = ("fct_social_traffic_daily", "fct_new_traffic_sources")
MIN_SESSIONS = 20  # dbt_project.yml var new_traffic_source_min_sessions

# The test's own classification of the demo's sources (GA4's social and video lists plus the
# warehouse's extensions); every source the generator serves must resolve to a network through
# SOCIAL (itself or a parent domain) or be listed in NOT_SOCIAL, so a new demo source fails loudly.
SOCIAL = {
    "facebook.com": ("Facebook", "facebook_pages"),
    "facebook": ("Facebook", "facebook_pages"),
    "instagram.com": ("Instagram", "instagram"),
    "instagram": ("Instagram", "instagram"),
    "t.co": ("X", "x"),
    "x.com": ("X", "x"),
    "twitter.com": ("X", "x"),
    "twitter": ("X", "x"),
    "lnkd.in": ("LinkedIn", "linkedin"),
    "linkedin.com": ("LinkedIn", "linkedin"),
    "linkedin": ("LinkedIn", "linkedin"),
    "youtube.com": ("YouTube", "youtube"),
    "youtube": ("YouTube", "youtube"),
    "reddit.com": ("Reddit", None),
    "pinterest.com": ("Pinterest", None),
    "pinterest": ("Pinterest", None),
    "tiktok.com": ("TikTok", None),
    "tiktok": ("TikTok", None),
    "scoop.it": ("Scoop.it", None),
    "threads.net": ("Threads", None),
}
NOT_SOCIAL = {"google", "(direct)", "bing", "mumsnet.com", "newsletter"}
SOCIAL_MEDIUMS = {"social", "social-network", "social-media", "sm", "social network", "social media"}
PAID_MEDIUM = re.compile(r"^(.*cp.*|ppc|retargeting|paid.*)$")
METRICS = ("sessions", "engaged_sessions", "total_users", "key_events", "total_revenue")


def network(source: str, medium: str) -> str | None:
    """The social network of a session (subdomains match; unknown sources with a social medium)."""
    host = source.strip().lower()
    labels = host.split(".")
    for i in range(len(labels)):  # the longest suffix first
        suffix = ".".join(labels[i:])
        if suffix in SOCIAL:
            return SOCIAL[suffix][0]
    return "Other social" if medium.strip().lower() in SOCIAL_MEDIUMS else None


def platform_of(social_network: str) -> str | None:
    return next((p for name, p in SOCIAL.values() if name == social_network), None)


def truth_rows() -> list[dict[str, Any]]:
    return truth.traffic(PROPERTY, FIRST_DAY, RUN.end, DEMO_TODAY)


@pytest.fixture(scope="module")
def built(
    company: CompanyConfig, demo_server: DemoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Built]:
    tmp = tmp_path_factory.mktemp("social_traffic_dbt")
    landed = extract(company, demo_server, tmp, {"google_analytics": ["traffic"]}, RUN, "run-1")
    # Cautious: the company accounts' relationships test reads models this build leaves out.
    selection = ["--indirect-selection", "cautious", "--select", *(f"+{mart}" for mart in MARTS)]
    built = load_and_build(tmp, [landed], selection, company)
    yield built
    built.con.close()


def test_the_build_runs_the_seed_models_tests_and_unit_tests(built: Built) -> None:
    assert_dbt_succeeded(built.result)
    names = {r.node.name for r in built.result.result.results}
    assert {"social_traffic_sources", "int_google_analytics__traffic_classified", *MARTS} <= names
    assert "unique_social_traffic_sources_source" in names
    assert "test_int_google_analytics__traffic_classified_social_and_paid" in names
    assert "test_fct_new_traffic_sources_windows_and_threshold" in names


def test_every_demo_source_is_classified_by_this_test() -> None:
    sources = {r["session_source"] for r in truth_rows()}
    by_source = {s for s in sources if network(s, "referral") is not None}
    assert sources - by_source == sources & NOT_SOCIAL, "classify every new demo source in this file"
    assert not by_source & NOT_SOCIAL
    # The demo's subdomains resolve through their parent domain.
    assert network("l.facebook.com", "referral") == network("m.facebook.com", "referral") == "Facebook"
    assert network("notfacebook.com", "referral") is None


def test_classified_traffic_keeps_every_staging_row(built: Built) -> None:
    expected = truth_rows()
    got = built.rows(
        "select session_source, session_medium, social_network, is_social_traffic, is_paid_traffic, "
        "count(*) as row_count from intermediate.int_google_analytics__traffic_classified group by all"
    )
    assert sum(r["row_count"] for r in got) == len(expected)
    for row in got:
        medium = row["session_medium"]
        assert row["social_network"] == network(row["session_source"], medium), row
        assert row["is_social_traffic"] == (row["social_network"] is not None), row
        assert row["is_paid_traffic"] == bool(PAID_MEDIUM.match(medium)), row


def test_social_traffic_daily_equals_truth(built: Built) -> None:
    expected: dict[tuple[date, str], dict[str, Any]] = defaultdict(
        lambda: {**dict.fromkeys(METRICS, 0), "paid_sessions": 0, "organic_sessions": 0}
    )
    for row in truth_rows():
        social_network = network(row["session_source"], row["session_medium"])
        if social_network is None:
            continue
        day = expected[(row["report_date"], social_network)]
        for metric in METRICS:
            day[metric] += row[metric]
        paid = bool(PAID_MEDIUM.match(row["session_medium"]))
        day["paid_sessions" if paid else "organic_sessions"] += row["sessions"]

    got = {
        (r["report_date"], r["social_network"]): r
        for r in built.rows(f"select * from marts.fct_social_traffic_daily where property_id = '{PROPERTY}'")
    }
    assert set(got) == set(expected)
    for key, day in expected.items():
        row = got[key]
        assert {c: row[c] for c in day} == day, key
        assert row["platform"] == platform_of(key[1]), key
        assert row["engagement_rate"] == pytest.approx(day["engaged_sessions"] / day["sessions"]), key
        assert row["key_event_rate"] == pytest.approx(day["key_events"] / day["sessions"]), key
    # The demo's paid social campaigns and its social-medium utm traffic both reach the mart.
    black_friday = got[(date(2026, 11, 17), "Facebook")]
    assert 0 < black_friday["paid_sessions"] < black_friday["sessions"]
    assert isinstance(black_friday["total_revenue"], Decimal)
    assert {"Threads", "Scoop.it", "YouTube", "X", "LinkedIn"} <= {k[1] for k in got}


def expected_new_sources(min_sessions: int = MIN_SESSIONS) -> dict[str, dict[str, Any]]:
    """New referrers by the mart's definition, from the generator's rows of the loaded days."""
    rows = truth_rows()
    first_report_date = min(r["report_date"] for r in rows)
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_source[row["session_source"]].append(row)
    expected = {}
    for source, source_rows in by_source.items():
        first = min(r["report_date"] for r in source_rows)
        age = (AS_OF - first).days
        sessions = sum(r["sessions"] for r in source_rows)
        if first == first_report_date or age >= 30 or sessions < min_sessions:
            continue
        networks = {network(source, r["session_medium"]) for r in source_rows} - {None}
        expected[source] = {
            "first_seen_date": first,
            "days_since_first_seen": age,
            "sessions": sessions,
            "engaged_sessions": sum(r["engaged_sessions"] for r in source_rows),
            "key_events": sum(r["key_events"] for r in source_rows),
            "total_revenue": sum((r["total_revenue"] for r in source_rows), Decimal("0")),
            "is_social_traffic": bool(networks),
            "social_network": networks.pop() if networks else None,
            "is_new_in_last_7_days": age < 7,
            "is_new_in_last_30_days": True,
            "as_of_date": AS_OF,
        }
    return expected


def new_sources(built: Built, con: duckdb.DuckDBPyConnection | None = None) -> dict[str, dict[str, Any]]:
    rows = built.rows(
        f"select * from marts.fct_new_traffic_sources where property_id = '{PROPERTY}'", con=con
    )
    return {
        r["session_source"]: {k: v for k, v in r.items() if k not in ("property_id", "session_source")}
        for r in rows
    }


def test_new_traffic_sources_equal_truth(built: Built) -> None:
    expected = expected_new_sources()
    assert new_sources(built) == expected
    # threads.net is the generator's new referrer. "facebook" (the utm_source of the Black Friday
    # ads) is new to a warehouse whose history starts in September, after the earlier campaigns.
    assert {"threads.net", "facebook"} <= set(expected)
    assert not {"google", "(direct)", "l.facebook.com", "mumsnet.com"} & set(expected)


def test_threads_is_new_in_the_last_30_days_and_not_in_the_last_7(built: Built) -> None:
    threads = new_sources(built)["threads.net"]
    first = truth.first_seen(PROPERTY, "threads.net")
    assert first == truth.THREADS_FIRST_DAY
    assert threads["first_seen_date"] == first
    assert threads["as_of_date"] == AS_OF == date(2026, 11, 19)
    assert threads["days_since_first_seen"] == (AS_OF - first).days == 12
    assert threads["is_new_in_last_30_days"] and not threads["is_new_in_last_7_days"]
    assert threads["is_social_traffic"] and threads["social_network"] == "Threads"


def test_raising_the_min_sessions_var_drops_threads(built: Built) -> None:
    threads_sessions = expected_new_sources()["threads.net"]["sessions"]
    assert threads_sessions >= MIN_SESSIONS
    db_path = built.copy("threshold")
    for threshold, listed in ((threads_sessions, True), (threads_sessions + 1, False)):
        result = run_dbt(
            [
                "build",
                "--select",
                "fct_new_traffic_sources",
                "--vars",
                f"{{new_traffic_source_min_sessions: {threshold}}}",
            ],
            db_path,
            built.tmp / f"threshold-{threshold}",
        )
        assert_dbt_succeeded(result)
        with duckdb.connect(str(db_path), read_only=True) as con:
            got = new_sources(built, con)
        assert ("threads.net" in got) is listed, threshold
        assert got == expected_new_sources(threshold)


def test_a_line_appended_to_the_seed_makes_a_source_social(built: Built) -> None:
    mumsnet = [r for r in truth_rows() if r["session_source"] == "mumsnet.com"]
    assert mumsnet, "the demo serves mumsnet.com referrals"
    before = built.rows("select * from marts.fct_social_traffic_daily where social_network = 'Mumsnet'")
    assert before == []

    project = built.tmp / "extended_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    seed = project / "seeds" / "social_traffic_sources.csv"
    text = seed.read_text()
    seed.write_text(text + ("" if text.endswith("\n") else "\n") + "mumsnet.com,Mumsnet,,social\n")
    db_path = built.copy("extended")
    # A new line reclassifies history, older than any run's rebuild range: a full refresh.
    assert_dbt_succeeded(
        run_dbt(
            [
                "build",
                "--full-refresh",
                "--indirect-selection",
                "cautious",  # platform_in_dim_account reads dim_account, which this build leaves out
                "--select",
                "social_traffic_sources",
                "int_google_analytics__traffic_classified",
                *MARTS,
            ],
            db_path,
            built.tmp / "extended",
            project,
        )
    )
    with duckdb.connect(str(db_path), read_only=True) as con:
        got = {
            r["report_date"]: r
            for r in built.rows(
                "select * from marts.fct_social_traffic_daily where social_network = 'Mumsnet'", con=con
            )
        }
    assert {day: row["sessions"] for day, row in got.items()} == {
        r["report_date"]: r["sessions"] for r in mumsnet
    }
    assert all(row["platform"] is None and row["social_category"] == "social" for row in got.values())


def test_traffic_from_a_network_without_an_own_account_is_carried_and_passes_the_checks(
    built: Built, tmp_path: Path
) -> None:
    """A company with a GA4 property and no LinkedIn page: lnkd.in sessions are social traffic
    all the same, published with `platform` null (no join to dim_account points nowhere), and the
    blocking `platform_in_dim_account` test passes; it still fails a row that names a platform
    the company has no account on."""
    linkedin = [r for r in truth_rows() if network(r["session_source"], r["session_medium"]) == "LinkedIn"]
    assert linkedin, "the demo serves LinkedIn referrals"
    db_path = built.copy("no_linkedin")
    with duckdb.connect(str(db_path)) as con:
        con.execute("delete from raw.company__accounts where platform = 'linkedin'")
    assert_dbt_succeeded(
        run_dbt(
            [
                "build",
                "--indirect-selection",
                "cautious",
                "--select",
                "stg_company__accounts",
                "fct_social_traffic_daily",
            ],
            db_path,
            built.tmp / "no_linkedin",
        )
    )
    with duckdb.connect(str(db_path)) as con:
        rows = built.rows(
            "select * from marts.fct_social_traffic_daily where social_network = 'LinkedIn'", con=con
        )
        sessions: dict[date, int] = defaultdict(int)
        for r in linkedin:
            sessions[r["report_date"]] += r["sessions"]
        assert {r["report_date"]: r["sessions"] for r in rows} == dict(sessions)
        assert {(r["platform"], r["network_platform"]) for r in rows} == {(None, "linkedin")}
        facebook = built.rows("select distinct platform from marts.fct_social_traffic_daily "
                              "where social_network = 'Facebook'", con=con)  # fmt: skip
        assert facebook == [{"platform": "facebook_pages"}]

        # The test reads the accounts dimension: the company's own accounts, LinkedIn left out.
        con.execute(
            "create table marts.dim_account as select platform, account_id, is_own "
            "from staging.stg_company__accounts"
        )

    def platform_test(name: str) -> dbtRunnerResult:
        return run_dbt(
            ["test", "--select", "fct_social_traffic_daily_platform_in_dim_account"],
            db_path,
            built.tmp / name,
        )

    assert_dbt_succeeded(platform_test("test_ok"))
    with duckdb.connect(str(db_path)) as con:
        con.execute("update marts.fct_social_traffic_daily set platform = 'linkedin' where platform is null "
                    "and social_network = 'LinkedIn'")  # fmt: skip
    bad = platform_test("test_bad")
    tests = [r for r in bad.result.results if r.node.resource_type == "test"]  # not the project's hooks
    assert [(r.node.name, str(r.status)) for r in tests] == [
        ("fct_social_traffic_daily_platform_in_dim_account", "fail")
    ]
