"""The competitor benchmark end to end: demo APIs -> extractors -> loader -> `dbt build`.

Own and competitor accounts on X, Instagram (business_discovery for competitors), YouTube and
Facebook (public page fields for competitors) are extracted for November up to the day before
the demo's today, with the listening sources for share of voice. fct_competitor_benchmark_monthly
is held to truth worked out here from the platform generators: followers at the month's last
reading, posts, public engagements and engagements per post per brand and platform, each
brand's rank, and null (never 0) where a competitor cannot be read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from core.config import CompanyConfig
from demo.generator import facebook_pages, instagram, x, youtube
from demo.server import DemoServer
from extractors.core import Window
from tests.conftest import DEMO_TODAY, assert_dbt_succeeded, extract, load_and_build

RUN = Window(date(2026, 11, 1), DEMO_TODAY - timedelta(days=1))
MONTH = date(2026, 11, 1)
STREAMS = {
    "x": ["user", "tweets", "tweet_metrics", "search"],
    "instagram": ["account_snapshot", "account_insights", "media", "media_insights", "business_discovery"],
    "youtube": ["channel_snapshot", "channel_daily", "videos"],
    "facebook_pages": ["page_insights", "page_snapshot", "posts"],
    "reddit": ["search"],
    "rss": ["entries"],
}
GENERATORS = {"x": x, "instagram": instagram, "youtube": youtube, "facebook_pages": facebook_pages}


def public_engagements(platform: str, post: dict[str, Any]) -> int:
    """What anyone can see of a post's engagement (the model's definition, written again)."""
    parts = {
        "x": ("reactions", "comments", "shares", "quotes"),
        "instagram": ("reactions", "comments"),
        "youtube": ("reactions", "comments"),
        "facebook_pages": ("reactions", "comments", "shares"),
    }[platform]
    return sum(post.get(part) or 0 for part in parts)


@pytest.fixture(scope="module")
def benchmark(
    company: CompanyConfig, demo_server: DemoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[tuple[str, str], dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("benchmark_dbt")
    landed = extract(company, demo_server, tmp, STREAMS, RUN, "run-1")
    selection = ["--select", "+fct_competitor_benchmark_monthly", "--indirect-selection", "cautious"]
    built = load_and_build(tmp, [landed], selection, company)
    assert_dbt_succeeded(built.result)
    found = built.rows("select * from marts.fct_competitor_benchmark_monthly where month_start = $1", [MONTH])
    built.con.close()
    yield {(row["brand_id"], row["platform"]): row for row in found}


def brand_accounts(company: CompanyConfig, platform: str) -> dict[str, list[str]]:
    found = {"lumo": [a.id for a in company.own_accounts(platform)]}
    for target in company.listening_targets()[1:]:
        competitor = next(c for c in company.competitors if c.name == target.name)
        found[target.id] = [a.id for a in getattr(competitor.accounts, platform)]
    return {brand: ids for brand, ids in found.items() if ids}


@pytest.fixture(scope="module")
def truth(company: CompanyConfig) -> dict[tuple[str, str], dict[str, Any]]:
    expected: dict[tuple[str, str], dict[str, Any]] = {}
    for platform, generator in GENERATORS.items():
        for brand, ids in brand_accounts(company, platform).items():
            followers = sum(
                generator.account_daily(i, RUN.end, RUN.end, DEMO_TODAY)[0]["followers"] for i in ids
            )
            readable = brand == "lumo" or platform != "facebook_pages"
            posts = [p for i in ids for p in generator.posts(i, RUN.start, RUN.end, DEMO_TODAY)]
            engagements = sum(public_engagements(platform, p) for p in posts)
            expected[(brand, platform)] = {
                "followers_end": followers,
                "posts_published": len(posts) if readable else None,
                "public_engagements": engagements if readable else None,
                "engagements_per_post": engagements / len(posts) if readable and posts else None,
            }
    return expected


def test_every_brand_has_a_row_on_each_platform_it_is_on(benchmark: dict, truth: dict) -> None:
    assert set(benchmark) == set(truth)


@pytest.mark.parametrize("measure", ["followers_end", "posts_published", "public_engagements"])
def test_counts_equal_the_truth(benchmark: dict, truth: dict, measure: str) -> None:
    got = {key: row[measure] for key, row in benchmark.items()}
    want = {key: cell[measure] for key, cell in truth.items()}
    assert got == want


def test_engagements_per_post_and_rank(benchmark: dict, truth: dict) -> None:
    by_platform: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (brand, platform), cell in truth.items():
        assert benchmark[(brand, platform)]["engagements_per_post"] == pytest.approx(
            cell["engagements_per_post"]
        )
        if cell["engagements_per_post"] is not None:
            by_platform[platform].append((brand, cell["engagements_per_post"]))
    for platform, values in by_platform.items():
        ordered = [brand for brand, _ in sorted(values, key=lambda v: -v[1])]
        for rank, brand in enumerate(ordered, start=1):
            assert benchmark[(brand, platform)]["engagements_per_post_rank"] == rank, (platform, brand)
    # A competitor's Facebook posts are not readable: no value and no rank, never a 0.
    for (brand, platform), row in benchmark.items():
        if platform == "facebook_pages" and brand != "lumo":
            assert row["posts_published"] is None and row["engagements_per_post_rank"] is None


def test_followers_rank_and_the_demo_story(benchmark: dict, truth: dict) -> None:
    instagram_order = sorted(
        (b for b, p in truth if p == "instagram"), key=lambda b: -truth[(b, "instagram")]["followers_end"]
    )
    assert [benchmark[(b, "instagram")]["followers_rank"] for b in instagram_order] == [1, 2, 3]
    assert instagram_order[0] == "bramble-baby", "Bramble Baby is the bigger brand on Instagram"
    assert benchmark[("lumo", "youtube")]["followers_rank"] == 1, "Lumo is the biggest on YouTube"
    x_posts = {b: benchmark[(b, "x")]["posts_per_week"] for b, p in benchmark if p == "x"}
    assert max(x_posts, key=x_posts.get) == "kiddo-motion", "Kiddo Motion posts most often on X"


def test_share_of_voice_is_the_months(benchmark: dict) -> None:
    shares = {brand: row["share_of_voice"] for (brand, platform), row in benchmark.items() if platform == "x"}
    assert all(share is not None for share in shares.values())
    assert sum(shares.values()) == pytest.approx(1.0)
    assert benchmark[("lumo", "x")]["share_of_voice"] == benchmark[("lumo", "instagram")]["share_of_voice"]
