"""The whole pipeline through real Airflow (`airflow dags test`) against the demo server.

One range run of 90 days through both DAGs, the way `make demo` runs it, then the warehouse is
compared with the demo generator's ground truth, the published snapshot is inspected, and a run
whose checks fail is shown to leave the published snapshot untouched.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from demo.generator import facebook_pages as truth
from demo.server import DemoServer
from extractors.core import Window
from tests.conftest import DEMO_TODAY, DEMO_TOKEN, posts_on_pacific_days
from warehouse.demo_run import PIPELINE_DAGS, DagRunFailed, demo_connections, run_dag
from warehouse.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e

START, END = DEMO_TODAY - timedelta(days=90), DEMO_TODAY - timedelta(days=1)
ACCOUNTS = ("104729381726354", "187263549910273")
POST_LOOKBACK_DAYS = 28


class Pipeline:
    def __init__(self, root: Path, env: dict[str, str], log: Path):
        self.root, self.env, self.log = root, env, log

    @property
    def data(self) -> Path:
        return self.root / "data"

    def run(self, dag_id: str) -> None:
        with self.log.open("a") as output:
            run_dag(dag_id, START, END, self.env, output)

    def live(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.data / "warehouse.duckdb"), read_only=True)

    def published(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.data / "published" / "warehouse.duckdb"), read_only=True)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> Pipeline:
    root = tmp_path_factory.mktemp("e2e")
    log = root / "airflow-output.log"
    with DemoServer(today=DEMO_TODAY, chaos_rate=0.05, chaos_seed=11) as server:
        env = {
            **os.environ,
            **demo_connections(server.url),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "AIRFLOW_HOME": str(root / "airflow"),
            "WAREHOUSE_DATA_DIR": str(root / "data"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
            "PYTHONPATH": str(PROJECT_ROOT),
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "DO_NOT_TRACK": "1",
        }
        env.pop("WAREHOUSE_DUCKDB_PATH", None)
        with log.open("w") as output:
            for command in (
                ["airflow", "db", "migrate"],
                ["airflow", "pools", "set", "duckdb_writer", "1", "DuckDB allows one writer"],
            ):
                subprocess.run(command, env=env, stdout=output, stderr=subprocess.STDOUT, check=True)
        pipeline = Pipeline(root, env, log)
        for dag_id in PIPELINE_DAGS:
            pipeline.run(dag_id)
        pipeline.requests = server.requests()
    return pipeline


def test_the_demo_server_threw_faults_and_the_run_recovered(pipeline) -> None:
    statuses = [r["status"] for r in pipeline.requests]
    assert any(s >= 400 for s in statuses), "chaos mode should have throttled or failed some calls"
    assert "retrying" in pipeline.log.read_text()


def test_account_daily_equals_the_generator_truth(pipeline) -> None:
    with pipeline.live() as con:
        for account in ACCOUNTS:
            rows = con.execute(
                """
                select metric_date, followers, followers_gained, followers_lost, views, reach,
                       engagements, posts_published
                from marts.fct_account_daily
                where account_id = ? and metric_date between ? and ?
                order by metric_date
                """,
                [account, START, END],
            ).fetchall()
            expected = [
                (
                    day["date"],
                    day["followers"],
                    day["follows"],
                    day["unfollows"],
                    day["views"],
                    day["reach"],
                    day["post_engagements"],
                    day["posts_published"],
                )
                for day in truth.account_daily(account, START, END, as_of=DEMO_TODAY)
            ]
            assert len(rows) == (END - START).days + 1
            assert rows == expected


def test_monthly_engagement_rate_is_a_ratio_of_sums_equal_to_truth(pipeline) -> None:
    expected: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for account in ACCOUNTS:
        for day in truth.account_daily(account, START, END):
            month = str(day["date"])[:7]
            expected[(account, month)][0] += day["post_engagements"]
            expected[(account, month)][1] += day["views"]
    with pipeline.live() as con:
        rows = con.execute(
            """
            select account_id, strftime(metric_date, '%Y-%m'), sum(engagements) / sum(views)
            from marts.fct_account_daily
            where metric_date between ? and ?
            group by all
            """,
            [START, END],
        ).fetchall()
    assert {(a, m): pytest.approx(r, rel=1e-12) for a, m, r in rows} == {
        key: engagements / views for key, (engagements, views) in expected.items()
    }


def test_post_performance_equals_truth_and_lifetime_metrics_are_not_summed(pipeline) -> None:
    with pipeline.live() as con:
        got = {
            row[0]: row[1:]
            for row in con.execute(
                """
                select p.post_id, f.reactions, f.comments, f.shares, f.clicks, f.views, f.reach, f.engagements
                from marts.fct_post_performance f join marts.dim_post p using (post_key)
                """
            ).fetchall()
        }
    expected = {}
    window = Window(START - timedelta(days=POST_LOOKBACK_DAYS), END)
    for account in ACCOUNTS:
        for post in posts_on_pacific_days(account, window):
            engagements = post["reactions"] + post["comments"] + post["shares"] + post["clicks"]
            expected[post["id"]] = (
                post["reactions"],
                post["comments"],
                post["shares"],
                post["clicks"],
                post["views"],
                post["reach"],
                engagements,
            )
    assert got == expected


def test_the_published_snapshot_is_read_only_checked_and_complete(pipeline) -> None:
    published = pipeline.data / "published" / "warehouse.duckdb"
    assert not os.access(published, os.W_OK) or os.geteuid() == 0
    assert published.stat().st_mode & 0o222 == 0, "the snapshot file is read-only"
    with pipeline.published() as con:
        tables = {
            r[0]
            for r in con.execute("select schema_name || '.' || table_name from duckdb_tables()").fetchall()
        }
        assert {
            "marts.fct_account_daily",
            "marts.fct_post_performance",
            "marts.dim_post",
            "marts.dim_account",
        } <= tables
        assert not any(t.startswith(("raw.", "staging.")) for t in tables), "BI sees only checked marts"
        run_id, start, end = con.execute(
            "select run_id, data_start, data_end from audit.publication"
        ).fetchone()
        results = con.execute(
            "select count(*), count(*) filter (where not success and severity = 'blocking') "
            "from audit.check_results where run_id = ?",
            [run_id],
        ).fetchone()
    assert (start, end) == (START - timedelta(days=POST_LOOKBACK_DAYS), END), "checked with the look-back"
    assert results[0] > 40 and results[1] == 0
    assert (pipeline.data / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").exists()


def test_no_secret_in_logs_landing_files_or_warehouse(pipeline) -> None:
    assert DEMO_TOKEN not in pipeline.log.read_text()
    for path in list((pipeline.data / "landing").rglob("*.jsonl")) + list(
        (pipeline.root / "airflow").rglob("*.log")
    ):
        assert DEMO_TOKEN not in path.read_text(errors="replace"), path
    for connect in (pipeline.live, pipeline.published):
        with connect() as con:
            tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
            for schema, table in tables:
                hits = con.execute(
                    f'select count(*) from {schema}."{table}" as t where contains(t::varchar, ?)',
                    [DEMO_TOKEN],
                ).fetchone()
                assert hits == (0,), f"{schema}.{table}"


def test_a_failed_check_keeps_the_previous_snapshot_and_fails_the_run(pipeline) -> None:
    """Engagements above views on one day: dbt builds it, the GX check blocks it."""
    published = pipeline.data / "published" / "warehouse.duckdb"
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    with duckdb.connect(str(pipeline.data / "warehouse.duckdb")) as con:
        changed = con.execute(
            """
            update raw.facebook_pages__page_insights
            set record = json_merge_patch(record, '{"values": [{"value": 99999999, "end_time": "'
                || (record->'values'->0->>'end_time') || '"}]}')
            where record->>'name' = 'page_post_engagements' and partition_day = ?
            """,
            [END],
        ).fetchall()
    assert changed == [(2,)]
    offset = pipeline.log.stat().st_size
    with pytest.raises(DagRunFailed):
        pipeline.run("social_transform_publish")
    output = pipeline.log.read_text()[offset:]
    assert "ChecksFailed" in output and "engagement_rate" in output and "fct_account_daily" in output
    assert "blocking" in output
    assert hashlib.sha256(published.read_bytes()).hexdigest() == before
