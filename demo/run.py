"""Run the whole pipeline through Airflow on the demo company: what ``make demo`` does.

Starts the demo API server, points the Airflow connections at it (as ``AIRFLOW_CONN_*``
environment variables, the same way a deployment injects secrets), runs the extract-and-load DAG
over a range of days as one run, then the transform-check-publish DAG over the same range, then
the hourly listening-and-alerts DAG once (at an hour of the demo's incident, with email going to
a local SMTP server), then the monthly report DAG for last month (mailed to the same server), and
prints a short summary of the published warehouse, the alerts sent and the report.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import IO, Any

import requests

from core.campaigns import load_campaigns
from core.settings import PROJECT_ROOT, campaigns_path, paths, utc_now
from demo.connections import alert_fields, demo_connections
from demo.story import DEMO_TODAY_VARIABLE, STORY_TODAY, campaign_registry, demo_today
from demo.summary import airflow_ui
from demo.task_logs import file_task_logs, output_offset, output_since

PIPELINE_DAGS = ("social_extract_load", "social_transform_publish")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a demo server, an API server, a log server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def demo_server(port: int, today: date | None = None, chaos_rate: float = 0.03) -> Iterator[str]:
    """Serve the demo APIs in a child process for the duration of the block; with ``today``, on
    that day and on the demo's calendar for it (``demo.story``)."""
    command = [sys.executable, "-m", "demo", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--chaos-rate", str(chaos_rate)]
    env = dict(os.environ)
    if today:
        command += ["--today", today.isoformat()]
        env[DEMO_TODAY_VARIABLE] = today.isoformat()
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the demo server exited with code {process.returncode}")
        try:
            if requests.get(f"{url}/_demo/health", timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the demo server did not answer on {url} within {timeout:.0f} s")


class DagRunFailed(RuntimeError):
    """An ``airflow dags test`` run ended in failure."""


PROGRESS_SECONDS = 2.0


class AirflowDatabase:
    """Airflow's metadata database (SQLite), read-only: the DAGs registered, their runs and task
    instances. Cheap enough to poll, where each ``airflow`` command costs seconds of CPU that a
    benchmark or a test on two cores would take from the run it waits for."""

    def __init__(self, database: Path) -> None:
        self.database = database

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        with closing(sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=5)) as con:
            con.row_factory = sqlite3.Row
            return [dict(row) for row in con.execute(sql, params).fetchall()]

    def registered(self, dag_id: str) -> bool:
        """Whether the DAG processor has registered the DAG."""
        return bool(self._rows("select 1 from dag where dag_id = ?", (dag_id,)))

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        """The DAG's runs, oldest first: run_id, state, start_date, end_date."""
        return self._rows(
            "select run_id, state, start_date, end_date from dag_run where dag_id = ? order by id", (dag_id,)
        )

    def newest_run(self, dag_id: str) -> dict[str, Any] | None:
        runs = self.runs(dag_id)
        return runs[-1] if runs else None

    def wait(self, predicate: Callable[[], bool], timeout: float, every: float) -> bool:
        """Poll ``predicate`` (a question to this database) until it holds: False after
        ``timeout`` seconds. A database not created yet, or busy, counts as not yet."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if predicate():
                    return True
            except sqlite3.OperationalError:
                pass
            time.sleep(every)
        return False

    def tasks(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """The run's task instances: task_id, rendered_map_index, state, try_number, start_date,
        end_date."""
        return self._rows(
            """select task_id, rendered_map_index, state, try_number, start_date, end_date
            from task_instance where dag_id = ? and run_id = ? order by task_id, map_index""",
            (dag_id, run_id),
        )


class DagRunProgress:
    """What a DAG run is doing, read from Airflow's metadata database: the running tasks and how
    many of the run's tasks have finished."""

    def __init__(self, dag_id: str, database: Path) -> None:
        self.dag_id, self.database = dag_id, AirflowDatabase(database)

    def states(self) -> list[tuple[str, str | None]]:
        """(task_id, state) of every task of the DAG's newest run; empty until the run exists."""
        if not self.database.database.exists():
            return []
        try:
            run = self.database.newest_run(self.dag_id)
            tasks = self.database.tasks(self.dag_id, run["run_id"]) if run else []
        except sqlite3.Error:  # the database is busy or not migrated yet: no news this time
            return []
        return [(t["task_id"], t["state"]) for t in tasks]

    def line(self, elapsed: float) -> str:
        states = self.states()
        done = sum(state in FINISHED_STATES for _, state in states)
        running = sorted(task for task, state in states if state == "running")
        doing = ", ".join(running[:2]) + (f" (+{len(running) - 2})" if len(running) > 2 else "")
        total = f"{done}/{len(states)} tasks" if states else "starting"
        return f"{self.dag_id}: {total}{f', running {doing}' if doing else ''} [{_clock(elapsed)}]"


FINISHED_STATES = {"success", "failed", "skipped", "upstream_failed", "removed"}


class ProgressLine:
    """Shows a DAG run's progress on one terminal line, rewritten in place; where the output is
    not a terminal (a CI log), prints a new line at most every ``every`` seconds."""

    def __init__(self, stream: IO[str] = sys.stdout, every: float = 30.0) -> None:
        self.stream, self.every = stream, every
        self.tty = stream.isatty()
        self.width, self.last = 0, -every

    def __call__(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r" + text.ljust(self.width)[: max(self.width, len(text))])
            self.width = len(text)
        elif time.monotonic() - self.last >= self.every:
            self.stream.write(f"    {text}\n")
            self.last = time.monotonic()
        self.stream.flush()

    def clear(self) -> None:
        if self.tty and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
        self.width = 0


def _clock(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


def run_dag(
    dag_id: str,
    start: date | None,
    end: date | None,
    env: Mapping[str, str],
    output: IO[str] | None = None,
    params: Mapping[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> None:
    """``airflow dags test`` one DAG over [start, end] as a single params-driven run (or with
    other ``params``, such as the listening DAG's ``at``). ``progress`` is called every few
    seconds with a line saying which task runs, how many are done of how many, and the time."""
    logical = datetime.now(UTC).isoformat()
    given = params if params is not None else {"start": start.isoformat(), "end": end.isoformat()}
    conf = json.dumps(dict(given))
    print(f"\n==> airflow dags test {dag_id} {logical} -c '{conf}'", file=output or sys.stdout, flush=True)
    began = time.monotonic()
    run_env = {**os.environ, **env}
    offset = output_offset(output)
    process = subprocess.Popen(
        ["airflow", "dags", "test", dag_id, logical, "-c", conf],
        env=run_env,
        cwd=PROJECT_ROOT,
        stdout=output,
        stderr=subprocess.STDOUT if output else None,
    )
    watcher = DagRunProgress(dag_id, Path(run_env.get("AIRFLOW_HOME", ".airflow")) / "airflow.db")
    while process.poll() is None:
        try:
            process.wait(timeout=PROGRESS_SECONDS)
        except subprocess.TimeoutExpired:
            if progress:
                progress(watcher.line(time.monotonic() - began))
    completed = process
    if offset is not None and output is not None:  # the UI shows each task's log from these files
        file_task_logs(output_since(output, offset), run_env)
    if completed.returncode != 0:
        raise DagRunFailed(f"DAG {dag_id} failed (exit {completed.returncode}); see its task logs above")
    print(
        f"==> {dag_id} succeeded in {time.monotonic() - began:.0f} s", file=output or sys.stdout, flush=True
    )


def isolated_airflow(root: Path, output: IO[str] | None = None, migrate: bool = True) -> dict[str, str]:
    """An Airflow of its own under ``root`` (SQLite, the project's DAGs, the DuckDB writer pool)
    and a warehouse of its own (``root/data``), initialised: the environment to run it with.
    The caller adds the connections and the calendar. ``migrate=False`` leaves the metadata
    database to the caller (``demo.services`` migrates PostgreSQL)."""
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(PROJECT_ROOT),
        "AIRFLOW_HOME": str(root / "airflow"),
        "WAREHOUSE_DATA_DIR": str(root / "data"),
        # Named, not left out: run_dag lays the environment over this process's own.
        "WAREHOUSE_DUCKDB_PATH": str(root / "data" / "warehouse.duckdb"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "DO_NOT_TRACK": "1",
    }
    commands = (
        ["airflow", "db", "migrate"],
        ["airflow", "pools", "set", "duckdb_writer", "1", "DuckDB allows one writer"],
    )
    for command in commands if migrate else ():
        subprocess.run(
            command, env=env, stdout=output or subprocess.DEVNULL, stderr=subprocess.STDOUT, check=True
        )
    return env


def stop_process_group(process: subprocess.Popen[Any], timeout: float = 60) -> None:
    """SIGTERM the process group ``process`` leads (it was started with ``start_new_session``),
    wait up to ``timeout`` seconds for the leader, then SIGKILL whatever of the group is left
    (children that outlive a leader which exits first, or a leader that would not stop)."""
    with suppress(ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextmanager
def standalone(env: Mapping[str, str], output: IO[str]) -> Iterator[dict[str, str]]:
    """``airflow standalone`` for the block (scheduler, DAG processor, triggerer and API server
    with the LocalExecutor) on free ports, its output to ``output``; yields the environment that
    reaches it (``airflow dags trigger``, ``list-runs``)."""
    api_port = free_port()
    env = {
        **env,
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{api_port}/execution/",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
    }
    process = subprocess.Popen(
        ["airflow", "standalone"], env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        yield env
    finally:
        stop_process_group(process)


def serve_ui(port: int) -> int:
    """``airflow standalone`` (UI, scheduler, DAG processor, triggerer) wired to the demo APIs."""
    today = demo_today()
    calendar = demo_calendar(today)
    with demo_server(port, today) as url:
        ui, passwords = airflow_ui()
        connections = demo_connections(url, today=today)
        print(f"Airflow UI on {ui} (AIRFLOW_PORT moves it), user admin; Ctrl-C stops.")
        print(f"The demo's today is {today}.")
        print(f"The password is in {passwords} (written when Airflow first starts)")
        try:
            return subprocess.run(
                ["airflow", "standalone"], env={**os.environ, **connections, **calendar}
            ).returncode
        except KeyboardInterrupt:
            return 0


def demo_calendar(today: date) -> dict[str, str]:
    """The environment that puts the pipeline on the demo's calendar: its clock pinned to the
    demo's today (``WAREHOUSE_TODAY``), the demo's today for the demo server and its ground truth
    (``DEMO_TODAY``), and the campaign registry with the campaigns on that calendar."""
    registry = campaign_registry(campaigns_path(), paths().data_dir / "demo" / "campaigns.yml")
    return {
        DEMO_TODAY_VARIABLE: today.isoformat(),
        "WAREHOUSE_TODAY": today.isoformat(),
        "WAREHOUSE_CAMPAIGNS": str(registry),
    }


def history_start(today: date, days: int) -> date:
    """``days`` back from today, or further back to cover the campaign registry's last year.

    Campaign verdicts compare each campaign with the weeks before it, so the demo loads every
    campaign of the past 365 days together with its baseline (fct_campaign_performance).
    """
    start = today - timedelta(days=days)
    for campaign in load_campaigns().campaigns:
        length = (campaign.end - campaign.start).days + 1
        baseline_start = campaign.start - timedelta(days=7 * -(-length // 7))
        if today - timedelta(days=365) <= campaign.start and baseline_start < start:
            start = baseline_start
    return start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument(
        "--days",
        type=int,
        default=90,
        help="how many days back from today (more when the campaign registry needs a longer history)",
    )
    parser.add_argument(
        "--ui", action="store_true", help="serve the Airflow UI against the demo APIs instead"
    )
    args = parser.parse_args(argv)
    if args.ui:
        return serve_ui(args.port)
    today = demo_today()
    calendar = demo_calendar(today)
    os.environ.update(calendar)  # this process reads the registry too (history_start)
    start, end = history_start(today, args.days), today - timedelta(days=1)
    log_path = paths().data_dir / "demo-run.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    pinned = "pinned" if today == STORY_TODAY else f"{DEMO_TODAY_VARIABLE}"
    print(f"The demo's today is {today} ({pinned}); running the pipeline over {start} .. {end}.")
    print(f"Airflow's output goes to {log_path}")
    began = time.monotonic()
    progress = ProgressLine()
    steps = len(PIPELINE_DAGS) + 2
    stages: list[tuple[str, float]] = []

    def step(number: int, dag_id: str, run: Callable[[], Any]) -> Any:
        print(f"  [{number}/{steps}] {dag_id} ...", flush=True)
        dag_began = time.monotonic()
        try:
            result = run()
        except DagRunFailed:
            progress.clear()
            print(f"  [{number}/{steps}] {dag_id} failed after {_clock(time.monotonic() - dag_began)}")
            raise
        progress.clear()
        stages.append((dag_id, time.monotonic() - dag_began))
        print(f"  [{number}/{steps}] {dag_id} done in {_clock(stages[-1][1])}", flush=True)
        return result

    with demo_server(args.port, today) as url, log_path.open("w") as log:
        env = {**demo_connections(url, today=today), **calendar}
        try:
            for number, dag_id in enumerate(PIPELINE_DAGS, start=1):
                step(number, dag_id, lambda d=dag_id: run_dag(d, start, end, env, log, progress=progress))
            at, sent = step(
                steps - 1, "social_listening_alerts", lambda: run_alerts(env, start, end, url, log, progress)
            )
            month, report_subjects = step(
                steps, "social_monthly_report", lambda: run_monthly_report(env, today, url, log, progress)
            )
        except DagRunFailed as error:
            log.flush()
            print("".join(log_path.read_text().splitlines(keepends=True)[-40:]), file=sys.stderr)
            print(f"error: {error}; the full output is in {log_path}", file=sys.stderr)
            return 1
    from demo.summary import print_summary, print_where_to_look

    summary_began = time.monotonic()
    print_summary(start, end, time.monotonic() - began)
    print(f"\nAlerts the hourly DAG sent for {at:%Y-%m-%d %H:%M} UTC (email to a local SMTP catcher,")
    print(f"and to the demo's webhook receiver, {url}/_demo/webhook):")
    for subject in sent or ["(none)"]:
        print(f"  {subject}")
    print(f"\nThe monthly report for {month} (mailed to a local SMTP catcher; archived with its charts")
    print(f"and CSVs in {paths().published_reports / month}, open report.html there):")
    for subject in report_subjects or ["(none)"]:
        print(f"  {subject}")
    stages.append(("summary", time.monotonic() - summary_began))
    print_where_to_look(paths().published_reports / month, stages, time.monotonic() - began)
    return 0


@contextmanager
def smtp_catcher() -> Iterator[tuple[int, list[EmailMessage]]]:
    """A local SMTP server (aiosmtpd) for the block: its port, and the messages it received."""
    from aiosmtpd.controller import Controller

    received: list[EmailMessage] = []

    class Inbox:
        async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
            received.append(message_from_bytes(envelope.original_content, policy=policy.default))
            return "250 OK"

    port = free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def alert_connections(smtp_port: int, webhook_url: str) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` variables sending alert email to a local SMTP port (no TLS, no login)
    and the webhook to ``webhook_url``."""
    return {
        f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(fields)
        for conn_id, fields in alert_fields("127.0.0.1", smtp_port, webhook_url).items()
    }


def run_alerts(
    env: Mapping[str, str],
    start: date,
    end: date,
    url: str,
    output: IO[str],
    progress: Callable[[str], None] | None = None,
) -> tuple[datetime, list[str]]:
    """Run the hourly listening DAG once, at an hour of the demo's incident when the history
    covers it (else the last full hour), with email going to a local SMTP server; the subjects."""
    from demo.generator.comments import INCIDENT_DAYS

    incident = datetime.combine(min(INCIDENT_DAYS), datetime.min.time(), UTC) + timedelta(hours=20)
    now = utc_now().replace(minute=0, second=0, microsecond=0)
    at = incident if start <= incident.date() <= end else now
    with smtp_catcher() as (port, received):
        connections = alert_connections(port, f"{url}/_demo/webhook")
        params = {"at": at.isoformat()}
        run_dag("social_listening_alerts", None, None, {**env, **connections}, output, params, progress)
    return at, [str(message["subject"]) for message in received]


def run_monthly_report(
    env: Mapping[str, str],
    today: date,
    url: str,
    output: IO[str],
    progress: Callable[[str], None] | None = None,
) -> tuple[str, list[str]]:
    """Run the monthly report DAG for the month before ``today``, mailing a local SMTP server;
    the month and the subjects received."""
    month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    with smtp_catcher() as (port, received):
        connections = alert_connections(port, f"{url}/_demo/webhook")
        run_dag(
            "social_monthly_report", None, None, {**env, **connections}, output, {"month": month}, progress
        )
    return month, [str(message["subject"]) for message in received]


if __name__ == "__main__":
    sys.exit(main())
