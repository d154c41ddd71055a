"""Instagram end to end through dbt: demo API -> extractor -> landing -> loader -> staging + intermediate.

One extract run on the demo server's today, loaded into a throwaway DuckDB file and built with
the Instagram models only (with their data and unit tests); every row and column of
int_instagram__account_daily and int_instagram__posts must equal the generator's truth.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, timedelta

import duckdb
import pytest

from core.config import CompanyConfig
from demo.generator import instagram as truth
from demo.server import DemoServer
from extractors.core import Window
from tests.conftest import DEMO_TODAY, extract, load_and_build, rows

ACCOUNT = "17841405822304914"
# Reaches back more than 30 days, so older days have no follower_count.
RUN = Window(date(2026, 10, 1), DEMO_TODAY - timedelta(days=1))


@pytest.fixture(scope="module")
def warehouse(
    demo_server: DemoServer, company: CompanyConfig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[duckdb.DuckDBPyConnection]:
    tmp_path = tmp_path_factory.mktemp("instagram_dbt")
    demo_server.clear_faults()
    partitions = extract(company, demo_server, tmp_path, {"instagram": None}, RUN, "extract-1", page_size=25)
    built = load_and_build(
        tmp_path,
        [partitions],
        ["--select", "path:models/staging/instagram", "path:models/intermediate/instagram"],
    )
    result = built.result
    assert result.exception is None, result.exception
    failed = [r.node.name for r in result.result.results if str(r.status) in ("error", "fail")]
    assert result.success, f"dbt build failed: {failed}"
    names = {r.node.name for r in result.result.results}
    assert {"int_instagram__posts", "test_int_instagram__posts_engagements_and_format"} <= names
    yield built.con
    built.con.close()


def test_account_daily_equals_truth_every_row_and_column(warehouse, company) -> None:
    window = Window(RUN.start - timedelta(days=company.sources.instagram.insights_lookback_days), RUN.end)
    snapshot_day = DEMO_TODAY - timedelta(days=1)
    expected = [
        {
            "platform": "instagram",
            "account_id": ACCOUNT,
            "metric_date": row["date"],
            "followers": row["followers"] if row["date"] == snapshot_day else None,
            **{
                k: row[k]
                for k in ("followers_gained", "followers_lost", "engagements", "views", "reach", "shares")
            },
        }
        for row in truth.account_daily(ACCOUNT, window.start, window.end, DEMO_TODAY)
    ]
    got = rows(warehouse, "select * from intermediate.int_instagram__account_daily order by metric_date")
    assert got == expected
    # follower_count is kept 30 days: older days are null, recent ones are numbers (zero included).
    assert got[0]["followers_gained"] is None
    assert all(r["followers_gained"] is not None for r in got if (DEMO_TODAY - r["metric_date"]).days <= 30)


def test_posts_equal_truth_every_row_and_column(warehouse, company) -> None:
    window = Window(RUN.start - timedelta(days=company.sources.instagram.media_lookback_days), RUN.end)
    expected = [
        {
            "platform": "instagram",
            "post_id": post["id"],
            "account_id": ACCOUNT,
            "post_format": post["post_format"],
            "platform_post_type": f"{post['media_product_type']}/{post['media_type']}",
            "message": post["caption"],
            "permalink_url": post["permalink"],
            **{
                k: post[k]
                for k in (
                    "views",
                    "reach",
                    "reactions",
                    "comments",
                    "shares",
                    "quotes",
                    "saves",
                    "clicks",
                    "engagements",
                )
            },
            "created_date": post["created_date"],
            "created_at": post["created_time"].astimezone(UTC).replace(tzinfo=None),
        }
        for post in truth.posts(ACCOUNT, window.start, window.end, DEMO_TODAY)
    ]
    got = rows(warehouse, "select * from intermediate.int_instagram__posts order by created_at, post_id")
    assert all(r.pop("metrics_as_of") is not None for r in got)
    assert len(got) > 40
    assert got == expected
    assert {r["post_format"] for r in got} == {"reel", "image", "carousel", "video"}


def test_accounts_names_the_account_by_its_username(warehouse) -> None:
    assert rows(warehouse, "select * from intermediate.int_instagram__accounts") == [
        {
            "platform": "instagram",
            "account_id": ACCOUNT,
            "account_name": "lumostrollers",
            "profile_url": "https://www.instagram.com/lumostrollers/",
        }
    ]
    assert truth.accounts()[0]["account_name"] == "lumostrollers"
