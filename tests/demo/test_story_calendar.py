"""The demo works on any date: its story stays in view, and its data keeps the rules the
pipeline's blocking checks rely on, whatever the demo's today.

Generator only (no server, no warehouse), so it sweeps every day: the calendar over three years
of todays (DST changes, month ends, 29 February 2028, New Year), the data over a year of days.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from core.settings import PROJECT_ROOT
from demo import story
from demo.generator import google_analytics, mentions
from demo.generator.common import days
from demo.platforms.feeds import is_revised, revised_at

TODAYS = list(days(date(2026, 1, 1), date(2028, 12, 31)))
NEW_SOURCE_DAYS = 30  # fct_new_traffic_sources: first seen within 30 days of the newest report day
DEMO_DAYS = 90  # make demo's history (DEMO_DAYS)


def test_the_sweep_covers_the_calendars_hard_days() -> None:
    hard = {date(2027, 3, 14), date(2027, 11, 7), date(2028, 2, 29), date(2027, 1, 1), date(2028, 1, 1)}
    assert hard <= set(TODAYS)


@pytest.mark.parametrize("year", [2026, 2027, 2028])
def test_the_story_is_in_view_whatever_the_demos_today(year: int) -> None:
    """For every today of the year: the incident, the unanswered complaint, the new traffic
    source and the last campaign fall where the marts and the alerts look for them."""
    written = [c for c in google_analytics._REGISTRY_CAMPAIGNS_AS_WRITTEN]
    for today in (t for t in TODAYS if t.year == year):
        shift = story.shift_for(today)
        assert shift.days % 7 == 0, today  # weekdays keep their rhythm
        yesterday = today - timedelta(days=1)
        incident = [day + shift for day in story.INCIDENT_DAYS]
        assert all(13 <= (today - day).days <= DEMO_DAYS - 1 for day in incident), today
        complaint = (story.UNANSWERED_COMPLAINT + shift).date()
        assert 7 < (today - complaint).days < DEMO_DAYS, today
        first_seen = story.NEW_TRAFFIC_SOURCE_DAY + shift
        assert 7 <= (yesterday - first_seen).days < NEW_SOURCE_DAYS, today  # new in 30 days, not in 7
        ends = [c.end + shift for c in written]
        assert max(ends) < today, today  # every campaign is over: its verdict can be given
        assert max(ends) >= today - timedelta(days=7), today
        epoch = story.EPOCH + shift
        assert (story.MENTIONS_EPOCH + shift) - epoch == story.MENTIONS_EPOCH - story.EPOCH
        assert today - epoch > timedelta(days=365 + DEMO_DAYS), today  # a year of history to compare


def test_an_unmoved_calendar_is_the_story_as_written() -> None:
    """The tests' processes run on the calendar the story was written for (DEMO_TODAY unset)."""
    assert timedelta(0) == story.SHIFT
    assert story.shift_for(story.STORY_TODAY) == timedelta(0)
    assert story.shift_for(story.STORY_TODAY + timedelta(days=6)) == timedelta(0)
    assert story.shift_for(story.STORY_TODAY + timedelta(days=7)) == timedelta(weeks=1)
    assert story.shift_for(story.STORY_TODAY - timedelta(days=1)) == timedelta(weeks=-1)


def test_a_bad_demo_today_is_refused_with_what_to_give() -> None:
    with pytest.raises(ValueError, match="DEMO_TODAY='1 Dec' is not a date: give YYYY-MM-DD"):
        story.demo_today({"DEMO_TODAY": "1 Dec"})
    assert story.demo_today({}) == story.STORY_TODAY
    assert story.demo_today({"DEMO_TODAY": "today"}) == datetime.now(UTC).date()


def test_a_moved_calendar_moves_the_registry_and_the_data_together(tmp_path: Path) -> None:
    """On 29 February 2028, a fresh process: the campaign registry the demo writes validates, and
    the generator's campaign traffic and incident are on its dates."""
    script = f"""
import json, os
from pathlib import Path
from demo import story
from demo.generator import comments, google_analytics
from core.campaigns import load_campaigns
source, target = Path({str(PROJECT_ROOT / "config" / "campaigns.yml")!r}), Path({str(tmp_path / "c.yml")!r})
registry = story.campaign_registry(source, target)
os.environ["WAREHOUSE_CAMPAIGNS"] = str(registry)
campaigns = {{c.utm_campaign: [str(c.start), str(c.end)] for c in load_campaigns().campaigns}}
effects = {{}}
for e in google_analytics.REGISTRY_CAMPAIGNS:  # a campaign's traffic may come from several sources
    first, last = effects.get(e.utm_campaign, [str(e.start), str(e.end)])
    effects[e.utm_campaign] = [min(first, str(e.start)), max(last, str(e.end))]
print(json.dumps({{"shift": story.SHIFT.days, "campaigns": campaigns, "effects": effects,
                  "incident": [str(d) for d in comments.INCIDENT_DAYS]}}))
"""
    env = {**os.environ, "DEMO_TODAY": "2028-02-29", "PYTHONPATH": str(PROJECT_ROOT)}
    completed = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    got = yaml.safe_load(completed.stdout)
    shift = story.shift_for(date(2028, 2, 29))
    assert got["shift"] == shift.days
    assert got["campaigns"] == got["effects"]  # the registry and the traffic it brought agree
    written: dict[str, date] = {}
    for c in google_analytics._REGISTRY_CAMPAIGNS_AS_WRITTEN:
        written[c.utm_campaign] = min(written.get(c.utm_campaign, c.start), c.start)
    assert {name: date.fromisoformat(start) for name, (start, _) in got["campaigns"].items()} == {
        name: start + shift for name, start in written.items()
    }
    assert got["incident"] == [str(day + shift) for day in story.INCIDENT_DAYS]


# ---------------------------------------------------------------------------------------------
# The data, day by day, over a year: what the blocking checks of raw and staging rely on.

YEAR = (story.STORY_TODAY - timedelta(days=365), story.STORY_TODAY - timedelta(days=1))


def test_every_listening_object_is_served_under_one_day_and_one_key() -> None:
    """A tweet, Reddit post or feed entry id belongs to one created day (it lands in one
    partition: raw's `landed_once`) and one mention key (dedup across sources)."""
    sightings = mentions.sightings_between(*YEAR, story.STORY_TODAY, ["x", "reddit", "rss"])
    assert len(sightings) > 10_000
    keys: dict[tuple[str, str, str | None], set[str]] = {}
    created: dict[tuple[str, str, str | None], set[date]] = {}
    for s in sightings:
        ident = (s.source, s.id, s.feed)
        keys.setdefault(ident, set()).add(s.key)
        created.setdefault(ident, set()).add(s.created_at.date())
        assert s.created_at.date() <= YEAR[1]
        assert s.reach is None or s.reach >= 0
    assert all(len(k) == 1 for k in keys.values()), [i for i, k in keys.items() if len(k) > 1][:5]
    assert all(len(d) == 1 for d in created.values())
    # The incident and the mentions' own days are in the year.
    per_day = Counter(s.created_at.date() for s in sightings if s.source == "x")
    incident = story.INCIDENT_DAYS[0]
    assert per_day[incident] > 2 * per_day[incident - timedelta(days=7)]


def test_each_days_feeds_hold_each_entry_once_after_its_newest_revision() -> None:
    """Every day's feed: a re-sent entry's revision is newer than its first version, so staging's
    newest-`updated`-wins rule keeps the revision; no two different entries share an id."""
    revised = 0
    for as_of in days(YEAR[1] - timedelta(days=120), YEAR[1]):
        for feed in mentions.FEEDS:
            entries = mentions.feed_entries(feed, as_of)
            ids = Counter(e.id for e in entries)
            assert max(ids.values(), default=1) == 1, (feed, as_of)
            for entry in entries:
                if feed != mentions.BLOG_FEED and is_revised(entry):
                    revised += 1
                    assert (
                        entry.created_at
                        < revised_at(entry)
                        < datetime.combine(as_of, datetime.min.time(), UTC)
                    )
    assert revised > 100


def test_web_traffic_rows_are_unique_and_bounded_every_day() -> None:
    """GA4 rows: one per date x source x medium x campaign x channel; engaged sessions never
    above sessions; no negative count (the raw and mart checks' rules)."""
    for prop in google_analytics.accounts():
        rows = google_analytics.traffic(prop["account_id"], *YEAR, story.STORY_TODAY)
        keys = Counter(
            (r["report_date"], r["session_source"], r["session_medium"], r["session_campaign_name"],
             r["session_default_channel_group"])
            for r in rows
        )  # fmt: skip
        assert max(keys.values()) == 1
        assert {r["report_date"] for r in rows} == set(days(*YEAR))
        for r in rows:
            assert 0 <= r["engaged_sessions"] <= r["sessions"], r
            assert r["key_events"] >= 0 and r["total_users"] >= 0, r
