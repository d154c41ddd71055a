"""Under a real scheduler, the raw assets a load updates start the transform, which publishes.

`airflow dags test` never starts downstream DAGs, so this test runs `airflow standalone`
(scheduler, DAG processor, triggerer and API server on SQLite with the LocalExecutor), lands and
loads three days with the extract DAG, unpauses the transform DAG and waits for the scheduler to
start it from the asset events, run every task through the executor and publish. The transform is
narrowed to the marts the test reads (``WAREHOUSE_DBT_SELECT``): the whole dbt build is the
end-to-end module's.
"""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from core.config import load_config
from demo.connections import demo_connections
from demo.run import AirflowDatabase, isolated_airflow, run_dag, standalone
from demo.server import DemoServer
from demo.story import STORY_TODAY

pytestmark = pytest.mark.e2e

# The demo's pinned today, for the demo server and for the pipeline's clock (WAREHOUSE_TODAY: the
# day snapshots are filed under, how far LinkedIn's and YouTube's lagging statistics reach, X's
# search window), so the run is the same whatever the real date.
DEMO_TODAY = STORY_TODAY

START, END = DEMO_TODAY - timedelta(days=3), DEMO_TODAY - timedelta(days=1)
TIMEOUT_SECONDS = 900  # a few minutes on 2 cores; the margin is for a loaded machine
SELECTION = "+fct_account_daily +dim_account"


def airflow(env: dict[str, str], *args: str) -> str:
    completed = subprocess.run(["airflow", *args], env=env, capture_output=True, text=True, check=True)
    return completed.stdout


def wait_for(what: str, database: AirflowDatabase, predicate, log: Path) -> None:
    if database.wait(predicate, timeout=TIMEOUT_SECONDS, every=5):
        return
    tail = "".join(log.read_text(errors="replace").splitlines(keepends=True)[-60:])
    pytest.fail(f"timed out waiting for {what}; last scheduler output:\n{tail}")


@pytest.mark.timeout(1200)
def test_the_load_triggers_the_transform_which_publishes(tmp_path) -> None:
    log = tmp_path / "standalone.log"
    with DemoServer(today=DEMO_TODAY) as server, log.open("w") as output:
        env = isolated_airflow(tmp_path, output) | demo_connections(server.url)
        env |= {"WAREHOUSE_TODAY": DEMO_TODAY.isoformat(), "WAREHOUSE_DBT_SELECT": SELECTION}
        # Polled in Airflow's database: an `airflow` command costs seconds of CPU each time.
        database = AirflowDatabase(tmp_path / "airflow" / "airflow.db")
        with standalone(env, output) as env:
            wait_for(
                "the DAG processor to register both DAGs",
                database,
                lambda: database.registered("social_transform_publish"),
                log,
            )
            airflow(env, "dags", "unpause", "social_transform_publish")
            with (tmp_path / "extract.log").open("w") as extract_log:
                run_dag("social_extract_load", START, END, env, extract_log)
            wait_for(
                "an asset-triggered transform run to finish",
                database,
                lambda: any(
                    r["state"] in ("success", "failed") for r in database.runs("social_transform_publish")
                ),
                log,
            )
            runs = database.runs("social_transform_publish")

    assert [r["state"] for r in runs] == ["success"], runs
    assert runs[0]["run_id"].startswith("asset_triggered__")
    with duckdb.connect(str(tmp_path / "data" / "published" / "warehouse.duckdb"), read_only=True) as con:
        run_id, start, end = con.execute(
            "select run_id, data_start, data_end from audit.publication"
        ).fetchone()
        marts = con.execute(
            "select table_name from audit.publication where table_name like 'marts.%' order by 1"
        ).fetchall()
        days = con.execute(
            "select count(*) from marts.fct_account_daily join marts.dim_account using (account_key) "
            "where is_own and metric_date between ? and ?",
            [START, END],
        ).fetchone()
    assert run_id == runs[0]["run_id"]
    assert marts == [("marts.dim_account",), ("marts.fct_account_daily",)], "only the selection was built"
    assert start <= START and end >= END, "the checks cover every day the load replaced"
    config = load_config()
    accounts = sum(len(config.own_accounts(platform)) for platform in type(config.accounts).model_fields)
    assert days == (3 * accounts,), "every account of every platform, every day of the run"
