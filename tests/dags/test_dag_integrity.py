"""DAG integrity: the expected DAGs import cleanly, with owners, tags, retries and the writer pool."""

from __future__ import annotations

import pytest

from core.settings import PROJECT_ROOT
from transform.dbt import MANIFEST_PATH, run_dbt
from warehouse.orchestration import EXTRACT_SOURCES, WRITER_POOL

EXPECTED_DAGS = {
    "social_extract_load",
    "social_transform_publish",
    "social_listening_alerts",
    "social_monthly_report",
}
# Data checks: a retry sees the same data and fails the same way.
DETERMINISTIC_TASKS = {"raw_sources", "dbt_failed", "check", "build_models", "evaluate_rules", "sources"}


@pytest.fixture(scope="module")
def dagbag():
    if not MANIFEST_PATH.exists():
        run_dbt(["parse"])
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags"), safe_mode=True)


def test_dags_import_without_errors(dagbag) -> None:
    assert dagbag.import_errors == {}


def test_exactly_the_expected_dags_exist(dagbag) -> None:
    assert set(dagbag.dag_ids) == EXPECTED_DAGS


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAGS))
def test_dags_have_owner_tags_docs_and_retries(dagbag, dag_id) -> None:
    dag = dagbag.dags[dag_id]
    assert dag.tags, "every DAG is tagged"
    assert dag.doc_md and len(dag.doc_md) > 200, "every DAG documents itself"
    assert dag.max_active_runs == 1
    for task in dag.tasks:
        assert task.owner not in ("", "airflow"), f"{task.task_id} has no owner"
        if task.task_id in DETERMINISTIC_TASKS:
            assert task.retries == 0, f"{task.task_id} would fail again on the same data"
        else:
            assert task.retries >= 1, f"{task.task_id} has no retries"


def test_every_warehouse_writer_runs_in_the_one_slot_pool(dagbag) -> None:
    writers = {
        "social_extract_load": {f"{source}.load" for source in EXTRACT_SOURCES},
        "social_transform_publish": {"raw_sources", "dbt_build", "check", "publish", "docs", "report"},
        "social_listening_alerts": {"load_raw", "build_models", "evaluate_rules", "publish", "send_alerts"},
    }
    for dag_id, task_ids in writers.items():
        dag = dagbag.dags[dag_id]
        for task_id in task_ids:
            assert dag.get_task(task_id).pool == WRITER_POOL


def test_each_failed_dbt_node_is_a_red_task_named_after_it(dagbag) -> None:
    """One dbt build, and a task mapped over what failed in it: none on a good day, one per failed
    model or test otherwise, its map index the node's name. It never retries (the node failed)."""
    dag = dagbag.dags["social_transform_publish"]
    failed = dag.get_task("dbt_failed")
    assert failed.upstream_task_ids == {"dbt_build"} and failed.retries == 0
    assert "failed_node" in failed.map_index_template
    assert [op.task_id for op in failed.iter_mapped_dependencies()] == ["dbt_build"]


def test_publish_runs_only_after_checks_and_dbt(dagbag) -> None:
    dag = dagbag.dags["social_transform_publish"]
    upstream = dag.get_task("publish").get_flat_relative_ids(upstream=True)
    assert "check" in upstream
    assert {"dbt_build", "dbt_failed"} <= upstream
    assert "raw_sources" in dag.get_task("check").get_flat_relative_ids(upstream=True)


def test_the_report_runs_last_whatever_happened(dagbag) -> None:
    """It completes the run record, notifies and decides the run's state, so it must run after
    every other task, also when one failed, and be the only leaf."""
    dag = dagbag.dags["social_transform_publish"]
    report = dag.get_task("report")
    assert report.trigger_rule == "all_done"
    assert report.get_flat_relative_ids(upstream=True) == set(dag.task_ids) - {"report"}
    assert [t.task_id for t in dag.leaves] == ["report"]


def test_transform_is_scheduled_on_the_raw_warehouse_once_every_source_is_done(dagbag) -> None:
    """One transform per daily load: `loaded` updates the asset the transform waits on after every
    source's load, whether it succeeded or not, as long as one did."""
    dag = dagbag.dags["social_transform_publish"]
    extract_load = dagbag.dags["social_extract_load"]
    producer = extract_load.get_task("loaded")
    consumed = {dag.timetable.asset_condition.uri}  # one asset, not a condition over many
    assert {a.uri for a in producer.outlets} == consumed == {"duckdb://warehouse/raw"}
    assert producer.trigger_rule == "all_done_min_one_success"
    assert producer.upstream_task_ids == {f"{source}.load" for source in EXTRACT_SOURCES}


def test_sources_fail_alone(dagbag) -> None:
    """Each source's load waits for its own extract only, and updates its own raw asset; the last
    task runs whatever happened, so a failed source fails the run by name."""
    dag = dagbag.dags["social_extract_load"]
    for source in EXTRACT_SOURCES:
        load = dag.get_task(f"{source}.load")
        assert load.upstream_task_ids == {f"{source}.extract"}
        assert [a.name for a in load.outlets] == [f"raw_{source}"]
    assert [t.task_id for t in dag.leaves] == ["sources"]
    assert dag.get_task("sources").trigger_rule == "all_done"


def test_listening_runs_hourly_and_never_starts_the_transform(dagbag) -> None:
    dag = dagbag.dags["social_listening_alerts"]
    assert dag.timetable.summary == "0 * * * *"
    assert not dag.get_task("load_raw").outlets  # an hourly load must not trigger the daily transform
    upstream = dag.get_task("send_alerts").get_flat_relative_ids(upstream=True)
    assert {"evaluate_rules", "build_models", "load_raw", "x.extract"} <= upstream


def test_the_hourly_publish_follows_the_tested_build_and_never_holds_an_alert(dagbag) -> None:
    """The publish is a leaf (its failure fails the run) that no alert waits on, and it goes
    first in the writer pool."""
    dag = dagbag.dags["social_listening_alerts"]
    publish, send = dag.get_task("publish"), dag.get_task("send_alerts")
    assert publish.upstream_task_ids == {"build_models"} and not publish.downstream_task_ids
    assert "publish" not in send.get_flat_relative_ids(upstream=True)
    assert {t.task_id for t in dag.leaves} == {"publish", "send_alerts"}
    assert send.trigger_rule == "all_success"
    assert publish.priority_weight > dag.get_task("evaluate_rules").priority_weight


def test_listening_reads_only_streams_its_sources_have() -> None:
    from extractors import source_class
    from warehouse.orchestration import LISTENING_STREAMS

    for source, streams in LISTENING_STREAMS.items():
        known = {stream.name for stream in source_class(source).stream_types}
        assert set(streams) <= known, f"{source}: unknown streams {set(streams) - known}"


def test_the_monthly_report_runs_on_the_1st_on_the_company_clock(dagbag) -> None:
    """08:00 on the 1st in company.timezone; it reads the published snapshot only, so it writes
    no warehouse and needs no writer slot; a month param must be YYYY-MM."""
    from datetime import UTC, datetime

    from airflow.sdk.definitions.param import ParamValidationError

    from core.config import load_config
    from warehouse.orchestration import report_month_from_context

    dag = dagbag.dags["social_monthly_report"]
    timezone = load_config().company.timezone
    assert dag.timetable.summary == "0 8 1 * *"
    assert str(dag.timetable._timezone.name) == timezone
    assert [t.task_id for t in dag.leaves] == ["send_report"]
    assert all(t.pool != WRITER_POOL for t in dag.tasks)
    run_at = datetime(2026, 11, 1, 8, tzinfo=UTC)
    assert str(report_month_from_context({"logical_date": run_at, "params": {}}, timezone)) == "2026-10"
    assert str(report_month_from_context({"params": {"month": "2026-03"}}, timezone)) == "2026-03"
    with pytest.raises(ParamValidationError):
        dag.params.get_param("month").resolve("October")
    assert dag.params.get_param("month").resolve("2026-10") == "2026-10"


def test_a_backfill_range_reports_one_month_per_run(dagbag) -> None:
    """The runs a backfill from 1 July to 2 October creates (the timetable's, as the scheduler
    makes them) report June to September, the README's example."""
    from datetime import UTC, datetime

    from airflow.timetables.base import TimeRestriction

    from core.config import load_config
    from warehouse.orchestration import report_month_from_context

    timetable = dagbag.dags["social_monthly_report"].timetable
    window = TimeRestriction(datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 10, 2, tzinfo=UTC), True)
    months, last = [], None
    while info := timetable.next_dagrun_info(last_automated_data_interval=last, restriction=window):
        context = {"logical_date": info.logical_date, "params": {}}
        months.append(str(report_month_from_context(context, load_config().company.timezone)))
        last = info.data_interval
    assert months == ["2026-06", "2026-07", "2026-08", "2026-09"]
