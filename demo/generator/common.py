"""Deterministic randomness and calendar helpers shared by every platform's generator.

Every value the demo serves is a pure function of its coordinates (platform, account, day, post).
Seeding ``random.Random`` with a string makes that true across processes; ``hash()`` would not,
because Python salts string hashes per process.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable, Iterator
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


class RunningTotals:
    """A running total per account from ``epoch``: ``base(account)`` on the day before it, plus
    ``step(account, day)`` for every day since (follower totals from daily follows and unfollows).

    Extended on demand and cached, so looking up a day is cheap after the first call; the lock
    makes it safe under the server's thread pool. Days before ``epoch`` have the base value.
    """

    def __init__(self, epoch: date, base: Callable[[str], int], step: Callable[[str, date], int]) -> None:
        self._epoch = epoch
        self._base = base
        self._step = step
        self._lock = threading.Lock()
        self._totals: dict[str, list[int]] = {}

    def at_end_of(self, account_id: str, day: date) -> int:
        index = (day - self._epoch).days
        if index < 0:
            return self._base(account_id)
        totals = self._totals.get(account_id)
        if totals is not None and index < len(totals):
            return totals[index]
        with self._lock:
            totals = self._totals.setdefault(account_id, [])
            running = totals[-1] if totals else self._base(account_id)
            while len(totals) <= index:
                running += self._step(account_id, self._epoch + timedelta(days=len(totals)))
                totals.append(running)
            return totals[index]
