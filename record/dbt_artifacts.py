"""dbt's results as check results: what dbt's own artifacts say about each check of a run.

A transform run checks its data three ways: dbt source freshness and source tests before building,
dbt's model tests and unit tests as each model builds, and the Great Expectations suites after.
GX writes its results straight into ``audit.check_results``; dbt's results come out of dbt's own
artifacts (``run_results.json``, ``sources.json``), carried from the task that ran dbt to the run's
last task, which writes them next to GX's. So the table holds one row per run and check, whatever
ran the check, with the run's data interval.

A failing data test carries a sample of the rows it failed on, as a GX check does: the task that
ran dbt reads the test's compiled query again, while the data is as dbt left it, and keeps up to
five rows, the model's grain columns first.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from core.text import one_line
from record.results import BLOCKING, SAMPLE_SIZE, WARNING, CheckResult, sample_of, write_results

log = logging.getLogger(__name__)

DBT_SUITE = "dbt"  # model builds, data tests and unit tests
FRESHNESS_SUITE = "dbt_source_freshness"
PASSING = {"pass", "success"}
SKIPPED = "skipped:"  # how a dbt node that did not run because of an upstream failure is observed
# The clock-read part of a freshness finding ("last load 0.1 h ago (pass)", `_from_freshness`).
FRESHNESS_AGE = r"^last load [0-9.]+ h ago"


def was_skipped(observed: str | None) -> bool:
    """Whether a failing check is a dbt node that did not run because something before it failed."""
    return (observed or "").startswith(SKIPPED)


CHECKED_RESOURCES = {"model", "seed", "snapshot", "test", "unit_test"}

# ---------------------------------------------------------------------------------------------
# dbt artifacts -> check results


def dbt_results(target_dir: Path, warehouse: Path | None = None) -> list[dict[str, Any]]:
    """What one dbt invocation checked, from the artifacts in its target folder, as plain dicts
    (they travel between tasks as XCom): model builds, data tests, unit tests, source freshness.
    With the ``warehouse`` dbt ran on, each failing data test gets a sample of its rows."""
    manifest_path = target_dir / "manifest.json"
    nodes: dict[str, Any] = {}
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {}), **manifest.get("sources", {})}
    found: list[dict[str, Any]] = []
    failing: list[tuple[dict[str, Any], str, list[str]]] = []  # (result, compiled query, first columns)
    run_results = target_dir / "run_results.json"
    if run_results.is_file():
        for result in json.loads(run_results.read_text()).get("results", []):
            if result["unique_id"].split(".", 1)[0] in CHECKED_RESOURCES:  # not exposures (no-op)
                node = nodes.get(result["unique_id"], {})
                found.append(_from_run_result(result, node, nodes))
                if _failed_on_rows(result):
                    failing.append((found[-1], result["compiled_code"], _leading_columns(node, nodes)))
    sources = target_dir / "sources.json"
    if sources.is_file():
        for result in json.loads(sources.read_text()).get("results", []):
            found.append(_from_freshness(result, nodes.get(result["unique_id"], {})))
    if warehouse is not None and failing:
        _add_samples(warehouse, failing)
    return found


def _failed_on_rows(result: Mapping[str, Any]) -> bool:
    """A data test that returned rows (failed or warned), with the query that found them."""
    return (
        result["unique_id"].startswith("test.")
        and str(result.get("status", "")).lower() in {"fail", "warn"}
        and bool(result.get("compiled_code"))
    )


def _leading_columns(test: Mapping[str, Any], nodes: Mapping[str, Any]) -> list[str]:
    """The columns a failing row is named by: its model's grain (``meta.grain``), then the
    tested column; none when the model states no grain (a source's test), so that the whole
    row is kept."""
    model = nodes.get(test.get("attached_node") or "", {})
    meta = (model.get("config") or {}).get("meta") or model.get("meta") or {}
    leading = [str(column) for column in meta.get("grain") or []]
    column = test.get("column_name")
    if not leading:
        return []
    return [*leading, column] if column and column not in leading else leading


def _cut(value: Any, limit: int = 200) -> Any:
    """A long text value (a raw record's JSON) cut to ``limit`` characters for the sample."""
    return value[:limit] + "…" if isinstance(value, str) and len(value) > limit else value


def _add_samples(warehouse: Path, failing: list[tuple[dict[str, Any], str, list[str]]]) -> None:
    """Read each failing test's rows again (at most SAMPLE_SIZE) into its result's ``sample``.

    A sample that cannot be read (the file is busy, the query no longer runs) is left out with a
    warning: the check's result stands without it."""
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as error:
        log.warning(
            "no samples of the %d failing dbt tests: cannot open %s: %s", len(failing), warehouse, error
        )
        return
    try:
        for item, query, leading in failing:
            try:
                # On lines of its own: a test's SQL may end in a comment or a semicolon.
                body = query.rstrip().rstrip(";")
                cursor = con.execute(f"select * from (\n{body}\n) as failing_rows limit {SAMPLE_SIZE}")
                names = [d[0] for d in cursor.description]
                rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            except duckdb.Error as error:
                what = f"{item['table']} {item['check']}"
                log.warning("no sample of %s: %s", what, one_line(str(error), 300))
                continue
            # The grain and the tested column when the row has them, else the whole row.
            named = [{k: v for k, v in row.items() if k in leading} or row for row in rows]
            named = [{k: _cut(v) for k, v in row.items()} for row in named]
            item["sample"] = sample_of(named, leading)
    finally:
        con.close()


def _relation(node: Mapping[str, Any]) -> str:
    if node.get("resource_type") == "source":
        return f"{node.get('schema')}.{node.get('identifier') or node.get('name')}"
    return f"{node.get('schema')}.{node.get('alias') or node.get('name')}"


def _from_run_result(
    result: Mapping[str, Any], node: Mapping[str, Any], nodes: Mapping[str, Any]
) -> dict[str, Any]:
    unique_id = result["unique_id"]
    kind = unique_id.split(".", 1)[0]
    status = str(result.get("status", "")).lower()
    config = node.get("config") or {}
    if kind == "test":
        attached = node.get("attached_node") or next(iter(node.get("depends_on", {}).get("nodes", [])), "")
        table = _relation(nodes.get(attached, {})) if attached in nodes else attached
        severity = WARNING if str(config.get("severity", "error")).lower() == "warn" else BLOCKING
        column = node.get("column_name")
    elif kind == "unit_test":
        model = node.get("model") or ""
        table = next((_relation(n) for n in nodes.values() if n.get("name") == model and "alias" in n), model)
        severity, column = BLOCKING, None
    else:  # a model, seed or snapshot: did it build?
        table, severity, column = _relation(node) if node else unique_id, BLOCKING, None
    if status == "error" or status == "runtime error":
        severity = BLOCKING  # a check that could not run cannot pass
    failures = result.get("failures")
    return {
        "suite": DBT_SUITE,
        "table": table,
        "check": unique_id.split(".", 2)[-1] if kind != "model" else "model_builds",
        "column": column,
        "severity": severity,
        "success": status in PASSING,
        "observed": (
            f"{SKIPPED} something it depends on failed"
            if status == "skipped"
            else one_line(str(result.get("message") or status), 500)
        ),
        "unexpected_count": int(failures) if isinstance(failures, int) and kind == "test" else None,
        "sample": None,
    }


def _from_freshness(result: Mapping[str, Any], node: Mapping[str, Any]) -> dict[str, Any]:
    status = str(result.get("status", "")).lower()
    age = result.get("max_loaded_at_time_ago_in_s")
    if age is not None:
        observed = f"last load {float(age) / 3600:.1f} h ago ({status})"
    else:
        observed = one_line(str(result.get("error") or result.get("message") or status), 500)
    return {
        "suite": FRESHNESS_SUITE,
        "table": _relation(node) if node else result["unique_id"],
        "check": "source_freshness",
        "column": node.get("loaded_at_field") if node else None,
        # Stale is not wrong: a source that stopped loading (an expired token) keeps its last
        # data, and the rest of the warehouse publishes. Past warn_after or error_after alike, it
        # is a warning that names the table; the stale-source alert rule pages for it.
        "severity": WARNING,
        "success": status == "pass",
        "observed": observed,
        "unexpected_count": None,
        "sample": None,
    }


def as_check_results(run_id: str, found: Iterable[Mapping[str, Any]]) -> list[CheckResult]:
    return [
        CheckResult(
            run_id=run_id,
            suite=item["suite"],
            table=item["table"],
            check=item["check"],
            column=item["column"],
            severity=item["severity"],
            success=item["success"],
            observed=item["observed"],
            unexpected_count=item["unexpected_count"],
            sample=item.get("sample"),
        )
        for item in found
    ]


def record_dbt_results(
    con: duckdb.DuckDBPyConnection, run_id: str, window: tuple[date, date], found: Iterable[Mapping[str, Any]]
) -> None:
    """Replace the run's dbt rows in the run record with ``found``."""
    write_results(con, run_id, window, [DBT_SUITE, FRESHNESS_SUITE], as_check_results(run_id, found))
