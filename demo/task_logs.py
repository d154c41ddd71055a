"""File the task logs of an ``airflow dags test`` run where the Airflow UI reads them.

``airflow dags test`` (what ``make demo`` runs) executes every task in its own process, one after
the other, and writes their logs to its output only: no task log file is created
(``airflow/sdk/definitions/dag.py``, ``DAG.test`` → ``_run_task`` →
``airflow/sdk/execution_time/supervisor.py``, ``InProcessTestSupervisor``, which logs through the
process's own logging and never opens the log file a worker's supervisor writes). The API server
then finds no file under ``[logging] base_log_folder`` and asks the worker's log server, which
does not exist: "Log file not found on worker".

The output marks each task's part (``[DAG TEST] starting task_id=…``, ``running task
<TaskInstance … ti_id=…>``, ``[DAG TEST] end task …``). This module cuts it there and writes each
part, one JSON line per log line (timestamp, level, event), to the path the API server reads:
``base_log_folder`` and the run's log filename template from the metadata database, rendered as
``FileTaskHandler._render_filename`` renders it.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace
from typing import IO

import jinja2

_STARTING = re.compile(r"\[DAG TEST\] starting task_id=(?P<task>\S+) map_index=(?P<map>-?\d+)")
_RUNNING = re.compile(r"\[DAG TEST\] running task <TaskInstance: .* ti_id=(?P<id>[0-9a-f-]{36})>")
_ENDING = re.compile(r"\[DAG TEST\] end task task_id=(?P<task>\S+) map_index=(?P<map>-?\d+)")
_LINE = re.compile(
    r"^(?P<timestamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) \[(?P<level>\w+)\s*\] (?P<event>.*)$"
)


def _setting(env: Mapping[str, str], home: Path, key: str, default: str) -> str:
    """A ``[logging]`` setting as Airflow resolves it: environment, then ``airflow.cfg``."""
    value = env.get(f"AIRFLOW__LOGGING__{key.upper()}")
    if value:
        return value
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(home / "airflow.cfg")
    return parser.get("logging", key, fallback=default).replace("%%", "%") or default


def _parts(lines: Iterable[str]) -> list[tuple[str, list[str]]]:
    """(task instance id, its lines) for every task the output ran, in order."""
    parts: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    ti_id = ""
    for line in lines:
        if _STARTING.search(line):
            current, ti_id = [line], ""
            continue
        if current is None:
            continue
        current.append(line)
        running = _RUNNING.search(line)
        if running and not ti_id:
            ti_id = running["id"].replace("-", "")
        if _ENDING.search(line):
            if ti_id:
                parts.append((ti_id, current))
            current = None
    return parts


def _as_json(line: str) -> str:
    match = _LINE.match(line)
    if match is None:
        return json.dumps({"event": line})
    return json.dumps({"timestamp": match["timestamp"], "level": match["level"], "event": match["event"]})


def file_task_logs(output: str, env: Mapping[str, str]) -> list[Path]:
    """Write each task's part of ``airflow dags test`` ``output`` to its log file; the files.

    ``env`` is the run's environment (``AIRFLOW_HOME``, ``AIRFLOW__LOGGING__*``). Only a SQLite
    metadata database in ``AIRFLOW_HOME`` is read (the one ``make demo`` uses); with another,
    nothing is written.
    """
    home = Path(env.get("AIRFLOW_HOME") or Path.home() / "airflow")
    database = home / "airflow.db"
    if env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "sqlite").split(":", 1)[0] != "sqlite":
        return []
    if not database.exists():
        return []
    base = Path(_setting(env, home, "base_log_folder", str(home / "logs")))
    parts = _parts(output.splitlines())
    attempts_after = Counter(ti_id for ti_id, _ in parts)
    written: list[Path] = []
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)) as con:
        con.row_factory = sqlite3.Row
        for ti_id, lines in parts:
            attempts_after[ti_id] -= 1
            row = con.execute(
                """select ti.dag_id, ti.run_id, ti.task_id, ti.map_index, ti.try_number,
                       dr.logical_date, lt.filename as template
                from task_instance ti
                join dag_run dr on dr.dag_id = ti.dag_id and dr.run_id = ti.run_id
                join log_template lt on lt.id = dr.log_template_id
                where ti.id = ?""",
                (ti_id,),
            ).fetchone()
            if row is None:
                continue
            try_number = row["try_number"] - attempts_after[ti_id]
            path = base / _render(row, try_number)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(_as_json(line) + "\n" for line in lines), encoding="utf-8")
            written.append(path)
    return written


def _render(row: Mapping[str, object], try_number: int) -> str:
    """The log file's path under ``base_log_folder``, as the API server renders it."""
    template = str(row["template"])
    ti = SimpleNamespace(
        dag_id=row["dag_id"], run_id=row["run_id"], task_id=row["task_id"], map_index=row["map_index"]
    )
    if "{{" in template or "{%" in template:
        return jinja2.Template(template).render(ti=ti, try_number=try_number, ts=row["logical_date"])
    return template.format(
        dag_id=ti.dag_id,
        task_id=ti.task_id,
        run_id=ti.run_id,
        logical_date=row["logical_date"],
        try_number=try_number,
        data_interval_start="",
        data_interval_end="",
    )


def output_offset(output: IO[str] | None) -> int | None:
    """Where the next line of a driver's output file goes (None for a stream that is no file)."""
    try:
        output.flush()  # type: ignore[union-attr]
        return os.lseek(output.fileno(), 0, os.SEEK_CUR)  # type: ignore[union-attr]
    except (AttributeError, OSError, ValueError):
        return None


def output_since(output: IO[str], offset: int) -> str:
    """What the driver's output file ``output`` holds from ``offset`` on (one ``dags test`` run)."""
    output.flush()
    with open(output.name, "rb") as handle:
        handle.seek(offset)
        return handle.read().decode("utf-8", errors="replace")
