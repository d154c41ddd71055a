"""What a run's checks mean for its readers.

The run's last task decides:

* **held back**: the run did not publish (a blocking check failed, or any step before publishing
  failed). BI and the report keep the previous snapshot; the message names each failing check,
  its table and sample rows; the run fails.
* **published with warnings**: the snapshot is new, and the warnings are sent (unless
  ``quality.notify_warnings`` is off).
* **published clean**: nothing is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from record.dbt_artifacts import record_dbt_results, was_skipped
from record.results import AUDIT_TABLE, BLOCKING, WARNING, CheckResult, describe

MAX_LISTED = 10  # failing checks listed in the message; the rest are counted


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


class RunFailed(RuntimeError):
    """The run was held back (or a step failed); the message names the failing checks."""
