"""Incident state across runs, the negative-spike statistic and the stale-source rule, on small
hand-made inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from alerts import state
from alerts.notify import Evidence
from alerts.rules import Finding, spike_test, stale_sources
from core.config import NegativeSpikeRule

T0 = datetime(2026, 11, 17, 10, tzinfo=UTC)


def finding(key: str = "negative_spike:lumo", text: str = "<script>alert(1)</script> awful") -> Finding:
    return Finding(
        key=key,
        rule=key.split(":")[0],
        title=f"title of {key}",
        summary="summary",
        evidence=(Evidence(text=text, url="https://x.com/a/status/1", label="x · @a"),),
        data_hint="marts.fct_mentions",
    )


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def test_an_incident_opens_once_and_resolves_after_two_quiet_hours(con) -> None:
    first = state.reconcile(con, [finding()], T0)
    assert len(first.opened) == 1
    again = state.reconcile(con, [finding()], T0 + timedelta(hours=1))
    assert again.opened == () and again.continuing == first.opened
    # One quiet hour is not enough (a rule flickering at its threshold must not flap).
    quiet = state.reconcile(con, [], T0 + timedelta(hours=2))
    assert quiet.resolved == () and quiet.continuing == first.opened
    assert state.reconcile(con, [], T0 + timedelta(hours=3)).resolved == first.opened
    # Firing again later is a new incident.
    later = state.reconcile(con, [finding()], T0 + timedelta(hours=9))
    assert len(later.opened) == 1 and later.opened != first.opened


def test_pending_alerts_go_out_once_per_channel_and_failed_ones_stay_pending(con) -> None:
    both = ("email", "webhook")
    state.reconcile(con, [finding(), finding("viral_mention:x:1")], T0)
    pending = state.pending(con, both, "https://bi.example/d")
    assert [(alert.key, owed) for _, alert, owed in pending] == [
        ("negative_spike:lumo", both),
        ("viral_mention:x:1", both),
    ]
    assert all(
        alert.status == "open" and alert.data_link == "https://bi.example/d" for _, alert, _ in pending
    )
    assert pending[0][1].evidence[0].text == "<script>alert(1)</script> awful"  # stored as is
    # The first went out by both channels, the second by email only (its webhook failed): the
    # next run owes the webhook alone, so nobody gets the email twice.
    spike_id, spike, _ = pending[0]
    viral_id, viral, _ = pending[1]
    for channel in both:
        state.mark_delivered(con, spike_id, spike, channel, both, T0)
    state.mark_delivered(con, viral_id, viral, "email", both, T0)
    assert [(alert.key, owed) for _, alert, owed in state.pending(con, both, None)] == [
        ("viral_mention:x:1", ("webhook",))
    ]
    # Resolution of the delivered one is a second, separate message on every channel.
    state.reconcile(con, [finding("viral_mention:x:1")], T0 + timedelta(hours=3))
    after = state.pending(con, both, None)
    assert [(alert.key, alert.status, owed) for _, alert, owed in after] == [
        ("viral_mention:x:1", "open", ("webhook",)),
        ("negative_spike:lumo", "resolved", both),
    ]
    assert after[1][1].resolved_at == T0 + timedelta(hours=3)
    for incident_id, alert, owed in after:
        for channel in owed:
            state.mark_delivered(con, incident_id, alert, channel, both, T0 + timedelta(hours=3))
    assert state.pending(con, both, None) == []


def test_a_failed_reconcile_leaves_no_half_state(con) -> None:
    state.reconcile(con, [finding()], T0)
    broken = Finding(key="viral_mention:x:2", rule=None, title="t", summary="s")  # rule is not null
    with pytest.raises(duckdb.ConstraintException):
        state.reconcile(con, [finding(), broken], T0 + timedelta(hours=1))
    rows = con.execute("select incident_key, last_seen_at from alerts.incidents").fetchall()
    assert rows == [("negative_spike:lumo", T0.replace(tzinfo=None))]


BASELINE = [9, 12, 5, 20, 8, 11, 14]
TOTALS = [90, 120, 50, 200, 80, 110, 140]  # negatives are a tenth of the mentions


@pytest.mark.parametrize(
    ("count", "total", "baseline", "totals", "fires"),
    [
        (40, 100, BASELINE, TOTALS, True),  # far above a noisy baseline, and mostly negative
        (40, 400, BASELINE, TOTALS, False),  # as many, on a busy day: the share is as usual
        (25, 60, BASELINE, TOTALS, False),  # high, but within the baseline's spread
        (9, 10, [0] * 7, [5] * 7, False),  # a jump from nothing, under min_mentions
        (12, 20, [0, 1, 0, 0, 1, 0, 0], [10] * 7, True),  # from nearly nothing to a dozen
        (12, 20, [], [], True),  # no baseline yet: the Poisson floor decides
    ],
)
def test_spike_test(count: int, total: int, baseline: list[int], totals: list[int], fires: bool) -> None:
    verdict = spike_test(count, total, baseline, totals, NegativeSpikeRule())
    assert verdict.fires is fires, verdict


def test_a_source_that_stopped_delivering_is_stale(con, company) -> None:
    """X loaded 31 hours ago (all its tables), Facebook an hour ago: X alone is stale; company
    tables (the config) are no source."""
    con.execute("create schema raw")
    for table, hours_ago in (
        ("x__tweets", 40),
        ("x__mentions", 31),
        ("facebook_pages__posts", 1),
        ("company__accounts", 100),
    ):
        con.execute(f"create table raw.{table} (id integer, _loaded_at timestamptz)")
        con.execute(f"insert into raw.{table} values (1, ?)", [T0 - timedelta(hours=hours_ago)])
    found = stale_sources(con, company, T0)
    assert [f.key for f in found] == ["stale_source:x"]
    assert "31 hours" in found[0].title and "raw.x__mentions" in found[0].data_hint
    # Within the allowed 30 hours nothing fires.
    assert stale_sources(con, company, T0 - timedelta(hours=2)) == []
