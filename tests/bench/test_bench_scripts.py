"""Every benchmark script runs, on a tiny volume, and prints its figures: none can rot unseen.

The figures themselves are recorded in bench/RESULTS.md from full-size runs; these runs only
prove each script still works end to end against the current code.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import duckdb
import pytest

from bench.agency_volume import STREAMS, Volume, generate
from core.settings import PROJECT_ROOT
from extractors import SOURCES, source_class
from extractors.core import Window
from extractors.x import X
from loading.raw import load_partitions, partitions_in_landing, raw_table
from tests.conftest import DEMO_TODAY, demo_connection


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
        (("bench.sentiment_bench", "--lengths", "--max-chars", "10000", "--repeat", "1"), "(the cap)"),
        (("bench.dag_parse", "--repeat", "1"), "social_transform_publish.py"),
        (("bench.extract_bench", "--repeat", "1", "--days", "3"), "ms/request"),
        # The soak itself takes minutes a simulated day: its plan (the runs and the drawn kills) only.
        (("bench.soak_bench", "--days", "2", "--kills", "2", "--seed", "3", "--plan"), "kill at"),
    ],
    ids=lambda value: value[0] if isinstance(value, tuple) else None,
)
def test_a_standalone_bench_runs_and_prints_its_figures(args, printed) -> None:
    assert printed in bench(*args)


def test_a_soak_saves_where_it_is_and_goes_on_only_as_planned(tmp_path) -> None:
    from collections import Counter

    from bench import soak_bench

    phase = soak_bench.Phase(tmp_path / "soak", days=3, faults=Counter(error_500=2), running=7, port=4321)
    phase.run_seconds["social_extract_load"] = [20.5, 21.0]
    phase.root.mkdir()
    phase.save()
    assert soak_bench.Phase.load(phase.root) == phase
    assert soak_bench.Phase.load(tmp_path / "new") == soak_bench.Phase(tmp_path / "new")
    # Each day's chaos has a seed of its own, the same whenever the day is run.
    days = [date(2026, 10, 3) + timedelta(days=n) for n in range(60)]
    assert len({soak_bench.day_seed(7, day) for day in days}) == 60
    assert soak_bench.day_seed(7, days[5]) != soak_bench.day_seed(8, days[5])

    # A working folder planned with other options is refused before any run, naming them.
    planned = [
        "--days",
        "2",
        "--kills",
        "1",
        "--seed",
        "3",
        "--workdir",
        str(tmp_path / "w"),
        "--phase",
        "soak",
    ]
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "plan.json").write_text(
        json.dumps({"days": "2", "last": "2026-12-01", "hours": "20", "chaos": "0.1", "kills": "1",
                    "seed": "4", "attempts": "3"})
    )  # fmt: skip
    with pytest.raises(SystemExit, match=r"--seed 4 \(now 3\)"):
        soak_bench.main(planned)
    assert not (tmp_path / "w" / "soak").exists()


@pytest.mark.timeout(60)  # a bench that waited for the lock instead of refusing would hang here
def test_one_bench_drives_a_soak_pass_at_a_time(tmp_path) -> None:
    """A second bench on the same pass is refused, naming it, while the first holds it (flock: a
    second open of the lock file conflicts as another process's would); the lock goes with the block."""
    from bench import soak_bench

    phase = soak_bench.Phase(tmp_path / "soak")
    with soak_bench.driving(phase):
        refused = f"another bench is driving {phase.root}; stop it first"
        with pytest.raises(SystemExit, match=re.escape(refused)), soak_bench.driving(phase):
            pass
    with soak_bench.driving(phase):
        pass


def test_a_soak_compares_the_check_log_by_each_windows_last_run(tmp_path) -> None:
    """A killed run's checks and a freshness age left in the log are no difference; a window whose
    last run found something else is one, named with the checks apart that ran on both sides."""
    from bench import soak_bench

    def log(name: str, runs: list[tuple[str, str, str, bool, str]]) -> Path:
        path = tmp_path / f"{name}.duckdb"
        con = duckdb.connect(str(path))
        con.execute(
            "create schema audit; create table audit.check_results (run_id varchar, checked_at timestamptz, "
            "window_start date, window_end date, suite varchar, table_name varchar, check_name varchar, "
            "column_name varchar, severity varchar, success boolean, observed_value varchar, "
            "unexpected_count bigint, sample_unexpected varchar)"
        )
        for run_id, at, end, success, observed in runs:
            con.execute(
                "insert into audit.check_results values (?, ?::timestamptz, ?::date - 28, ?::date, 'dbt', "
                "'marts.fct_post_performance', 'relationships', 'post_key', 'blocking', ?, ?, 0, null)",
                [run_id, at, end, end, success, observed],
            )
        con.close()
        return path

    soak = log("soak", [  # run b was killed after its checks
        ("a", "2026-12-06 10:00:00+00", "2026-10-27", True, "pass"),
        ("b", "2026-12-06 11:00:00+00", "2026-10-28", True, "last load 0.1 h ago (pass)"),
        ("c", "2026-12-06 11:30:00+00", "2026-10-28", True, "last load 0.4 h ago (pass)"),
    ])  # fmt: skip
    clean = log("clean", [
        ("x", "2026-12-06 10:05:00+00", "2026-10-27", False, "fail"),  # failed, then run again
        ("y", "2026-12-06 10:10:00+00", "2026-10-27", True, "pass"),
        ("z", "2026-12-06 11:05:00+00", "2026-10-28", True, "last load 0.0 h ago (pass)"),
    ])  # fmt: skip
    assert soak_bench.check_logs_apart(soak, clean) == ({"soak": 3, "clean": 3}, [])

    with duckdb.connect(str(clean)) as con:
        con.execute("update audit.check_results set success = false where run_id = 'z'")
    assert soak_bench.check_logs_apart(soak, clean)[1] == [
        "    window 2026-09-30 .. 2026-10-28: last runs differ in 1 of the soak's checks (1 passed) "
        "against 1 of the clean run's (0 passed); of them ran on both sides: relationships"
    ]


def test_a_soak_counts_kills_retries_interruptions_and_give_ups_and_goes_on_from_its_save(tmp_path) -> None:
    """The soak's accounting, run by run: a drawn kill fires once (not again on its run's retry), a
    kill that comes after its run ended moves to the next run, a run in trouble that then succeeds
    is a recovery, an interrupted run goes again without using a try, a run that fails every try is
    given up and named; a pass saved part-way goes on from the same counts."""
    from collections import Counter

    from bench import soak_bench
    from bench.soak_bench import Outcome, Phase

    runs = soak_bench.plan(2, date(2026, 10, 4), [20])  # 6 runs: extract, transform, alerts a day
    kills = {1: 0.5, 2: 0.4}
    phase = Phase(tmp_path / "soak")
    phase.root.mkdir()

    def step(state: str, pending: list[float], next_run: int) -> None:
        phase.arm(phase.next_run, kills)
        assert phase.pending_kills[:1] == pending[:1]  # the kill the run gets, if any
        phase.ended(runs[phase.next_run], Outcome(state, 10.0), attempts=3)
        assert phase.pending_kills == pending[1:] if state == "killed" else phase.pending_kills == pending
        assert phase.next_run == next_run

    step("success", [], 1)
    step("killed", [0.5], 1)
    step("success", [], 2)  # the retry draws no second kill: recovered
    step("success", [0.4], 3)  # ended before its kill, which moves on to the next run
    step("killed", [0.4], 3)
    phase.save()
    phase = Phase.load(phase.root)
    phase.running = 3
    phase.interrupted(runs[3].label())  # the bench stopped while run 3 went again: no try used
    step("failed", [], 3)
    step("failed", [], 4)  # killed, failed, failed: three tries, given up
    step("success", [], 5)
    step("success", [], 6)
    assert (phase.airflow_runs, phase.kills, phase.kills_missed, phase.failed) == (10, 2, 1, 2)
    assert (phase.recoveries, phase.interruptions, phase.running) == (1, 1, None)
    assert phase.unrecovered == [f"{runs[3].day} {runs[3].label()}"]
    successes = {dag: [10.0] * n for dag, n in Counter(runs[i].dag_id for i in (0, 1, 2, 4, 5)).items()}
    assert phase.run_seconds == successes


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
    patterns = bench("bench.pattern_bench", "--warehouse", str(copy), "--repeat", "1", "--rows", "300")
    assert "complaints (300 support items)" in patterns and "brands by keyword" in patterns


@pytest.mark.e2e
@pytest.mark.timeout(900)
def test_the_transform_bench_runs_dbt_and_the_dag_on_one_day() -> None:
    selection = ("--select", "+fct_account_daily +dim_account")
    printed = bench("bench.transform_bench", "--days", "1", "--no-scheduler", *selection, timeout=900)
    assert "--select +fct_account_daily +dim_account --indirect-selection cautious" in printed
    assert "plain dbt build (baseline)" in printed and "airflow dags test: dbt stage" in printed


def test_the_agency_bench_runs_on_a_tiny_agency() -> None:
    printed = bench(
        "bench.agency_bench",
        "--accounts", "5", "--days", "3", "--scale", "0.1", "--dag-repeat", "1",
        # One staging model and its tests: the script's every step, without the whole project's build.
        "--select", "stg_x__tweet_metrics",
    )  # fmt: skip
    for figure in (
        "load (rows/s)",
        "full refresh",
        "daily run: dbt build",
        "DAG parse social_transform_publish.py",
    ):
        assert figure in printed


def _shapes(value: object, path: str = "") -> set[tuple[str, str]]:
    """Every (JSON path, type) in ``value``; list items share one path, empty containers are typed as such."""
    if isinstance(value, dict):
        return set().union(*(_shapes(v, f"{path}.{k}") for k, v in value.items())) or {(path, "{}")}
    if isinstance(value, list):
        return set().union(*(_shapes(v, f"{path}[]") for v in value)) or {(path, "[]")}
    return {
        (
            path,
            "number"
            if isinstance(value, int | float) and not isinstance(value, bool)
            else type(value).__name__,
        )
    }


def _records(root: Path, source: str, stream: str) -> list[dict]:
    files = sorted((root / source / stream).glob("account=*/day=*/data.jsonl"))
    return [json.loads(line)["record"] for f in files for line in f.read_text().splitlines()]


def test_the_agency_generator_lands_what_the_extractors_land(company, demo_server, tmp_path) -> None:
    """Every stream of every source, in the real shapes, loaded with no row lost.

    The reference is a short extract of the demo APIs by the real extractors. A generated record
    holds every field each real record of its stream holds, and no field (or type) none of them
    holds; the loader takes every generated row.
    """
    real = tmp_path / "real"
    window = Window(DEMO_TODAY - timedelta(days=3), DEMO_TODAY - timedelta(days=1))
    for name in SOURCES:
        connection = demo_connection(name, demo_server)
        if name == "x":  # recent search and mentions count back from the demo's today
            source = X(company, connection, clock=lambda: datetime.combine(DEMO_TODAY, time.min, UTC))
        else:
            source = source_class(name)(company, connection)
        source.run(window, real, "real", today=DEMO_TODAY)

    generated = tmp_path / "generated"
    config, landed = generate(generated, Volume(accounts=5, days=4, scale=0.3, end=window.end))
    every_stream = {(name, s.name) for name in SOURCES for s in source_class(name).stream_types}
    assert {(s.source, s.stream) for s in STREAMS} == every_stream

    for spec in STREAMS:
        known = _records(real, spec.source, spec.stream)
        made = _records(generated / "landing", spec.source, spec.stream)
        assert known and made, f"{spec.source}/{spec.stream}: no records to compare"
        always = set.intersection(*({p for p, _ in _shapes(r)} for r in known))
        anywhere = set.union(*(_shapes(r) for r in known))
        paths = {p for p, _ in anywhere}
        for record in made:
            shapes = _shapes(record)
            missing = always - {p for p, _ in shapes}
            unknown = {
                (p, t) for p, t in shapes if (p, t) not in anywhere and not (t in ("[]", "{}") and p in paths)
            }
            assert not missing and not unknown, f"{spec.source}/{spec.stream}: {missing=} {unknown=}"

    con = duckdb.connect()
    loaded = load_partitions(
        con, partitions_in_landing(generated / "landing", date.min, date.max), "t", config
    )
    assert {r.table: r.rows for r in loaded} == {
        raw_table(source, stream): rows for (source, stream), rows in landed.rows.items()
    }


def test_the_fingerprint_names_a_changed_value_and_ignores_run_columns(tmp_path: Path) -> None:
    """``bench.fingerprint`` is the proof that a change of code changed no figure: it must see a
    single changed value (and name its column), a lost row, and nothing else."""
    from bench.fingerprint import differences, fingerprint

    path = tmp_path / "published.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_x as select range as id, range * 1.5 as score, "
            "'v' || range as label, now() as _loaded_at, 'run-1' as run_id from range(100)"
        )
    before = fingerprint(path)
    assert before["marts.fct_x"]["rows"] == 100 and set(before["marts.fct_x"]["columns"]) == {
        "id",
        "score",
        "label",
    }
    with duckdb.connect(str(path)) as con:
        con.execute("update marts.fct_x set _loaded_at = now() + interval 1 day, run_id = 'run-2'")
    assert differences(before, fingerprint(path)) == []
    with duckdb.connect(str(path)) as con:
        con.execute("update marts.fct_x set score = score + 1 where id = 42")
    assert differences(before, fingerprint(path)) == ["marts.fct_x: rows 100 -> 100; columns differ: score"]
    with duckdb.connect(str(path)) as con:
        con.execute("update marts.fct_x set score = score - 1 where id = 42")
        con.execute("delete from marts.fct_x where id = 7")
    assert differences(before, fingerprint(path)) == [
        "marts.fct_x: rows 100 -> 99; columns differ: id, label, score"
    ]
