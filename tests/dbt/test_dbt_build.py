"""End-to-end test of the dbt project: raw rows in the loader's contract -> `dbt build` -> marts.

Each test builds a throwaway DuckDB file with the `raw` tables of ARCHITECTURE.md, runs the real
`dbt build` (models, data tests and unit tests) in-process, and compares mart numbers with values
worked out by hand from the raw rows below (not read back from staging). The failing cases prove
that the data tests do stop the build on bad raw data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt.cli.main import dbtRunnerResult

from loading.raw import ensure_raw_tables
from tests.conftest import rows, run_dbt

PAGE = "104729381726354"  # our Facebook Page
RIVAL_PAGE = "998877"  # a configured competitor with no data yet
UNCONFIGURED_PAGE = "555000"  # seen in data, missing from the company config
IG_ACCOUNT = "17841400000000001"  # configured on a platform with no models yet


@dataclass
class RawData:
    """Rows for the raw tables: (account_id, partition_day, record, extracted_at) per stream."""

    page_insights: list[tuple[str, str, dict[str, Any], str]] = field(default_factory=list)
    page_snapshot: list[tuple[str, str, dict[str, Any], str]] = field(default_factory=list)
    posts: list[tuple[str, str, dict[str, Any], str]] = field(default_factory=list)
    accounts: list[tuple[str, str, str, str, bool]] = field(default_factory=list)


def _insight(page_id: str, metric: str, value: Any, end_time: str) -> dict[str, Any]:
    return {
        "name": metric,
        "period": "day",
        "values": [{"value": value, "end_time": end_time}],
        "title": metric.replace("_", " ").title(),
        "description": "Daily: ...",
        "id": f"{page_id}/insights/{metric}/day",
    }


def _post(
    post_id: str,
    created_time: str,
    status_type: str,
    reactions: int,
    comments: int,
    shares: int | None,
    insights: dict[str, Any],
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": post_id,
        "created_time": created_time,
        "message": f"post {post_id}",
        "permalink_url": f"https://www.facebook.com/{post_id}",
        "status_type": status_type,
        "reactions": {"data": [], "summary": {"total_count": reactions, "viewer_reaction": "NONE"}},
        "comments": {
            "data": [],
            "summary": {"order": "chronological", "total_count": comments, "can_comment": True},
        },
    }
    if shares is not None:  # Graph omits `shares` when there are none
        record["shares"] = {"count": shares}
    if insights:
        record["insights"] = {
            "data": [
                {
                    "name": name,
                    "period": "lifetime",
                    "values": [{"value": value}],
                    "title": name,
                    "description": "Lifetime: ...",
                    "id": f"{post_id}/insights/{name}/lifetime",
                }
                for name, value in insights.items()
            ]
        }
    return record


# Daily page metrics per Pacific day. Graph's end_time is the Pacific midnight after the day
# (08:00Z in PST; DST ended on 2026-11-01). 2026-11-04 is missing on purpose (a gap).
DAILY = {
    "2026-11-01": dict(follows=1000, gained=12, lost=2, engagements=50, views=1000, reach=400),
    "2026-11-02": dict(follows=1010, gained=15, lost=5, engagements=80, views=0, reach=0),
    "2026-11-03": dict(follows=1030, gained=25, lost=5, engagements=90, views=1500, reach=600),
    "2026-11-05": dict(follows=1040, gained=10, lost=0, engagements=20, views=400, reach=200),
}
END_TIMES = {
    "2026-11-01": "2026-11-02T08:00:00+0000",
    "2026-11-02": "2026-11-03T08:00:00+0000",
    "2026-11-03": "2026-11-04T08:00:00+0000",
    "2026-11-05": "2026-11-06T08:00:00+0000",
}
METRIC_NAMES = {
    "follows": "page_follows",
    "gained": "page_daily_follows_unique",
    "lost": "page_daily_unfollows_unique",
    "engagements": "page_post_engagements",
    "views": "page_media_view",
    "reach": "page_total_media_view_unique",
}


def good_raw_data() -> RawData:
    data = RawData()
    for day, metrics in DAILY.items():
        for key, metric in METRIC_NAMES.items():
            data.page_insights.append(
                (PAGE, day, _insight(PAGE, metric, metrics[key], END_TIMES[day]), "2026-11-06T03:00:00+00")
            )
    # A breakdown metric: its value is an object and must not break anything.
    data.page_insights.append(
        (
            PAGE,
            "2026-11-02",
            _insight(
                PAGE, "page_actions_post_reactions_total", {"like": 3, "love": 1}, END_TIMES["2026-11-02"]
            ),
            "2026-11-06T03:00:00+00",
        )
    )

    data.page_snapshot.append(
        (
            PAGE,
            "2026-11-05",
            {
                "id": PAGE,
                "name": "Acme Coffee (page)",
                "followers_count": 1041,
                "fan_count": 990,
                "link": "https://www.facebook.com/acme",
            },
            "2026-11-06T03:00:00+00",
        )
    )
    data.page_snapshot.append(
        (
            UNCONFIGURED_PAGE,
            "2026-11-05",
            {
                "id": UNCONFIGURED_PAGE,
                "name": "Mystery Page",
                "followers_count": 7,
                "fan_count": 7,
                "link": "https://www.facebook.com/mystery",
            },
            "2026-11-06T03:00:00+00",
        )
    )

    # P1: 06:30Z on Nov 2 is 22:30 on Nov 1 in Los Angeles. Two snapshots: the later one wins.
    p1 = f"{PAGE}_1"
    data.posts.append(
        (
            PAGE,
            "2026-11-02",
            _post(
                p1,
                "2026-11-02T06:30:00+0000",
                "added_photos",
                5,
                1,
                None,
                {"post_media_view": 100, "post_total_media_view_unique": 80, "post_clicks": 3},
            ),
            "2026-11-02T10:00:00+00",
        )
    )
    data.posts.append(
        (
            PAGE,
            "2026-11-02",
            _post(
                p1,
                "2026-11-02T06:30:00+0000",
                "added_photos",
                12,
                3,
                4,
                {
                    "post_media_view": 500,
                    "post_total_media_view_unique": 300,
                    "post_clicks": 17,
                    "post_reactions_by_type_total": {"like": 10, "love": 2},
                },
            ),
            "2026-11-03T10:00:00+00",
        )
    )
    # P2: no shares field, zero views (a zero denominator).
    data.posts.append(
        (
            PAGE,
            "2026-11-02",
            _post(
                f"{PAGE}_2",
                "2026-11-02T15:02:11+0000",
                "mobile_status_update",
                2,
                0,
                None,
                {"post_media_view": 0, "post_total_media_view_unique": 0, "post_clicks": 1},
            ),
            "2026-11-03T10:00:00+00",
        )
    )
    # P3: no insights at all (null views).
    data.posts.append(
        (
            PAGE,
            "2026-11-03",
            _post(f"{PAGE}_3", "2026-11-03T20:00:00+0000", "shared_story", 10, 2, 6, {}),
            "2026-11-04T10:00:00+00",
        )
    )

    data.accounts = [
        ("facebook_pages", PAGE, "Acme Coffee", "Acme", True),
        ("facebook_pages", RIVAL_PAGE, "Rival Beans", "Rival", False),
        ("instagram", IG_ACCOUNT, "Acme on Instagram", "Acme", True),
    ]
    return data


def write_raw(db_path: Path, data: RawData) -> None:
    """Create the raw schema as the loader would (records as JSON text)."""
    con = duckdb.connect(str(db_path))
    try:
        con.execute("create schema raw")
        ensure_raw_tables(con)  # every platform's raw tables, as the loader creates them
        for stream in ("page_insights", "page_snapshot", "posts"):
            table = f"raw.facebook_pages__{stream}"
            rows = [
                (
                    account_id,
                    day,
                    json.dumps(record),
                    extracted_at,
                    "manual__2026-11-06",
                    f"data/landing/facebook_pages/{stream}/account={account_id}/day={day}/data.jsonl",
                    "2026-11-06T03:30:00+00",
                    "manual__2026-11-06",
                )
                for account_id, day, record, extracted_at in getattr(data, stream)
            ]
            con.executemany(f"insert into {table} values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.executemany(
            "insert into raw.company__accounts values (?, ?, ?, ?, lower(?), ?, current_timestamp)",
            [(platform, i, name, brand, brand, own) for platform, i, name, brand, own in data.accounts],
        )
        brands = sorted({(brand, own) for _, _, _, brand, own in data.accounts})
        con.executemany(
            "insert into raw.company__brand_keywords values (lower(?), ?, ?, ?, current_timestamp)",
            [(brand, brand, own, brand) for brand, own in brands],
        )
    finally:
        con.close()


def dbt_build(tmp_path: Path, data: RawData, select: tuple[str, ...] = ()) -> tuple[dbtRunnerResult, Path]:
    """``dbt build`` of the whole project (or of ``select``) on a warehouse of ``data``."""
    db_path = tmp_path / "warehouse.duckdb"
    write_raw(db_path, data)
    result = run_dbt(["build", *(("--select", *select) if select else ())], db_path, tmp_path)
    return result, db_path


def failed_nodes(result: dbtRunnerResult) -> list[str]:
    return [r.node.name for r in result.result.results if str(r.status) in ("error", "fail")]


@pytest.fixture(scope="module")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    tmp_path = tmp_path_factory.mktemp("dbt_build")
    result, db_path = dbt_build(tmp_path, good_raw_data())
    assert result.exception is None, result.exception
    assert result.success, f"dbt build failed: {failed_nodes(result)}"
    con = duckdb.connect(str(db_path), read_only=True)
    yield con
    con.close()


def test_build_runs_unit_tests(built_warehouse: duckdb.DuckDBPyConnection) -> None:
    # The marts exist in the verbatim custom schema.
    tables = {
        r["table_name"]
        for r in rows(
            built_warehouse, "select table_name from information_schema.tables where table_schema = 'marts'"
        )
    }
    assert tables == {
        "dim_account",
        "dim_post",
        "fct_post_performance",
        "fct_account_daily",
        "fct_account_monthly",
        "fct_social_traffic_daily",
        "fct_new_traffic_sources",
        "fct_campaign_performance",
        "fct_mentions",
        "fct_mention_brands",
        "fct_share_of_voice_daily",
        "fct_share_of_voice_monthly",
        "fct_competitor_benchmark_monthly",
        "fct_support_conversations",
        "fct_support_daily",
        "fct_support_monthly",
    }


def test_fct_post_performance_latest_snapshot_and_rates(built_warehouse: duckdb.DuckDBPyConnection) -> None:
    posts = {r["post_key"]: r for r in rows(built_warehouse, "select * from marts.fct_post_performance")}
    assert len(posts) == 3  # two snapshots of P1 become one row

    p1 = posts[f"facebook_pages:{PAGE}_1"]
    # Latest snapshot only (never 100 + 500 views).
    assert (p1["views"], p1["reach"], p1["reactions"], p1["comments"], p1["shares"], p1["clicks"]) == (
        500,
        300,
        12,
        3,
        4,
        17,
    )
    assert p1["engagements"] == 12 + 3 + 4 + 17
    assert p1["engagement_rate"] == pytest.approx(36 / 500)
    assert p1["engagement_rate_by_reach"] == pytest.approx(36 / 300)
    assert p1["virality"] == pytest.approx(4 / 500)
    assert str(p1["created_date"]) == "2026-11-01"  # Pacific day of 06:30Z

    p2 = posts[f"facebook_pages:{PAGE}_2"]
    assert p2["shares"] == 0  # absent in the record
    assert p2["engagements"] == 2 + 0 + 0 + 1
    assert p2["engagement_rate"] is None and p2["engagement_rate_by_reach"] is None  # 0 views, 0 reach
    assert p2["virality"] is None

    p3 = posts[f"facebook_pages:{PAGE}_3"]
    assert p3["views"] is None and p3["clicks"] is None
    assert p3["engagements"] == 10 + 2 + 6
    assert p3["engagement_rate"] is None


def test_dim_post_formats(built_warehouse: duckdb.DuckDBPyConnection) -> None:
    formats = {
        r["post_id"]: r["post_format"]
        for r in rows(built_warehouse, "select post_id, post_format from marts.dim_post")
    }
    assert formats == {f"{PAGE}_1": "image", f"{PAGE}_2": "text", f"{PAGE}_3": "link"}


def test_fct_account_daily(built_warehouse: duckdb.DuckDBPyConnection) -> None:
    days = {
        str(r["metric_date"]): r
        for r in rows(
            built_warehouse,
            f"select * from marts.fct_account_daily where account_key = 'facebook_pages:{PAGE}'",
        )
    }
    # First to last day, the missing 2026-11-04 included (as nulls), nothing outside.
    assert sorted(days) == ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"]

    d1, d2, d3, d4, d5 = (days[d] for d in sorted(days))
    assert (d1["followers"], d1["followers_gained"], d1["followers_lost"], d1["net_follower_change"]) == (
        1000,
        12,
        2,
        10,
    )
    assert d1["follower_growth_rate"] is None  # no previous day
    assert d1["engagement_rate"] == pytest.approx(50 / 1000)
    assert d1["engagement_rate_by_reach"] == pytest.approx(50 / 400)
    assert d1["engagement_rate_by_followers"] == pytest.approx(50 / 1000)
    assert d1["posts_published"] == 1  # P1, published 22:30 Pacific on Nov 1
    assert d1["shares_on_posts_published"] == 4
    assert d1["amplification_rate"] == pytest.approx(4.0)
    assert d1["amplification_rate_by_followers"] == pytest.approx(4 / 1000)
    assert d1["virality"] == pytest.approx(4 / 500)  # P1: 4 shares, 500 views
    assert d1["shares"] is None  # Graph has no daily Page shares

    assert d2["follower_growth_rate"] == pytest.approx((1010 - 1000) / 1000)
    assert d2["engagement_rate"] is None and d2["engagement_rate_by_reach"] is None  # 0 views / reach
    assert d2["engagement_rate_by_followers"] == pytest.approx(80 / 1010)
    assert d2["posts_published"] == 1  # P2
    assert d2["amplification_rate"] == pytest.approx(0.0)

    assert d3["follower_growth_rate"] == pytest.approx((1030 - 1010) / 1010)
    assert d3["engagement_rate"] == pytest.approx(90 / 1500)
    assert d3["posts_published"] == 1 and d3["shares_on_posts_published"] == 6
    # P3 has no views: its shares stay out of virality's numerator as its views are out of the denominator.
    assert d3["views_on_posts_published"] is None and d3["shares_on_posts_with_views"] is None
    assert d3["virality"] is None

    assert d4["followers"] is None and d4["engagements"] is None and d4["views"] is None
    assert d4["posts_published"] == 0 and d4["amplification_rate"] is None

    assert d5["followers"] == 1040
    assert d5["follower_growth_rate"] is None  # the previous calendar day has no value
    assert d5["engagement_rate"] == pytest.approx(20 / 400)

    total_engagements = sum(d["engagements"] or 0 for d in days.values())
    assert total_engagements == 50 + 80 + 90 + 20


def test_fct_account_monthly(built_warehouse: duckdb.DuckDBPyConnection) -> None:
    (month,) = rows(
        built_warehouse,
        f"select * from marts.fct_account_monthly where account_key = 'facebook_pages:{PAGE}'",
    )
    assert str(month["month_start"]) == "2026-11-01" and str(month["last_metric_date"]) == "2026-11-05"
    assert month["days_in_data"] == 5  # the gap day counts as a day with a (null) row
    # Followers are a reading: the last one in the month (Nov 5), none before the month.
    assert (month["followers_end"], str(month["followers_end_date"]), month["followers_start"]) == (
        1040,
        "2026-11-05",
        None,
    )
    assert month["follower_growth_rate"] is None
    assert (month["followers_gained"], month["followers_lost"]) == (12 + 15 + 25 + 10, 2 + 5 + 5 + 0)
    assert month["engagements"] == 50 + 80 + 90 + 20
    assert month["views"] == 1000 + 0 + 1500 + 400
    # Ratio of the month's sums, never an average of the daily rates.
    assert month["engagement_rate"] == pytest.approx(240 / 2900)
    assert month["engagement_rate_by_followers"] == pytest.approx(240 / 1040)
    assert month["posts_published"] == 3
    assert month["shares_on_posts_published"] == 4 + 0 + 6
    assert month["amplification_rate"] == pytest.approx(10 / 3)
    assert month["amplification_rate_by_followers"] == pytest.approx(10 / 1040)
    assert month["virality"] == pytest.approx((4 + 0) / (500 + 0))  # P3 reports no views
    assert month["shares"] is None


def test_dim_account(built_warehouse: duckdb.DuckDBPyConnection) -> None:
    accounts = {r["account_key"]: r for r in rows(built_warehouse, "select * from marts.dim_account")}
    assert set(accounts) == {
        f"facebook_pages:{PAGE}",
        f"facebook_pages:{RIVAL_PAGE}",
        f"facebook_pages:{UNCONFIGURED_PAGE}",
        f"instagram:{IG_ACCOUNT}",
    }
    own = accounts[f"facebook_pages:{PAGE}"]
    assert (own["account_name"], own["brand"], own["is_own"], own["has_data"]) == (
        "Acme Coffee",
        "Acme",
        True,
        True,
    )
    rival = accounts[f"facebook_pages:{RIVAL_PAGE}"]
    assert (rival["is_own"], rival["is_configured"], rival["has_data"]) == (False, True, False)
    unknown = accounts[f"facebook_pages:{UNCONFIGURED_PAGE}"]
    assert (unknown["account_name"], unknown["is_own"], unknown["is_configured"]) == (
        "Mystery Page",
        None,
        False,
    )


def _with_duplicate_post_in_one_snapshot() -> RawData:
    data = good_raw_data()
    data.posts.append(data.posts[-1])  # the same post, same extracted_at, loaded twice
    return data


def _with_negative_count() -> RawData:
    data = good_raw_data()
    account_id, day, record, extracted_at = data.posts[-1]
    bad = json.loads(json.dumps(record))
    bad["reactions"]["summary"]["total_count"] = -3
    data.posts[-1] = (account_id, day, bad, extracted_at)
    return data


@pytest.mark.parametrize(
    ("make_data", "expected_failure"),
    [
        pytest.param(
            _with_duplicate_post_in_one_snapshot,
            "source_unique_combination_of_columns_facebook_pages_posts",
            id="duplicate-post-in-one-snapshot",
        ),
        pytest.param(
            _with_negative_count, "non_negative_stg_facebook_pages__posts_reactions", id="negative-count"
        ),
    ],
)
def test_bad_raw_rows_fail_the_build(tmp_path: Path, make_data: Any, expected_failure: str) -> None:
    # Facebook's posts, their source tests and their staging model: where both rows must be caught.
    selection = ("source:facebook_pages.posts", "stg_facebook_pages__posts")
    result, _ = dbt_build(tmp_path, make_data(), selection)
    assert not result.success
    failures = failed_nodes(result)
    assert any(name.startswith(expected_failure) for name in failures), failures
