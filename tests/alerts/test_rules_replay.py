"""The alert rules replayed hour by hour over the demo's weeks, held to the generators' truth.

The warehouse of tests/support_warehouse.py holds the demo's mentions and support inbox from
2026-10-25; the rules are evaluated at the end of every hour, as the hourly DAG would have, and
the incident state is reconciled after each. What must come out:

* the quiet weeks (1-11 November) fire nothing at all;
* the viral complaint of 17-18 November opens one negative-spike incident, one incident per
  viral mention (exactly the truth's big mentions), and one unanswered-backlog incident per
  account whose complaints went unanswered; none alerts twice;
* the one complaint the brand never answered (a Messenger message, 12 November 14:05 UTC)
  opens one incident at the first hour after it waited 240 minutes, resolved once it ages out;
* at every hour, the accounts with an unanswered backlog are exactly the truth's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from alerts import rules, state
from core.config import CompanyConfig
from demo.generator import mentions
from tests.conftest import DEMO_TODAY
from tests.support_warehouse import support_items

PAGE = "104729381726354"
COMPLAINT_AT = datetime(2026, 11, 12, 14, 5, tzinfo=UTC)


def hours(first: datetime, last: datetime) -> list[datetime]:
    count = int((last - first).total_seconds() // 3600) + 1
    return [first + timedelta(hours=n) for n in range(count)]


@pytest.fixture(scope="module")
def config(company: CompanyConfig) -> CompanyConfig:
    """The shipped rules, with a 7-day spike baseline: the test warehouse starts on 25 October."""
    spike = company.alerts.negative_spike.model_copy(update={"baseline_days": 7})
    return company.model_copy(update={"alerts": company.alerts.model_copy(update={"negative_spike": spike})})


def replay(con, config: CompanyConfig, instants: list[datetime]) -> tuple[list[tuple], dict]:
    """Evaluate and reconcile at each instant from a clean state: (events, findings by hour)."""
    con.execute(f"drop schema if exists {state.SCHEMA} cascade")
    events, seen = [], {}
    for now in instants:
        findings = rules.evaluate(con, config, now)
        seen[now] = {f.key: f for f in findings}
        changed = state.reconcile(con, findings, now)
        events += [(now, "opened", i) for i in changed.opened]
        events += [(now, "resolved", i) for i in changed.resolved]
    return events, seen


@pytest.fixture(scope="module")
def incident_weeks(support_warehouse, config):
    instants = hours(datetime(2026, 11, 12, tzinfo=UTC), datetime(2026, 11, 19, 23, tzinfo=UTC))
    return replay(support_warehouse.con, config, instants)


def test_quiet_weeks_fire_nothing(support_warehouse, config) -> None:
    instants = hours(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 11, 23, tzinfo=UTC))
    events, seen = replay(support_warehouse.con, config, instants)
    fired = {now: list(found) for now, found in seen.items() if found}
    assert not fired, dict(list(fired.items())[:3])
    assert not events


def _key(incident_id: str) -> str:
    return incident_id.split("@", 1)[0]


def test_every_incident_alerts_once(incident_weeks) -> None:
    events, _ = incident_weeks
    opened = Counter(_key(i) for _, kind, i in events if kind == "opened")
    assert opened, "the incident weeks must fire"
    # The complaint's backlog (12 Nov) and the incident's (17 Nov) are two incidents on one Page.
    repeated = {key: n for key, n in opened.items() if n > 1 and key != f"unanswered:facebook_pages:{PAGE}"}
    assert not repeated
    assert opened[f"unanswered:facebook_pages:{PAGE}"] == 2
    resolved = Counter(_key(i) for _, kind, i in events if kind == "resolved")
    assert all(resolved[key] <= opened[key] for key in resolved)


def test_the_incident_opens_one_negative_spike_on_its_first_day(incident_weeks) -> None:
    events, _ = incident_weeks
    spikes = [(now, kind) for now, kind, i in events if _key(i) == "negative_spike:lumo"]
    assert [kind for _, kind in spikes][:1] == ["opened"]
    assert spikes[0][0].date() == date(2026, 11, 17)
    assert len([s for s in spikes if s[1] == "opened"]) == 1


def test_viral_mentions_are_exactly_the_truths(incident_weeks, config) -> None:
    events, _ = incident_weeks
    rule = config.alerts.viral_mention
    sightings = mentions.sightings_between(date(2026, 11, 10), date(2026, 11, 19), DEMO_TODAY)
    expected = {
        f"viral_mention:{row.key}"
        for row in mentions.rows(sightings)
        if "lumo" in row.brands
        and row.first_seen_at >= datetime(2026, 11, 12, tzinfo=UTC) - timedelta(hours=rule.within_hours)
        and (
            (row.sources[0] == "x" and row.reach >= rule.min_reach) or row.engagements >= rule.min_engagements
        )
    }
    opened = {_key(i) for _, kind, i in events if kind == "opened" and i.startswith("viral_mention:")}
    assert expected and opened == expected


def test_the_unanswered_complaint_opens_once_when_it_has_waited_240_minutes(incident_weeks, config) -> None:
    events, seen = incident_weeks
    key = f"unanswered:facebook_pages:{PAGE}"
    first = min(now for now, kind, i in events if kind == "opened" and _key(i) == key)
    due = COMPLAINT_AT + timedelta(minutes=config.alerts.unanswered.after_minutes)
    assert first == due.replace(minute=0) + timedelta(hours=1)
    evidence = seen[first][key].evidence
    assert len(evidence) == 1 and "refund" in evidence[0].text.lower()
    # It ages out of the rule's 72 hours and the incident resolves (two quiet hours later).
    resolved = min(now for now, kind, i in events if kind == "resolved" and _key(i) == key)
    aged_out = COMPLAINT_AT + timedelta(hours=config.alerts.unanswered.within_hours)
    assert aged_out < resolved <= aged_out + state.RESOLVE_AFTER + timedelta(hours=1)


def test_unanswered_backlogs_match_the_truth_every_hour(company, config, incident_weeks) -> None:
    _, seen = incident_weeks
    rule = config.alerts.unanswered
    items = [i for i in support_items(company).values() if i["needs_response"]]
    platform = {"messenger": "facebook_pages", "facebook_comment": "facebook_pages"}
    platform |= {"instagram_comment": "instagram", "x_mention": "x"}
    mismatched = defaultdict(list)
    for now, found in seen.items():
        expected = {
            f"unanswered:{platform[i['channel']]}:{i['account_id']}"
            for i in items
            if now - timedelta(hours=rule.within_hours)
            < i["first_inbound_at"]
            <= now - timedelta(minutes=rule.after_minutes)
            and (i["first_reply_at"] is None or i["first_reply_at"] > now)
        }
        got = {key for key in found if key.startswith("unanswered:")}
        if got != expected:
            mismatched[now] = (sorted(got), sorted(expected))
    assert not mismatched, dict(list(mismatched.items())[:3])
    assert any(key.startswith("unanswered:") for found in seen.values() for key in found)
