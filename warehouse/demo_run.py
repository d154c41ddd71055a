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
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import IO, Any

import requests

from demo.state import DEMO_REDDIT_CLIENT_ID, DEMO_REDDIT_CLIENT_SECRET, DEMO_TOKENS
from warehouse.campaigns import load_campaigns
from warehouse.settings import PROJECT_ROOT, paths

PIPELINE_DAGS = ("social_extract_load", "social_transform_publish")


def demo_connections(base_url: str, tokens: Mapping[str, str] = DEMO_TOKENS) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` variables pointing every source at the demo server.

    The demo serves each platform under the path its real API uses (Instagram, which shares
    Graph's paths with Facebook, under ``/instagram``), so only the host differs from production.
    The demo throttles and fails on purpose; short backoffs keep the demo quick. A source
    without a demo token (public feeds) gets a connection without a password.
    """
    fast = {"backoff_base_seconds": 0.2, "usage_pause_seconds": 1}
    connections = {
        "facebook_pages": {"host": base_url, "extra": {"api_version": "v25.0", **fast}},
        "instagram": {"host": f"{base_url}/instagram", "extra": {"api_version": "v25.0", **fast}},
        "x": {"host": base_url, "extra": fast},
        "linkedin": {"host": base_url, "extra": fast},
        "youtube": {"host": base_url, "extra": {"analytics_host": f"{base_url}/youtubeanalytics", **fast}},
        "google_analytics": {"host": base_url, "extra": fast},
        "reddit": {  # the app's client id and secret; its token endpoint hands out the token
            "host": base_url,
            "login": DEMO_REDDIT_CLIENT_ID,
            "password": DEMO_REDDIT_CLIENT_SECRET,
            "extra": {
                "user_agent": "python:lumo-listening-demo:1.0 (by /u/lumo_data)",
                "token_url": f"{base_url}/api/v1/access_token",
                **fast,
            },
        },
        "rss": {"host": base_url, "extra": fast},  # public feeds: no password
    }
    return {
        f"AIRFLOW_CONN_{source.upper()}_DEFAULT": json.dumps(
            {"conn_type": "http", **({"password": tokens[source]} if source in tokens else {}), **connection}
        )
        for source, connection in connections.items()
    }


@contextmanager
def demo_server(port: int, today: date | None = None, chaos_rate: float = 0.03) -> Iterator[str]:
    """Serve the demo APIs in a child process for the duration of the block."""
    command = [sys.executable, "-m", "demo", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--chaos-rate", str(chaos_rate)]
    if today:
        command += ["--today", today.isoformat()]
    process = subprocess.Popen(command, cwd=PROJECT_ROOT)
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


def run_dag(
    dag_id: str,
    start: date | None,
    end: date | None,
    env: Mapping[str, str],
    output: IO[str] | None = None,
    params: Mapping[str, str] | None = None,
) -> None:
    """``airflow dags test`` one DAG over [start, end] as a single params-driven run (or with
    other ``params``, such as the listening DAG's ``at``)."""
    logical = datetime.now(UTC).isoformat()
    given = params if params is not None else {"start": start.isoformat(), "end": end.isoformat()}
    conf = json.dumps(dict(given))
    print(f"\n==> airflow dags test {dag_id} {logical} -c '{conf}'", file=output or sys.stdout, flush=True)
    began = time.monotonic()
    completed = subprocess.run(
        ["airflow", "dags", "test", dag_id, logical, "-c", conf],
        env={**os.environ, **env},
        cwd=PROJECT_ROOT,
        stdout=output,
        stderr=subprocess.STDOUT if output else None,
    )
    if completed.returncode != 0:
        raise DagRunFailed(f"DAG {dag_id} failed (exit {completed.returncode}); see its task logs above")
    print(
        f"==> {dag_id} succeeded in {time.monotonic() - began:.0f} s", file=output or sys.stdout, flush=True
    )


def serve_ui(port: int) -> int:
    """``airflow standalone`` (UI, scheduler, DAG processor, triggerer) wired to the demo APIs."""
    with demo_server(port) as url:
        home = os.environ.get("AIRFLOW_HOME", ".airflow")
        print("Airflow UI on http://localhost:8080, user admin; Ctrl-C stops.")
        print(f"The password is in {home}/simple_auth_manager_passwords.json.generated")
        try:
            return subprocess.run(
                ["airflow", "standalone"], env={**os.environ, **demo_connections(url)}
            ).returncode
        except KeyboardInterrupt:
            return 0


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
    today = datetime.now(UTC).date()
    start, end = history_start(today, args.days), today - timedelta(days=1)
    log_path = paths().data_dir / "demo-run.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"Running the pipeline over {start} .. {end}; Airflow's output goes to {log_path}")
    began = time.monotonic()
    with demo_server(args.port) as url, log_path.open("w") as log:
        env = demo_connections(url)
        for dag_id in PIPELINE_DAGS:
            print(f"  {dag_id} ...", end=" ", flush=True)
            dag_began = time.monotonic()
            try:
                run_dag(dag_id, start, end, env, log)
            except DagRunFailed as error:
                print("failed")
                log.flush()
                print("".join(log_path.read_text().splitlines(keepends=True)[-40:]), file=sys.stderr)
                print(f"error: {error}; the full output is in {log_path}", file=sys.stderr)
                return 1
            print(f"done in {time.monotonic() - dag_began:.0f} s")
        print("  social_listening_alerts ...", end=" ", flush=True)
        alerts_began = time.monotonic()
        try:
            at, sent = run_alerts(env, start, end, url, log)
        except DagRunFailed as error:
            print("failed")
            print(f"error: {error}; the full output is in {log_path}", file=sys.stderr)
            return 1
        print(f"done in {time.monotonic() - alerts_began:.0f} s")
        print("  social_monthly_report ...", end=" ", flush=True)
        report_began = time.monotonic()
        try:
            month, report_subjects = run_monthly_report(env, today, url, log)
        except DagRunFailed as error:
            print("failed")
            print(f"error: {error}; the full output is in {log_path}", file=sys.stderr)
            return 1
        print(f"done in {time.monotonic() - report_began:.0f} s")
    from warehouse.summary import print_summary

    print_summary(start, end, time.monotonic() - began)
    print(f"\nAlerts the hourly DAG sent for {at:%Y-%m-%d %H:%M} UTC (email to a local SMTP catcher,")
    print(f"and to the demo's webhook receiver, {url}/_demo/webhook):")
    for subject in sent or ["(none)"]:
        print(f"  {subject}")
    print(f"\nThe monthly report for {month} (mailed to a local SMTP catcher; archived with its charts")
    print(f"and CSVs in {paths().published_reports / month}, open report.html there):")
    for subject in report_subjects or ["(none)"]:
        print(f"  {subject}")
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

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def alert_connections(smtp_port: int, webhook_url: str) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` variables sending alert email to a local SMTP port (no TLS, no login)
    and the webhook to ``webhook_url``."""
    smtp = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": smtp_port,
        "extra": {"from_email": "alerts@lumo.example", "disable_ssl": True, "disable_tls": True},
    }
    return {
        "AIRFLOW_CONN_SMTP_DEFAULT": json.dumps(smtp),
        "AIRFLOW_CONN_ALERTS_WEBHOOK": json.dumps({"conn_type": "http", "host": webhook_url}),
    }


def run_alerts(
    env: Mapping[str, str], start: date, end: date, url: str, output: IO[str]
) -> tuple[datetime, list[str]]:
    """Run the hourly listening DAG once, at an hour of the demo's incident when the history
    covers it (else the last full hour), with email going to a local SMTP server; the subjects."""
    from demo.generator.comments import INCIDENT_DAYS

    incident = datetime.combine(min(INCIDENT_DAYS), datetime.min.time(), UTC) + timedelta(hours=20)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    at = incident if start <= incident.date() <= end else now
    with smtp_catcher() as (port, received):
        connections = alert_connections(port, f"{url}/_demo/webhook")
        run_dag("social_listening_alerts", None, None, {**env, **connections}, output, {"at": at.isoformat()})
    return at, [str(message["subject"]) for message in received]


def run_monthly_report(
    env: Mapping[str, str], today: date, url: str, output: IO[str]
) -> tuple[str, list[str]]:
    """Run the monthly report DAG for the month before ``today``, mailing a local SMTP server;
    the month and the subjects received."""
    month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    with smtp_catcher() as (port, received):
        connections = alert_connections(port, f"{url}/_demo/webhook")
        run_dag("social_monthly_report", None, None, {**env, **connections}, output, {"month": month})
    return month, [str(message["subject"]) for message in received]


if __name__ == "__main__":
    sys.exit(main())
