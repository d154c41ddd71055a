"""An extract throttled through every HTTP attempt fails retriably, and Airflow's retry lands it.

A real Airflow run (``dag.test()`` in a process of its own, over an isolated SQLite metadata
database) of the daily DAG's ``google_analytics.extract`` task alone, against the demo server:
the first try's two HTTP attempts both get a 503, so the task raises the retriable
``ExtractError``; Airflow puts it up for retry and the second try lands the day. Only the retry
delay is shortened (from ``DEFAULT_ARGS``' 5 minutes to 1 second) in the driver; ``dag.test()``
honours ``retries`` and ``retry_delay`` as the scheduler does (an up-for-retry task is scheduled
again once its delay has passed).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT
from demo.connections import demo_connections
from demo.run import isolated_airflow
from tests.conftest import DEMO_TODAY, FAST_RETRIES

pytestmark = pytest.mark.e2e

SOURCE = "google_analytics"
TASK = f"{SOURCE}.extract"
DAY = "2026-11-14"
REPORT = "/v1beta/properties/412345678:runReport"

DRIVER = f"""
import json
from datetime import timedelta

from airflow.dag_processing.dagbag import DagBag

dag = DagBag(dag_folder={str(PROJECT_ROOT / "dags")!r}, safe_mode=True).get_dag("social_extract_load")
only = dag.partial_subset(task_ids=[{TASK!r}], include_downstream=False, include_upstream=False)
task = only.task_dict[{TASK!r}]
assert task.retries >= 1, task.retries  # DEFAULT_ARGS' retries, untouched
task.retry_delay = timedelta(seconds=1)
run = only.test(run_conf={{"start": {DAY!r}, "end": {DAY!r}}})
print("RESULT " + json.dumps({{"state": str(run.state)}}))
"""


def test_a_retriable_extract_error_is_retried_by_airflow_and_lands(demo, tmp_path) -> None:
    began = time.monotonic()
    env = isolated_airflow(tmp_path) | demo_connections(demo.url, today=DEMO_TODAY)
    migrated = time.monotonic() - began
    name = f"AIRFLOW_CONN_{SOURCE.upper()}_DEFAULT"
    connection = json.loads(env[name])
    connection["extra"] = {**connection["extra"], **FAST_RETRIES, "max_attempts": 2}
    env |= {name: json.dumps(connection), "WAREHOUSE_TODAY": DEMO_TODAY.isoformat()}
    demo.add_faults(REPORT, ["error_503", "error_503"])  # both HTTP attempts of the first try

    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", DRIVER], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    elapsed = time.monotonic() - began
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-5000:]
    assert 'RESULT {"state": "success"}' in output, output[-5000:]

    with sqlite3.connect(tmp_path / "airflow" / "airflow.db") as db:
        (final,) = db.execute(
            "select state, try_number from task_instance where task_id = ?", (TASK,)
        ).fetchall()
        history = db.execute(
            "select try_number, state from task_instance_history where task_id = ? order by try_number",
            (TASK,),
        ).fetchall()
    assert final == ("success", 2), "the second try succeeded"
    assert history == [(1, "failed")], "the first try failed (and was put up for retry)"
    assert "still failing after 2 attempts" in output and "What to do: the platform is throttling" in output

    statuses = [r["status"] for r in demo.requests() if r["path"] == REPORT]
    assert statuses[:3] == [503, 503, 200], statuses
    landed = list(Path(tmp_path / "data" / "landing" / SOURCE).rglob("data.jsonl"))
    assert f"day={DAY}" in {p.parent.name for p in landed}  # with the look-back days before it
    assert landed and all(p.stat().st_size for p in landed)
    print(f"airflow db migrate: {migrated:.1f} s; dag.test with one Airflow retry: {elapsed:.1f} s")
