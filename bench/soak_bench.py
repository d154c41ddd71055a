"""A soak of the pipeline through Airflow: simulated days of daily and hourly runs against the demo
APIs with chaos and injected kills, ending with the warehouse a clean run of the same days builds.

For each simulated day D (``WAREHOUSE_TODAY=D``, the demo server's today D), as a deployment runs it:
the hourly ``social_listening_alerts`` runs before 10:00 UTC (``--hours``), the daily
``social_extract_load`` of day D-1 and the ``social_transform_publish`` its raw asset starts (here
with the same ``start``/``end`` params), then the hourly runs after 10:00. Every run is
``airflow dags test``, as ``make demo`` runs it, in an Airflow home and a data folder of its own.

* chaos: the demo server answers ``--chaos`` of the API requests with a fault in each platform's own
  format (throttles, 5xx, truncated bodies), seeded by ``--seed``; the faults are counted from its
  request log, day by day;
* kills: ``--kills`` runs, drawn with ``--seed``, get their whole process group ``kill -9``-ed at a
  random moment of their expected length (the median of the DAG's earlier runs in the soak); a
  kill that would come after the run ended moves to the next run. A killed run, or one that
  fails, is run again for its day, as an operator or Airflow's retry would (up to ``--attempts``);
* the clean reference: the same day-by-day runs in a fresh Airflow home and data folder, no chaos,
  no kills. Not one range run over the days: the daily runs file each day's follower and lifetime
  snapshots under that day's today (``WAREHOUSE_TODAY``), where a range run reads them all as of
  the last day, so only the same sequence of days can build the same warehouse.

Then every table of both published snapshots and every raw table of both live warehouses are
compared by content hash (``bench.fingerprint``), a differing table row by row (rows of the clean
run missing from the soak are rows lost); the check log, a record of runs, by each window's last
run (:func:`check_logs_apart`). The files each run left in its data folder and in
its temp folder (``TMPDIR``) and the processes left behind by a kill are listed. Printed: the runs,
kills, recoveries, faults, rows per table, tables equal, rows lost, and the soak's wall time per
simulated day against the clean run's.

Hours of runs do not fit every session, so a soak can stop and go on. With ``--workdir`` each pass
saves where it is when a run starts and when it ends (``<pass>/state.json``); the same command goes
on from there. ``touch WORKDIR/pause`` stops both passes before their next simulated day (exit 3).
A bench stopped mid-run by SIGINT, SIGTERM or SIGHUP kills that run's group and saves; one killed
outright (SIGKILL, a machine going down) has its run killed when the pass goes on. Either way the
run counts as interrupted and runs again. Each day's chaos is drawn afresh from the seed and the
day (request number 1 up, no fault carried over), so a pass paused between days draws for each
request number what an unbroken one would. ``--side-by-side`` runs the soak and the clean
reference at once, each in a process of its own; a lock keeps a second bench off a pass.

    python -m bench.soak_bench --days 60 --chaos 0.10 --kills 12 --seed 7
    python -m bench.soak_bench --days 60 --chaos 0.10 --kills 12 --seed 7 --workdir W --side-by-side
    python -m bench.soak_bench --days 60 --kills 12 --plan    # the runs and the drawn kills only
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO

import duckdb
import requests

from bench.fingerprint import RUN_COLUMNS, differences, fingerprint
from core.scratch import held, replacing
from core.settings import PROJECT_ROOT
from demo.connections import demo_connections
from demo.run import AirflowDatabase, alert_connections, isolated_airflow, smtp_catcher
from demo.server import DemoServer
from demo.story import STORY_TODAY
from record.dbt_artifacts import FRESHNESS_AGE, SKIPPED

EXTRACT, TRANSFORM, LISTENING = "social_extract_load", "social_transform_publish", "social_listening_alerts"
DAILY_HOUR = 10  # social_extract_load's cron: 10:00 UTC, for the day before
FIRST_GUESS_SECONDS = 30.0  # a DAG's expected length before the soak has run it once


@dataclass(frozen=True)
class Run:
    """One planned ``airflow dags test``: the simulated day, the DAG and its params."""

    day: date
    dag_id: str
    params: dict[str, str]

    def label(self) -> str:
        return f"{self.dag_id} {json.dumps(self.params)}"


def day_runs(day: date, hours: list[int]) -> list[Run]:
    """The runs of simulated day ``day``, in the order of the day: the hourly runs before the
    daily one, the daily extract-load and transform of yesterday, the hourly runs after it."""
    yesterday = (day - timedelta(days=1)).isoformat()

    def hourly(hour: int) -> Run:
        return Run(
            day, LISTENING, {"at": datetime(day.year, day.month, day.day, hour, tzinfo=UTC).isoformat()}
        )

    daily = [Run(day, dag, {"start": yesterday, "end": yesterday}) for dag in (EXTRACT, TRANSFORM)]
    return (
        [hourly(h) for h in sorted(hours) if h < DAILY_HOUR]
        + daily
        + [hourly(h) for h in sorted(hours) if h >= DAILY_HOUR]
    )


def plan(days: int, last: date, hours: list[int]) -> list[Run]:
    return [r for n in range(days) for r in day_runs(last - timedelta(days=days - 1 - n), hours)]


def kill_slots(runs: int, kills: int, seed: int) -> dict[int, float]:
    """Planned run index -> when to kill it, as a fraction of the DAG's expected length."""
    if kills > runs:
        raise SystemExit(f"--kills {kills} is more than the {runs} runs planned")
    rng = random.Random(f"soak-kills-{seed}")
    return {index: rng.uniform(0.1, 0.95) for index in sorted(rng.sample(range(runs), kills))}


@dataclass
class Outcome:
    state: str  # success, failed or killed
    seconds: float


def survivors(airflow_home: Path) -> dict[int, str]:
    """Processes still running with this Airflow home (none should outlive a killed group): their
    ids and command lines."""
    found = {}
    marker = f"AIRFLOW_HOME={airflow_home}".encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker in (proc / "environ").read_bytes().split(b"\0"):
                found[int(proc.name)] = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
    return found


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_stops = {"starting": False, "pending": False}


@contextmanager
def signals_held() -> Iterator[None]:
    """A stop signal that comes while a process starts acts once it has (the bench always knows
    the process to kill). Not a blocked signal mask: a child would inherit it."""
    _stops["starting"] = True
    try:
        yield
    finally:
        _stops["starting"] = False
    if _stops["pending"]:
        raise KeyboardInterrupt


def dags_test(run: Run, env: dict[str, str], log: IO[str], kill_after: float | None) -> Outcome:
    """``airflow dags test`` as ``demo.run.run_dag`` runs it, in a process group of its own that
    is ``kill -9``-ed whole after ``kill_after`` seconds, when given and the run is still going
    (and when the bench itself is stopped: a run never outlives it)."""
    logical = datetime.now(UTC).isoformat()
    conf = json.dumps(run.params)
    print(f"\n==> airflow dags test {run.dag_id} {logical} -c '{conf}'", file=log, flush=True)
    began = time.monotonic()
    process = None
    try:
        with signals_held():
            process = subprocess.Popen(
                ["airflow", "dags", "test", run.dag_id, logical, "-c", conf],
                env=env,
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        code = process.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        seconds = time.monotonic() - began
        print(
            f"==> {run.dag_id} killed (kill -9 of its process group) after {seconds:.1f} s",
            file=log,
            flush=True,
        )
        return Outcome("killed", seconds)
    except BaseException:
        if process is not None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        raise
    seconds = time.monotonic() - began
    state = "success" if code == 0 else "failed"
    print(f"==> {run.dag_id} {state} (exit {code}) in {seconds:.1f} s", file=log, flush=True)
    return Outcome(state, seconds)


STATE = "state.json"


def _write_whole(path: Path, text: str) -> None:
    """``text`` into ``path`` under a temporary name renamed over it: a reader sees it whole."""
    with replacing(path) as temporary:
        temporary.write_text(text)


@dataclass
class Phase:
    """One pass over the simulated days: what it did, and where it is. Saved to ``root/state.json``
    after every run, so a pass stopped between two runs (``--workdir``) goes on where it was."""

    root: Path
    days: int = 0
    airflow_runs: int = 0
    kills: int = 0
    kills_missed: int = 0  # a drawn kill moved to the next run, its run having ended first
    failed: int = 0  # runs that ended in failure without a kill
    recoveries: int = 0  # killed, failed or interrupted runs whose day's re-run succeeded
    interruptions: int = 0  # runs cut short by the bench itself stopping, run again when it goes on
    unrecovered: list[str] = field(default_factory=list)
    requests: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    emails: int = 0
    webhooks: int = 0
    left_processes: list[str] = field(default_factory=list)
    seconds: float = 0.0  # wall time of the runs and the bench around them, summed over sessions
    run_seconds: dict[str, list[float]] = field(default_factory=dict)
    # Where the pass is: the next planned run, its tries so far, whether it has been in trouble (a
    # kill, a failure, an interruption), the kills drawn for it or moved on to it (the first fires
    # next), the last run whose drawn kill was taken up, the day begun last, the run under way at
    # the last save (set while a run goes), the demo server's port.
    next_run: int = 0
    tries: int = 0
    troubled: bool = False
    pending_kills: list[float] = field(default_factory=list)
    armed_through: int = -1
    day: str | None = None
    running: int | None = None
    port: int = 0

    @property
    def data(self) -> Path:
        return self.root / "data"

    def save(self) -> None:
        fields = {k: v for k, v in vars(self).items() if k != "root"}
        _write_whole(self.root / STATE, json.dumps(fields, indent=1, sort_keys=True))

    def arm(self, index: int, kills: dict[int, float]) -> None:
        """Take up the kill drawn for planned run ``index``, once (its re-runs draw none)."""
        if index in kills and index > self.armed_through:
            self.pending_kills.append(kills[index])
            self.armed_through = index

    def interrupted(self, label: str) -> None:
        """The run under way when the bench stopped counts as a run in trouble; it goes again."""
        print(f"    {label:70} interrupted (the bench stopped)", flush=True)
        self.interruptions += 1
        self.airflow_runs += 1
        self.troubled = True
        self.running = None

    def ended(self, run: Run, outcome: Outcome, attempts: int) -> None:
        """Count the run ``next_run`` that ended with ``outcome``: on success, or after ``attempts``
        tries (given up), the pass moves to the next run; else the same run goes again."""
        self.running = None
        self.tries += 1
        self.airflow_runs += 1
        if outcome.state == "killed":
            self.pending_kills.pop(0)
            self.kills += 1
        else:
            self.kills_missed += len(self.pending_kills)  # ended first: they move to the next run
        if outcome.state == "success":
            self.run_seconds.setdefault(run.dag_id, []).append(outcome.seconds)
            self.recoveries += self.troubled
        else:
            self.failed += outcome.state == "failed"
            self.troubled = True
            if self.tries < attempts:
                return  # the same run goes again
            self.unrecovered.append(f"{run.day} {run.label()}")
        self.next_run, self.tries, self.troubled = self.next_run + 1, 0, False

    @classmethod
    def load(cls, root: Path) -> Phase:
        """The pass saved under ``root``, or a new one."""
        saved = root / STATE
        if not saved.exists():
            return cls(root)
        fields = json.loads(saved.read_text())
        fields["faults"] = Counter(fields["faults"])
        return cls(root, **fields)


def _expected(phase: Phase, dag_id: str) -> float:
    earlier = phase.run_seconds.get(dag_id)
    return statistics.median(earlier) if earlier else FIRST_GUESS_SECONDS


def day_seed(seed: int, day: date) -> int:
    """The chaos seed of simulated day ``day``: each day's faults are drawn afresh, so a pass that
    stops and goes on at a day's start draws what an unbroken one would."""
    return seed * 1_000_000 + day.toordinal()


@contextmanager
def airflow_against_demo(phase: Phase, chaos: float, seed: int) -> Iterator[tuple[dict, DemoServer, list]]:
    """The pass's own Airflow (home, data and temp folders under its root; set up until that
    succeeds once), a demo server with ``chaos`` in this process on the pass's port, a mail
    catcher: the environment, the server, the mails received."""
    root = phase.root
    ready = root / "airflow" / ".set-up"  # airflow.db exists long before the migration ends
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    with (root / "airflow-output.log").open("a") as output:
        env = isolated_airflow(root, output, migrate=not ready.exists()) | {"TMPDIR": str(root / "tmp")}
    ready.touch()
    server = DemoServer(chaos_rate=chaos, chaos_seed=seed, port=phase.port)
    try:
        server.start()
    except OSError as error:  # the saved port is taken: the feeds' URLs change with it
        print(f"  port {phase.port} is taken ({error}); the demo server takes a free one", flush=True)
        server = DemoServer(chaos_rate=chaos, chaos_seed=seed).start()
    phase.port = int(server.url.rsplit(":", 1)[1])
    try:
        with smtp_catcher() as (port, mails):
            yield env | alert_connections(port, f"{server.url}/_demo/webhook"), server, mails
    finally:
        server.stop()


@contextmanager
def driving(phase: Phase) -> Iterator[None]:
    """This bench drives the pass alone (a lock in its folder, released by the kernel when the bench
    dies): two benches on one pass would run into each other and overwrite its saved state."""
    phase.root.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        try:
            why = f"another bench is driving {phase.root}"
            stack.enter_context(held(phase.root / "lock", why, wait=False))
        except BlockingIOError as busy:
            raise SystemExit(f"{busy}; stop it first") from None
        yield


def soak(
    phase: Phase,
    runs: list[Run],
    chaos: float,
    seed: int,
    kills: dict[int, float],
    attempts: int,
    pause: Path | None = None,
) -> bool:
    """Every planned run from where ``phase`` is, day by day, with chaos and the drawn kills; each
    killed or failed run run again for its day. Saved when a run starts and when it ends. Stops
    before a new day when ``pause`` exists: False then, True when every run is done."""
    with ExitStack() as stack:
        stack.enter_context(driving(phase))
        env, server, mails = stack.enter_context(airflow_against_demo(phase, chaos, seed))
        log = stack.enter_context((phase.root / "airflow-output.log").open("a"))
        airflow_home = Path(env["AIRFLOW_HOME"])
        last, webhooks_seen = time.monotonic(), 0

        def begin(day: date) -> None:
            server.state.fixed_today = day  # the demo server's clock (no HTTP route sets it)
            server.state.restart_chaos(day_seed(seed, day))

        if phase.day is not None:
            begin(date.fromisoformat(phase.day))

        def save() -> None:
            nonlocal last, webhooks_seen
            now = time.monotonic()
            phase.seconds += now - last
            last = now
            entries = server.requests()
            server.clear_requests()
            phase.requests += len(entries)
            phase.faults.update(e["fault"] for e in entries if e["fault"])
            phase.emails += len(mails)
            mails.clear()
            webhooks = len(requests.get(f"{server.url}/_demo/webhook", timeout=10).json())
            phase.webhooks += webhooks - webhooks_seen
            webhooks_seen = webhooks
            phase.save()

        if phase.running is not None:  # the bench stopped while this run went: it goes again
            for pid, command in survivors(airflow_home).items():  # a bench that died without killing it
                print(f"    killing {pid}, left running by the stopped bench: {command[:100]}", flush=True)
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while survivors(airflow_home) and time.monotonic() < deadline:
                time.sleep(0.2)  # gone, and their locks with them, before the run goes again
            phase.interrupted(runs[phase.running].label())
        while phase.next_run < len(runs):
            index, run = phase.next_run, runs[phase.next_run]
            if run.day.isoformat() != phase.day:
                if pause is not None and pause.exists():
                    save()
                    return False
                phase.day = run.day.isoformat()
                phase.days += 1
                begin(run.day)
                print(f"  day {phase.days} {run.day}", flush=True)
            phase.arm(index, kills)
            run_env = (
                env | demo_connections(server.url, today=run.day) | {"WAREHOUSE_TODAY": run.day.isoformat()}
            )
            kill_after = None
            if phase.pending_kills:
                kill_after = phase.pending_kills[0] * _expected(phase, run.dag_id)
            phase.running = index
            save()
            try:
                outcome = dags_test(run, run_env, log, kill_after)
            except KeyboardInterrupt:
                save()  # what the interrupted run did: its time, requests and faults
                raise
            tried = phase.tries + 1
            phase.ended(run, outcome, attempts)
            save()
            print(
                f"    {run.label():70} {outcome.state:8} {outcome.seconds:6.1f} s"
                + (f" (try {tried})" if tried > 1 else ""),
                flush=True,
            )
            if outcome.state == "killed":
                time.sleep(0.5)  # let the kernel reap the group before looking for what outlived it
                phase.left_processes += [f"{pid}: {cmd}" for pid, cmd in survivors(airflow_home).items()]
                save()
        return True


def files(folder: Path) -> set[str]:
    return (
        {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()
    )


@contextmanager
def both_passes(soak_db: Path, clean_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """One connection with both warehouses attached read-only, as ``soak`` and ``clean``."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{soak_db}' as soak (read_only)")
        con.execute(f"attach '{clean_db}' as clean (read_only)")
        yield con
    finally:
        con.close()


def rows_apart(soak_db: Path, clean_db: Path, table: str, columns: list[str]) -> tuple[int, int]:
    """(rows of the clean table missing from the soak's, rows of the soak's not in the clean one),
    as multisets over the content columns."""
    with both_passes(soak_db, clean_db) as con:
        schema, name = table.split(".", 1)
        cols = ", ".join('"' + c.replace('"', '""') + '"' for c in columns) or "1"

        def count(left: str, right: str) -> int:
            sql = (
                f'select {cols} from {left}."{schema}"."{name}" '
                f'except all select {cols} from {right}."{schema}"."{name}"'
            )
            return con.execute(f"select count(*) from ({sql})").fetchone()[0]

        return count("clean", "soak"), count("soak", "clean")


CHECK_LOG = "audit.check_results"


def check_logs_apart(soak_db: Path, clean_db: Path) -> tuple[dict[str, int], list[str]]:
    """The check log is a record of runs, one row per run and check: a killed run that had run its
    checks, a failed one and its re-run each leave theirs, so two passes whose runs differed keep
    different logs of the same data. Compared instead: each window's last run, its checks and what
    they found (every column but the run's id and time). Returns (runs recorded per pass, a line
    for each window whose last run differs, naming up to three of the checks apart that ran on
    both sides, not skipped below a failure)."""
    with both_passes(soak_db, clean_db) as con:
        schema, table = CHECK_LOG.split(".")
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns where table_catalog = 'soak' "
                "and table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            if name not in RUN_COLUMNS
        ]
        # A freshness finding carries the age of the last load, a clock reading, not the data's.
        content = ", ".join(
            f"regexp_replace(observed_value, '{FRESHNESS_AGE}', 'last load (age) ago') as observed_value"
            if name == "observed_value"
            else name
            for name in columns
        )

        def last_runs(db: str) -> str:
            return (
                f"select {content} from {db}.{CHECK_LOG} where (window_start, window_end, run_id) in "
                f"(select (window_start, window_end, arg_max(run_id, checked_at)) from {db}.{CHECK_LOG} "
                "group by window_start, window_end)"
            )

        runs = {
            db: con.execute(f"select count(distinct run_id) from {db}.{CHECK_LOG}").fetchone()[0]
            for db in ("soak", "clean")
        }
        apart = con.execute(
            f"""
            with soak_only as ({last_runs("soak")} except all {last_runs("clean")}),
            clean_only as ({last_runs("clean")} except all {last_runs("soak")}),
            either as (
                select 'soak' as side, * from soak_only union all select 'clean', * from clean_only
            ),
            ran as (  -- checks apart that ran on both sides: skipped below a failure on neither
                select window_start, window_end, check_name from either group by all
                having bool_and(coalesce(not starts_with(observed_value, '{SKIPPED}'), true))
            )
            select
                window_start, window_end,
                count(*) filter (where side = 'soak'), count(*) filter (where side = 'soak' and success),
                count(*) filter (where side = 'clean'), count(*) filter (where side = 'clean' and success),
                coalesce((
                    select list(distinct ran.check_name order by ran.check_name) from ran
                    where ran.window_start = either.window_start and ran.window_end = either.window_end
                ), [])
            from either group by all order by all
            """
        ).fetchall()
    lines = [
        f"    window {start} .. {end}: last runs differ in {soak} of the soak's checks ({soak_passed} "
        f"passed) against {clean} of the clean run's ({clean_passed} passed); of them ran on both sides: "
        + (", ".join(ran[:3]) + (f" and {len(ran) - 3} more" if len(ran) > 3 else "") if ran else "none")
        for start, end, soak, soak_passed, clean, clean_passed, ran in apart
    ]
    return runs, lines


@dataclass
class Compared:
    tables: list[tuple[str, int, int, bool]]  # table, soak rows, clean rows, equal
    lines: list[str]
    lost: int
    extra: int


# Lineage columns of the raw tables that name the run or the working folder (``bench.fingerprint``
# leaves out the published tables' run columns, not these): left out of the row-by-row comparison.
RAW_RUN_COLUMNS = frozenset({"_load_run_id", "extract_run_id", "_source_file"})
# Great Expectations files its validation results and pages under the run's id (``manual__<time>``
# for ``airflow dags test``): never the same name in two runs.
RUN_NAMED = "/manual__"


def compare(soaked: Phase, clean: Phase) -> Compared:
    """Every published table and every raw table, soak against the clean run: equal content
    hashes, or else row by row without the run columns."""
    pairs = [
        (soaked.data / "published" / "warehouse.duckdb", clean.data / "published" / "warehouse.duckdb", None),
        (soaked.data / "warehouse.duckdb", clean.data / "warehouse.duckdb", "raw."),
    ]
    tables, lines, lost, extra = [], [], 0, 0
    for soak_db, clean_db, prefix in pairs:
        where = "published" if prefix is None else "live"
        found = {t: v for t, v in fingerprint(soak_db).items() if prefix is None or t.startswith(prefix)}
        wanted = {t: v for t, v in fingerprint(clean_db).items() if prefix is None or t.startswith(prefix)}
        differing = {line.split(":", 1)[0]: line for line in differences(wanted, found)}
        for table in sorted(set(found) | set(wanted)):
            rows = (found.get(table, {}).get("rows", 0), wanted.get(table, {}).get("rows", 0))
            equal = table not in differing
            if table == CHECK_LOG and table in found and table in wanted:
                runs, windows = check_logs_apart(soak_db, clean_db)
                equal = not windows
                lines.append(
                    f"{where} {table}, the log of check runs: runs recorded soak {runs['soak']}, "
                    f"clean {runs['clean']}; compared by each window's last run (a freshness check's "
                    f"age of the last load, a clock reading, left out): {len(windows)} windows differ"
                )
                lines.extend(windows)
            elif not equal and table in found and table in wanted:
                columns = [
                    c
                    for c in wanted[table]["columns"]
                    if c in found[table]["columns"] and c not in RAW_RUN_COLUMNS
                ]
                missing, added = rows_apart(soak_db, clean_db, table, columns)
                lost, extra = lost + missing, extra + added
                equal = missing == added == 0 and set(wanted[table]["columns"]) == set(
                    found[table]["columns"]
                )
                if not equal:
                    lines.append(f"{where} {differing[table]}")
                    lines.append(
                        f"    rows of the clean run missing from the soak: {missing}; extra: {added}"
                    )
            elif not equal:
                lines.append(f"{where} {differing[table]}")
                lost += rows[1]
            tables.append((f"{where} {table}", *rows, equal))
    return Compared(tables, lines, lost, extra)


def report(soaked: Phase, clean: Phase, result: Compared) -> None:
    def per_day(phase: Phase) -> float:
        return phase.seconds / max(phase.days, 1)

    def line(label: str, soak: object, clean: object) -> None:
        print(f"{label:44} {soak!s:>10} {clean!s:>10}")

    line("", "soak", "clean")
    line("simulated days", soaked.days, clean.days)
    line("airflow dags test runs", soaked.airflow_runs, clean.airflow_runs)
    line("runs killed (kill -9 of the process group)", soaked.kills, clean.kills)
    line("kills moved on (their run ended first)", soaked.kills_missed, clean.kills_missed)
    line("runs failed without a kill", soaked.failed, clean.failed)
    line("runs interrupted (the bench stopped)", soaked.interruptions, clean.interruptions)
    line("recoveries (the re-run for the day passed)", soaked.recoveries, clean.recoveries)
    line("runs not recovered", len(soaked.unrecovered), len(clean.unrecovered))
    line("API requests served", soaked.requests, clean.requests)
    line("faults the server injected", sum(soaked.faults.values()), sum(clean.faults.values()))
    line(
        "alert emails / webhook posts",
        f"{soaked.emails} / {soaked.webhooks}",
        f"{clean.emails} / {clean.webhooks}",
    )
    line("processes left after a kill", len(soaked.left_processes), len(clean.left_processes))
    line("wall time (min)", f"{soaked.seconds / 60:.1f}", f"{clean.seconds / 60:.1f}")
    line("wall time per simulated day (s)", f"{per_day(soaked):.1f}", f"{per_day(clean):.1f}")
    print(f"soak / clean time per day: {per_day(soaked) / per_day(clean):.2f}")
    for dag_id in (EXTRACT, TRANSFORM, LISTENING):
        s, c = soaked.run_seconds.get(dag_id), clean.run_seconds.get(dag_id)
        if s and c:
            print(
                f"  median successful {dag_id:26} soak {statistics.median(s):6.1f} s  "
                f"clean {statistics.median(c):6.1f} s  ({statistics.median(s) / statistics.median(c):.2f}x)"
            )
    print("faults by kind: " + ", ".join(f"{k} {v}" for k, v in soaked.faults.most_common()))
    for line in soaked.unrecovered:
        print(f"NOT RECOVERED: {line}")
    for line in soaked.left_processes:
        print(f"LEFT RUNNING: {line}")
    print(f"\n{'table':64} {'soak rows':>10} {'clean rows':>10}  equal")
    for table, soak_rows, clean_rows, equal in result.tables:
        print(f"{table:64} {soak_rows:>10} {clean_rows:>10}  {'yes' if equal else 'NO'}")
    equal = sum(t[3] for t in result.tables)
    print(f"tables equal: {equal} of {len(result.tables)}; differing: {len(result.tables) - equal}")
    for line in result.lines:
        print(line)
    print(f"rows lost: {result.lost}; rows extra: {result.extra}")
    for what, folder in (("data folder", "data"), ("temp folder", "tmp")):
        soak_files = {f for f in files(soaked.root / folder) if RUN_NAMED not in f}
        clean_files = {f for f in files(clean.root / folder) if RUN_NAMED not in f}
        print(
            f"files only in the soak's {what}: {len(soak_files - clean_files)}; "
            f"only in the clean run's: {len(clean_files - soak_files)} (GX's pages named by run id left out)"
        )
        for name in sorted(soak_files - clean_files)[:20]:
            print(f"    soak: {name}")
        for name in sorted(clean_files - soak_files)[:20]:
            print(f"    clean: {name}")
    temporary = sorted(f for f in files(soaked.data) if ".tmp" in Path(f).name)
    print(f"temporary files (*.tmp*) left in the soak's data folder: {len(temporary)}")
    for name in temporary[:20]:
        print(f"    {name}")
    runs = AirflowDatabase(Path(soaked.root / "airflow" / "airflow.db"))
    states = Counter(r["state"] for dag in (EXTRACT, TRANSFORM, LISTENING) for r in runs.runs(dag))
    print(
        "soak's DAG runs in Airflow's database by state: "
        + ", ".join(f"{k} {v}" for k, v in sorted(states.items()))
    )


PHASES = ("soak", "clean")
PLANNED = ("days", "last", "hours", "chaos", "kills", "seed", "attempts")  # a working folder keeps them
PAUSE = "pause"
PAUSED = 3  # the exit status of a pass stopped by the pause file, to go on later
STOPPED = 130  # stopped by a signal, to go on later


def passes(workdir: Path, args: argparse.Namespace, runs: list[Run], names: list[str]) -> bool:
    """Run the passes ``names`` one after the other, each from where it is; False when one paused."""
    kills = kill_slots(len(runs), args.kills, args.seed)
    for name in names:
        phase = Phase.load(workdir / name)
        if phase.next_run >= len(runs):
            print(f"{name}: done earlier ({phase.days} days)", flush=True)
            continue
        soaked = name == "soak"
        print(
            f"{name}{'' if soaked else ' reference (same days, no chaos, no kills)'}: "
            f"from run {phase.next_run + 1} of {len(runs)}",
            flush=True,
        )
        if not soak(
            phase,
            runs,
            args.chaos if soaked else 0.0,
            args.seed,
            kills if soaked else {},
            args.attempts,
            workdir / PAUSE,
        ):
            print(f"{name}: paused before day {phase.days + 1} ({workdir / PAUSE} exists)", flush=True)
            return False
    return True


def side_by_side(workdir: Path, args: argparse.Namespace) -> bool:
    """Both passes at once, each in a process of its own (``--phase``, in a session of its own, so
    a stop signal reaches it once, from here) writing to ``<pass>.out``; False when one paused or
    stopped. A pass that fails stops the other."""
    options = [f"--{name}={getattr(args, name)}" for name in PLANNED]
    children: dict[str, subprocess.Popen[bytes]] = {}
    with ExitStack() as outputs:
        try:
            for name in PHASES:
                out = outputs.enter_context((workdir / f"{name}.out").open("a"))
                command = [sys.executable, "-m", "bench.soak_bench", *options]
                command += ["--workdir", str(workdir), "--phase", name, "--child"]
                with signals_held():
                    children[name] = subprocess.Popen(
                        command,
                        cwd=PROJECT_ROOT,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                print(f"{name}: running, its progress in {workdir / f'{name}.out'}", flush=True)
            while any(child.poll() is None for child in children.values()):
                if any(child.poll() not in (None, 0, PAUSED, STOPPED) for child in children.values()):
                    break
                time.sleep(2)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.terminate()
                    child.wait()
    codes = {name: child.returncode for name, child in children.items()}
    for name, code in codes.items():
        print(f"{name}: exit {code}", flush=True)
    if any(code not in (0, PAUSED, STOPPED) for code in codes.values()):
        raise SystemExit(f"a pass failed; see {workdir}/<pass>.out")
    return all(code == 0 for code in codes.values())


def _stop(signum: int, frame: object) -> None:
    """The first stop signal kills the run under way whole and saves the pass; the rest are
    ignored, so nothing interrupts that."""
    for each in STOP_SIGNALS:
        signal.signal(each, signal.SIG_IGN)
    if _stops["starting"]:
        _stops["pending"] = True
        return
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60, help="simulated days")
    parser.add_argument("--last", type=date.fromisoformat, default=STORY_TODAY, help="the last simulated day")
    parser.add_argument("--hours", default="20", help="hours (UTC) of the hourly listening runs, e.g. 6,20")
    parser.add_argument(
        "--chaos", type=float, default=0.10, help="fraction of API requests answered with a fault"
    )
    parser.add_argument("--kills", type=int, default=0, help="runs to kill -9 at a random moment")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--attempts", type=int, default=3, help="tries of each run before giving it up")
    parser.add_argument("--plan", action="store_true", help="print the runs and the drawn kills; run nothing")
    parser.add_argument("--keep", action="store_true", help="keep the working folder (logs, warehouses)")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="a working folder that outlives the bench: the same command goes on where the last one "
        f"stopped (between two runs, or before a day once WORKDIR/{PAUSE} exists); kept",
    )
    parser.add_argument(
        "--phase",
        choices=("all", *PHASES),
        default="all",
        help="run only the soak or only the clean reference (with --workdir); all: both, then compare",
    )
    parser.add_argument(
        "--side-by-side",
        action="store_true",
        help="run the soak and the clean reference at once, each in a process of its own",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)  # a --side-by-side pass
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    if (args.phase != "all" or args.side_by_side) and args.workdir is None:
        parser.error("--phase and --side-by-side need --workdir")
    hours = [int(h) for h in args.hours.split(",") if h.strip()]
    runs = plan(args.days, args.last, hours)
    kills = kill_slots(len(runs), args.kills, args.seed)
    first = runs[0].day
    print(
        f"{args.days} simulated days {first} .. {args.last}, {len(runs)} runs planned "
        f"({len(runs) // args.days} a day), chaos {args.chaos:.0%}, {args.kills} kills, seed {args.seed}",
        flush=True,
    )
    if args.plan:
        for index, run in enumerate(runs):
            kill = f"  kill at {kills[index]:.0%} of its expected length" if index in kills else ""
            print(f"  {run.day} {run.label()}{kill}")
        return 0
    keep = args.keep or args.workdir is not None
    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="soak-bench-"))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    configuration = {name: str(getattr(args, name)) for name in PLANNED}
    saved = workdir / "plan.json"
    if saved.exists() and (earlier := json.loads(saved.read_text())) != configuration:
        changed = ", ".join(
            f"--{k} {earlier.get(k)} (now {v})" for k, v in configuration.items() if earlier.get(k) != v
        )
        raise SystemExit(
            f"{workdir} holds a soak planned with {changed}; give the same options or another --workdir"
        )
    if not saved.exists():  # written once, whole: the passes side by side read it at once
        _write_whole(saved, json.dumps(configuration, indent=1))
    if not args.child:
        (workdir / PAUSE).unlink(missing_ok=True)  # running the command again is going on
    print(f"working folder {workdir}", flush=True)
    equal = False
    handlers = {each: signal.signal(each, _stop) for each in STOP_SIGNALS}
    try:
        if args.phase != "all":
            return 0 if passes(workdir, args, runs, [args.phase]) else PAUSED
        done = side_by_side(workdir, args) if args.side_by_side else passes(workdir, args, runs, list(PHASES))
        if not done:
            return PAUSED
        soaked, clean = Phase.load(workdir / "soak"), Phase.load(workdir / "clean")
        result = compare(soaked, clean)
        report(soaked, clean, result)
        equal = all(t[3] for t in result.tables) and not soaked.unrecovered
    except KeyboardInterrupt:  # a stop signal: the run under way was killed, its pass saved
        again = "run the same command" if args.workdir else f"add --workdir {workdir}"
        print(f"stopped; {again} to go on", flush=True)
        return STOPPED
    finally:
        for each, handler in handlers.items():
            signal.signal(each, handler)
        if keep or not equal:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
