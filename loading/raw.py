"""Load landed partitions into the DuckDB raw tables.

DuckDB reads the JSONL files itself (``read_json`` with explicit columns and hive partitioning on
``account=…/day=…``), so loading is one ``INSERT … SELECT`` per stream — no row-by-row inserts.
Each partition in the batch first has its old rows deleted, all inside one transaction: a re-run
replaces exactly the partitions it re-landed, and a failure leaves the warehouse as it was.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from core.campaigns import CampaignRegistry, campaigns_for, check_reporting_currency
from core.config import CompanyConfig
from core.database import RAW_SCHEMA
from core.sources import SOURCES
from extractors.landing import Partition, landed_partitions
from loading.company import ensure_company_tables, write_campaigns, write_company

log = logging.getLogger(__name__)

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

    With ``config``, the accounts and the campaign registry (``campaigns``, else the one
    ``campaigns_for`` picks: none for a company of one's own without ``WAREHOUSE_CAMPAIGNS``)
    are rewritten in the same transaction. The registry is validated before anything is
    written: a bad one raises CampaignError and leaves the warehouse as it was.
    """
    if config is not None and campaigns is None:
        campaigns = campaigns_for(config.company.currency)
    elif config is not None and campaigns is not None:
        check_reporting_currency(campaigns, config.company.currency)
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
            write_company(con, config)
        if campaigns is not None:
            write_campaigns(con, campaigns)
        con.execute("commit")
    except (duckdb.Error, LoadError) as error:
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
    for source in SOURCES:
        for stream in source.streams:
            con.execute(f"create table if not exists {raw_table(source.name, stream.name)} ({RAW_COLUMNS})")
    ensure_company_tables(con)


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
    # Each landed file by its exact name: DuckDB expands * ? [ in a path, so they are escaped.
    files = sorted(glob_literal(str(p.path)) for p in batch)
    before = row_count(con, table)
    try:
        con.execute(f"insert into {table} {READ_LANDED}", {"files": files, "load_run_id": load_run_id})
    except duckdb.InvalidInputException as error:
        raise LoadError(_malformed_json(error, batch) or str(error)) from None
    return TableLoad(table, len(keys), row_count(con, table) - before)


def glob_literal(path: str) -> str:
    """``path`` as a DuckDB file pattern that matches only itself (``[*]`` is a literal ``*``)."""
    return "".join(f"[{char}]" if char in "*?[" else char for char in path)


_MALFORMED = re.compile(r'Malformed JSON in file "(?P<file>.+?)", at byte')


def _malformed_json(error: duckdb.Error, batch: list[Partition]) -> str | None:
    """For a landed file that is not JSON lines: its first bad line, counted from 1, and the
    partition to land again. DuckDB's own message counts one line too many, so the file is read
    here to name the line."""
    found = _MALFORMED.search(str(error))
    partition = next((p for p in batch if found and str(p.path) == found["file"]), None)
    if partition is None:
        return None
    with partition.path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except UnicodeDecodeError as bad:
                problem = f"not UTF-8 (byte {bad.start} of the line: {bad.reason})"
            except ValueError as bad:
                problem = f"not valid JSON ({bad})"
            else:
                if isinstance(value, dict):
                    continue
                problem = f"a JSON {type(value).__name__}, not an object"
            return (
                f"{partition.path} line {number}: {problem}. The landed file of source={partition.source} "
                f"stream={partition.stream} account={partition.account} day={partition.day} is damaged: "
                f"land it again (python -m extractors {partition.source} --start {partition.day} --end "
                f"{partition.day} --streams {partition.stream} --accounts {partition.account}), then load"
            )
    return None


def row_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"select count(*) from {table}").fetchone()
    return int(row[0]) if row else 0


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
