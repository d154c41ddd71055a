"""The run's notification: a run held back, published with warnings, or whose sources failed.

Messages go through the alert channels (``alerts.email_to`` over the SMTP connection, and the
webhook), with the same escaping as every other alert: check samples can quote social media text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from alerts.notify import Alert, DeliveryError, Evidence, deliver
from core.config import CompanyConfig
from publishing.outcome import RunOutcome
from record.results import AUDIT_TABLE

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
