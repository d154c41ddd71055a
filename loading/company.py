"""The company config and the campaign registry, mirrored into raw tables on every load.

dbt reads the accounts, brand keywords, support settings and campaigns from the warehouse like
any other source, so a model never opens a YAML file.
"""

from __future__ import annotations

from datetime import date

import duckdb

from core.campaigns import CampaignRegistry
from core.config import CompanyConfig, brand_slug
from core.database import RAW_SCHEMA

# The company configuration's tables: accounts (own and competitors'), the brand keywords and
# the support settings (one row, one row per business weekday, and the complaint keywords that
# mark a public comment or mention as needing an answer), rewritten from
# config/company.yml on every load.
COMPANY_TABLES = {
    "company__accounts": """
        platform      varchar     not null,
        account_id    varchar     not null,
        account_name  varchar,
        brand         varchar     not null,
        brand_id      varchar     not null,
        is_own        boolean     not null,
        _loaded_at    timestamptz not null
    """,
    "company__brand_keywords": """
        brand_id      varchar     not null,
        brand         varchar     not null,
        is_own        boolean     not null,
        keyword       varchar     not null,
        _loaded_at    timestamptz not null
    """,
    "company__support": """
        timezone                    varchar     not null,
        first_response_sla_minutes  integer     not null,
        business_day_start          time        not null,
        business_day_end            time        not null,
        _loaded_at                  timestamptz not null
    """,
    "company__business_days": """
        iso_weekday   integer     not null,
        weekday       varchar     not null,
        _loaded_at    timestamptz not null
    """,
    "company__complaint_keywords": """
        keyword       varchar     not null,
        _loaded_at    timestamptz not null
    """,
}

# `support.business_hours.days` names -> ISO weekday numbers (1 = Monday ... 7 = Sunday).
ISO_WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}

# The campaign registry's tables (config/campaigns.yml), rewritten on every load that has one.
CAMPAIGN_TABLES = {
    "company__campaigns": """
        name                        varchar       not null,
        type                        varchar       not null,
        platform                    varchar       not null,
        start_date                  date          not null,
        end_date                    date          not null,
        utm_campaign                varchar       not null,
        cost                        decimal(18,4) not null,
        currency                    varchar       not null,
        goal                        varchar       not null,
        notes                       varchar,
        fx_rate                     decimal(18,6) not null,
        cost_in_reporting_currency  decimal(18,2) not null,
        reporting_currency          varchar       not null,
        _loaded_at                  timestamptz   not null
    """,
    "company__fx_rates": """
        currency            varchar       not null,
        rate_month          date          not null,
        rate                decimal(18,6) not null,
        reporting_currency  varchar       not null,
        _loaded_at          timestamptz   not null
    """,
}


def ensure_company_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the config mirrors; a mirror from an older version is rebuilt, not migrated."""
    for table, columns in COMPANY_TABLES.items():
        wanted = [line.split()[0] for line in columns.strip().splitlines()]
        found = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = $schema and table_name = $table order by ordinal_position",
                {"schema": RAW_SCHEMA, "table": table},
            ).fetchall()
        ]
        if found != wanted:
            con.execute(f"create or replace table {RAW_SCHEMA}.{table} ({columns})")
    for table, columns in CAMPAIGN_TABLES.items():
        con.execute(f"create table if not exists {RAW_SCHEMA}.{table} ({columns})")


def write_company(con: duckdb.DuckDBPyConnection, config: CompanyConfig) -> None:
    """Rewrite the accounts, brand keywords and support settings from ``config``."""
    _write_accounts(con, config)
    _write_brand_keywords(con, config)
    _write_support(con, config)


def _write_accounts(con: duckdb.DuckDBPyConnection, config: CompanyConfig) -> None:
    """Mirror the configured accounts (own and competitors') into ``raw.company__accounts``."""
    rows: list[tuple[str, str, str, str, str, bool]] = []
    platforms = type(config.accounts).model_fields
    own_id = brand_slug(config.brand.name)
    for platform in platforms:
        rows += [
            (platform, a.id, a.name, config.brand.name, own_id, True)
            for a in getattr(config.accounts, platform)
        ]
        for competitor in config.competitors:
            rows += [
                (platform, a.id, a.name, competitor.name, brand_slug(competitor.name), False)
                for a in getattr(competitor.accounts, platform)
            ]
    con.execute(f"delete from {RAW_SCHEMA}.company__accounts")
    con.execute(
        f"""
        insert into {RAW_SCHEMA}.company__accounts
        select
            unnest($platform)::varchar as platform,
            unnest($account_id)::varchar as account_id,
            unnest($account_name)::varchar as account_name,
            unnest($brand)::varchar as brand,
            unnest($brand_id)::varchar as brand_id,
            unnest($is_own)::boolean as is_own,
            current_timestamp as _loaded_at
        """,
        {
            key: [row[i] for row in rows]
            for i, key in enumerate(("platform", "account_id", "account_name", "brand", "brand_id", "is_own"))
        },
    )


def _write_brand_keywords(con: duckdb.DuckDBPyConnection, config: CompanyConfig) -> None:
    """Mirror the brands and the keywords that mention them into ``raw.company__brand_keywords``."""
    rows = [
        (target.id, target.name, target.is_own, keyword)
        for target in config.listening_targets()
        for keyword in target.keywords
    ]
    con.execute(f"delete from {RAW_SCHEMA}.company__brand_keywords")
    con.execute(
        f"""
        insert into {RAW_SCHEMA}.company__brand_keywords
        select
            unnest($brand_id)::varchar as brand_id,
            unnest($brand)::varchar as brand,
            unnest($is_own)::boolean as is_own,
            unnest($keyword)::varchar as keyword,
            current_timestamp as _loaded_at
        """,
        {key: [row[i] for row in rows] for i, key in enumerate(("brand_id", "brand", "is_own", "keyword"))},
    )


def _write_support(con: duckdb.DuckDBPyConnection, config: CompanyConfig) -> None:
    """Mirror the support settings into ``raw.company__support``, ``raw.company__business_days``
    and ``raw.company__complaint_keywords``.

    The time zone is the company's: business hours are wall-clock hours there, so dbt turns
    each business day into UTC with the zone's offset of that day (DST included).
    """
    support = config.support
    hours = support.business_hours
    con.execute(f"delete from {RAW_SCHEMA}.company__support")
    con.execute(
        f"""
        insert into {RAW_SCHEMA}.company__support
        select $timezone, $sla, $start, $end, current_timestamp
        """,
        {
            "timezone": config.company.timezone,
            "sla": support.first_response_sla_minutes,
            "start": hours.start,
            "end": hours.end,
        },
    )
    days = sorted(set(hours.days), key=ISO_WEEKDAYS.__getitem__)
    con.execute(f"delete from {RAW_SCHEMA}.company__business_days")
    con.execute(
        f"""
        insert into {RAW_SCHEMA}.company__business_days
        select unnest($iso_weekday)::integer, unnest($weekday)::varchar, current_timestamp
        """,
        {"iso_weekday": [ISO_WEEKDAYS[day] for day in days], "weekday": days},
    )
    con.execute(f"delete from {RAW_SCHEMA}.company__complaint_keywords")
    con.execute(
        f"insert into {RAW_SCHEMA}.company__complaint_keywords select unnest($keywords), current_timestamp",
        {"keywords": list(dict.fromkeys(support.complaint_keywords))},
    )


def write_campaigns(con: duckdb.DuckDBPyConnection, registry: CampaignRegistry) -> None:
    """Replace ``raw.company__campaigns`` and ``raw.company__fx_rates`` with the registry's rows."""
    campaigns = registry.campaigns
    con.execute(f"delete from {RAW_SCHEMA}.company__campaigns")
    if campaigns:
        con.execute(
            f"""
            insert into {RAW_SCHEMA}.company__campaigns
            select
                unnest($name), unnest($type), unnest($platform), unnest($start_date),
                unnest($end_date), unnest($utm_campaign), unnest($cost)::decimal(18,4),
                unnest($currency), unnest($goal), unnest($notes), unnest($fx_rate)::decimal(18,6),
                unnest($cost_in_reporting_currency)::decimal(18,2), $reporting_currency,
                current_timestamp
            """,
            {
                "name": [c.name for c in campaigns],
                "type": [c.type for c in campaigns],
                "platform": [c.platform for c in campaigns],
                "start_date": [c.start for c in campaigns],
                "end_date": [c.end for c in campaigns],
                "utm_campaign": [c.utm_campaign for c in campaigns],
                "cost": [str(c.cost) for c in campaigns],
                "currency": [c.currency for c in campaigns],
                "goal": [c.goal for c in campaigns],
                "notes": [c.notes for c in campaigns],
                "fx_rate": [str(registry.rate(c.currency, c.start)) for c in campaigns],
                "cost_in_reporting_currency": [
                    str(registry.cost_in_reporting_currency(c)) for c in campaigns
                ],
                "reporting_currency": registry.reporting_currency,
            },
        )
    rates = [
        (currency, date.fromisoformat(f"{month}-01"), str(rate))
        for currency, months in sorted(registry.fx_rates.items())
        for month, rate in sorted(months.items())
    ]
    con.execute(f"delete from {RAW_SCHEMA}.company__fx_rates")
    if rates:
        con.execute(
            f"""
            insert into {RAW_SCHEMA}.company__fx_rates
            select
                unnest($currency), unnest($rate_month), unnest($rate)::decimal(18,6),
                $reporting_currency, current_timestamp
            """,
            {
                "currency": [r[0] for r in rates],
                "rate_month": [r[1] for r in rates],
                "rate": [r[2] for r in rates],
                "reporting_currency": registry.reporting_currency,
            },
        )
