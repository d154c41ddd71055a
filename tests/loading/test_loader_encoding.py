"""The loader and a landed file holding bytes that are not UTF-8."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from extractors.core import Window
from loading.raw import LoadError, load_partitions
from tests.conftest import extract


def test_a_landed_line_that_is_not_utf8_is_named_and_nothing_is_loaded(company, demo, tmp_path) -> None:
    day = Window(date(2026, 11, 10), date(2026, 11, 10))
    landed = extract(company, demo, tmp_path, {"facebook_pages": ["page_snapshot", "posts"]}, day, "x1")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_partitions(con, landed, "good", company)
    before = con.execute(
        "select count(*), sum(hash(record::varchar)) from raw.facebook_pages__posts"
    ).fetchone()
    assert before[0] > 1

    broken = next(p for p in landed if p.stream == "posts" and p.rows >= 2)
    lines = broken.path.read_bytes().splitlines(keepends=True)
    at = lines[1].index(b'"message":"') + len(b'"message":"')
    lines[1] = lines[1][:at] + b"caf\xe9 \xc3\x28" + lines[1][at:]  # Latin-1 and a broken sequence
    broken.path.write_bytes(b"".join(lines))

    with pytest.raises(LoadError) as caught:
        load_partitions(con, landed, "bad", company)
    message = str(caught.value)
    assert "load bad rolled back, nothing written" in message
    assert (
        f"{broken.path} line 2: not UTF-8 (byte {at + 3} of the line: invalid continuation byte)" in message
    )
    assert f"source=facebook_pages stream=posts account={broken.account} day={broken.day}" in message
    assert "land it again (python -m extractors facebook_pages" in message
    after = con.execute(
        "select count(*), sum(hash(record::varchar)) from raw.facebook_pages__posts"
    ).fetchone()
    assert after == before, "the rows loaded before stay as they were"
    assert con.execute("select count(*) from raw.facebook_pages__page_snapshot").fetchone()[0] > 0
