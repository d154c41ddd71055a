"""The demo company's campaigns end to end: demo APIs -> extractors -> loader -> `dbt build`.

Every source is extracted from April 2026 to the day before the demo's today, so each campaign
of the registry (config/campaigns.yml) and its weekday-matched baseline are in the warehouse.
fct_campaign_performance is then held to truth worked out here, not read from the warehouse:
campaign sessions, key events, revenue and ROI from the GA4 generator's rows and the registry
file; the designed outcomes (one campaign that works, one that does nothing, one that loses
money) as verdicts; and the uplift intervals from a second implementation of the model
(tests/uplift.py) over the generator's traffic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.config import CompanyConfig
from demo.generator import google_analytics as truth
from demo.server import DemoServer
from extractors import source_class
from extractors.core import Window
from extractors.x.api import utc_clock
from tests.conftest import DEMO_TODAY, Built, assert_dbt_succeeded, extract, load_and_build
from tests.uplift import uplift

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = ROOT / "config" / "campaigns.yml"
PROPERTY = "412345678"
RUN = Window(date(2026, 4, 1), DEMO_TODAY - timedelta(days=1))
CAMPAIGN_SOURCES = ("facebook_pages", "instagram", "x", "linkedin", "youtube", "google_analytics")
FIRST_REPORT_DATE = RUN.start - timedelta(days=3)  # GA4's look-back re-reads 3 days
LAST_SETTLED_DATE = RUN.end - timedelta(days=2)  # the ga_settling_days var
# The social network of each session source the demo's GA4 property sends (the seed's rules).
PLATFORM_OF_SOURCE = {
    "facebook": "facebook_pages",
    "facebook.com": "facebook_pages",
    "l.facebook.com": "facebook_pages",
    "m.facebook.com": "facebook_pages",
    "instagram": "instagram",
    "instagram.com": "instagram",
    "t.co": "x",
    "x.com": "x",
    "lnkd.in": "linkedin",
    "linkedin.com": "linkedin",
    "youtube": "youtube",
    "youtube.com": "youtube",
}


@pytest.fixture(scope="module")
def built(
    company: CompanyConfig, demo_server: DemoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Built]:
    tmp = tmp_path_factory.mktemp("campaigns_dbt")
    # The own accounts' streams: listening and competitors have their own tests.
    sources = {name: source_class(name)(company) for name in CAMPAIGN_SOURCES}
    streams = {
        name: [s.name for s in source.stream_types if "own" in s.audience and s.name != "comments"]
        for name, source in sources.items()
    }
    own = {name: [a.id for a in source.audience_accounts("own")] for name, source in sources.items()}
    # X's timeline reads up to the real now, as the daily run does (no recent search here).
    landed = extract(company, demo_server, tmp, streams, RUN, "run-{source}", accounts=own, x_clock=utc_clock)
    # What the campaign marts are built from (the whole project's build is the full warehouse's).
    selection = ["--select", "+fct_campaign_performance +fct_account_daily +dim_account"]
    built = load_and_build(tmp, [landed], [*selection, "--indirect-selection", "cautious"], company)
    yield built
    built.con.close()


@pytest.fixture(scope="module")
def performance(built: Built) -> dict[str, dict[str, Any]]:
    rows = built.rows("select * from marts.fct_campaign_performance")
    return {row["utm_campaign"]: row for row in rows}


def registry() -> dict[str, Any]:
    return yaml.safe_load(REGISTRY.read_text())


def cost_in_pounds(campaign: dict[str, Any], rates: dict[str, dict[str, float]]) -> Decimal:
    cost = Decimal(str(campaign["cost"]))
    if campaign["currency"] != "GBP":
        cost *= Decimal(str(rates[campaign["currency"]][campaign["start"].strftime("%Y-%m")]))
    return cost.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def daily_truth(campaign: dict[str, Any], start: date, end: date) -> dict[date, dict[str, Decimal]]:
    """Per day: the campaign's platform traffic and its utm-tagged traffic, from the generator."""
    days: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in truth.traffic(PROPERTY, start, end, DEMO_TODAY):
        day = days[row["report_date"]]
        tagged = row["session_campaign_name"] == campaign["utm_campaign"]
        if tagged or PLATFORM_OF_SOURCE.get(row["session_source"]) == campaign["platform"]:
            day["sessions"] += row["sessions"]
            day["key_events"] += row["key_events"]
        if tagged:
            day["campaign_sessions"] += row["sessions"]
            day["campaign_key_events"] += row["key_events"]
            day["campaign_revenue"] += row["total_revenue"]
    return days


def offset_of(campaign: dict[str, Any]) -> int:
    length = (campaign["end"] - campaign["start"]).days + 1
    return 7 * -(-length // 7)


def test_the_campaign_models_build_with_their_tests(built: Built) -> None:
    assert_dbt_succeeded(built.result)
    names = {r.node.name for r in built.result.result.results}
    assert {"int_campaigns__daily", "int_campaigns__uplift", "fct_campaign_performance"} <= names


def test_the_registry_and_the_demo_traffic_describe_the_same_campaigns() -> None:
    effects = defaultdict(set)
    for effect in truth.CAMPAIGN_EFFECTS:
        effects[effect.utm_campaign].add((effect.start, effect.end))
    for campaign in registry()["campaigns"]:
        windows = effects.pop(campaign["utm_campaign"])
        assert min(s for s, _ in windows) == campaign["start"], campaign["name"]
        assert max(e for _, e in windows) == campaign["end"], campaign["name"]
    assert not effects, f"generator campaigns missing from the registry: {sorted(effects)}"


def test_campaign_totals_and_roi_equal_the_generator_s_truth(performance: dict[str, dict[str, Any]]) -> None:
    data = registry()
    assert set(performance) == {c["utm_campaign"] for c in data["campaigns"]}
    for campaign in data["campaigns"]:
        got = performance[campaign["utm_campaign"]]
        end = min(campaign["end"], RUN.end)
        days = daily_truth(campaign, campaign["start"], end).values()
        revenue = sum((d["campaign_revenue"] for d in days), Decimal(0))
        cost = cost_in_pounds(campaign, data["fx_rates"])
        assert got["cost"] == cost, campaign["name"]
        assert got["sessions"] == sum(d["campaign_sessions"] for d in days), campaign["name"]
        assert got["key_events"] == sum(d["campaign_key_events"] for d in days), campaign["name"]
        assert got["revenue"] == revenue, campaign["name"]
        assert got["roi"] == pytest.approx(float((revenue - cost) / cost), rel=1e-9), campaign["name"]
        sessions = sum(d["campaign_sessions"] for d in days)
        assert got["cost_per_session"] == pytest.approx(float(cost / sessions) if sessions else None)
        assert got["campaign_status"] == ("running" if campaign["end"] > RUN.end else "finished"), campaign[
            "name"
        ]
        assert (got["baseline_start_date"], got["baseline_end_date"]) == (
            campaign["start"] - timedelta(days=offset_of(campaign)),
            campaign["end"] - timedelta(days=offset_of(campaign)),
        )


@pytest.mark.parametrize(("utm_campaign", "outcome"), sorted(truth.CAMPAIGN_OUTCOMES.items()))
def test_the_designed_outcomes_come_out_as_verdicts(
    performance: dict[str, dict[str, Any]], utm_campaign: str, outcome: str
) -> None:
    got = performance[utm_campaign]
    verdicts = (got["sessions_verdict"], got["key_events_verdict"])
    if outcome == "works":
        assert verdicts == ("better", "better") and got["roi"] > 0, got
    elif outcome == "does nothing":
        assert got["sessions_verdict"] == "no detectable change", got
        assert got["key_events_verdict"] in {"no detectable change", "not enough data"}, got
    else:  # loses money: it brings visitors, but fewer orders than it costs
        assert got["sessions_verdict"] == "better" and got["roi"] < 0, got


def test_uplift_equals_a_second_implementation_over_the_generator_s_traffic(
    performance: dict[str, dict[str, Any]],
) -> None:
    for campaign in registry()["campaigns"]:
        offset = offset_of(campaign)
        days = daily_truth(campaign, campaign["start"] - timedelta(days=offset), campaign["end"])
        for metric in ("sessions", "key_events"):
            pairs = [
                (day, float(days[day][metric]), float(days[day - timedelta(days=offset)][metric]))
                for day in (campaign["start"] + timedelta(days=i) for i in range(offset))
                if day <= min(campaign["end"], LAST_SETTLED_DATE)
                and day - timedelta(days=offset) >= FIRST_REPORT_DATE
            ]
            expected = uplift(pairs)
            got = performance[campaign["utm_campaign"]]
            assert got[f"{metric}_verdict"] == expected.verdict, (campaign["name"], metric)
            assert got[f"{metric}_uplift_days"] == expected.pair_days, (campaign["name"], metric)
            n = expected.pair_days
            baseline = expected.baseline_total / n if n else None
            change = (expected.campaign_total - expected.baseline_total) / n if n else None
            for column, value in (
                (f"{metric}_uplift", expected.relative_uplift),
                (f"{metric}_uplift_ci_low", expected.ci_low),
                (f"{metric}_uplift_ci_high", expected.ci_high),
                (f"{metric}_baseline_per_day", baseline),
                (f"{metric}_change_per_day", change),
                (f"{metric}_change_per_day_ci_low", expected.ci_low and baseline * expected.ci_low),
                (f"{metric}_change_per_day_ci_high", expected.ci_high and baseline * expected.ci_high),
            ):
                expected_value = None if value is None else pytest.approx(value, rel=1e-4, abs=1e-6)
                assert got[column] == expected_value, (campaign["name"], column)


def test_engagement_uplift_and_follower_change_come_from_the_company_s_own_accounts(
    built: Built, performance: dict[str, dict[str, Any]]
) -> None:
    daily = built.rows(
        "select f.platform, f.metric_date, sum(f.engagements) as engagements, "
        "sum(f.shares) as shares, sum(f.net_follower_change) as net_follower_change "
        "from marts.fct_account_daily as f "
        "inner join marts.dim_account as a using (account_key) where a.is_own group by all"
    )
    by_day = {(r["platform"], r["metric_date"]): r for r in daily}
    for campaign in registry()["campaigns"]:
        offset, platform = offset_of(campaign), campaign["platform"]
        got = performance[campaign["utm_campaign"]]
        campaign_days = [
            campaign["start"] + timedelta(days=i)
            for i in range((campaign["end"] - campaign["start"]).days + 1)
        ]
        pairs = []
        for day in campaign_days:
            now, before = by_day.get((platform, day)), by_day.get((platform, day - timedelta(days=offset)))
            if now and before and now["engagements"] is not None and before["engagements"] is not None:
                pairs.append((day, float(now["engagements"]), float(before["engagements"])))
        expected = uplift(pairs)
        assert got["engagements_verdict"] == expected.verdict, campaign["name"]
        if expected.relative_uplift is None:
            assert got["engagements_uplift"] is None, campaign["name"]
        else:
            assert got["engagements_uplift"] == pytest.approx(expected.relative_uplift, rel=1e-4), campaign[
                "name"
            ]
        engagements = [by_day[(platform, d)]["engagements"] for d in campaign_days if (platform, d) in by_day]
        assert got["platform_engagements"] == sum(e for e in engagements if e is not None), campaign["name"]
        shares = [by_day[(platform, d)]["shares"] for d in campaign_days if (platform, d) in by_day]
        shares = [x for x in shares if x is not None]
        assert got["platform_shares"] == (sum(shares) if shares else None), campaign["name"]
        flows = [
            by_day[(platform, d)]["net_follower_change"] for d in campaign_days if (platform, d) in by_day
        ]
        flows = [f for f in flows if f is not None]
        assert got["net_follower_change"] == (sum(flows) if flows else None), campaign["name"]
        assert got["days_with_follower_change"] == len(flows), campaign["name"]
