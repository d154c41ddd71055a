"""The campaign registry: validated row by row, loaded with the accounts, built by dbt."""

from __future__ import annotations

import copy
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from core.campaigns import CampaignError, campaigns_for, load_campaigns, parse_campaigns
from core.config import CompanyConfig, load_config
from core.settings import PROJECT_ROOT
from loading.raw import load_partitions
from tests.conftest import load_and_build
from tests.loading import test_loader

SHIPPED = PROJECT_ROOT / "config" / "campaigns.yml"
SHIPPED_COMPANY = PROJECT_ROOT / "config" / "company.yml"
DEMO = yaml.safe_load(SHIPPED.read_text())
landed = test_loader.landed  # fixture: the demo Facebook Page's landed partitions for one day
snapshot = test_loader.snapshot


def _index(name: str) -> int:
    return next(i for i, c in enumerate(DEMO["campaigns"]) if c["name"] == name)


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "campaigns.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_the_shipped_registry_is_valid() -> None:
    registry = load_campaigns(SHIPPED)
    assert registry.reporting_currency == "GBP"
    assert len(registry.campaigns) >= 5
    assert {c.type for c in registry.campaigns} >= {"giveaway", "paid_boost", "influencer", "contest"}
    assert {c.platform for c in registry.campaigns} >= {"instagram", "facebook_pages", "youtube", "linkedin"}
    assert any(c.currency == "EUR" for c in registry.campaigns)
    assert all(date(2026, 5, 1) <= c.start <= c.end <= date(2026, 11, 30) for c in registry.campaigns)


def test_the_path_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = copy.deepcopy(DEMO)
    data["campaigns"] = data["campaigns"][:1]
    monkeypatch.setenv("WAREHOUSE_CAMPAIGNS", str(_write(tmp_path, data)))
    assert [c.name for c in load_campaigns().campaigns] == ["Spring giveaway"]


BOOST = _index("Summer Glide boost")
EURO = _index("Dublin launch giveaway")


@pytest.mark.parametrize(
    ("row", "field", "value", "expected"),
    [
        (BOOST, "end", date(2026, 6, 1), "end: 2026-06-01 is before start 2026-06-08"),
        (BOOST, "currency", "XYZ", "currency: unknown ISO 4217 currency code 'XYZ'"),
        (BOOST, "cost", -5, "cost: -5 is negative"),
        (BOOST, "name", "spring GIVEAWAY ", "name: duplicate of campaigns[0]"),
        (
            BOOST,
            "utm_campaign",
            "spring_giveaway_2026",
            "utm_campaign: 'spring_giveaway_2026' is already used",
        ),
        (BOOST, "utm_campaign", "Summer Boost", "utm_campaign: 'Summer Boost'"),
        (BOOST, "platform", "tiktok", "platform: 'tiktok'"),
        (BOOST, "type", "sweepstake", "type: 'sweepstake'"),
        (EURO, "start", date(2026, 4, 20), "currency: no fx rate for EUR in 2026-04"),
        (EURO, "currency", "USD", "currency: no fx rate for USD in 2026-09"),
    ],
)
def test_a_bad_row_names_file_row_campaign_and_field(tmp_path: Path, row, field, value, expected) -> None:
    data = copy.deepcopy(DEMO)
    data["campaigns"][row][field] = value
    path = _write(tmp_path, data)
    with pytest.raises(CampaignError) as caught:
        load_campaigns(path)
    name = data["campaigns"][row]["name"]
    assert f"{path}: campaigns[{row}] (name {name!r}): {expected}" in str(caught.value)
    assert str(caught.value).startswith(f"{path}: invalid campaign registry (1 problem)")


def test_every_bad_row_is_reported_at_once() -> None:
    data = copy.deepcopy(DEMO)
    data["campaigns"][1]["cost"] = -1
    data["campaigns"][2]["end"] = date(2026, 1, 1)
    data["campaigns"][3]["currency"] = "DOGE"
    data["campaigns"][3]["platform"] = "myspace"
    data["campaigns"].append(copy.deepcopy(data["campaigns"][0]))
    del data["campaigns"][0]["goal"]
    with pytest.raises(CampaignError) as caught:
        parse_campaigns(data, "config/campaigns.yml")
    lines = str(caught.value).splitlines()
    assert lines[0] == "config/campaigns.yml: invalid campaign registry (7 problems); nothing was loaded"
    fields = [line.split("): ", 1)[1].split(":")[0] for line in lines[1:]]
    rows = [line.split("campaigns[", 1)[1].split("]")[0] for line in lines[1:]]
    assert list(zip(rows, fields, strict=True)) == [
        ("0", "goal"),
        ("1", "cost"),
        ("2", "end"),
        ("3", "platform"),
        ("3", "currency"),
        ("7", "name"),
        ("7", "utm_campaign"),
    ]


def test_a_bad_fx_rate_is_refused() -> None:
    data = copy.deepcopy(DEMO)
    data["fx_rates"]["EUR"]["2026-09"] = 0
    data["fx_rates"]["EUR"]["2026-13"] = 1.1
    with pytest.raises(CampaignError) as caught:
        parse_campaigns(data, "c.yml")
    message = str(caught.value)
    assert "c.yml: fx_rates.EUR.2026-09: rate must be a number greater than 0" in message
    assert 'c.yml: fx_rates.EUR.2026-13: month must be a quoted "YYYY-MM"' in message
    assert (
        "c.yml: campaigns[4] (name 'Dublin launch giveaway'): currency: no fx rate for EUR in 2026-09"
        in message
    )


def test_a_bad_registry_fails_the_load_and_changes_nothing(
    company, landed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_partitions(con, landed, "good", company, load_campaigns(SHIPPED))
    con.close()
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    before = snapshot(con)
    assert len(before["company__campaigns"]) == len(DEMO["campaigns"])
    assert len(before["facebook_pages__posts"]) > 0
    for partition in landed:  # the re-landed data would change the tables if it were loaded
        if partition.stream == "posts" and partition.rows > 1:
            partition.path.write_text(partition.path.read_text().splitlines()[0] + "\n")
    data = copy.deepcopy(DEMO)
    data["campaigns"][0]["end"] = date(2026, 4, 1)
    data["campaigns"][3]["cost"] = -1
    data["campaigns"] = data["campaigns"][:4]  # a good load would also drop two campaigns
    monkeypatch.setenv("WAREHOUSE_CAMPAIGNS", str(_write(tmp_path, data)))
    with pytest.raises(CampaignError) as caught:
        load_partitions(con, landed, "bad", company)
    assert "campaigns[0] (name 'Spring giveaway'): end: 2026-04-01 is before start 2026-05-04" in str(
        caught.value
    )
    assert "campaigns[3] (name 'Retailer window display contest'): cost: -1 is negative" in str(caught.value)
    assert snapshot(con) == before
    con.close()


def test_a_bad_default_registry_is_refused_before_the_schema_exists(
    company, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = copy.deepcopy(DEMO)
    data["campaigns"][1]["cost"] = -3
    monkeypatch.setenv("WAREHOUSE_CAMPAIGNS", str(_write(tmp_path, data)))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(CampaignError, match=r"campaigns\[1\] \(name 'Summer Glide boost'\): cost"):
        load_partitions(con, [], "bad", company)
    tables = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw'"
    ).fetchone()
    assert tables == (0,)


def test_a_good_load_writes_costs_in_the_reporting_currency(company, tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_partitions(con, [], "good", company, load_campaigns(SHIPPED))
    rows = con.execute(
        "select name, cost, currency, fx_rate, cost_in_reporting_currency, reporting_currency, "
        "start_date, end_date, utm_campaign from raw.company__campaigns order by name"
    ).fetchall()
    expected = []
    for c in sorted(DEMO["campaigns"], key=lambda c: c["name"]):
        rate = (
            Decimal(1)
            if c["currency"] == "GBP"
            else Decimal(str(DEMO["fx_rates"][c["currency"]][c["start"].strftime("%Y-%m")]))
        )
        cost = Decimal(str(c["cost"]))
        converted = (cost * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        expected.append(
            (c["name"], cost, c["currency"], rate, converted, "GBP", c["start"], c["end"], c["utm_campaign"])
        )
    assert rows == expected
    euro = next(r for r in rows if r[2] == "EUR")
    assert euro[4] == Decimal("1887.60")  # EUR 2,200 at 0.8580 (September 2026)
    fx = con.execute("select currency, rate_month, rate from raw.company__fx_rates order by 2").fetchall()
    assert fx[0] == ("EUR", date(2026, 5, 1), Decimal("0.851000")) and len(fx) == 7


def test_a_reporting_currency_unlike_the_company_s_is_refused(company, tmp_path: Path) -> None:
    data = copy.deepcopy(DEMO)
    data["reporting_currency"] = "EUR"
    data["fx_rates"] = {
        "GBP": {m: 1.17 for m in ("2026-05", "2026-06", "2026-07", "2026-09", "2026-10", "2026-11")}
    }
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(CampaignError, match=r"reporting_currency EUR differs from company\.currency GBP"):
        load_partitions(con, [], "x", company, parse_campaigns(data))


def test_dbt_builds_and_tests_the_company_staging_models(company, tmp_path: Path) -> None:
    selection = ["--select", "path:models/staging/company", "--indirect-selection", "cautious"]
    warehouse = load_and_build(tmp_path, {"good": []}, selection, company, campaigns=load_campaigns(SHIPPED))
    result = warehouse.result
    failed = [r.node.name for r in (result.result or []) if r.status not in ("success", "pass")]
    assert result.success and not failed, (result.exception, failed)
    ran = {r.node.name for r in result.result}
    assert {
        "stg_company__campaigns",
        "unique_stg_company__campaigns_utm_campaign",
        "non_negative_stg_company__campaigns_cost_amount",
    } <= ran
    assert any(name.startswith("expression_is_true_stg_company__campaigns") for name in ran)
    assert any(name.startswith("accepted_values_stg_company__campaigns_platform") for name in ran)
    built = warehouse.con.execute(
        "select campaign_name, campaign_type, cost_in_reporting_currency "
        "from staging.stg_company__campaigns where currency = 'EUR'"
    ).fetchall()
    assert built == [("Dublin launch giveaway", "giveaway", Decimal("1887.60"))]


def _company_in_euros(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CompanyConfig:
    """A company of one's own: the shipped config copied elsewhere, reporting in EUR."""
    data = yaml.safe_load(SHIPPED_COMPANY.read_text())
    data["company"]["currency"] = "EUR"
    path = tmp_path / "our-company.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    monkeypatch.setenv("WAREHOUSE_COMPANY_CONFIG", str(path))
    monkeypatch.delenv("WAREHOUSE_CAMPAIGNS", raising=False)
    return load_config()


def test_a_company_of_one_s_own_starts_with_no_campaigns(
    landed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _company_in_euros(tmp_path, monkeypatch)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_partitions(con, landed, "own", config)
    assert con.execute("select count(*) from raw.company__campaigns").fetchone() == (0,)
    assert con.execute("select count(*) from raw.company__fx_rates").fetchone() == (0,)
    assert con.execute("select count(*) from raw.facebook_pages__posts").fetchone()[0] > 0
    con.close()


def test_a_company_of_one_s_own_loads_the_registry_it_names(
    landed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _company_in_euros(tmp_path, monkeypatch)
    ours = {"reporting_currency": "EUR", "campaigns": [dict(DEMO["campaigns"][EURO], name="Our launch")]}
    monkeypatch.setenv("WAREHOUSE_CAMPAIGNS", str(_write(tmp_path, ours)))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_partitions(con, landed, "own", config)
    rows = con.execute("select name, reporting_currency, fx_rate from raw.company__campaigns").fetchall()
    assert rows == [("Our launch", "EUR", Decimal(1))]
    con.close()


def test_the_demo_registry_named_for_another_currency_says_what_to_do(
    landed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _company_in_euros(tmp_path, monkeypatch)
    monkeypatch.setenv("WAREHOUSE_CAMPAIGNS", str(SHIPPED))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(CampaignError) as caught:
        load_partitions(con, landed, "own", config)
    message = str(caught.value)
    assert message.startswith(f"{SHIPPED}: reporting_currency GBP differs from company.currency EUR")
    assert str(tmp_path / "our-company.yml") in message
    assert "WAREHOUSE_CAMPAIGNS" in message and "reporting_currency to EUR" in message
    assert con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw'"
    ).fetchone() == (0,)
    con.close()


def test_the_shipped_company_edited_to_another_currency_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WAREHOUSE_COMPANY_CONFIG", raising=False)
    monkeypatch.delenv("WAREHOUSE_CAMPAIGNS", raising=False)
    assert campaigns_for("GBP").campaigns  # the demo company reads the demo registry
    with pytest.raises(CampaignError) as caught:
        campaigns_for("EUR")
    message = str(caught.value)
    assert message.startswith(f"{SHIPPED}: reporting_currency GBP differs from company.currency EUR")
    assert "demo company's registry, used because WAREHOUSE_CAMPAIGNS is unset" in message
    assert "set WAREHOUSE_COMPANY_CONFIG to the copy" in message
    assert "reporting_currency: EUR" in message and "set WAREHOUSE_CAMPAIGNS to it" in message
