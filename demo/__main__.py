"""Command line: ``python -m demo serve --port 8787 [--today YYYY-MM-DD] [--chaos-rate 0.03]``."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date

import uvicorn

from demo.app import create_app
from demo.state import DEFAULT_TOKENS
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
    serve.add_argument(
        "--token",
        action="append",
        default=None,
        help=f"accepted access token (repeatable); default: {', '.join(sorted(DEFAULT_TOKENS))}",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.today is None and os.environ.get(DEMO_TODAY_VARIABLE):
        args.today = demo_today()
    app = create_app(
        today=args.today,
        tokens=set(args.token) if args.token else None,
        chaos_rate=args.chaos_rate,
        chaos_seed=args.chaos_seed,
    )
    sys.stderr.write(
        f"Lumo Strollers demo APIs on http://{args.host}:{args.port} "
        f"(today={args.today or 'real UTC date'}, chaos_rate={args.chaos_rate})\n"
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
