"""
### Transform, check and publish

Starts when the daily load updates a raw asset (or by hand with `{"start", "end"}` params).
dbt builds staging, intermediate and mart models one task per model (each model's tests and
unit tests run with it), Great Expectations validates the raw batch and the marts for the run's
window, and only when every blocking check has passed is a read-only snapshot published for BI
(`data/published/warehouse.duckdb`). Any failure stops the run before publishing, so BI keeps the
previous snapshot; the failed task's log names the check, the table and sample rows.

Every task that writes DuckDB runs in the one-slot `duckdb_writer` pool.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Asset, AssetAny, Param, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

from warehouse.dbt import DBT_PROJECT_DIR, MANIFEST_PATH, PROFILE_NAME, PROFILES_YML
from warehouse.orchestration import DEFAULT_ARGS, WRITER_POOL, raw_assets
from warehouse.settings import paths

RAW_ASSETS = raw_assets()
PUBLISHED = Asset(name="published_warehouse", uri="duckdb://warehouse/published")


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
def raw_sources() -> None:
    """dbt source freshness and source tests on every raw table, before any model is built."""
    from warehouse.dbt import run_dbt

    run_dbt(["source", "freshness"])
    run_dbt(["test", "--select", "source:*"])


@task(pool=WRITER_POOL, retries=0)  # a failed check fails again on the same data: no retry
def check(window: dict[str, str | None], **context: Any) -> str:
    """Great Expectations suites for the raw batch and the marts; blocking failures stop here."""
    from datetime import date

    from warehouse.pipeline import check as run_checks

    return run_checks(
        date.fromisoformat(window["start"]), date.fromisoformat(window["end"]), context["run_id"]
    )


@task(pool=WRITER_POOL, outlets=[PUBLISHED])
def publish(window: dict[str, str | None], **context: Any) -> dict[str, int]:
    """Copy the checked marts into the read-only snapshot BI opens."""
    from datetime import date

    from warehouse.pipeline import publish_snapshot

    publication = publish_snapshot(
        date.fromisoformat(window["start"]),
        date.fromisoformat(window["end"]),
        context["run_id"],
        window["raw_watermark"],
    )
    return publication.tables


with DAG(
    dag_id="social_transform_publish",
    description="dbt build, Great Expectations checks, then publish a read-only snapshot for BI",
    doc_md=__doc__,
    schedule=AssetAny(*RAW_ASSETS),
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
    dbt_models = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            DBT_PROJECT_DIR,
            manifest_path=MANIFEST_PATH,
            install_dbt_deps=False,
            # Cosmos runs dbt from a temporary copy of the project: pass an absolute path.
            env_vars={"WAREHOUSE_DUCKDB_PATH": str(paths().warehouse)},
        ),
        profile_config=ProfileConfig(
            profile_name=PROFILE_NAME, target_name="dev", profiles_yml_filepath=PROFILES_YML
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL, invocation_mode=InvocationMode.DBT_RUNNER
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD,
            # A relationships test needs both models built: run it as its own task after both.
            should_detach_multiple_parents_tests=True,
            emit_datasets=False,
        ),
        operator_args={"pool": WRITER_POOL, "install_deps": False},
    )
    checked = check(window)
    window >> raw_sources() >> dbt_models >> checked >> publish(window)
