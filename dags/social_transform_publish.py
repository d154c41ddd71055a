"""
### Transform, check and publish

Starts when the daily load updates the `raw_warehouse` asset, once every source has loaded or
failed (or by hand with `{"start", "end"}` params); a source that failed keeps its earlier data.
Write, audit, publish:

1. dbt source freshness and source tests on every raw table (freshness only warns);
2. `dbt_build` runs one `dbt build` of staging, intermediate and mart models (each model's tests
   and unit tests run with it, on the profile's threads; the incremental marts rebuild the days
   from the window's start, look-back included); a model whose build or tests fail stops
   only the models built from it. Its log lists every model's status and every test that did not
   pass (failures at ERROR), and each model or test that failed gets its own red `dbt_failed`
   task named after it;
3. Great Expectations validates every raw stream and every mart for the run's window, and the
   Data Docs are published (`data/published/data_docs/`), whatever dbt found;
4. a read-only snapshot is published for BI (`data/published/warehouse.duckdb`): a blocking
   failure holds back the marts downstream of the failing table (dbt's lineage), which keep
   their last good version; every other mart comes from this run; `audit.publication` says per
   mart which run it comes from and why it is held back. Then dbt's docs (`data/published/dbt_docs/`);
5. `report` runs whatever happened: it writes dbt's results next to GX's in
   `audit.check_results` (one row per run and check), notifies through the alert channels when
   checks failed or warned, and fails the run, naming the checks, the tables, sample rows and
   the held-back marts, when anything was held back.

Every task that writes DuckDB runs in the one-slot `duckdb_writer` pool.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Asset, Param, TriggerRule, task

from warehouse.orchestration import DEFAULT_ARGS, WRITER_POOL, raw_warehouse_asset

RAW_WAREHOUSE = raw_warehouse_asset()
PUBLISHED = Asset(name="published_warehouse", uri="duckdb://warehouse/published")
log = logging.getLogger(__name__)


@task(pool=WRITER_POOL)
def resolve_window(**context: Any) -> dict[str, str | None]:
    """The days this run checks: the partitions the triggering loads replaced, else its params.

    Params name the days of a range run; the checks also cover the look-back partitions that
    such a run re-landed.
    """
    from warehouse.orchestration import (
        window_from_asset_events,
        window_from_context,
        window_from_params,
        with_lookback,
    )
    from warehouse.pipeline import raw_watermark

    window = window_from_params(context["params"])
    if window is None:
        events = [e.extra for batch in (context.get("triggering_asset_events") or {}).values() for e in batch]
        window = window_from_asset_events(events) or with_lookback(window_from_context(context))
    else:
        window = with_lookback(window)
    return {"start": window[0].isoformat(), "end": window[1].isoformat(), "raw_watermark": raw_watermark()}


@task(pool=WRITER_POOL, retries=0)  # stale or invalid raw data stays so on a retry
def raw_sources(**context: Any) -> None:
    """dbt source freshness and source tests on every raw table, before any model is built.

    A failing source test does not stop the build: it is a blocking failure on its raw table in
    the run record, and the marts built from that table are held back when publishing."""
    from warehouse.orchestration import DBT_RESULTS_XCOM
    from warehouse.pipeline import check_sources

    found, error = check_sources()
    context["ti"].xcom_push(key=DBT_RESULTS_XCOM, value=found)
    if error:
        log.warning("source tests failed; the marts built from those tables will be held back:\n%s", error)


@task(pool=WRITER_POOL)
def dbt_build(window: dict[str, str | None], **context: Any) -> list[str]:
    """One ``dbt build`` of every model with its tests: what failed, one entry per root cause.

    The incremental marts rebuild from the window's start (it covers the sources' look-back).
    A failing model or test does not fail this task (dbt skips only what is built from it): the
    run record gets every result, and ``dbt_failed`` turns each failure into a red task. The task
    fails (and retries) only when dbt could not run at all."""
    from datetime import date

    from warehouse.orchestration import DBT_RESULTS_XCOM
    from warehouse.pipeline import build_models

    built = build_models(rebuild_from=date.fromisoformat(window["start"]))
    context["ti"].xcom_push(key=DBT_RESULTS_XCOM, value=built.found)
    for level, line in built.status_lines():
        log.log(level, "%s", line)
    log.info("dbt build: %d nodes, %d failed", len(built.found), len(built.failed))
    return built.failed


@task(retries=0, map_index_template="{{ failed_node }}")
def dbt_failed(failure: str) -> None:
    """A model or test that failed in ``dbt_build``, as a red task named after it."""
    from airflow.sdk import get_current_context
    from airflow.sdk.exceptions import AirflowFailException

    table, check, _ = failure.split(": ", 2)
    # The map index template reads the task's context itself (not a copy, as **kwargs would be).
    get_current_context()["failed_node"] = table if check == "model_builds" else f"{table} {check}"
    raise AirflowFailException(f"dbt: {failure}\nThe marts built from it are held back (see `report`).")


def _dbt_results(context: Any) -> list[dict[str, Any]]:
    """What the run's dbt tasks found (each pushed its results, passing or not)."""
    from warehouse.orchestration import DBT_RESULTS_XCOM

    batches = context["ti"].xcom_pull(task_ids=["raw_sources", "dbt_build"], key=DBT_RESULTS_XCOM)
    return [item for batch in batches if batch for item in batch]


# A failed check fails again on the same data: no retry. It runs after failed dbt tasks too: what
# they found goes into the run record, and the publish step holds back what is downstream.
@task(pool=WRITER_POOL, retries=0, trigger_rule=TriggerRule.ALL_DONE)
def check(window: dict[str, str | None], **context: Any) -> str:
    """Record dbt's results, then the Great Expectations suites for every raw stream and mart.
    The run record is complete before anything is published."""
    from datetime import date

    from core.settings import dbt_selection
    from warehouse.pipeline import check as run_checks
    from warehouse.pipeline import record_dbt

    start, end = date.fromisoformat(window["start"]), date.fromisoformat(window["end"])
    found = _dbt_results(context)
    record_dbt(start, end, context["run_id"], found)
    # A narrowed transform checks only the marts it tried to build.
    marts = {i["table"] for i in found if i["check"] == "model_builds"} if dbt_selection() else None
    return run_checks(start, end, context["run_id"], marts=marts)


@task(pool=WRITER_POOL, outlets=[PUBLISHED])
def publish(window: dict[str, str | None], **context: Any) -> dict[str, int]:
    """Copy the checked marts into the read-only snapshot BI opens, holding back those downstream
    of a blocking failure at their last good version."""
    from datetime import date

    from warehouse.pipeline import publish_snapshot

    publication = publish_snapshot(
        date.fromisoformat(window["start"]),
        date.fromisoformat(window["end"]),
        context["run_id"],
        window["raw_watermark"],
    )
    return publication.tables


@task(pool=WRITER_POOL)
def docs() -> str:
    """dbt's documentation site for what was just published."""
    from warehouse.pipeline import generate_dbt_docs

    return str(generate_dbt_docs())


@task(pool=WRITER_POOL, trigger_rule=TriggerRule.ALL_DONE)
def report(**context: Any) -> str:
    """Record dbt's results next to GX's, notify, and fail the run if it was held back."""
    from datetime import date

    from airflow.sdk.exceptions import AirflowFailException

    from publishing.outcome import RunFailed
    from warehouse.orchestration import window_from_context, with_lookback
    from warehouse.pipeline import report_run

    ti, dag, run_id = context["ti"], context["dag"], context["run_id"]
    resolved = ti.xcom_pull(task_ids="resolve_window")
    if resolved:
        window = (date.fromisoformat(resolved["start"]), date.fromisoformat(resolved["end"]))
    else:  # resolving the window itself failed: record under the days the run was for
        window = with_lookback(window_from_context(context))
    found = _dbt_results(context)
    states = ti.get_task_states(dag_id=dag.dag_id, run_ids=[run_id]).get(run_id, {})
    # The steps that failed themselves; those after them (upstream_failed) never ran. A failed dbt
    # node (``dbt_failed_<map index>``) is in the record already, as a blocking check.
    failed = sorted(
        t
        for t, state in states.items()
        if state == "failed" and t != ti.task_id and not t.startswith("dbt_failed")
    )
    try:
        return report_run(run_id, window, found, failed, context)
    except RunFailed as error:
        raise AirflowFailException(str(error)) from None  # the same data fails again: no retry


with DAG(
    dag_id="social_transform_publish",
    description="dbt build, Great Expectations checks, then publish a read-only snapshot for BI",
    doc_md=__doc__,
    schedule=RAW_WAREHOUSE,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retries": 1, "retry_delay": timedelta(minutes=2)},
    params={
        "start": Param(None, type=["null", "string"], format="date", description="first day to check"),
        "end": Param(None, type=["null", "string"], format="date", description="last day, inclusive"),
    },
    tags=["dbt", "checks", "publish"],
) as dag:
    window = resolve_window()
    built = dbt_build(window)
    failures = dbt_failed.expand(failure=built)
    published = publish(window)
    window >> raw_sources() >> built
    failures >> check(window) >> published >> docs() >> report()
