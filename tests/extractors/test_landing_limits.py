"""The landing zone's bounds on a record: one field keeps at most RECORD_TEXT_MAX_CHARS, and a
record still longer than RECORD_MAX_CHARS is refused."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from pathlib import Path

import pytest

from extractors.landing import RECORD_MAX_CHARS, RECORD_TEXT_MAX_CHARS, RecordTooLarge, write_partition

DAY = date(2026, 3, 29)
NOW = datetime(2026, 3, 29, 12)


def test_a_record_with_a_huge_text_lands_cut_with_a_warning_naming_it(tmp_path: Path, caplog) -> None:
    huge = "spam " * (RECORD_TEXT_MAX_CHARS // 2)  # 2.5 times the cap
    records = [
        ({"id": "t3_ok", "selftext": "short", "score": 3}, NOW),
        ({"id": "t3_huge", "selftext": huge, "all_awardings": [{"name": huge}], "score": 7}, NOW),
    ]
    with caplog.at_level(logging.WARNING):
        landed = write_partition(tmp_path, "reddit", "posts", "acme", DAY, records, "run-1")
    lines = [json.loads(line)["record"] for line in landed.path.read_text(encoding="utf-8").splitlines()]
    assert lines[0] == records[0][0]  # an ordinary record lands as it came
    assert lines[1]["score"] == 7 and lines[1]["id"] == "t3_huge"
    assert lines[1]["selftext"] == huge[:RECORD_TEXT_MAX_CHARS]
    assert lines[1]["all_awardings"][0]["name"] == huge[:RECORD_TEXT_MAX_CHARS]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert all("reddit/posts/account=acme/day=2026-03-29" in w and "id 't3_huge'" in w for w in warnings)
    assert "selftext holds 2500000 characters" in warnings[0]
    assert "all_awardings[0].name holds 2500000 characters" in warnings[1]


def test_a_record_just_under_the_cap_lands_whole(tmp_path: Path, caplog) -> None:
    text = "x" * (RECORD_TEXT_MAX_CHARS - 100)  # the line is longer than the cap; no field is
    with caplog.at_level(logging.WARNING):
        landed = write_partition(
            tmp_path, "rss", "entries", "blog", DAY, [({"link": "l", "summary": text}, NOW)], "r"
        )
    assert json.loads(landed.path.read_text(encoding="utf-8"))["record"]["summary"] == text
    assert not caplog.records


def test_a_record_too_long_even_with_its_texts_cut_is_refused_and_the_old_partition_stays(
    tmp_path: Path,
) -> None:
    old = write_partition(tmp_path, "reddit", "posts", "acme", DAY, [({"id": "t3_old"}, NOW)], "run-1")
    before = old.path.read_bytes()
    fields = RECORD_MAX_CHARS // RECORD_TEXT_MAX_CHARS + 1  # each at the cap: too long together
    huge = {"id": "t3_many", **{f"field_{n}": "x" * RECORD_TEXT_MAX_CHARS for n in range(fields)}}
    with pytest.raises(RecordTooLarge, match=r"record id 't3_many' is 17,000,\d+ characters long"):
        write_partition(
            tmp_path, "reddit", "posts", "acme", DAY, [({"id": "t3_ok"}, NOW), (huge, NOW)], "run-2"
        )
    assert old.path.read_bytes() == before
    assert [p.name for p in old.path.parent.iterdir()] == ["data.jsonl"]  # no temporary file left
