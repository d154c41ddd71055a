"""The pipeline on a date far from the usual: the demo's today is 1 March 2028, so its last day
is 29 February and its calendar has moved 65 weeks from the story as written.

Every step runs as the command line runs it, in its own process on the demo's calendar
(`DEMO_TODAY`, `WAREHOUSE_TODAY`): the demo server, each source's extractor over real HTTP, the
loader, then `python -m warehouse publish` (dbt build, every check, the snapshot). The run must
publish with no blocking failure, and the snapshot must hold the demo's story on its new dates:
the incident's negative mentions, the new traffic source, campaigns with their verdicts, the
support inbox and the competitors.

The same run is the clean reference for crashes: each step killed (``kill -9``) part-way and run
again must end in the same warehouse and snapshot, with no temporary file left.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
import requests

from bench.fingerprint import changed, fingerprint
from core.settings import PROJECT_ROOT
from demo import story
from demo.connections import demo_connections
from demo.run import demo_server, free_port
from expectations.catalog import SUITES
from warehouse.orchestration import EXTRACT_SOURCES

pytestmark = pytest.mark.e2e

TODAY = date(2028, 3, 1)
START, END = TODAY - timedelta(days=42), TODAY - timedelta(days=1)


@dataclass(frozen=True)
class CleanRun:
    """The pipeline run once on TODAY with no fault: its data folder, its environment (with the
    demo server's connections) and the server's URL, still serving."""

    data: Path
    env: dict[str, str]
    url: str


def run(env: dict[str, str], *args: str) -> str:
    completed = subprocess.run(
        [sys.executable, *args], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=1200
    )
    assert completed.returncode == 0, (
        f"{' '.join(args)}:\n{completed.stdout[-3000:]}\n{completed.stderr[-5000:]}"
    )
    return completed.stdout


# Each step as the command line runs it, with the run ids an Airflow retry would keep.
FIRST = START - timedelta(days=30)  # the streams' look-backs land earlier days too
_RANGE = ("--start", FIRST.isoformat(), "--end", END.isoformat())
STEPS = {
    "load": ("-m", "warehouse", "load", *_RANGE, "--run-id", "load-1"),
    "publish": ("-m", "warehouse", "publish", *_RANGE, "--run-id", "publish-1"),
}


def extract_step(source: str) -> tuple[str, ...]:
    window = ("--start", START.isoformat(), "--end", END.isoformat(), "--run-id", f"extract-{source}")
    return ("-m", "extractors", source, *window)


def publish_step(step: str) -> tuple[str, ...]:
    """``python -c`` running one step of ``python -m warehouse publish``, as its Airflow task does."""
    code = {
        "build": "b = p.build_models((), rebuild_from=first); p.record_dbt(first, end, run, b.found); "
        "assert b.error is None, b.error",
        "check": "p.check(first, end, run)",
        "publish": "print(p.publish_snapshot(first, end, run))",
        "docs": "p.generate_dbt_docs()",
    }[step]
    setup = (
        "import logging; from datetime import date; from warehouse import pipeline as p; "
        "logging.basicConfig(level=logging.INFO); "
        f"first, end, run = date.fromisoformat('{FIRST}'), date.fromisoformat('{END}'), 'publish-1'; "
    )
    return ("-c", setup + code)


def environment(data: Path) -> dict[str, str]:
    """The steps' environment on the demo's calendar, writing under ``data``."""
    env = {
        **os.environ,
        "DEMO_TODAY": TODAY.isoformat(),
        "WAREHOUSE_TODAY": TODAY.isoformat(),
        "WAREHOUSE_DATA_DIR": str(data),
        "WAREHOUSE_CAMPAIGNS": str(data / "demo" / "campaigns.yml"),
        "PYTHONPATH": str(PROJECT_ROOT),
        "GX_ANALYTICS_ENABLED": "False",
    }
    env.pop("WAREHOUSE_DUCKDB_PATH", None)
    return env


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CleanRun]:
    data = tmp_path_factory.mktemp("any_date") / "data"
    env = environment(data)
    written = PROJECT_ROOT / "config" / "campaigns.yml"
    run(
        env,
        "-c",
        "from pathlib import Path; from demo.story import campaign_registry; "
        f"campaign_registry(Path({str(written)!r}), Path({env['WAREHOUSE_CAMPAIGNS']!r}))",
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEMO_TODAY", TODAY.isoformat())  # the server child process's calendar
        with demo_server(free_port(), TODAY, chaos_rate=0.0) as url:
            env.update(demo_connections(url, today=TODAY))
            for source in EXTRACT_SOURCES:
                run(env, *extract_step(source))
            run(env, *STEPS["load"])
            assert "published" in run(env, *STEPS["publish"])
            yield CleanRun(data, env, url)


@pytest.mark.timeout(1800)
def test_the_pipeline_publishes_the_story_on_29_february_2028(clean: CleanRun) -> None:
    shift = story.shift_for(TODAY)
    incident = story.INCIDENT_DAYS[0] + shift
    assert date(2028, 2, 29) == END and START <= incident <= END
    data = clean.data

    with duckdb.connect(str(data / "published" / "warehouse.duckdb"), read_only=True) as con:
        statuses = con.execute("select distinct status from audit.publication").fetchall()
        assert statuses == [("current",)]
        # `python -m warehouse publish` ran every GX suite (each check and its table_exists) and
        # recorded dbt's build and tests, as the DAG does.
        by_suite = dict(
            con.execute(
                "select case when suite = 'dbt' then 'dbt' else 'gx' end, count(*) from audit.check_results "
                "where run_id = 'publish-1' group by all"
            ).fetchall()
        )
        assert by_suite["gx"] == sum(len(spec.checks) + 1 for spec in SUITES.values()), by_suite
        assert by_suite["dbt"] > 1000, by_suite
        blocking = con.execute(
            "select count(*) from audit.check_results where severity = 'blocking' and not success"
        ).fetchone()
        assert blocking == (0,)
        negative = dict(
            con.execute(
                """select mention_date, count(*) from marts.fct_mentions
                where sentiment_label = 'negative' and mention_date between ? and ? group by 1""",
                [incident - timedelta(days=7), incident],
            ).fetchall()
        )
        assert negative[incident] > 3 * negative[incident - timedelta(days=7)]
        sources = {
            r[0] for r in con.execute("select session_source from marts.fct_new_traffic_sources").fetchall()
        }
        assert "threads.net" in sources
        verdicts = con.execute(
            "select count(*) from marts.fct_campaign_performance where sessions_verdict is not null"
        ).fetchone()
        assert verdicts[0] >= 1
        support = con.execute(
            "select count(*) from marts.fct_support_conversations where first_inbound_date = ?", [END]
        ).fetchone()
        assert support[0] > 0
        competitors = con.execute("select count(*) from marts.dim_account where not is_own").fetchone()
        assert competitors[0] >= 6
        leap_day = con.execute(
            "select count(*) from marts.fct_account_daily where metric_date = DATE '2028-02-29'"
        ).fetchone()
        assert leap_day[0] >= 5


def kill_when(env: dict[str, str], args: tuple[str, ...], ready: Callable[[str], bool], log: Path) -> str:
    """Start a step, ``kill -9`` it (its whole process group) as soon as ``ready`` holds for its
    output so far, and return that output; fails if the step ends before it could be killed."""
    with log.open("w") as handle:
        step = subprocess.Popen(
            [sys.executable, *args], env={**env, "PYTHONUNBUFFERED": "1"}, cwd=PROJECT_ROOT, stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 900
        while True:
            output = log.read_text(errors="replace")
            if ready(output):
                os.killpg(step.pid, signal.SIGKILL)
                assert step.wait() == -signal.SIGKILL
                return output
            assert step.poll() is None, f"{' '.join(args)} ended ({step.returncode}) first:\n{output[-4000:]}"
            assert time.monotonic() < deadline, f"{' '.join(args)} never got there:\n{output[-4000:]}"
            time.sleep(0.02)


def landed_records(landing: Path, source: str) -> dict[str, list[str]]:
    """Each partition of ``source`` -> its records (without when and by which run they landed)."""
    return {
        str(path.relative_to(landing)): sorted(
            json.dumps(json.loads(line)["record"], sort_keys=True) for line in path.read_text().splitlines()
        )
        for path in sorted((landing / source).rglob("data.jsonl"))
    }


PATH_COLUMNS = {"_source_file", "source_file"}  # the landing file's absolute path, in another folder


def tables_differing(path: Path, reference: Path) -> dict[str, object]:
    """Each table of the warehouse at ``path`` whose rows differ from ``reference``'s (by
    ``bench.fingerprint``), with what differs: its rows, or the columns (the landing file's path
    compared by its place under the data folder only)."""
    mine, theirs = fingerprint(path), fingerprint(reference)
    differ: dict[str, object] = {}
    for table, what in changed(theirs, mine).items():
        if isinstance(what, str) or mine[table]["rows"] != theirs[table]["rows"]:
            differ[table] = ("rows", mine.get(table, {}).get("rows"), theirs.get(table, {}).get("rows"))
        elif set(what) - PATH_COLUMNS:
            differ[table] = what
    if not differ:  # the paths, once the folders are taken off
        for table in [t for t in mine if set(mine[t]["columns"]) & PATH_COLUMNS]:
            relative = [_relative_paths(con_path, table) for con_path in (path, reference)]
            if relative[0] != relative[1]:
                differ[table] = "landing file paths"
    return differ


def _relative_paths(path: Path, table: str) -> list[tuple[str, int]]:
    schema, name = table.split(".")
    columns = "select column_name from duckdb_columns() where schema_name = ? and table_name = ?"
    with duckdb.connect(str(path), read_only=True) as con:
        found = [c for (c,) in con.execute(columns, [schema, name]).fetchall() if c in PATH_COLUMNS]
        place = f"regexp_extract(\"{found[0]}\", '/landing/.*$')"
        return con.execute(
            f'select {place}, count(*) from {schema}."{name}" group by 1 order by 1'
        ).fetchall()


def files(data: Path) -> list[str]:
    """Every file under ``data``, by its place (the Data Docs' run times taken out)."""
    return sorted(
        re.sub(r"\d{8}T\d{6}\.\d+Z", "<time>", str(p.relative_to(data)))
        for p in data.rglob("*")
        if p.is_file()
    )


def debris(data: Path) -> list[str]:
    """Temporary files and folders under ``data``: none may outlive the run that made them."""
    temporary = [
        p for p in data.rglob("*") if p.name.endswith((".tmp", ".tmp.wal", ".old")) or ".tmp." in p.name
    ]
    scratch = [p for p in (data / "tmp").iterdir() if p.suffix != ".lock"] if (data / "tmp").is_dir() else []
    return sorted(str(p.relative_to(data)) for p in temporary + scratch)


@pytest.mark.timeout(1800)
def test_each_step_killed_then_re_run_equals_the_clean_run(clean: CleanRun, tmp_path: Path) -> None:
    """``kill -9`` of the extractor, the loader, dbt, the checks, the snapshot copy and the docs,
    each re-run as an operator (or Airflow's retry) would: the warehouse and the snapshot equal the
    clean run's table by table, and no temporary file or folder is left."""
    data = tmp_path / "data"
    shutil.copytree(clean.data / "landing", data / "landing")  # what the clean run's extractors landed
    shutil.copytree(clean.data / "demo", data / "demo")
    system_temp = tmp_path / "system-temp"  # the steps' TMPDIR: nothing a kill leaves may land there
    system_temp.mkdir()
    env = {
        **clean.env,
        **{k: v for k, v in environment(data).items() if k.startswith(("WAREHOUSE_", "DEMO_"))},
        "TMPDIR": str(system_temp),
    }
    logs = tmp_path / "logs"
    logs.mkdir()
    control = f"{clean.url}/_demo/faults"

    # The extractor: killed while stalled on the comments, after the posts landed again.
    requests.post(control, json={"match": "/comments", "faults": ["slow:120"]}, timeout=10).raise_for_status()
    kill_when(
        env,
        extract_step("facebook_pages"),
        lambda out: re.search(r"stream=posts [^\]]*\] landed", out) is not None,
        logs / "x1",
    )
    requests.delete(control, timeout=10).raise_for_status()
    run(env, *extract_step("facebook_pages"))
    assert landed_records(data / "landing", "facebook_pages") == landed_records(
        clean.data / "landing", "facebook_pages"
    )

    # The loader: killed once the first raw table is written.
    kill_when(env, STEPS["load"], lambda out: "loading.raw: loaded" in out, logs / "load")
    run(env, *STEPS["load"])

    # Publish, step by step as the transform DAG's tasks run it, each killed part-way and retried.
    kills = {
        # While the Python model runs: dbt-duckdb has written its code to a temporary file.
        "build": lambda out: any((data / "tmp" / "dbt-build").glob("tmp*.py")),
        "check": lambda out: sum("publish-1" in str(p) for p in (data / "gx").rglob("*.json")) >= 3,
        "publish": lambda out: any((data / "published").glob(".warehouse.duckdb.*.tmp")),
        "docs": lambda out: "Building catalog" in out,  # dbt is writing into data/tmp/dbt-docs
    }
    left = {"build": "tmp/dbt-build", "publish": "published/.warehouse.duckdb.*.tmp", "docs": "tmp/dbt-docs"}
    for step, ready in kills.items():
        output = kill_when(env, publish_step(step), ready, logs / step)
        if step in left:  # what the kill left for the retry to clear
            assert list(data.glob(left[step])), output[-2000:]
        run(env, *publish_step(step))

    for name in ("warehouse.duckdb", "published/warehouse.duckdb"):
        assert tables_differing(data / name, clean.data / name) == {}, name
    assert debris(data) == []
    assert files(data) == files(clean.data)
    assert list(system_temp.iterdir()) == []
