"""Every benchmark script runs, on a tiny volume, and prints its figures: none can rot unseen.

The figures themselves are recorded in bench/RESULTS.md from full-size runs; these runs only
prove each script still works end to end against the current code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from warehouse.settings import PROJECT_ROOT


def bench(*args: str, timeout: int = 600) -> str:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "GX_ANALYTICS_ENABLED": "False"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    completed = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert completed.returncode == 0, f"{args}:\n{completed.stdout[-2000:]}\n{completed.stderr[-4000:]}"
    return completed.stdout


@pytest.mark.parametrize(
    ("args", "printed"),
    [
        (("bench.loader_bench", "--rows", "2000", "--rows-per-file", "500", "--repeat", "1"), "rows/s"),
        (("bench.alerts_bench", "--factor", "1", "--repeat", "1"), "baseline"),
        (("bench.sentiment_bench", "--mentions", "40", "--repeat", "1"), "scorer / vader time"),
        (("bench.dag_parse", "--repeat", "1"), "social_transform_publish.py"),
        (("bench.extract_bench", "--repeat", "1", "--days", "3"), "ms/request"),
    ],
    ids=lambda value: value[0] if isinstance(value, tuple) else None,
)
def test_a_standalone_bench_runs_and_prints_its_figures(args, printed) -> None:
    assert printed in bench(*args)


def test_the_warehouse_benches_run_on_the_shared_warehouse(full_warehouse, tmp_path) -> None:
    copy = full_warehouse.copy(tmp_path)
    with duckdb.connect(str(copy)) as con:  # the report reads only a published snapshot
        con.execute("create schema if not exists audit")
        con.execute(
            "create table audit.publication as select 'bench' as run_id, now() as published_at, "
            "min(metric_date) as data_start, max(metric_date) as data_end from marts.fct_account_daily"
        )
    assert "checks / baseline" in bench(
        "bench.checks_bench", "--warehouse", str(copy), "--days", "3", "--repeat", "1"
    )
    assert "baseline" in bench("bench.report_bench", "--warehouse", str(copy), "--repeat", "1")


@pytest.mark.e2e
@pytest.mark.timeout(900)
def test_the_transform_bench_runs_dbt_and_the_dag_on_one_day() -> None:
    selection = ("--select", "+fct_account_daily +dim_account")
    printed = bench("bench.transform_bench", "--days", "1", "--no-scheduler", *selection, timeout=900)
    assert "--select +fct_account_daily +dim_account --indirect-selection cautious" in printed
    assert "plain dbt build (baseline)" in printed and "airflow dags test: dbt stage" in printed
