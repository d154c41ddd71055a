"""The demo's calendar: when its story happens, relative to the demo's today.

The demo company's story (the campaigns of the past year, a new traffic source, the unanswered
complaint, the viral incident) is written for one today, ``STORY_TODAY`` (2026-12-01), the date
``make demo`` pins by default so that its figures are the README's. ``DEMO_TODAY`` moves the
demo's today; the whole calendar (data from ``EPOCH`` on, mentions, the story) then moves with
it by whole weeks, so every weekday keeps its rhythm and the story stays in view:

* the incident is 13 to 20 days before today, the designed unanswered complaint 19 to 25;
* ``threads.net`` is first seen 24 to 30 days before today (inside the new-sources window);
* the last campaign ended 1 to 7 days before today, each with its weeks of baseline before it.

Every generator reads its dates through :func:`story_day`, at import: the server and the
ground truth must see the same ``DEMO_TODAY`` (``make demo`` and the tests set it for every
process they start). Unset, the calendar is the one the story was written for.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml

STORY_TODAY = date(2026, 12, 1)
"""The today the story is written for: ``make demo``'s pinned date (a Tuesday)."""

DEMO_TODAY_VARIABLE = "DEMO_TODAY"

# The story as written, for STORY_TODAY; the generators read each through story_day().
EPOCH = date(2024, 1, 1)
"""First day the demo accounts have data."""
MENTIONS_EPOCH = date(2026, 1, 1)
"""First day of the listening corpus (tweets, Reddit posts, articles)."""
INCIDENT_DAYS = (date(2026, 11, 17), date(2026, 11, 18))
"""The viral complaint (a stroller folding while in use): its day, and the day after at half."""
UNANSWERED_COMPLAINT = datetime(2026, 11, 12, 14, 5, tzinfo=UTC)
"""The one complaint the Page never answers, in a quiet week (the unanswered-items alert)."""
NEW_TRAFFIC_SOURCE_DAY = date(2026, 11, 7)
"""``threads.net`` first sends visitors (the new-traffic-sources mart finds it)."""


def demo_today(environ: dict[str, str] | None = None) -> date:
    """The demo's today: ``DEMO_TODAY`` (YYYY-MM-DD, or ``today`` for the real UTC date), else
    ``STORY_TODAY``."""
    raw = (environ if environ is not None else os.environ).get(DEMO_TODAY_VARIABLE, "").strip()
    if not raw:
        return STORY_TODAY
    if raw.lower() == "today":
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        message = f"{DEMO_TODAY_VARIABLE}={raw!r} is not a date: give YYYY-MM-DD, or unset it"
        raise ValueError(message) from None


def shift_for(today: date) -> timedelta:
    """How far the calendar moves for ``today``: whole weeks, never past it (so the story's last
    day stays before ``today``)."""
    return timedelta(weeks=(today - STORY_TODAY).days // 7)


SHIFT = shift_for(demo_today())
"""The shift of this process's calendar (from ``DEMO_TODAY`` at import)."""


def story_day(day: date) -> date:
    """A date of the story as written, moved to this process's calendar."""
    return day + SHIFT


def story_moment(moment: datetime) -> datetime:
    """An instant of the story as written, moved to this process's calendar."""
    return moment + SHIFT


def campaign_registry(source: Path, target: Path) -> Path:
    """The campaign registry at ``source`` on this process's calendar: ``source`` itself when the
    calendar is unmoved, else a copy written to ``target`` with every campaign's dates moved and
    each moved start month given its original month's exchange rate (costs stay the same)."""
    if not SHIFT:
        return source
    registry = yaml.safe_load(source.read_text(encoding="utf-8"))
    rates = registry.get("fx_rates") or {}
    for campaign in registry.get("campaigns") or []:
        written = date.fromisoformat(str(campaign["start"]))
        campaign["start"] = story_day(written)
        campaign["end"] = story_day(date.fromisoformat(str(campaign["end"])))
        by_month = rates.get(campaign.get("currency"))
        if by_month and f"{written:%Y-%m}" in by_month:
            by_month[f"{campaign['start']:%Y-%m}"] = by_month[f"{written:%Y-%m}"]
    target.parent.mkdir(parents=True, exist_ok=True)
    header = f"# {source.name} on the demo's calendar: dates moved by {SHIFT.days} days (demo/story.py)\n"
    body = yaml.safe_dump(registry, sort_keys=False, allow_unicode=True)
    target.write_text(header + body, encoding="utf-8")
    return target
