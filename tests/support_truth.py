"""Business hours worked out in Python (zoneinfo), independently of the dbt models.

The truth the support models are held to: the business windows of int_support__business_hours
and the ``business_seconds()`` macro. Timestamps are UTC; naive ones (the warehouse's
``<event>_at`` convention) are read as UTC. Business hours are wall-clock hours in ``tz``,
turned into UTC with each day's own offset, so DST moves the window.

A wall time the clocks skip in spring reads as if they had not moved yet, and one they repeat
in autumn as its later (standard-time) occurrence: the warehouse's reading (DuckDB's ICU), which
only matters for business hours that start or end between 01:00 and 03:00.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ISO_WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}


def local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """The naive UTC instant of the naive wall-clock time ``local`` in ``zone``."""
    later = local.replace(tzinfo=zone, fold=1)
    if later.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
        later = local.replace(tzinfo=zone, fold=0)  # skipped by the clocks: read before the change
    return later.astimezone(UTC).replace(tzinfo=None)


def business_windows(
    first: date,
    last: date,
    tz: str,
    start_time: time,
    end_time: time,
    weekdays: Collection[int | str],
) -> Iterator[tuple[date, datetime, datetime]]:
    """(local date, opens_at, closes_at in naive UTC) of every business day in [first, last]."""
    zone = ZoneInfo(tz)
    days = {ISO_WEEKDAYS[d] if isinstance(d, str) else d for d in weekdays}
    day = first
    while day <= last:
        if day.isoweekday() in days:
            yield (
                day,
                local_to_utc(datetime.combine(day, start_time), zone),
                local_to_utc(datetime.combine(day, end_time), zone),
            )
        day += timedelta(days=1)


def _naive_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def business_seconds(
    start: datetime | None,
    end: datetime | None,
    tz: str,
    start_time: time,
    end_time: time,
    weekdays: Collection[int | str],
) -> float | None:
    """Seconds of [start, end] inside business hours; None when either end is missing.

    ``weekdays`` are ISO numbers (1 = Monday) or config names (``mon``). An end before the start,
    or equal to it, gives 0: an empty interval holds no business time.
    """
    if start is None or end is None:
        return None
    start, end = _naive_utc(start), _naive_utc(end)
    if end <= start:
        return 0.0
    # Local dates can be a day off the UTC dates either way; windows outside [start, end] add 0.
    windows = business_windows(
        start.date() - timedelta(days=1), end.date() + timedelta(days=1), tz, start_time, end_time, weekdays
    )
    total = timedelta()
    for _, opens_at, closes_at in windows:
        total += max(timedelta(), min(end, closes_at) - max(start, opens_at))
    return total.total_seconds()
