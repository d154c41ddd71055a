"""The campaign registry: the team's campaigns and contests, with costs in the reporting currency.

One YAML file (``config/campaigns.yml`` documents every field) lists the campaigns. It is read and
validated on every load, row by row, so that one run reports every bad row at once, each naming the
file, the row, the campaign and the field. Costs in another currency are converted with fixed
monthly rates kept in the same file (the rate of the campaign's start month), so a reported cost
never moves when a rate feed changes.

The shipped ``config/campaigns.yml`` is the demo company's registry. It applies to the shipped
``config/company.yml`` only; a company of one's own starts with no campaigns until
``WAREHOUSE_CAMPAIGNS`` names its registry (``campaigns_for``).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.config import CURRENCIES, ConfigError, Platform
from core.settings import (
    SHIPPED_CAMPAIGNS,
    campaigns_configured,
    campaigns_path,
    company_config_path,
)

log = logging.getLogger(__name__)

CampaignType = Literal["giveaway", "contest", "paid_boost", "influencer", "other"]
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_CENT = Decimal("0.01")


class CampaignError(ConfigError):
    """The campaign registry is invalid; each line names the file, row, campaign and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _iso_currency(value: str) -> str:
    if value not in CURRENCIES:
        raise ValueError(f"unknown ISO 4217 currency code {value!r} (e.g. GBP, EUR, USD)")
    return value


class Campaign(_Strict):
    name: str = Field(min_length=1)
    type: CampaignType
    platform: Platform
    start: date
    end: date
    utm_campaign: str = Field(pattern=r"^[a-z0-9_-]+$")
    cost: Decimal = Field(decimal_places=4)
    currency: str
    goal: str = Field(min_length=1)
    notes: str | None = None

    @field_validator("name", "goal")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("cost")
    @classmethod
    def _non_negative(cls, value: Decimal) -> Decimal:
        if value < 0:
            raise ValueError(f"{value} is negative; a cost is 0 or more")
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return _iso_currency(value)


class CampaignRegistry(_Strict):
    reporting_currency: str
    campaigns: tuple[Campaign, ...] = ()
    # currency -> "YYYY-MM" -> units of the reporting currency for one unit of currency
    fx_rates: Mapping[str, Mapping[str, Decimal]] = Field(default_factory=dict)

    def rate(self, currency: str, month: date) -> Decimal:
        """The rate into the reporting currency for ``currency`` in ``month`` (1 for itself)."""
        if currency == self.reporting_currency:
            return Decimal(1)
        return self.fx_rates[currency][month.strftime("%Y-%m")]

    def cost_in_reporting_currency(self, campaign: Campaign) -> Decimal:
        """The campaign's cost at its start month's rate, rounded half up to 0.01."""
        return (campaign.cost * self.rate(campaign.currency, campaign.start)).quantize(
            _CENT, rounding=ROUND_HALF_UP
        )


def _describe(error: Mapping[str, Any], skip: int = 0) -> str:
    """One pydantic error as ``field: message``, dropping the first ``skip`` location parts."""
    field = ".".join(str(part) for part in error["loc"][skip:]) or "(row)"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] in {"literal_error", "string_pattern_mismatch", "decimal_max_places"}:
        message = f"{error['input']!r}: {message}"
    return f"{field}: {message}"


def _row_label(index: int, raw: object) -> str:
    name = raw.get("name") if isinstance(raw, dict) else None
    return f"campaigns[{index}] (name {name!r})" if isinstance(name, str) else f"campaigns[{index}]"


def _check_fx_rates(data: object) -> tuple[dict[str, dict[str, Decimal]], list[str]]:
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, [f"fx_rates: expected a mapping of currency -> month -> rate, got {type(data).__name__}"]
    rates: dict[str, dict[str, Decimal]] = {}
    problems: list[str] = []
    for currency, months in data.items():
        if currency not in CURRENCIES:
            problems.append(f"fx_rates.{currency}: unknown ISO 4217 currency code {currency!r}")
            continue
        if not isinstance(months, dict):
            problems.append(f'fx_rates.{currency}: expected a mapping of "YYYY-MM" -> rate')
            continue
        rates[currency] = {}
        for month, rate in months.items():
            where = f"fx_rates.{currency}.{month}"
            if not isinstance(month, str) or not _MONTH.match(month):
                problems.append(f'{where}: month must be a quoted "YYYY-MM" string')
            elif isinstance(rate, bool) or not isinstance(rate, int | float | str):
                problems.append(f"{where}: rate must be a number, got {rate!r}")
            else:
                try:
                    value = Decimal(str(rate))
                except ArithmeticError:
                    value = Decimal(-1)
                if not value.is_finite() or value <= 0:
                    problems.append(f"{where}: rate must be a number greater than 0, got {rate!r}")
                else:
                    rates[currency][month] = value
    return rates, problems


def parse_campaigns(data: object, origin: str = "<campaigns>") -> CampaignRegistry:
    """Validate already-parsed YAML; raise CampaignError listing every bad row and field."""
    if not isinstance(data, dict):
        raise CampaignError(f"{origin}: expected a mapping at the top level, got {type(data).__name__}")
    problems: list[str] = []
    unknown = sorted(set(data) - {"reporting_currency", "campaigns", "fx_rates"})
    problems += [
        f"{key}: unknown top-level key (expected reporting_currency, campaigns, fx_rates)" for key in unknown
    ]

    reporting = data.get("reporting_currency")
    if not isinstance(reporting, str) or reporting not in CURRENCIES:
        problems.append(
            f"reporting_currency: must be an ISO 4217 currency code (e.g. GBP), got {reporting!r}"
        )
        reporting = None

    rates, fx_problems = _check_fx_rates(data.get("fx_rates"))
    problems += fx_problems

    rows = data.get("campaigns") or []
    if not isinstance(rows, list):
        problems.append(f"campaigns: expected a list of campaigns, got {type(rows).__name__}")
        rows = []
    campaigns: list[Campaign] = []
    seen_names: dict[str, int] = {}
    seen_utms: dict[str, int] = {}
    for index, raw in enumerate(rows):
        label = _row_label(index, raw)
        if not isinstance(raw, dict):
            problems.append(f"{label}: expected a mapping of fields, got {type(raw).__name__}")
            continue
        try:
            campaign = Campaign.model_validate(raw)
        except ValidationError as error:
            problems += [f"{label}: {_describe(e)}" for e in error.errors()]
            campaign = None
        name, utm = raw.get("name"), raw.get("utm_campaign")
        if isinstance(name, str) and name.strip():
            key = name.strip().casefold()
            if key in seen_names:
                problems.append(
                    f"{label}: name: duplicate of campaigns[{seen_names[key]}] (names are unique)"
                )
            else:
                seen_names[key] = index
        if isinstance(utm, str) and utm:
            if utm in seen_utms:
                problems.append(
                    f"{label}: utm_campaign: {utm!r} is already used by campaigns[{seen_utms[utm]}]"
                )
            else:
                seen_utms[utm] = index
        if campaign is None:
            continue
        if campaign.end < campaign.start:
            problems.append(f"{label}: end: {campaign.end} is before start {campaign.start}")
        month = campaign.start.strftime("%Y-%m")
        if reporting and campaign.currency != reporting and month not in rates.get(campaign.currency, {}):
            problems.append(
                f"{label}: currency: no fx rate for {campaign.currency} in {month} (the start month); "
                f'add fx_rates.{campaign.currency}."{month}" (units of {reporting} per 1 {campaign.currency})'
            )
        campaigns.append(campaign)

    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        raise CampaignError(
            f"{origin}: invalid campaign registry ({count}); nothing was loaded\n"
            + "\n".join(f"{origin}: {p}" for p in problems)
        )
    return CampaignRegistry(reporting_currency=reporting, campaigns=tuple(campaigns), fx_rates=rates)


def load_campaigns(path: Path | None = None) -> CampaignRegistry:
    """Read and validate the campaign registry (``WAREHOUSE_CAMPAIGNS``, else config/campaigns.yml)."""
    path = path or campaigns_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CampaignError(
            f"{path}: campaign registry not found; copy config/campaigns.yml and set "
            "WAREHOUSE_CAMPAIGNS to its path"
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise CampaignError(f"{path}: not valid YAML: {error}") from None
    return parse_campaigns(data, origin=str(path))


def campaigns_for(currency: str) -> CampaignRegistry:
    """The registry a load writes for a company reporting in ``currency``.

    ``WAREHOUSE_CAMPAIGNS``'s file when set; else ``config/campaigns.yml`` for the shipped demo
    company; else (a company of one's own with no registry yet) no campaigns. A registry in
    another reporting currency is refused, naming the file, the setting and what to do.
    """
    if not campaigns_configured():
        log.info(
            "no campaign registry: WAREHOUSE_CAMPAIGNS is unset and the company configuration is "
            "%s, not the demo company's, so no campaigns are loaded; to report campaigns, copy "
            "config/campaigns.yml, list yours with reporting_currency %s and set WAREHOUSE_CAMPAIGNS to it",
            company_config_path(),
            currency,
        )
        return CampaignRegistry(reporting_currency=currency)
    path = campaigns_path()
    registry = load_campaigns(path)
    check_reporting_currency(registry, currency, path)
    return registry


def check_reporting_currency(registry: CampaignRegistry, currency: str, path: Path | None = None) -> None:
    """Refuse a registry whose ``reporting_currency`` is not the company's ``currency``."""
    if registry.reporting_currency == currency:
        return
    origin = str(path) if path else "campaign registry"
    problem = (
        f"{origin}: reporting_currency {registry.reporting_currency} differs from company.currency "
        f"{currency} (in {company_config_path()}); costs must convert to the company's currency, "
        "nothing was loaded. "
    )
    if path is None:
        advice = f"Give a registry whose reporting_currency is {currency}."
    elif os.environ.get("WAREHOUSE_CAMPAIGNS", "").strip():
        advice = (
            f"This registry is the file WAREHOUSE_CAMPAIGNS names: set its reporting_currency to "
            f"{currency} (with fx_rates into {currency} for costs in other currencies), or point "
            "WAREHOUSE_CAMPAIGNS at your own registry."
        )
    else:
        advice = (
            f"{SHIPPED_CAMPAIGNS.name} is the demo company's registry, used because WAREHOUSE_CAMPAIGNS "
            "is unset and the company configuration is the shipped config/company.yml. For a company "
            "of your own, copy config/company.yml, set WAREHOUSE_COMPANY_CONFIG to the copy (it then "
            "starts with no campaigns), and when you have campaigns, copy config/campaigns.yml, set "
            f"reporting_currency: {currency}, list yours and set WAREHOUSE_CAMPAIGNS to it."
        )
    raise CampaignError(problem + advice)
