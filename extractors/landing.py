"""The landing zone: one newline-delimited JSON file per source, stream, account and day.

A partition is written to a temporary file in its own directory, flushed to disk and renamed over
the old one, so readers see either the previous partition or the new one, never half of either.
Files are the system of record between extract and load: the warehouse can be rebuilt from them.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

FILE_NAME = "data.jsonl"


@dataclass(frozen=True)
class Partition:
    """One landed (source, stream, account, day) file."""

    source: str
    stream: str
    account: str
    day: date
    path: Path
    rows: int


def partition_path(root: Path, source: str, stream: str, account: str, day: date) -> Path:
    return root / source / stream / f"account={account}" / f"day={day.isoformat()}" / FILE_NAME


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
    fd, temp_name = tempfile.mkstemp(prefix=".data.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for record, extracted_at in records:
                line = {"record": record, "extracted_at": extracted_at.isoformat(), "run_id": run_id}
                handle.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
                handle.write("\n")
                rows += 1
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return Partition(source, stream, account, day, target, rows)


def landed_partitions(root: Path, source: str, stream: str, start: date, end: date) -> list[Partition]:
    """Partitions of one stream landed for days in [start, end], every account (rows unknown: -1)."""
    stream_dir = root / source / stream
    found: list[Partition] = []
    for account_dir in sorted(stream_dir.glob("account=*")):
        account = account_dir.name.removeprefix("account=")
        for day_dir in sorted(account_dir.glob("day=*")):
            day = date.fromisoformat(day_dir.name.removeprefix("day="))
            path = day_dir / FILE_NAME
            if start <= day <= end and path.exists():
                found.append(Partition(source, stream, account, day, path, -1))
    return found
