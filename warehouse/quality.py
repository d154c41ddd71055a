"""The run record and its notification: what every check of a transform run found, and who hears.

A transform run checks its data three ways: dbt source freshness and source tests before building,
dbt's model tests and unit tests as each model builds, and the Great Expectations suites after.
GX writes its results straight into ``audit.check_results``; dbt's results come out of dbt's own
artifacts (``run_results.json``, ``sources.json``), carried from the task that ran dbt to the run's
last task, which writes them next to GX's. So the table holds one row per run and check, whatever
ran the check, with the run's data interval.

The last task then decides what the run means for its readers:

* **held back**: the run did not publish (a blocking check failed, or any step before publishing
  failed). BI and the report keep the previous snapshot; the message names each failing check,
  its table and sample rows; the run fails.
* **published with warnings**: the snapshot is new, and the warnings are sent (unless
  ``quality.notify_warnings`` is off).
* **published clean**: nothing is sent.

Messages go through the alert channels (``alerts.email_to`` over the SMTP connection, and the
webhook), with the same escaping as every other alert: check samples can quote social media text.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from warehouse.alerts.notify import Alert, DeliveryError, Evidence, deliver, one_line
from warehouse.config import CompanyConfig
from warehouse.run_record import AUDIT_TABLE, BLOCKING, WARNING, CheckResult, describe, write_results

log = logging.getLogger(__name__)

DBT_SUITE = "dbt"  # model builds, data tests and unit tests
FRESHNESS_SUITE = "dbt_source_freshness"
PASSING = {"pass", "success"}
SKIPPED = "skipped:"  # how a dbt node that did not run because of an upstream failure is observed


def was_skipped(observed: str | None) -> bool:
    """Whether a failing check is a dbt node that did not run because something before it failed."""
    return (observed or "").startswith(SKIPPED)


CHECKED_RESOURCES = {"model", "seed", "snapshot", "test", "unit_test"}
MAX_LISTED = 10  # failing checks listed in the message; the rest are counted


# ---------------------------------------------------------------------------------------------
# dbt artifacts -> check results


def dbt_results(target_dir: Path) -> list[dict[str, Any]]:
    """What one dbt invocation checked, from the artifacts in its target folder, as plain dicts
    (they travel between tasks as XCom): model builds, data tests, unit tests, source freshness."""
    manifest_path = target_dir / "manifest.json"
    nodes: dict[str, Any] = {}
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {}), **manifest.get("sources", {})}
    found: list[dict[str, Any]] = []
    run_results = target_dir / "run_results.json"
    if run_results.is_file():
        for result in json.loads(run_results.read_text()).get("results", []):
            if result["unique_id"].split(".", 1)[0] in CHECKED_RESOURCES:  # not exposures (no-op)
                found.append(_from_run_result(result, nodes.get(result["unique_id"], {}), nodes))
    sources = target_dir / "sources.json"
    if sources.is_file():
        for result in json.loads(sources.read_text()).get("results", []):
            found.append(_from_freshness(result, nodes.get(result["unique_id"], {})))
    return found


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
            sample=None,
        )
        for item in found
    ]


# ---------------------------------------------------------------------------------------------
# The run's outcome


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    window: tuple[date, date]
    published: bool
    blocking: list[CheckResult]
    warnings: list[CheckResult]
    failed_steps: list[str]  # tasks that failed (not those that never ran because of them)
    checks: int
    held_back_marts: dict[str, str] = field(default_factory=dict)  # mart -> why, when published

    @property
    def held_back(self) -> bool:
        """Nothing of the run was published."""
        return not self.published

    @property
    def partly_held_back(self) -> bool:
        """The run published, but kept some marts at their last good version."""
        return self.published and bool(self.held_back_marts)

    @property
    def failed(self) -> bool:
        """The run fails when anything was held back or any step failed (even after publishing)."""
        return self.held_back or self.partly_held_back or bool(self.blocking) or bool(self.failed_steps)

    @property
    def root_causes(self) -> list[CheckResult]:
        """The blocking failures that are not dbt nodes skipped because of another failure."""
        return [r for r in self.blocking if not was_skipped(r.observed)]

    def failing(self) -> list[CheckResult]:
        """Every failing check, root causes first, then warnings, then what dbt skipped."""
        causes = self.root_causes
        return [*causes, *self.warnings, *(r for r in self.blocking if r not in causes)]

    def message(self) -> str:
        """Names each failing check with its table, observed value and sample rows, and each mart
        held back."""
        start, end = self.window
        counts = f"{len(self.blocking)} blocking failure(s), {len(self.warnings)} warning(s)"
        counts += f" in {self.checks} checks"
        if self.held_back:
            head = (
                f"Run {self.run_id} ({start}..{end}) was NOT published: BI and the report keep the "
                f"previous snapshot. {counts}."
            )
        elif self.partly_held_back:
            head = (
                f"Run {self.run_id} ({start}..{end}) was published, but {len(self.held_back_marts)} "
                f"mart(s) are HELD BACK at their last good version: {counts}."
            )
        else:
            head = (
                f"Run {self.run_id} ({start}..{end}) was published with {len(self.warnings)} "
                f"warning(s) in {self.checks} checks."
            )
        lines = [head]
        for mart, why in self.held_back_marts.items():
            lines.append(f"  held back: {mart} ({why})")
        if self.failed_steps:
            lines.append(f"  Failed steps: {', '.join(self.failed_steps)} (see their task logs).")
        failing = self.failing()
        for result in failing[:MAX_LISTED]:
            lines.append(f"  {describe(result)}")
            if result.sample:
                lines.append(f"      sample: {result.sample}")
        if len(failing) > MAX_LISTED:
            lines.append(f"  … and {len(failing) - MAX_LISTED} more.")
        lines.append(f"Every check of the run: {AUDIT_TABLE} where run_id = '{self.run_id}'.")
        return "\n".join(lines)


def record_dbt_results(
    con: duckdb.DuckDBPyConnection, run_id: str, window: tuple[date, date], found: Iterable[Mapping[str, Any]]
) -> None:
    """Replace the run's dbt rows in the run record with ``found``."""
    write_results(con, run_id, window, [DBT_SUITE, FRESHNESS_SUITE], as_check_results(run_id, found))


def record_and_assess(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    window: tuple[date, date],
    found: Iterable[Mapping[str, Any]],
    published_path: Path,
    failed_steps: Sequence[str] = (),
) -> RunOutcome:
    """Write dbt's results into the run record, then read the whole record of the run back."""
    record_dbt_results(con, run_id, window, found)
    rows = con.execute(
        f"""
        select run_id, suite, table_name, check_name, column_name, severity, success, observed_value,
               unexpected_count, sample_unexpected
        from {AUDIT_TABLE} where run_id = $run_id
        order by severity, table_name, check_name
        """,
        {"run_id": run_id},
    ).fetchall()
    results = [CheckResult(*row) for row in rows]
    published = published_run(published_path) == run_id
    return RunOutcome(
        run_id=run_id,
        window=window,
        published=published,
        held_back_marts=held_back_in(published_path) if published else {},
        blocking=[r for r in results if not r.success and r.severity == BLOCKING],
        warnings=[r for r in results if not r.success and r.severity == WARNING],
        failed_steps=list(failed_steps),
        checks=len(results),
    )


def published_run(path: Path) -> str | None:
    """The run that wrote the snapshot BI reads now (None before the first publication)."""
    if not path.exists():
        return None
    with duckdb.connect(str(path), read_only=True) as snapshot:
        row = snapshot.execute("select max(snapshot_run_id) from audit.publication").fetchone()
    return row[0] if row else None


def held_back_in(path: Path) -> dict[str, str]:
    """The marts the published snapshot holds back (mart -> why), from its ``audit.publication``."""
    if not path.exists():
        return {}
    with duckdb.connect(str(path), read_only=True) as snapshot:
        rows = snapshot.execute(
            "select table_name, held_back_reason from audit.publication where status = 'held_back' order by 1"
        ).fetchall()
    return dict(rows)


# ---------------------------------------------------------------------------------------------
# Notification


def quality_alert(outcome: RunOutcome, data_link: str | None) -> Alert:
    failing, roots = outcome.failing(), outcome.root_causes
    start, end = outcome.window
    run = f"Warehouse run {start}..{end}"
    steps = ", ".join(outcome.failed_steps)
    if outcome.held_back:
        cause = f"{len(roots)} blocking check(s) failed" if outcome.blocking else f"{steps} failed"
        title = f"{run} held back: {cause}"
        summary = (
            "This run was not published: BI and the monthly report keep showing the previous "
            "snapshot. Fix the data (or the check) and re-run the days."
        )
    elif outcome.partly_held_back:
        marts = ", ".join(outcome.held_back_marts)
        title = f"{run} published, {len(outcome.held_back_marts)} mart(s) held back: {marts}"
        summary = (
            f"{len(roots)} blocking check(s) failed. The marts downstream of them are "
            f"held back at their last good version ({marts}); every other mart was published from "
            "this run. Fix the data (or the check) and re-run the days."
        )
    elif outcome.failed_steps:
        title = f"{run} published, but {steps} failed"
        summary = "The data was published; a step after publishing failed (see its task log)."
    else:
        title = f"{run} published with {len(outcome.warnings)} warning(s)"
        summary = "This run was published. The warnings below did not block it but may need a look."
    if outcome.failed_steps:
        summary += f" Failed steps: {steps}."
    evidence = tuple(
        Evidence(
            text=f"{r.observed or ''}" + (f" · sample: {r.sample}" if r.sample else ""),
            url=None,
            label=f"{r.severity} · {r.table} · {r.check}" + (f" · {r.column}" if r.column else ""),
        )
        for r in failing
    )
    return Alert(
        key=f"data_quality:{outcome.run_id}",
        rule="data_quality",
        status="open",
        title=title,
        summary=summary,
        evidence=evidence,
        data_link=data_link,
        data_hint=f"{AUDIT_TABLE} where run_id = '{outcome.run_id}' and not success",
        opened_at=datetime.now(UTC),
        resolved_at=None,
    )


def notify(outcome: RunOutcome, config: CompanyConfig, context: Mapping[str, Any] | None = None) -> bool:
    """Send the run's outcome when it was held back, or had warnings (if configured); whether sent."""
    if not outcome.failed and not (outcome.warnings and config.quality.notify_warnings):
        return False
    settings = config.alerts
    deliver(
        [quality_alert(outcome, settings.data_url)],
        context,
        email_to=settings.email_to,
        smtp_conn_id=settings.smtp_conn_id,
        webhook_conn_id=settings.webhook_conn_id,
        company_name=config.company.name,
    )
    return True


class RunFailed(RuntimeError):
    """The run was held back (or a step failed); the message names the failing checks."""


DBT_RESULTS_XCOM = "dbt_results"


# ---------------------------------------------------------------------------------------------
# Sources that failed to extract


class SourcesFailed(RuntimeError):
    """Some sources did not extract or load; the message names each, its error and what to do."""


def sources_alert(
    failed: Mapping[str, str],
    loaded: Sequence[str],
    window: tuple[date, date],
    run_id: str,
    data_link: str | None,
) -> Alert:
    """The alert for a daily load in which some sources failed: which, why (their errors carry
    the hint: the connection to renew, the metric to remove), and that the others were loaded."""
    start, end = window
    names = ", ".join(sorted(failed))
    others = ", ".join(sorted(loaded)) or "no other source"
    return Alert(
        key=f"sources_failed:{run_id}",
        rule="sources_failed",
        status="open",
        title=f"Daily load {start}..{end}: {names} failed",
        summary=(
            f"{others} loaded and will be published; {names} did not. Their marts keep the data "
            "of earlier runs (dbt source freshness flags them stale after 30 h). Act on each error "
            "below (renew the token in the named connection, fix the permission or the config), "
            "then re-run the days for that source."
        ),
        evidence=tuple(
            Evidence(text=error, url=None, label=source) for source, error in sorted(failed.items())
        ),
        data_link=data_link,
        data_hint=f"{AUDIT_TABLE} and the Airflow task logs of run {run_id}",
        opened_at=datetime.now(UTC),
        resolved_at=None,
    )


def report_sources(
    failed: Mapping[str, str],
    loaded: Sequence[str],
    window: tuple[date, date],
    run_id: str,
    config: CompanyConfig,
    context: Mapping[str, Any] | None = None,
) -> None:
    """Notify through the alert channels and raise ``SourcesFailed`` when a source failed."""
    if not failed:
        return
    settings = config.alerts
    alert = sources_alert(failed, loaded, window, run_id, settings.data_url)
    lines = [f"  {source}: {error}" for source, error in sorted(failed.items())]
    message = f"{alert.title}; loaded: {', '.join(sorted(loaded)) or 'none'}.\n" + "\n".join(lines)
    try:
        deliver(
            [alert],
            context,
            email_to=settings.email_to,
            smtp_conn_id=settings.smtp_conn_id,
            webhook_conn_id=settings.webhook_conn_id,
            company_name=config.company.name,
        )
    except DeliveryError as error:
        raise SourcesFailed(f"{message}\nThe alert was not sent: {error}") from error
    raise SourcesFailed(message)
