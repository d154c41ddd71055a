"""Airflow as production runs it: PostgreSQL, and the API server, scheduler, DAG processor and
triggerer as separate processes (``demo.services``, the topology of docker-compose.yml).

Both DAGs are unpaused and nothing else is asked of Airflow: the scheduler starts the daily load
for the latest data interval that has ended (the day it covers is yesterday after 10:00 UTC, the
day before before then), as it does every morning, the raw assets it updates start the
transform, which checks and publishes. Everything the test reads comes through the REST API (the
runs, their tasks, each task's log as the UI shows it) and the published snapshot, as a data
team and a BI tool read them. The transform is narrowed to the marts the test reads
(``WAREHOUSE_DBT_SELECT``): the whole dbt build is the end-to-end module's.

The scheduler schedules by the real clock, so the demo's today is the real date here: the run
covers whichever day has just ended, and the test reads which from the run's data interval. In
the minutes before 10:00 UTC a second daily run would fall due while the test runs, so the test
starts after 10:00 then.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import sqlalchemy

from core.config import load_config
from demo.connections import demo_connections
from demo.run import PIPELINE_DAGS, isolated_airflow
from demo.server import DemoServer
from demo.services import AirflowApi, airflow_services, postgresql, postgresql_bin, wait_until

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(postgresql_bin() is None, reason="no PostgreSQL server: run `make postgresql`"),
]

TIMEOUT_SECONDS = 900  # a few minutes on 2 cores; the margin is for a loaded machine
SELECTION = "+fct_account_daily +dim_account"
PIPELINE = PIPELINE_DAGS  # the load, then the transform it triggers


def wait_for(what: str, predicate, logs: Path) -> None:
    if wait_until(predicate, TIMEOUT_SECONDS, every=3):
        return
    tails = {
        log.name: "".join(log.read_text(errors="replace").splitlines(keepends=True)[-30:])
        for log in sorted(logs.glob("*.log"))
    }
    pytest.fail(f"timed out waiting for {what}; the services' last output:\n{tails}")


def finished(api: AirflowApi, dag_id: str) -> bool:
    return any(r["state"] in ("success", "failed") for r in api.runs(dag_id))


def _clear_of_the_daily_schedule(margin: timedelta = timedelta(minutes=12)) -> None:
    """Wait out the minutes before the extract DAG's 10:00 UTC schedule, so that one daily run
    falls due while the test runs, not two."""
    now = datetime.now(UTC)
    due = now.replace(hour=10, minute=0, second=0, microsecond=0)
    if due - margin <= now < due:
        time.sleep((due - now).total_seconds() + 5)


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """One scheduler day: the services started, the two runs finished; what the tests read."""
    root = tmp_path_factory.mktemp("production")
    _clear_of_the_daily_schedule()
    today = datetime.now(UTC).date()
    logs = root / "logs"
    logs.mkdir()
    with (
        DemoServer(today=today) as server,
        postgresql(logs / "postgresql.log") as database_url,
    ):
        without_password = _connect_error(re.sub(r"//airflow:[^@]*@", "//airflow@", database_url))
        env = isolated_airflow(root, None, migrate=False) | demo_connections(server.url, today=today)
        env |= {"WAREHOUSE_TODAY": today.isoformat(), "WAREHOUSE_DBT_SELECT": SELECTION}
        with airflow_services(env, database_url, logs) as services:
            api = services.api()
            wait_for("every component to report healthy", api.healthy, logs)
            api.login()
            wait_for("the DAG processor to register both DAGs", lambda: api.registered(PIPELINE), logs)
            for dag_id in reversed(PIPELINE):  # the transform first: it must hear the load's event
                api.patch(f"dags/{dag_id}", {"is_paused": False})
            for dag_id in PIPELINE:
                wait_for(f"a {dag_id} run to finish", lambda d=dag_id: finished(api, d), logs)
            runs = {dag_id: api.runs(dag_id) for dag_id in PIPELINE}
            defined = {
                (dag_id, t["task_id"])
                for dag_id in PIPELINE
                for t in api.get(f"dags/{dag_id}/tasks")["tasks"]
            }
            tasks = {
                dag_id: api.get(f"dags/{dag_id}/dagRuns/{runs[dag_id][0]['dag_run_id']}/taskInstances")[
                    "task_instances"
                ]
                for dag_id in PIPELINE
            }
            logs_by_task = {
                (t["dag_id"], t["task_id"], t["map_index"]): api.task_log(
                    t["dag_id"], t["dag_run_id"], t["task_id"], t["try_number"], t["map_index"]
                )
                for dag_id in PIPELINE
                for t in tasks[dag_id]
                if t["try_number"]
            }
    yield {
        "root": root,
        "runs": runs,
        "tasks": tasks,
        "defined": defined,
        "logs": logs_by_task,
        "published": root / "data" / "published" / "warehouse.duckdb",
        "without_password": without_password,
    }


def _connect_error(url: str) -> str | None:
    try:
        sqlalchemy.create_engine(url).connect().close()
    except sqlalchemy.exc.OperationalError as error:
        return str(error)
    return None


def test_the_metadata_database_asks_for_a_password(production) -> None:
    """PostgreSQL listens on loopback only, and even there the role needs its password."""
    assert "no password supplied" in (production["without_password"] or "connected without one")


def test_the_scheduler_runs_the_daily_load_which_triggers_the_transform(production) -> None:
    load, transform = (production["runs"][dag_id] for dag_id in PIPELINE)
    assert [(r["run_type"], r["state"]) for r in load] == [("scheduled", "success")], load
    assert [(r["run_type"], r["state"]) for r in transform] == [("asset_triggered", "success")], transform
    states = {t["task_id"]: t["state"] for dag_id in PIPELINE for t in production["tasks"][dag_id]}
    assert states.pop("dbt_failed") == "skipped", "no model failed: nothing to report"
    assert set(states.values()) == {"success"}, states


def test_the_published_marts_hold_the_day_the_scheduler_loaded(production) -> None:
    load, transform = (production["runs"][dag_id][0] for dag_id in PIPELINE)
    day = datetime.fromisoformat(load["data_interval_start"]).date()
    assert day < date.fromisoformat(load["run_after"][:10]), "the run covers a day that has ended"
    with duckdb.connect(str(production["published"]), read_only=True) as con:
        run_id, start, end = con.execute(
            "select run_id, data_start, data_end from audit.publication"
        ).fetchone()
        marts = con.execute(
            "select table_name from audit.publication where table_name like 'marts.%' order by 1"
        ).fetchall()
        accounts_that_day = con.execute(
            "select count(*) from marts.fct_account_daily join marts.dim_account using (account_key) "
            "where is_own and metric_date = ?",
            [day],
        ).fetchone()
    assert run_id == transform["dag_run_id"]
    assert marts == [("marts.dim_account",), ("marts.fct_account_daily",)], "only the selection was built"
    assert start <= day <= end, "the checks cover the day the load replaced"
    config = load_config()
    accounts = sum(len(config.own_accounts(platform)) for platform in type(config.accounts).model_fields)
    assert accounts_that_day == (accounts,), "every account of every platform on the loaded day"


def test_every_task_log_is_readable_through_the_api(production) -> None:
    """What the UI shows for each task: the log the worker wrote, read by the API server."""
    logs = production["logs"]
    # Every task of both DAGs, but the report of failed models (none failed: it never ran).
    expected = production["defined"] - {("social_transform_publish", "dbt_failed")}
    assert len(expected) > 20
    assert {(dag_id, task_id) for dag_id, task_id, _ in logs} == expected
    for (dag_id, task_id, _), text in logs.items():
        assert "Log file not found" not in text, (dag_id, task_id)
        assert "Task instance is in running state" not in text or "succeeded" in text.lower(), (
            dag_id,
            task_id,
        )
    extract = logs[("social_extract_load", "facebook_pages.extract", -1)]
    assert "landed" in extract and "partitions" in extract, extract[-2000:]
    publish = next(text for (dag_id, task_id, _), text in logs.items() if task_id == "publish")
    assert "published 3 tables to" in publish, publish[-2000:]  # the two marts and the run record
