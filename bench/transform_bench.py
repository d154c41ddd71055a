"""The transform through Airflow against a plain ``dbt build`` of the same selection, same warehouse.

Lands and loads DAYS of the demo company through ``social_extract_load`` (``airflow dags test``),
keeps that raw warehouse, then on a fresh copy of it each time:

* baseline: ``dbt build`` of the transform's selection (``warehouse.pipeline.transform_selection``) as
  a data engineer runs it: one process, the profile's threads, dbt's partial parse;
* ``airflow dags test social_transform_publish``;
* the same DAG under a real scheduler (``airflow standalone``, LocalExecutor), triggered with the
  same params (skip with ``--no-scheduler``).

For each Airflow run it prints the dbt stage (from the end of ``raw_sources`` to the end of
``dbt_build``: scheduling, the task's process, dbt) as a ratio to the baseline (the target is at
most 1.25), and the whole run (GX checks, publishing and docs included) for context. ``--select``
narrows both to a dbt selection (``WAREHOUSE_DBT_SELECT``), as the test suite's tiny run does.

    python -m bench.transform_bench --days 90
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from demo.connections import demo_connections
from demo.run import (
    AirflowDatabase,
    alert_connections,
    demo_server,
    free_port,
    isolated_airflow,
    run_dag,
    smtp_catcher,
    standalone,
)
from demo.story import STORY_TODAY
from transform.dbt import DBT_PROJECT_DIR, PARTIAL_PARSE
from warehouse.pipeline import transform_selection

DAG_ID = "social_transform_publish"


def airflow(env: dict[str, str], *args: str) -> str:
    return subprocess.run(["airflow", *args], env=env, capture_output=True, text=True, check=True).stdout


def restore(raw: Path, data: Path) -> None:
    """The raw warehouse as loaded, and nothing the previous run built or cached."""
    shutil.rmtree(data / "published", ignore_errors=True)
    shutil.rmtree(data / ".dbt", ignore_errors=True)
    shutil.copyfile(raw, data / "warehouse.duckdb")


def baseline(env: dict[str, str], data: Path, scratch: Path) -> float:
    """Wall seconds of ``dbt build`` of the selection, from the project's own parse."""
    target = scratch / "dbt-target"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copyfile(DBT_PROJECT_DIR / "target" / PARTIAL_PARSE, target / PARTIAL_PARSE)
    run_env = {**env, "WAREHOUSE_DUCKDB_PATH": str(data / "warehouse.duckdb")}
    dbt = [str(Path(sys.executable).parent / "dbt"), "parse", "--target-path", str(target), "--quiet"]
    subprocess.run(dbt, cwd=DBT_PROJECT_DIR, env=run_env, check=True)  # its parse, once, as `make manifest`
    began = time.monotonic()
    dbt[1:2] = ["build", *transform_selection()]
    completed = subprocess.run(dbt, cwd=DBT_PROJECT_DIR, env=run_env, capture_output=True, text=True)
    seconds = time.monotonic() - began
    if completed.returncode != 0:
        raise SystemExit(f"the baseline dbt build failed:\n{completed.stdout[-3000:]}")
    return seconds


def stages(airflow_home: Path) -> dict[str, float]:
    """Seconds of the newest transform run: its dbt stage and the whole run."""
    database = AirflowDatabase(airflow_home / "airflow.db")
    run = database.newest_run(DAG_ID)
    tasks = database.tasks(DAG_ID, run["run_id"]) if run else []
    ends = {t["task_id"]: t["end_date"] for t in tasks}
    if not (run and ends.get("dbt_build") and ends.get("raw_sources") and run["end_date"]):
        raise SystemExit(f"run {run} did not build: {sorted((t['task_id'], t['state']) for t in tasks)}")

    def at(value: str) -> datetime:
        return datetime.fromisoformat(value)

    return {
        "dbt": (at(ends["dbt_build"]) - at(ends["raw_sources"])).total_seconds(),
        "run": (at(run["end_date"]) - at(run["start_date"])).total_seconds(),
    }


def under_dags_test(env: dict[str, str], start: str, end: str, log: Path) -> dict[str, float]:
    with log.open("a") as output:
        run_dag(DAG_ID, datetime.fromisoformat(start).date(), datetime.fromisoformat(end).date(), env, output)
    return stages(Path(env["AIRFLOW_HOME"]))


def _wait(database: AirflowDatabase, predicate, what: str) -> None:
    if not database.wait(predicate, timeout=1800, every=2):
        raise SystemExit(f"timed out waiting for {what}")


def under_scheduler(env: dict[str, str], start: str, end: str, log: Path) -> dict[str, float]:
    # Waits by reading Airflow's database: an `airflow` command every few seconds would take
    # seconds of CPU each from the run being measured.
    database = AirflowDatabase(Path(env["AIRFLOW_HOME"]) / "airflow.db")
    with log.open("a") as output, standalone(env, output) as env:
        _wait(database, lambda: database.registered(DAG_ID), "the DAG to register")
        before = {r["run_id"] for r in database.runs(DAG_ID)}  # the dags test run is in the same database
        airflow(env, "dags", "trigger", DAG_ID, "-c", json.dumps({"start": start, "end": end}))
        airflow(env, "dags", "unpause", DAG_ID)

        def finished() -> bool:
            return any(
                r["state"] in ("success", "failed")
                for r in database.runs(DAG_ID)
                if r["run_id"] not in before
            )

        _wait(database, finished, "the transform run to finish")
    return stages(Path(env["AIRFLOW_HOME"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90, help="days of the demo company to load")
    parser.add_argument("--no-scheduler", action="store_true", help="skip the run under a real scheduler")
    parser.add_argument("--keep", action="store_true", help="keep the working folder (its logs)")
    parser.add_argument("--select", default="", help="a dbt selection to narrow the transform to")
    args = parser.parse_args(argv)
    os.environ["WAREHOUSE_DBT_SELECT"] = args.select  # the baseline, the DAG runs and their env
    root = Path(tempfile.mkdtemp(prefix="transform-bench-"))
    data, log = root / "data", root / "airflow-output.log"
    start, end = STORY_TODAY - timedelta(days=args.days), STORY_TODAY - timedelta(days=1)
    try:
        with log.open("a") as output:
            env = isolated_airflow(root, output) | {"WAREHOUSE_TODAY": STORY_TODAY.isoformat()}
        # The demo APIs for the load, and its webhook receiver and a mail catcher for the transform's
        # alerts (a check that warns on a long history sends one).
        with demo_server(free_port(), STORY_TODAY, chaos_rate=0.0) as url, smtp_catcher() as (port, _):
            env |= demo_connections(url, today=STORY_TODAY) | alert_connections(port, f"{url}/_demo/webhook")
            began = time.monotonic()
            with log.open("a") as output:
                run_dag("social_extract_load", start, end, env, output)
            loaded = time.monotonic() - began
            raw = root / "raw.duckdb"
            shutil.copyfile(data / "warehouse.duckdb", raw)
            size = raw.stat().st_size / 2**20
            print(f"{args.days} days of the demo company loaded: {loaded:.0f} s, {size:.0f} MiB")
            print(f"dbt build {' '.join(transform_selection())}", flush=True)

            restore(raw, data)
            base = baseline(env, data, root)
            print(f"plain dbt build (baseline): {base:.1f} s", flush=True)
            rows = [("plain dbt build (baseline)", base, None)]
            restore(raw, data)
            measured = under_dags_test(env, start.isoformat(), end.isoformat(), log)
            rows.append(("airflow dags test: dbt stage", measured["dbt"], measured["run"]))
            print(f"airflow dags test: dbt stage {measured['dbt']:.1f} s", flush=True)
            if not args.no_scheduler:
                restore(raw, data)
                measured = under_scheduler(env, start.isoformat(), end.isoformat(), log)
                rows.append(("real scheduler: dbt stage", measured["dbt"], measured["run"]))
        print(f"{'':32} {'seconds':>8} {'x dbt':>7} {'whole run s':>12}")
        for name, seconds, whole in rows:
            extra = f"{whole:12.1f}" if whole is not None else ""
            print(f"{name:32} {seconds:8.1f} {seconds / base:7.2f} {extra}")
        backfill = (loaded + rows[1][2]) / 60
        print(f"backfill of {args.days} days through the DAGs (load, then transform): {backfill:.1f} min")
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
