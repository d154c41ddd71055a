"""Incidents across runs: one alert when an incident opens, one note when it resolves.

The hourly run evaluates the rules, then :func:`reconcile` compares the findings with the open
incidents in ``alerts.incidents`` (in the live warehouse, written in the one-writer pool):

* a finding with no open incident under its key opens one;
* a finding whose incident is open refreshes ``last_seen_at`` (no new alert);
* an open incident not found for ``resolve_after`` (two hours by default: an hourly rule
  that flickers at its threshold does not flap) is resolved.

:func:`pending` lists what still has to be sent, and through which channels: opened incidents not
yet announced everywhere and resolved ones whose resolution is not. :func:`mark_delivered`
records each (alert, channel) as soon as it has gone out, so a failed delivery is retried by the
next run on the channel that failed only, and a delivered one is never repeated. A run that
crashed between sending and recording may send one message twice (at least once, never zero
times).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from alerts.notify import Alert, Evidence
from alerts.rules import Finding

SCHEMA = "alerts"
RESOLVE_AFTER = timedelta(hours=2)

DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {SCHEMA}.incidents (
    incident_id             varchar     primary key,
    incident_key            varchar     not null,
    rule                    varchar     not null,
    title                   varchar     not null,
    summary                 varchar     not null,
    evidence                json        not null,
    data_hint               varchar     not null,
    opened_at               timestamp   not null,
    last_seen_at            timestamp   not null,
    resolved_at             timestamp,
    open_notified_at        timestamp,
    resolved_notified_at    timestamp,
    deliveries              varchar[]   not null default []
);
"""


@dataclass(frozen=True)
class Reconciled:
    """What one evaluation changed: incident ids opened, still open, resolved."""

    opened: tuple[str, ...]
    continuing: tuple[str, ...]
    resolved: tuple[str, ...]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def reconcile(
    con: duckdb.DuckDBPyConnection,
    findings: list[Finding],
    now: datetime,
    resolve_after: timedelta = RESOLVE_AFTER,
) -> Reconciled:
    """Open, refresh and resolve incidents for the findings at ``now``, in one transaction."""
    ensure_schema(con)
    at = _naive(now)
    by_key = {finding.key: finding for finding in findings}
    opened, continuing, resolved = [], [], []
    con.execute("begin transaction")
    try:
        open_incidents = dict(
            con.execute(
                f"select incident_key, incident_id from {SCHEMA}.incidents where resolved_at is null"
            ).fetchall()
        )
        for key, finding in by_key.items():
            if key in open_incidents:
                con.execute(
                    f"update {SCHEMA}.incidents set last_seen_at = ? where incident_id = ?",
                    [at, open_incidents[key]],
                )
                continuing.append(open_incidents[key])
                continue
            incident_id = f"{key}@{at:%Y-%m-%dT%H:%M:%S}"
            con.execute(
                f"insert into {SCHEMA}.incidents (incident_id, incident_key, rule, title, summary, "
                "evidence, data_hint, opened_at, last_seen_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    incident_id,
                    key,
                    finding.rule,
                    finding.title,
                    finding.summary,
                    json.dumps([e.__dict__ for e in finding.evidence], ensure_ascii=False),
                    finding.data_hint,
                    at,
                    at,
                ],
            )
            opened.append(incident_id)
        for key, incident_id in open_incidents.items():
            if key in by_key:
                continue
            last_seen = con.execute(
                f"select last_seen_at from {SCHEMA}.incidents where incident_id = ?", [incident_id]
            ).fetchone()[0]
            if at - last_seen >= resolve_after:
                con.execute(
                    f"update {SCHEMA}.incidents set resolved_at = ? where incident_id = ?",
                    [at, incident_id],
                )
                resolved.append(incident_id)
            else:
                continuing.append(incident_id)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return Reconciled(tuple(opened), tuple(continuing), tuple(resolved))


def _alert(row: tuple, data_link: str | None) -> Alert:
    _incident_id, key, rule, title, summary, evidence, hint, opened_at, resolved_at = row
    return Alert(
        key=key,
        rule=rule,
        status="open" if resolved_at is None else "resolved",
        title=title,
        summary=summary,
        evidence=tuple(Evidence(**item) for item in json.loads(evidence)),
        data_link=data_link,
        data_hint=hint,
        opened_at=opened_at.replace(tzinfo=UTC),
        resolved_at=resolved_at.replace(tzinfo=UTC) if resolved_at else None,
    )


def pending(
    con: duckdb.DuckDBPyConnection, channels: tuple[str, ...], data_link: str | None
) -> list[tuple[str, Alert, tuple[str, ...]]]:
    """(incident id, alert, channels still owed) to send: openings, then resolutions, oldest first.

    An incident that opened and resolved before either was sent yields its opening now and its
    resolution in the same batch, in that order.
    """
    ensure_schema(con)
    columns = "incident_id, incident_key, rule, title, summary, evidence, data_hint, opened_at"
    rows = con.execute(
        f"""
        select {columns}, null as resolved_at, deliveries, opened_at as sent_order
        from {SCHEMA}.incidents where open_notified_at is null
        union all
        select {columns}, resolved_at, deliveries, resolved_at
        from {SCHEMA}.incidents where resolved_at is not null and resolved_notified_at is null
        order by sent_order, incident_id, resolved_at nulls first
        """
    ).fetchall()
    owed = []
    for row in rows:
        alert = _alert(row[:9], data_link)
        done = set(row[9])
        missing = tuple(c for c in channels if f"{alert.status}:{c}" not in done)
        owed.append((row[0], alert, missing))
    return owed


def mark_delivered(
    con: duckdb.DuckDBPyConnection,
    incident_id: str,
    alert: Alert,
    channel: str,
    channels: tuple[str, ...],
    now: datetime,
) -> None:
    """Record that ``alert`` (an opening or a resolution) has gone out through ``channel``; once
    every one of ``channels`` has it, the opening or resolution is done."""
    delivery = f"{alert.status}:{channel}"
    con.execute(
        f"""
        update {SCHEMA}.incidents
        set deliveries = list_distinct(list_append(deliveries, $delivery))
        where incident_id = $id
        """,
        {"delivery": delivery, "id": incident_id},
    )
    column = "open_notified_at" if alert.status == "open" else "resolved_notified_at"
    con.execute(
        f"""
        update {SCHEMA}.incidents set {column} = $now
        where incident_id = $id
          and list_has_all(deliveries, $owed)
        """,
        {"now": _naive(now), "id": incident_id, "owed": [f"{alert.status}:{c}" for c in channels]},
    )
