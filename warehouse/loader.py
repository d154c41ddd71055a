"""Load landed partitions into the DuckDB raw tables.

DuckDB reads the JSONL files itself (``read_json`` with explicit columns and hive partitioning on
``account=…/day=…``), so loading is one ``INSERT … SELECT`` per stream — no row-by-row inserts.
Each partition in the batch first has its old rows deleted, all inside one transaction: a re-run
replaces exactly the partitions it re-landed, and a failure leaves the warehouse as it was.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from extractors.landing import Partition, landed_partitions
from warehouse.campaigns import CampaignError, CampaignRegistry, load_campaigns
from warehouse.config import CompanyConfig, brand_slug
from warehouse.settings import duckdb_settings

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
RAW_COLUMNS = """
    account_id      varchar     not null,
    partition_day   date        not null,
    record          json,
    extracted_at    timestamptz,
    extract_run_id  varchar,
    _source_file    varchar     not null,
    _loaded_at      timestamptz not null,
    _load_run_id    varchar     not null
"""
READ_LANDED = """
    select
        account       as account_id,
        day           as partition_day,
        record,
        extracted_at,
        run_id        as extract_run_id,
        filename      as _source_file,
        current_timestamp as _loaded_at,
        $load_run_id  as _load_run_id
    from read_json(
        $files,
        columns = {record: 'JSON', extracted_at: 'TIMESTAMPTZ', run_id: 'VARCHAR'},
        format = 'newline_delimited',
        filename = true,
        hive_partitioning = true,
        hive_types = {'account': 'VARCHAR', 'day': 'DATE'}
    )
"""

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


class LoadError(RuntimeError):
    """A batch could not be loaded; nothing from it was written."""


@dataclass(frozen=True)
class TableLoad:
    table: str
    partitions: int
    rows: int


def raw_table(source: str, stream: str) -> str:
    return f"{RAW_SCHEMA}.{source}__{stream}"


def load_partitions(
    con: duckdb.DuckDBPyConnection,
    partitions: Iterable[Partition],
    load_run_id: str,
    config: CompanyConfig | None = None,
    campaigns: CampaignRegistry | None = None,
) -> list[TableLoad]:
    """Replace ``partitions`` in their raw tables in one transaction; return what was loaded.

    With ``config``, the accounts and the campaign registry (``campaigns``, else the file
    ``load_campaigns`` finds) are rewritten in the same transaction. The registry is validated
    before anything is written: a bad one raises CampaignError and leaves the warehouse as it was.
    """
    if config is not None and campaigns is None:
        campaigns = load_campaigns()
    if (
        config is not None
        and campaigns is not None
        and campaigns.reporting_currency != config.company.currency
    ):
        raise CampaignError(
            f"campaign registry: reporting_currency {campaigns.reporting_currency} differs from "
            f"company.currency {config.company.currency}; costs must convert to the reporting "
            "currency, nothing was loaded"
        )
    by_table: dict[str, list[Partition]] = defaultdict(list)
    for partition in partitions:
        by_table[raw_table(partition.source, partition.stream)].append(partition)
    results: list[TableLoad] = []
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute("begin transaction")
    try:
        ensure_raw_tables(con)
        for table, batch in sorted(by_table.items()):
            results.append(_replace(con, table, batch, load_run_id))
        if config is not None:
            _write_accounts(con, config)
            _write_brand_keywords(con, config)
            _write_support(con, config)
        if campaigns is not None:
            _write_campaigns(con, campaigns)
        con.execute("commit")
    except duckdb.Error as error:
        con.execute("rollback")
        raise LoadError(f"load {load_run_id} rolled back, nothing written: {error}") from None
    except BaseException:
        con.execute("rollback")
        raise
    for result in results:
        log.info("loaded %s: %d partitions, %d rows", result.table, result.partitions, result.rows)
    return results


def ensure_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every registered stream's raw table, so models build even for an unused platform."""
    from extractors import SOURCES, source_class

    for source in SOURCES:
        for stream in source_class(source).stream_types:
            con.execute(f"create table if not exists {raw_table(source, stream.name)} ({RAW_COLUMNS})")
    for table, columns in COMPANY_TABLES.items():
        # Mirrors of the config file: a table from an older version is rebuilt, not migrated.
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


def _replace(
    con: duckdb.DuckDBPyConnection, table: str, batch: list[Partition], load_run_id: str
) -> TableLoad:
    keys = sorted({(p.account, p.day) for p in batch})
    con.execute(
        f"""
        delete from {table} as t
        using (select unnest($accounts) as account_id, unnest($days) as partition_day) as k
        where t.account_id = k.account_id and t.partition_day = k.partition_day
        """,
        {"accounts": [k[0] for k in keys], "days": [k[1] for k in keys]},
    )
    files = sorted(str(p.path) for p in batch)
    before = row_count(con, table)
    con.execute(f"insert into {table} {READ_LANDED}", {"files": files, "load_run_id": load_run_id})
    return TableLoad(table, len(keys), row_count(con, table) - before)


def row_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"select count(*) from {table}").fetchone()
    return int(row[0]) if row else 0


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


def _write_campaigns(con: duckdb.DuckDBPyConnection, registry: CampaignRegistry) -> None:
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


def partitions_in_landing(landing: Path, start: date, end: date) -> list[Partition]:
    """Every landed partition of every stream for days in [start, end] (used to replay).

    Directories starting with ``_`` hold extractor state (``_state/rss``), never data.
    """
    found: list[Partition] = []
    for stream_dir in sorted(p for p in landing.glob("*/*") if p.is_dir()):
        if stream_dir.parent.name.startswith("_") or stream_dir.name.startswith("_"):
            continue
        found += landed_partitions(landing, stream_dir.parent.name, stream_dir.name, start, end)
    return found


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the live warehouse for writing, with a clear error when another writer holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), config=duckdb_settings())
    except duckdb.IOException as error:
        raise LoadError(
            f"cannot open {path} for writing: {error}. Another process holds the warehouse; "
            "pipeline writers run one at a time (Airflow pool duckdb_writer) and BI must open "
            "the published copy, not the live file"
        ) from None


def raw_watermark(con: duckdb.DuckDBPyConnection) -> str | None:
    """When the raw tables last changed (latest ``_loaded_at``), as ISO text; None when empty.

    A transform records it before building and the publish step compares it, so marts built
    while a newer load slipped in between their tasks are never published.
    """
    tables = con.execute(
        """
        select table_name from information_schema.columns
        where table_schema = $schema and column_name = '_loaded_at'
        order by 1
        """,
        {"schema": RAW_SCHEMA},
    ).fetchall()
    if not tables:
        return None
    union = " union all ".join(
        f"select max(_loaded_at) as loaded_at from {RAW_SCHEMA}.{t}" for (t,) in tables
    )
    row = con.execute(f"select max(loaded_at) from ({union})").fetchone()
    return row[0].isoformat() if row and row[0] else None
