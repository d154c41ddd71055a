"""Command line: ``python -m demo serve --port 8787 [--today YYYY-MM-DD] [--chaos-rate 0.03]``, and
``python -m demo connections --base-url URL``: the Airflow connections that point every source at
a demo server (``demo.connections``, the list ``make demo`` and the tests use), as shell exports
or as a file for ``airflow connections import`` (with ``--smtp HOST:PORT``, the alert channels
too: email to that catcher, the webhook to the demo server), for docker-compose.yml's demo."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from datetime import date

import uvicorn

from demo.app import create_app
from demo.connections import alert_fields, conn_id, connection_fields, env_name
from demo.story import DEMO_TODAY_VARIABLE, demo_today


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m demo", description="Lumo Strollers demo API server.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the demo APIs over HTTP until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8787)
    serve.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        help="fix the server's date (YYYY-MM-DD); default: DEMO_TODAY when set (demo/story.py), "
        "else the real current UTC date",
    )
    serve.add_argument(
        "--chaos-rate",
        type=float,
        default=0.0,
        help="fraction of API requests answered with a throttle or a 500 (e.g. 0.03)",
    )
    serve.add_argument("--chaos-seed", type=int, default=0)
    connections = commands.add_parser(
        "connections",
        help="print `export AIRFLOW_CONN_...` lines pointing every source at a demo server; "
        "a variable already set in the environment is kept",
    )
    connections.add_argument("--base-url", default="http://127.0.0.1:8787", help="the demo server's URL")
    connections.add_argument(
        "--smtp", metavar="HOST:PORT", help="also the alert channels: email through this SMTP catcher"
    )
    connections.add_argument(
        "--format",
        choices=("shell", "airflow-json"),
        default="shell",
        help="shell exports (default), or JSON for `airflow connections import`",
    )
    return parser


def print_connections(base_url: str, smtp: str | None = None, form: str = "shell") -> None:
    """The demo's connections: one shell line per source exporting it unless the variable is set
    already (real accounts' connections win), or one JSON object for ``airflow connections
    import`` (where any ``AIRFLOW_CONN_*`` variable wins over the database)."""
    fields = {conn_id(source): f for source, f in connection_fields(base_url).items()}
    if smtp:
        host, _, port = smtp.rpartition(":")
        fields |= alert_fields(host, int(port), f"{base_url}/_demo/webhook")
    if form == "airflow-json":
        print(
            json.dumps(
                {c: {**f, "extra": json.dumps(f.get("extra", {}))} for c, f in fields.items()}, indent=2
            )
        )
        return
    for connection_id, connection in fields.items():
        name = env_name(connection_id)
        print(f'[ -n "${{{name}:-}}" ] || export {name}={shlex.quote(json.dumps(connection))}')


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "connections":
        print_connections(args.base_url, args.smtp, args.format)
        return 0
    if args.today is None and os.environ.get(DEMO_TODAY_VARIABLE):
        args.today = demo_today()
    app = create_app(today=args.today, chaos_rate=args.chaos_rate, chaos_seed=args.chaos_seed)
    sys.stderr.write(
        f"Lumo Strollers demo APIs on http://{args.host}:{args.port} "
        f"(today={args.today or 'real UTC date'}, chaos_rate={args.chaos_rate})\n"
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
