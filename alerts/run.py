"""The hourly alerting steps as plain functions: evaluate the rules, then deliver what is due.

Both open the live warehouse for writing (the incident state lives there) and close it before
returning, so they run in the one-writer pool like every other writer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from alerts import notify, rules, state
from core.config import CompanyConfig, load_config
from core.database import writer
from core.text import one_line

log = logging.getLogger(__name__)


def evaluate(now: datetime, config: CompanyConfig | None = None) -> dict[str, list[str]]:
    """Evaluate every rule at ``now`` and reconcile the incidents; ids opened, open, resolved."""
    config = config or load_config()
    with writer() as con:
        findings = rules.evaluate(con, config, now)
        changed = state.reconcile(con, findings, now)
    for finding in findings:
        log.info("[rule=%s] %s", finding.rule, one_line(finding.title))
    log.info(
        "Incidents at %s: %d opened, %d still open, %d resolved",
        now.isoformat(),
        len(changed.opened),
        len(changed.continuing),
        len(changed.resolved),
    )
    return {
        "opened": list(changed.opened),
        "continuing": list(changed.continuing),
        "resolved": list(changed.resolved),
    }


def channels(config: CompanyConfig) -> tuple[str, ...]:
    """The configured alert channels: ``email`` (recipients and an SMTP connection), ``webhook``."""
    settings = config.alerts
    found = []
    if settings.email_to and settings.smtp_conn_id:
        found.append("email")
    if settings.webhook_conn_id:
        found.append("webhook")
    return tuple(found)


def deliver(
    now: datetime, context: Mapping[str, Any] | None = None, config: CompanyConfig | None = None
) -> list[str]:
    """Send every pending opening and resolution through each channel that still owes it; record
    each delivery as it goes out; raise naming every failure once all were tried.

    Returns what went out, as ``<incident id>[:resolved] -> <channel>``.
    """
    config = config or load_config()
    settings = config.alerts
    wanted = channels(config)
    if not wanted:
        log.warning("No alert channel configured (alerts.email_to with smtp_conn_id, or webhook_conn_id)")
        return []
    delivered: list[str] = []
    failures: list[tuple[str, str, str]] = []
    with writer() as con:
        for incident_id, alert, owed in state.pending(con, wanted, settings.data_url):
            for channel in owed:
                try:
                    notify.deliver(
                        [alert],
                        context,
                        email_to=settings.email_to if channel == "email" else (),
                        smtp_conn_id=settings.smtp_conn_id if channel == "email" else None,
                        webhook_conn_id=settings.webhook_conn_id if channel == "webhook" else None,
                        company_name=config.company.name,
                    )
                except notify.DeliveryError as error:
                    failures.extend(error.failed)
                    continue
                state.mark_delivered(con, incident_id, alert, channel, wanted, now)
                suffix = "" if alert.status == "open" else ":resolved"
                delivered.append(f"{incident_id}{suffix} -> {channel}")
    for line in delivered:
        log.info("Sent %s", line)
    if failures:
        raise notify.DeliveryError(failures)  # the next run retries the undelivered ones
    return delivered
