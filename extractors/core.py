"""Sources and streams: the vocabulary every platform module speaks.

A **source** is a platform reached through one Airflow connection; it owns the HTTP client and
lists its **streams**. A stream knows its endpoint, paginator and which day each record belongs
to; its facts (key, partitioning, audience, which setting is its look-back) are declared once in
``core.sources`` and set on its class when the source class is defined. The source turns what
the streams yield into landed partitions. Adding a stream is a small class and one registry line;
adding a platform is one module and one registry entry.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from core.config import Account, CompanyConfig
from core.settings import utc_today
from core.sources import Audience, StreamFacts
from core.sources import stream as stream_facts
from extractors.connections import ConnectionInfo, resolve_connection
from extractors.errors import ExtractError, Where
from extractors.http import HttpClient, UnsafeSegment
from extractors.landing import (
    LandingPathError,
    Partition,
    RecordTooLarge,
    check_key,
    landed_partition,
    partition_path,
    sweep_landing,
    write_partition,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    """An inclusive range of days."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"window start {self.start} is after its end {self.end}")

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def chunks(self, max_days: int) -> Iterator[Window]:
        """Consecutive sub-windows of at most ``max_days`` days."""
        cursor = self.start
        while cursor <= self.end:
            last = min(self.end, cursor + timedelta(days=max_days - 1))
            yield Window(cursor, last)
            cursor = last + timedelta(days=1)

    def bounds(self, tz: tzinfo = UTC) -> tuple[int, int]:
        """Unix seconds of the window's first midnight and of the midnight after its last day, in ``tz``."""
        first = datetime.combine(self.start, time.min, tz)
        after = datetime.combine(self.end + timedelta(days=1), time.min, tz)
        return int(first.timestamp()), int(after.timestamp())


Record = dict[str, Any]


@dataclass(frozen=True)
class StreamTask:
    """One stream's work for one account in one run: what the stream's hooks are told."""

    source: str
    account: Account
    run: Window
    today: date
    landing_root: Path


class Stream(ABC):
    """One kind of record a source extracts.

    ``partitioned_by`` says which partitions a run (re)writes: ``"day"`` writes every day of the
    stream's window (empty files for days with no records, so re-runs replace stale data);
    ``"snapshot"`` writes one point-in-time reading. A reading taken now is not a value of a
    past day, so it lands under the window's last day only when that day is yesterday or later;
    a backfill of older days files it under yesterday instead of rewriting history.
    """

    name: ClassVar[str]
    facts: ClassVar[StreamFacts]
    """The registry's facts of the stream (``core.sources``): its key among them. Set by its
    source class, with the two facts the extractor works by copied beside it."""
    partitioned_by: ClassVar[Literal["day", "snapshot"]]
    audience: ClassVar[tuple[Audience, ...]]
    """Whom the stream reads: the company's ``own`` accounts, the ``competitors``' accounts on the
    platform, or the ``listening`` targets (the brand and each competitor, with their keywords)."""
    lookback_days: int = 0

    def lookback_from(self, settings: BaseModel) -> int:
        """The look-back the source's ``settings`` give this stream (the setting the registry
        names for it); 0 for a stream that reads only its window."""
        return int(getattr(settings, self.facts.lookback)) if self.facts.lookback else 0

    def window(self, run: Window, today: date) -> Window:
        """The days this stream reads for a run over ``run``, including its re-read lookback."""
        if self.partitioned_by == "snapshot":
            day = max(run.end, today - timedelta(days=1))
            return Window(day, day)
        return Window(run.start - timedelta(days=self.lookback_days), run.end)

    @abstractmethod
    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        """Yield (partition day, record as the platform sent it) for ``account`` over ``window``."""

    def before(self, task: StreamTask) -> bool:
        """Get ready to read ``task``'s account: set up what the stream keeps between runs
        (beside the landed partitions). False lands nothing for the account this run."""
        return True

    def after(self, task: StreamTask, landed: list[Partition]) -> None:
        """The account's partitions are landed: keep what may be kept only once they are."""
        return None

    def unchanged(self, task: StreamTask) -> list[Partition]:
        """Partitions landed by an earlier run that this run found unchanged and did not write
        again (a feed's 304): the load reads them again, so that a run killed between its
        extract and its load loses nothing."""
        return []

    def partition_days(self, window: Window, found: set[date], today: date, where: Where) -> list[date]:
        """The partitions a run writes, given the days ``found`` with records (``today`` is UTC).

        A stream whose platform reports recent days late leaves out the days not reported yet,
        so an empty file never stands for "not known yet".
        """
        return window.days() if self.partitioned_by == "day" else [window.end]


class Source(ABC):
    """A platform: its connection, its client and its streams."""

    name: ClassVar[str]
    stream_types: ClassVar[tuple[type[Stream], ...]]  # every stream the source can land

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give each stream class its facts from the registry, under this source's name."""
        super().__init_subclass__(**kwargs)
        for stream_type in cls.__dict__.get("stream_types", ()):
            facts = stream_facts(cls.name, stream_type.name)
            stream_type.facts = facts
            stream_type.partitioned_by = facts.partitioned_by
            stream_type.audience = facts.audience

    def __init__(self, config: CompanyConfig, connection: ConnectionInfo | None = None):
        self.config = config
        self._connection = connection

    @property
    @abstractmethod
    def conn_id(self) -> str: ...

    @abstractmethod
    def streams(self) -> list[Stream]: ...

    @abstractmethod
    def client(self, connection: ConnectionInfo) -> HttpClient: ...

    def accounts(self) -> tuple[Account, ...]:
        """Every account any stream of the source reads (own first, then competitors')."""
        seen: dict[str, Account] = {}
        for audience in ("own", "competitors", "listening"):
            if any(audience in stream.audience for stream in self.stream_types):
                seen.update((a.id, a) for a in self.audience_accounts(audience) if a.id not in seen)
        return tuple(seen.values())

    def audience_accounts(self, audience: Audience) -> tuple[Account, ...]:
        """The accounts of one audience on this source's platform."""
        if audience == "own":
            return self.config.own_accounts(self.name)
        if audience == "competitors":
            return self.config.competitor_accounts(self.name)
        return tuple(Account(id=t.id, name=t.name) for t in self.config.listening_targets())

    def targets(self, stream: Stream) -> tuple[Account, ...]:
        """The accounts ``stream`` runs for, in audience order."""
        found: dict[str, Account] = {}
        for audience in stream.audience:
            found.update((a.id, a) for a in self.audience_accounts(audience) if a.id not in found)
        return tuple(found.values())

    def connection(self) -> ConnectionInfo:
        if self._connection is None:
            self._connection = resolve_connection(self.conn_id, Where(self.name))
        return self._connection

    def run(
        self,
        run: Window,
        landing_root: Path,
        run_id: str,
        streams: Iterable[str] | None = None,
        accounts: Iterable[str] | None = None,
        today: date | None = None,
    ) -> list[Partition]:
        """Extract every selected stream and account over ``run`` and land the partitions.

        ``today`` (UTC, default the real date) only matters to snapshot streams.
        """
        today = today or utc_today()
        if not self.accounts():
            log.info("[source=%s] no accounts configured; skipping", self.name)
            return []
        chosen_streams, chosen_accounts = self._select(streams, accounts)
        sweep_landing(landing_root, self.name)  # what a killed run of this source left
        client = self.client(self.connection())
        landed: list[Partition] = []
        try:
            for stream in chosen_streams:
                for account in self.targets(stream):
                    if account.id in chosen_accounts:
                        landed.extend(
                            self._run_stream(client, stream, account, run, today, landing_root, run_id)
                        )
        finally:
            client.close()
        return landed

    def _select(
        self, streams: Iterable[str] | None, accounts: Iterable[str] | None
    ) -> tuple[list[Stream], set[str]]:
        all_streams = {stream.name: stream for stream in self.streams()}
        all_accounts = {account.id: account for account in self.accounts()}
        wanted_streams = list(streams) if streams else list(all_streams)
        wanted_accounts = list(accounts) if accounts else list(all_accounts)
        unknown = [s for s in wanted_streams if s not in all_streams]
        unknown += [a for a in wanted_accounts if a not in all_accounts]
        if unknown:
            raise ExtractError(
                Where(self.name),
                f"unknown stream or account: {', '.join(unknown)}",
                hint=f"streams are {', '.join(all_streams)}; accounts (own, competitors' and listening "
                f"targets: {', '.join(all_accounts)}) come from the company config",
            )
        return [all_streams[s] for s in wanted_streams], set(wanted_accounts)

    def _run_stream(
        self,
        client: HttpClient,
        stream: Stream,
        account: Account,
        run: Window,
        today: date,
        landing_root: Path,
        run_id: str,
    ) -> list[Partition]:
        try:  # before any request: an id that cannot be a folder name must not reach a URL either
            check_key("account", account.id)
        except LandingPathError as error:
            raise ExtractError(
                Where(self.name, stream.name, account.id[:60]),
                str(error),
                hint="fix the account id in the company config",
            ) from None
        task = StreamTask(self.name, account, run, today, landing_root)
        if not stream.before(task):
            return []
        window = stream.window(run, today)
        where = Where(self.name, stream.name, account.id, f"{window.start}..{window.end}")
        by_day: dict[date, list[tuple[Record, datetime]]] = defaultdict(list)
        outside = 0
        try:
            for day, record in stream.extract(client, account, window, where):
                if window.start <= day <= window.end:
                    by_day[day].append((record, datetime.now(UTC)))
                else:
                    outside += 1
        except UnsafeSegment as error:  # an id in the platform's answer (the config's are checked)
            raise ExtractError(
                where,
                str(error),
                hint="the platform sent an id that names no object; nothing of this stream landed",
            ) from None
        if outside:
            log.info(
                "[%s] %d records belong to days outside the window; left for their own runs", where, outside
            )
        days = stream.partition_days(window, set(by_day), today, where)
        landed: list[Partition] = []
        kept: list[Partition] = []  # landed by an earlier run and left as they are
        for day in days:
            if by_day.get(day) or not self._keeps_earlier_data(
                landing_root, stream, account, day, run, where
            ):
                landed.append(self._land(landing_root, stream, account, day, by_day.get(day, []), run_id))
            else:
                kept.append(landed_partition(landing_root, self.name, stream.name, account.id, day))
        kept += stream.unchanged(task)
        log.info("[%s] landed %d partitions, %d records", where, len(landed), sum(p.rows for p in landed))
        if kept:  # an earlier run killed between its extract and its load left them unloaded
            log.info(
                "[%s] %d partitions unchanged since an earlier run; the load reads them again",
                where,
                len(kept),
            )
        stream.after(task, landed)
        return landed + kept

    def _land(
        self,
        landing_root: Path,
        stream: Stream,
        account: Account,
        day: date,
        records: list[tuple[Record, datetime]],
        run_id: str,
    ) -> Partition:
        """Write one partition; a refused key or a failed write (disk full, a landing folder that
        cannot be written) is an ExtractError naming the partition, and the old file stays."""
        where = Where(self.name, stream.name, account.id, day)
        try:
            return write_partition(landing_root, self.name, stream.name, account.id, day, records, run_id)
        except LandingPathError as error:
            raise ExtractError(where, str(error), hint="fix the account id in the company config") from None
        except RecordTooLarge as error:
            raise ExtractError(
                where,
                str(error),
                hint="no platform sends records this size: the answer is broken or hostile; the "
                "partition landed before is unchanged, and the run fails rather than land part of it",
            ) from None
        except OSError as error:
            raise ExtractError(
                where,
                f"cannot write the landing file under {landing_root}: {error.strerror or error}"
                + (f" ({error.filename})" if error.filename else ""),
                hint="free disk space or make the landing folder (WAREHOUSE_DATA_DIR/landing) a "
                "writable directory, then re-run this day; the partition landed before is unchanged",
            ) from None

    def _keeps_earlier_data(
        self, landing_root: Path, stream: Stream, account: Account, day: date, run: Window, where: Where
    ) -> bool:
        """A re-read look-back day that now comes back empty keeps the data landed for it before.

        A platform that briefly answers with nothing must not erase a day the warehouse already
        has; days inside the run's own window are replaced as asked.
        """
        if day >= run.start:
            return False
        previous = partition_path(landing_root, self.name, stream.name, account.id, day)
        if not previous.exists() or previous.stat().st_size == 0:
            return False
        log.warning(
            "[%s] the platform returned nothing for look-back day %s, which has data from an earlier "
            "run; keeping that data (re-run the day itself to empty it)",
            where,
            day,
        )
        return True
