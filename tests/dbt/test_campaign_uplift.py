"""The campaign uplift model (int_campaigns__uplift) on synthetic series with known truth.

Thousands of synthetic campaigns go into a throwaway warehouse as the model's input table
(int_campaigns__daily's columns), the real model runs through `dbt run`, and its intervals are
judged the way an interval should be: with no effect, "better" or "worse" about 5 % of the time;
with an effect, the interval holds the true effect about 95 % of the time and the verdict finds
it. A second implementation (tests/uplift.py) checks the arithmetic campaign by campaign.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.conftest import rows as query
from tests.conftest import run_dbt
from tests.uplift import uplift

WEEKDAY_FACTORS = (1.0, 1.02, 1.0, 0.97, 0.9, 0.78, 0.95)
START = date(2026, 6, 1)


@dataclass(frozen=True)
class Scenario:
    prefix: str
    campaigns: int
    effect: float
    """True relative uplift (campaign rate / baseline rate - 1) on every metric."""
    overdispersion: float = 0.0
    """Gamma-Poisson shape 1/k: 0 is pure Poisson; engagements always get some on top."""


SCENARIOS = (
    Scenario("null", 2000, 0.0),
    Scenario("null_overdispersed", 1000, 0.0, overdispersion=0.05),
    Scenario("up", 600, 0.30),
    Scenario("down", 300, -0.25),
)


def _draw(rng: np.random.Generator, mean: np.ndarray, overdispersion: float) -> np.ndarray:
    if overdispersion > 0:
        mean = rng.gamma(1 / overdispersion, mean * overdispersion)
    return rng.poisson(mean).astype(float)


def synthetic_rows(seed: int = 20261126) -> tuple[list[tuple[Any, ...]], dict[str, dict[str, list]]]:
    """Daily rows in int_campaigns__daily's shape, and each campaign's (day, campaign, baseline) pairs."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[Any, ...]] = []
    pairs: dict[str, dict[str, list]] = {}
    for scenario in SCENARIOS:
        for number in range(scenario.campaigns):
            name = f"{scenario.prefix}_{number}"
            length = int(rng.integers(7, 63))
            offset = 7 * math.ceil(length / 7)
            start = START + timedelta(days=int(rng.integers(0, 7)))
            campaign_days = [start + timedelta(days=i) for i in range(length)]
            factors = np.array([WEEKDAY_FACTORS[d.weekday()] for d in campaign_days])
            series = {}
            for metric, level, extra in (
                ("sessions", rng.uniform(20, 800), 0.0),
                ("key_events", rng.uniform(2, 15), 0.0),
                ("engagements", rng.uniform(50, 3000), 0.03),
            ):
                dispersion = scenario.overdispersion + extra
                baseline = _draw(rng, level * factors, dispersion)
                campaign = _draw(rng, level * factors * (1 + scenario.effect), dispersion)
                series[metric] = (campaign, baseline)
            pairs[name] = {
                metric: [(d, c, b) for d, c, b in zip(campaign_days, *series[metric], strict=True)]
                for metric in series
            }
            for role, values_at in (("campaign", 0), ("baseline", 1)):
                for i, day in enumerate(campaign_days):
                    metric_date = day if role == "campaign" else day - timedelta(days=offset)
                    matched = metric_date - timedelta(days=offset) if role == "campaign" else day
                    rows.append(
                        (
                            name,
                            role,
                            offset,
                            *(series[m][values_at][i] for m in ("sessions", "key_events", "engagements")),
                            True,
                            metric_date,
                            matched,
                        )
                    )
    return rows, pairs


def run_uplift(tmp: Path, rows: list[tuple[Any, ...]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Load rows as int_campaigns__daily, `dbt run` the real uplift model, read its rows back."""
    db_path = tmp / "w.duckdb"
    con = duckdb.connect(str(db_path))
    con.execute("create schema intermediate")
    con.execute(
        "create table intermediate.int_campaigns__daily (campaign_name varchar, day_role varchar, "
        "baseline_offset_days integer, sessions bigint, key_events bigint, engagements bigint, "
        "is_web_data_settled boolean, metric_date date, matched_date date)"
    )
    if rows:
        frame = pd.DataFrame(
            rows, columns=[c[0] for c in con.execute("describe intermediate.int_campaigns__daily").fetchall()]
        )
        con.register("frame", frame)
        con.execute("insert into intermediate.int_campaigns__daily select * from frame")
    con.close()
    result = run_dbt(["run", "--select", "int_campaigns__uplift"], db_path, tmp)
    assert result.success, result.exception
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        found = query(con, "select * from intermediate.int_campaigns__uplift")
        return {(r["campaign_name"], r["metric"]): r for r in found}
    finally:
        con.close()


@dataclass
class Synthetic:
    results: dict[tuple[str, str], dict[str, Any]]
    pairs: dict[str, dict[str, list]]

    def of(self, prefix: str, metric: str) -> list[dict[str, Any]]:
        return [
            row for (name, m), row in self.results.items() if m == metric and name.rsplit("_", 1)[0] == prefix
        ]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthetic]:
    rows, pairs = synthetic_rows()
    yield Synthetic(run_uplift(tmp_path_factory.mktemp("uplift"), rows), pairs)


def _rate(rows: list[dict[str, Any]], verdicts: set[str]) -> float:
    return sum(row["verdict"] in verdicts for row in rows) / len(rows)


@pytest.mark.parametrize("metric", ["sessions", "key_events", "engagements"])
@pytest.mark.parametrize("prefix", ["null", "null_overdispersed"])
def test_with_no_effect_about_five_percent_are_called_better_or_worse(
    synthetic: Synthetic, prefix: str, metric: str
) -> None:
    rows = synthetic.of(prefix, metric)
    rate = _rate(rows, {"better", "worse"})
    # 2.5 binomial standard deviations around 5 % at this many campaigns.
    spread = 2.5 * math.sqrt(0.05 * 0.95 / len(rows))
    assert 0.05 - spread - 0.005 <= rate <= 0.05 + spread + 0.005, rate
    # Errors go both ways about equally: the interval is not lopsided.
    assert abs(_rate(rows, {"better"}) - _rate(rows, {"worse"})) < 0.03


@pytest.mark.parametrize("metric", ["sessions", "key_events", "engagements"])
@pytest.mark.parametrize(("prefix", "effect"), [("up", 0.30), ("down", -0.25)])
def test_with_an_effect_the_interval_holds_it_about_95_percent_of_the_time(
    synthetic: Synthetic, prefix: str, effect: float, metric: str
) -> None:
    rows = synthetic.of(prefix, metric)
    covered = sum(r["relative_uplift_ci_low"] <= effect <= r["relative_uplift_ci_high"] for r in rows) / len(
        rows
    )
    spread = 2.5 * math.sqrt(0.05 * 0.95 / len(rows))
    assert 0.95 - spread - 0.01 <= covered <= 0.95 + spread + 0.01, covered


@pytest.mark.parametrize(("prefix", "verdict"), [("up", "better"), ("down", "worse")])
def test_a_large_effect_on_plenty_of_traffic_gets_its_verdict(
    synthetic: Synthetic, prefix: str, verdict: str
) -> None:
    # Sessions: at least 20 a day and 7 days, so a 25-30 % change is plain to see.
    rows = synthetic.of(prefix, "sessions")
    assert _rate(rows, {verdict}) > 0.97
    assert _rate(rows, {"better", "worse"} - {verdict}) == 0


def test_the_sql_agrees_with_a_second_implementation(synthetic: Synthetic) -> None:
    checked = 0
    for (name, metric), row in synthetic.results.items():
        if not name.endswith(("_0", "_1", "_2", "_3", "_4", "_5")):
            continue
        expected = uplift(synthetic.pairs[name][metric])
        assert row["verdict"] == expected.verdict, (name, metric)
        assert row["pair_days"] == expected.pair_days
        for column, value in (
            ("relative_uplift", expected.relative_uplift),
            ("relative_uplift_ci_low", expected.ci_low),
            ("relative_uplift_ci_high", expected.ci_high),
        ):
            # The SQL's t quantile is an expansion, good to 1e-5 (see the macro test).
            assert row[column] == pytest.approx(value, rel=1e-4, abs=1e-6), (name, metric, column)
        checked += 1
    assert checked == 4 * 6 * 3


def test_too_few_days_or_no_baseline_gives_no_verdict(tmp_path: Path) -> None:
    day = date(2026, 6, 1)

    def rows(name: str, length: int, baseline: float) -> list[tuple[Any, ...]]:
        out = []
        for i in range(length):
            d = day + timedelta(days=i)
            out.append((name, "campaign", 7, 100, 10, 500, True, d, d - timedelta(days=7)))
            out.append((name, "baseline", 7, baseline, baseline, baseline, True, d - timedelta(days=7), d))
        return out

    results = run_uplift(tmp_path, rows("six_days", 6, 50) + rows("no_baseline_traffic", 7, 0))
    for name in ("six_days", "no_baseline_traffic"):
        for metric in ("sessions", "key_events", "engagements"):
            row = results[(name, metric)]
            assert row["verdict"] == "not enough data", (name, metric)
            assert row["relative_uplift_ci_low"] is None
    assert results[("six_days", "sessions")]["pair_days"] == 6


def test_the_t_quantile_macro_matches_the_exact_one(tmp_path: Path) -> None:
    # The same SQL the model uses, rendered by dbt's own macro through a throwaway model.
    degrees = list(range(4, 301))
    results = run_uplift(tmp_path, [])
    assert results == {}
    compiled = (
        tmp_path / "target" / "compiled" / "social_warehouse" / "models" / "intermediate" / "campaigns"
    ) / "int_campaigns__uplift.sql"
    sql = compiled.read_text()
    start = sql.index("case\n        when residual_degrees_of_freedom >= 4 then")
    expression = sql[start : sql.index("end", start) + 3].replace("residual_degrees_of_freedom", "df")
    con = duckdb.connect()
    got = dict(con.execute(f"select df, {expression} from unnest(?) as t(df)", [degrees]).fetchall())
    for df in degrees:
        assert got[df] == pytest.approx(stats.t.ppf(0.975, df), abs=1e-3 if df < 10 else 1e-5), df
    assert con.execute(f"select {expression} from (select 3 as df)").fetchone() == (None,)
