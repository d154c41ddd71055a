"""What the DAG files share: the window a run covers, the writer pool, and the raw assets.

Kept free of heavy imports: DAG files import this at parse time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.sources import HOURLY_STREAMS, SOURCE_NAMES

WRITER_POOL = "duckdb_writer"  # one slot: DuckDB takes one writing process at a time
EXTRACT_SOURCES = SOURCE_NAMES  # the daily DAG extracts every registered source
LISTENING_STREAMS = HOURLY_STREAMS  # what the hourly listening run reads (``core.sources``)
# The marts the hourly run rebuilds, tests and publishes: what its alerts link to.
LISTENING_MODELS = ("fct_mentions", "fct_mention_brands", "fct_support_conversations")
DEFAULT_ARGS = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
}


EXTRACT_ERROR_XCOM = "extract_error"
"""Where a failed extract task leaves its error (source, stream, account, day, what to do)."""
DBT_RESULTS_XCOM = "dbt_results"  # what the tasks that ran dbt found, for the run record


def raw_asset_uri(source: str) -> str:
    return f"duckdb://warehouse/raw/{source}"


def raw_asset(source: str) -> Any:
    """The Airflow asset of one source's raw tables: its load updates it (lineage in the UI)."""
    from airflow.sdk import Asset

    return Asset(name=f"raw_{source}", uri=raw_asset_uri(source))


def raw_assets() -> list[Any]:
    """One Airflow asset per source's raw tables."""
    return [raw_asset(source) for source in EXTRACT_SOURCES]


def raw_warehouse_asset() -> Any:
    """The raw warehouse as a whole: updated once per daily load, when every source has loaded or
    failed, with the days the loaded sources replaced; the transform is scheduled on it, so a
    daily load starts one transform however many sources it has."""
    from airflow.sdk import Asset

    return Asset(name="raw_warehouse", uri="duckdb://warehouse/raw")


def window_from_params(params: Mapping[str, Any]) -> tuple[date, date] | None:
    """A window given explicitly as ``start``/``end`` run parameters (a range run or backfill)."""
    start, end = params.get("start"), params.get("end")
    if not start and not end:
        return None
    if not (start and end):
        raise ValueError("give both 'start' and 'end' (YYYY-MM-DD), or neither")
    first, last = date.fromisoformat(str(start)), date.fromisoformat(str(end))
    if first > last:
        raise ValueError(f"start {first} is after end {last}")
    return first, last


def window_from_context(context: Mapping[str, Any]) -> tuple[date, date]:
    """The days a run covers: explicit params, else the data interval [start, end).

    A run triggered by hand without params has no data interval in Airflow 3: it covers the day
    before the run was requested.
    """
    explicit = window_from_params(context.get("params") or {})
    if explicit:
        return explicit
    interval_start, interval_end = context.get("data_interval_start"), context.get("data_interval_end")
    if interval_start is None or interval_end is None:
        yesterday = context["dag_run"].run_after.date() - timedelta(days=1)
        return yesterday, yesterday
    start = interval_start.date()
    end = interval_end.date() - timedelta(days=1)
    return start, max(start, end)


def window_from_asset_events(events: Iterable[Mapping[str, Any]]) -> tuple[date, date] | None:
    """The union of the windows carried by triggering raw-asset events (their ``extra``)."""
    windows = [
        (date.fromisoformat(e["start"]), date.fromisoformat(e["end"]))
        for e in events
        if e.get("start") and e.get("end")
    ]
    if not windows:
        return None
    return min(w[0] for w in windows), max(w[1] for w in windows)


def with_lookback(window: tuple[date, date]) -> tuple[date, date]:
    """Widen a run's window by the longest re-read look-back of any configured source."""
    from core.config import load_config

    start, end = window
    return start - timedelta(days=load_config().max_lookback_days()), end


def instant_from_context(context: Mapping[str, Any]) -> datetime:
    """The instant an hourly run evaluates: the ``at`` param, else its data interval's end.

    A run triggered by hand without params has no data interval in Airflow 3: it evaluates at the
    moment it was requested.
    """
    explicit = (context.get("params") or {}).get("at")
    if explicit:
        moment = datetime.fromisoformat(str(explicit))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    end = context.get("data_interval_end")
    moment = end if end is not None else context["dag_run"].run_after
    return moment.astimezone(UTC)


def company_timezone() -> str:
    """The company's timezone from its config file, read without validating the rest (DAG files
    call this at parse time; the tasks validate the whole file)."""
    import yaml

    from core.settings import company_config_path

    with company_config_path().open(encoding="utf-8") as handle:
        return str(yaml.safe_load(handle)["company"]["timezone"])


def report_month_from_context(context: Mapping[str, Any], timezone: str) -> Any:
    """The month a monthly-report run covers: the ``month`` param (YYYY-MM), else the calendar
    month before the run's logical date on the company's clock."""
    from report.content import Month

    explicit = (context.get("params") or {}).get("month")
    if explicit:
        return Month.parse(str(explicit))
    moment = context.get("logical_date") or context["dag_run"].run_after
    return Month.before(moment, timezone)
