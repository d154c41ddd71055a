"""The landing zone: one newline-delimited JSON file per source, stream, account and day.

A partition is written to a temporary file in its own directory, flushed to disk and renamed over
the old one, so readers see either the previous partition or the new one, never half of either.
Files are the system of record between extract and load: the warehouse can be rebuilt from them.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from core.scratch import replacing, sweep

FILE_NAME = "data.jsonl"
STATE_DIR = "_state"
"""A source's own state between runs (a feed's validators), under the landing root; folders
starting with ``_`` are never data (the loader skips them)."""
RECORD_TEXT_MAX_CHARS = 1_000_000
"""The longest text one field of a landed record keeps; a longer one is cut to this, with a warning
naming the record. Far above what any platform lets a person post (a Facebook post 63,206
characters, a Reddit post 40,000, an X post 25,000, a YouTube comment 10,000), so only a broken or
hostile answer reaches it; the marts keep ``mention_text_max_chars`` (50,000) of a mention's text."""
RECORD_MAX_CHARS = 16_000_000
"""The longest line a record may land as once its texts are cut: a record still longer (thousands
of long fields, a list without end) is refused, and the partition with it, naming the record."""
_RECORD_KEYS = ("id", "guid", "name", "link", "url")  # what names a record in the warning

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Partition:
    """One landed (source, stream, account, day) file."""

    source: str
    stream: str
    account: str
    day: date
    path: Path
    rows: int


# A partition key (source, stream, account) is a folder name and a hive partition value the loader
# reads back: ASCII letters, digits, '.', '_' and '-' only (no '/', '?', '#', '*', '[', NUL, no
# look-alike letters from other scripts), not starting with '.' (so never '.' or '..'), and short
# enough for any file system's name limit.
KEY_MAX_LENGTH = 120
_KEY = re.compile(rf"[A-Za-z0-9_-][A-Za-z0-9._-]{{0,{KEY_MAX_LENGTH - 1}}}", re.ASCII)


class RecordTooLarge(ValueError):
    """A record longer than RECORD_MAX_CHARS once its texts are cut; nothing of the partition lands."""


class LandingPathError(ValueError):
    """A partition key that could name a path outside its partition, or a glob; nothing is written."""


def check_key(kind: str, value: str) -> str:
    """``value`` if it is a safe partition key; LandingPathError naming ``kind`` otherwise."""
    if not isinstance(value, str) or not _KEY.fullmatch(value):
        text = str(value)
        shown = repr(text if len(text) <= 60 else text[:60] + "…")
        raise LandingPathError(
            f"{kind} {shown} cannot be a landing partition key: it must be 1-{KEY_MAX_LENGTH} ASCII "
            "letters, digits, '.', '_' or '-', not starting with '.'; check the id in the company config"
        )
    return value


def partition_path(root: Path, source: str, stream: str, account: str, day: date) -> Path:
    """The partition's file, refused (LandingPathError) unless every key is safe and the resolved
    path stays inside ``root``."""
    check_key("source", source)
    check_key("stream", stream)
    check_key("account", account)
    path = root / source / stream / f"account={account}" / f"day={day.isoformat()}" / FILE_NAME
    if not path.resolve().is_relative_to(root.resolve()):
        raise LandingPathError(
            f"{path} resolves outside the landing root {root}; a folder inside it is a link that leads "
            "elsewhere: remove the link"
        )
    return path


def landed_partition(root: Path, source: str, stream: str, account: str, day: date) -> Partition:
    """The partition an earlier run landed for (source, stream, account, day), with its rows."""
    path = partition_path(root, source, stream, account, day)
    with path.open("rb") as handle:
        rows = sum(1 for line in handle if line.strip())
    return Partition(source, stream, account, day, path, rows)


def write_partition(
    root: Path,
    source: str,
    stream: str,
    account: str,
    day: date,
    records: Iterable[tuple[dict[str, Any], datetime]],
    run_id: str,
) -> Partition:
    """Atomically replace one partition with ``records`` (record, extracted_at) pairs."""
    target = partition_path(root, source, stream, account, day)
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with replacing(target) as temp_name, open(temp_name, "x", encoding="utf-8") as handle:
        for record, extracted_at in records:
            line = {"record": record, "extracted_at": extracted_at.isoformat(), "run_id": run_id}
            text = json.dumps(line, ensure_ascii=False, separators=(",", ":"))
            if len(text) > RECORD_TEXT_MAX_CHARS:  # only then can a field be too long
                where = f"{source}/{stream}/account={account}/day={day}"
                line["record"] = _capped(record, where)
                text = json.dumps(line, ensure_ascii=False, separators=(",", ":"))
                if len(text) > RECORD_MAX_CHARS:
                    raise RecordTooLarge(
                        f"record {_named(record)} is {len(text):,} characters long with every text cut "
                        f"to {RECORD_TEXT_MAX_CHARS:,} (RECORD_MAX_CHARS is {RECORD_MAX_CHARS:,})"
                    )
            handle.write(text)
            handle.write("\n")
            rows += 1
        handle.flush()
        os.fsync(handle.fileno())
    return Partition(source, stream, account, day, target, rows)


def _capped(record: Any, where: str) -> Any:
    """``record`` with every text longer than RECORD_TEXT_MAX_CHARS cut to it, each cut logged."""
    cuts: list[tuple[str, int]] = []

    def cap(value: Any, field: str) -> Any:
        if isinstance(value, str) and len(value) > RECORD_TEXT_MAX_CHARS:
            cuts.append((field, len(value)))
            return value[:RECORD_TEXT_MAX_CHARS]
        if isinstance(value, dict):
            return {key: cap(item, f"{field}.{key}" if field else str(key)) for key, item in value.items()}
        if isinstance(value, list):
            return [cap(item, f"{field}[{index}]") for index, item in enumerate(value)]
        return value

    capped = cap(record, "")
    named = _named(record)
    for field, length in cuts:
        log.warning(
            "[%s] record %s: %s holds %d characters; landed its first %d (RECORD_TEXT_MAX_CHARS): "
            "no platform allows text this long, so the answer is broken or hostile",
            where,
            named,
            field,
            length,
            RECORD_TEXT_MAX_CHARS,
        )
    return capped


def _named(record: Any) -> str:
    """How a warning names ``record``: its id (or guid, name, link, url)."""
    found = (key for key in _RECORD_KEYS if isinstance(record, dict) and record.get(key))
    return next((f"{key} {str(record[key])[:80]!r}" for key in found), "with no id")


def sweep_landing(root: Path, source: str) -> list[Path]:
    """Remove the temporary files that killed runs left in ``source``'s landing and state folders."""
    check_key("source", source)
    return sweep(root / source, recursive=True) + sweep(root / STATE_DIR / source)


def landed_partitions(root: Path, source: str, stream: str, start: date, end: date) -> list[Partition]:
    """Partitions of one stream landed for days in [start, end], every account (rows unknown: -1)."""
    stream_dir = root / source / stream
    found: list[Partition] = []
    if not stream_dir.is_dir():
        return found
    for account_dir in sorted(p for p in stream_dir.iterdir() if p.name.startswith("account=")):
        account = account_dir.name.removeprefix("account=")
        if not _KEY.fullmatch(account):
            log.warning(
                "skipping %s: %r is not a valid account key (no extractor writes it); remove the folder",
                account_dir,
                account,
            )
            continue
        for day_dir in sorted(account_dir.glob("day=*")):
            day = date.fromisoformat(day_dir.name.removeprefix("day="))
            path = day_dir / FILE_NAME
            if start <= day <= end and path.exists():
                found.append(Partition(source, stream, account, day, path, -1))
    return found
