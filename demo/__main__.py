"""Command line: ``python -m demo serve --port 8787 [--today YYYY-MM-DD] [--chaos-rate 0.03]``, and
``python -m demo connections --base-url URL``: the shell exports of the Airflow connections that
point every source at a demo server (``demo.connections``, the list ``make demo`` and the tests
use), for a deployment such as docker-compose.yml."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from datetime import date

import uvicorn

from demo.app import create_app
from demo.connections import demo_connections
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
    return parser


def print_connections(base_url: str) -> None:
    """One shell line per source: export its demo connection unless the variable is set already
    (real accounts' connections win)."""
    for name, value in demo_connections(base_url).items():
        print(f'[ -n "${{{name}:-}}" ] || export {name}={shlex.quote(value)}')


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "connections":
        print_connections(args.base_url)
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
