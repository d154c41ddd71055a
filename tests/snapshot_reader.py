"""A BI tool's reads, from a process of their own: every published mart counted through SQLAlchemy
and duckdb-engine (the driver Superset and most Python BI tools use), in a loop, until a stop
file appears. Each connection opens the file read-only, as BI's connection does, and reads one
snapshot: which run published it, and each mart's rows. Writes what it saw as JSON.

    python tests/snapshot_reader.py PUBLISHED.duckdb STOP_FILE OUT.json
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy.pool import NullPool


def read(published: Path, stop: Path, out: Path, pause: float = 0.1) -> None:
    engine = sqlalchemy.create_engine(
        f"duckdb:///{published}", connect_args={"read_only": True}, poolclass=NullPool
    )
    rounds, errors, seen = 0, [], Counter()
    counts: dict[str, dict[str, int]] = {}
    while not stop.exists():
        try:
            with engine.connect() as con:
                runs = con.execute(
                    sqlalchemy.text("select distinct snapshot_run_id from audit.publication")
                ).all()
                marts = con.execute(
                    sqlalchemy.text(
                        "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
                    )
                ).all()
                rows = {
                    m: con.execute(sqlalchemy.text(f'select count(*) from marts."{m}"')).scalar_one()
                    for (m,) in marts
                }
            run = ",".join(sorted(r for (r,) in runs))
            seen[run] += 1
            counts[run] = rows
        except Exception as error:  # what a BI user would see: recorded, never hidden
            errors.append(f"{type(error).__name__}: {error}")
        rounds += 1
        time.sleep(pause)
    out.write_text(json.dumps({"rounds": rounds, "errors": errors, "seen": seen, "counts": counts}))


@contextmanager
def reading(published: Path, folder: Path) -> Iterator[dict[str, Any]]:
    """The reader in a process of its own for the block; then what it saw (``rounds``,
    ``errors``, ``seen``: rounds per snapshot run, ``counts``: each mart's rows per run)."""
    stop, out = folder / "reader.stop", folder / "reader.json"
    process = subprocess.Popen([sys.executable, __file__, str(published), str(stop), str(out)])
    seen: dict[str, Any] = {}
    try:
        yield seen
    finally:
        stop.touch()
        process.wait(timeout=120)
        seen.update(json.loads(out.read_text()))


if __name__ == "__main__":
    read(*(Path(arg) for arg in sys.argv[1:4]))
