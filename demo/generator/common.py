"""Deterministic randomness and calendar helpers shared by every platform's generator.

Every value the demo serves is a pure function of its coordinates (platform, account, day, post).
Seeding ``random.Random`` with a string makes that true across processes; ``hash()`` would not,
because Python salts string hashes per process.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")


def seeded(*parts: object) -> random.Random:
    """A random generator determined by ``parts`` alone (joined with ``:``)."""
    return random.Random(":".join(str(part) for part in parts))


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw; a rounded normal approximation above a mean of 30 keeps it cheap."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def days(start: date, end: date) -> Iterator[date]:
    """Every date from ``start`` to ``end``, both included."""
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def pacific_midnight_utc(day: date) -> datetime:
    """00:00 of ``day`` in America/Los_Angeles, as an aware UTC datetime (07:00Z or 08:00Z)."""
    return datetime(day.year, day.month, day.day, tzinfo=PACIFIC).astimezone(UTC)


def pacific_day(moment: datetime) -> date:
    """The America/Los_Angeles calendar day an aware datetime falls on."""
    return moment.astimezone(PACIFIC).date()


def utc_midnight(day: date) -> datetime:
    """00:00 UTC of ``day``."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
