"""
### Daily extract and load

Every day at 10:00 UTC, once the previous US Pacific day has ended, each source's task group
calls its platform API and lands one file per stream, account and day in the landing zone
(`extractors/`); then one task loads every landed partition into the DuckDB raw tables
(`warehouse/loader.py`), replacing the same partitions if they were loaded before, and updates
the raw assets that start the `social_transform_publish` DAG with the range of days it replaced.

**Range runs and backfills**: trigger with params `{"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}`
to extract and load the whole range in one run (streams still re-read their own look-back).
Without params the run covers its data interval. Runs are idempotent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, task
from airflow.sdk.definitions.taskgroup import TaskGroup
from airflow.timetables.interval import CronDataIntervalTimetable

from warehouse.orchestration import DEFAULT_ARGS, EXTRACT_SOURCES, WRITER_POOL, raw_assets

RAW_ASSETS = raw_assets()


@task(execution_timeout=timedelta(hours=2))
def extract(source: str, **context: Any) -> list[dict[str, Any]]:
    """Land one source's streams for the run's window."""
    from warehouse.orchestration import window_from_context
    from warehouse.pipeline import extract as extract_source

    start, end = window_from_context(context)
    return extract_source(source, start, end, context["run_id"])


@task(pool=WRITER_POOL, outlets=RAW_ASSETS, execution_timeout=timedelta(hours=1))
def load_raw(landed: list[list[dict[str, Any]]], **context: Any) -> dict[str, int]:
    """Load every partition the extract tasks landed, in one transaction."""
    from warehouse.orchestration import window_from_context
    from warehouse.pipeline import load

    partitions = [p for source_partitions in landed for p in source_partitions]
    loaded = load(partitions, context["run_id"])
    # The checks downstream must cover every partition this load replaced, look-backs included.
    days = sorted(p["day"] for p in partitions) or [d.isoformat() for d in window_from_context(context)]
    for asset in RAW_ASSETS:
        context["outlet_events"][asset].extra = {"start": days[0], "end": days[-1]}
    return loaded


with DAG(
    dag_id="social_extract_load",
    description="Extract every source's APIs into the landing zone and load DuckDB raw tables",
    doc_md=__doc__,
    # Facebook's day is the US Pacific day, which ends at 07:00 (summer) or 08:00 (winter) UTC:
    # the interval [D 10:00, D+1 10:00) runs after Pacific day D has ended and covers day D.
    schedule=CronDataIntervalTimetable("0 10 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={
        "start": Param(None, type=["null", "string"], format="date", description="first day of a range run"),
        "end": Param(None, type=["null", "string"], format="date", description="last day, inclusive"),
    },
    tags=["extract", "load", "daily"],
) as dag:
    landed = []
    for source in EXTRACT_SOURCES:
        with TaskGroup(group_id=source, tooltip=f"extract {source}"):
            landed.append(extract.override(task_id="extract")(source))
    load_raw(landed)
