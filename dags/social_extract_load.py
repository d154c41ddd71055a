"""
### Daily extract and load

Every day at 10:00 UTC, once the previous US Pacific day has ended, each source's task group
calls its platform API and lands one file per stream, account and day in the landing zone
(`extractors/`), then loads what it landed into the DuckDB raw tables (`loading/raw.py`),
replacing the same partitions if they were loaded before.

**Sources fail alone.** Each source extracts and loads on its own: an expired token or an outage
of one platform stops only that source. `loaded` then updates the `raw_warehouse` asset (which
starts `social_transform_publish`) with the days the loaded sources replaced, and `sources` fails
the run, naming each failed source, its error and what to do, and sends it through the alert
channels. Errors a retry cannot fix (a rejected token, a missing permission, a usage cap, a
retired metric) fail at once; a platform that stayed throttled or down is retried.

**Range runs and backfills**: trigger with params `{"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}`
to extract and load the whole range in one run (streams still re-read their own look-back).
Without params the run covers its data interval. Runs are idempotent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, TriggerRule, task
from airflow.sdk.definitions.taskgroup import TaskGroup
from airflow.timetables.interval import CronDataIntervalTimetable

from warehouse.orchestration import (
    DEFAULT_ARGS,
    EXTRACT_ERROR_XCOM,
    EXTRACT_SOURCES,
    WRITER_POOL,
    raw_asset,
    raw_warehouse_asset,
)

RAW_WAREHOUSE = raw_warehouse_asset()


@task(execution_timeout=timedelta(hours=2))
def extract(source: str, **context: Any) -> list[dict[str, Any]]:
    """Land one source's streams for the run's window."""
    from airflow.sdk.exceptions import AirflowFailException

    from extractors.errors import ExtractError
    from warehouse.orchestration import window_from_context
    from warehouse.pipeline import extract as extract_source

    start, end = window_from_context(context)
    try:
        return extract_source(source, start, end, context["run_id"])
    except ExtractError as error:
        context["ti"].xcom_push(key=EXTRACT_ERROR_XCOM, value=str(error))
        if error.retriable:
            raise  # throttled or down through every HTTP attempt: Airflow's retries may get through
        raise AirflowFailException(str(error)) from None  # no retry fixes this until someone acts


@task(pool=WRITER_POOL, execution_timeout=timedelta(hours=1))
def load(source: str, landed: list[dict[str, Any]], **context: Any) -> dict[str, Any]:
    """Load the partitions this source landed, in one transaction; the days they cover."""
    from warehouse.pipeline import load as load_partitions

    tables = load_partitions(landed, context["run_id"])
    days = sorted(p["day"] for p in landed)
    window = {"start": days[0], "end": days[-1]} if days else {}
    context["outlet_events"][raw_asset(source)].extra = window
    return {"source": source, "tables": tables, **window}


@task(trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS, outlets=[RAW_WAREHOUSE])
def loaded(results: list[dict[str, Any] | None], **context: Any) -> dict[str, Any]:
    """Start the transform for what the sources that loaded replaced (their days, look-backs
    included; the run's window when none landed anything)."""
    from warehouse.orchestration import window_from_context

    done = [r for r in results if r]
    starts = [r["start"] for r in done if r.get("start")]
    ends = [r["end"] for r in done if r.get("end")]
    first, last = window_from_context(context)
    window = {"start": min(starts, default=first.isoformat()), "end": max(ends, default=last.isoformat())}
    context["outlet_events"][RAW_WAREHOUSE].extra = {**window, "sources": sorted(r["source"] for r in done)}
    return window


@task(trigger_rule=TriggerRule.ALL_DONE, retries=0)
def sources(**context: Any) -> list[str]:
    """Fail the run naming every source that did not load, and alert what to renew or fix."""
    from airflow.sdk.exceptions import AirflowFailException

    from alerts.quality import SourcesFailed, report_sources
    from core.config import load_config
    from warehouse.orchestration import window_from_context

    ti, run_id = context["ti"], context["run_id"]
    states = ti.get_task_states(dag_id=context["dag"].dag_id, run_ids=[run_id]).get(run_id, {})
    failed, ok = {}, []
    for source in EXTRACT_SOURCES:
        if states.get(f"{source}.load") == "success":
            ok.append(source)
            continue
        error = ti.xcom_pull(task_ids=f"{source}.extract", key=EXTRACT_ERROR_XCOM)
        state = states.get(f"{source}.extract")
        failed[source] = error or f"extract {state}, load {states.get(f'{source}.load')}: see the task logs"
    try:
        report_sources(failed, ok, window_from_context(context), run_id, load_config(), context)
    except SourcesFailed as error:
        raise AirflowFailException(str(error)) from None  # a re-run of this task changes nothing
    return ok


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
    loads = []
    for source in EXTRACT_SOURCES:
        with TaskGroup(group_id=source, tooltip=f"extract and load {source}"):
            landed = extract.override(task_id="extract")(source)
            loads.append(load.override(task_id="load", outlets=[raw_asset(source)])(source, landed))
    loaded(loads) >> sources()
