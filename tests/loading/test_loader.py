"""The loader: set-based, idempotent partition replacement in one transaction."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pytest

from extractors.connections import ConnectionInfo
from extractors.core import Window
from extractors.facebook_pages import FacebookPages
from loading.raw import LoadError, load_partitions, partitions_in_landing
from tests.conftest import DEMO_TOKEN, FAST_RETRIES

STABLE_COLUMNS = "account_id, partition_day, record::varchar, extracted_at, extract_run_id, _source_file"


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
        ).fetchall()
    ]
    return {
        t: con.execute(
            f"select {STABLE_COLUMNS if not t.startswith('company__') else '* exclude (_loaded_at)'} "
            f"from raw.{t} order by all"
        ).fetchall()
        for t in tables
    }


@pytest.fixture
def landed(company, demo, tmp_path):
    connection = ConnectionInfo("facebook_pages_default", demo.url, DEMO_TOKEN, FAST_RETRIES)
    return FacebookPages(company, connection).run(
        Window(date(2026, 11, 10), date(2026, 11, 10)),
        tmp_path,
        "x1",
        streams=["page_insights", "page_snapshot", "posts"],
    )


def test_loading_the_same_day_three_times_gives_identical_tables(company, landed, tmp_path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    states = []
    for attempt in range(3):
        load_partitions(con, landed, f"load-{attempt}", company)
        states.append(snapshot(con))
    assert states[0] == states[1] == states[2]
    counts = {t: len(rows) for t, rows in states[0].items()}
    assert counts["facebook_pages__page_snapshot"] == 4  # the two own Pages and two competitors'
    assert counts["facebook_pages__posts"] == sum(p.rows for p in landed if p.stream == "posts") > 0
    assert counts["facebook_pages__page_insights"] == sum(
        p.rows for p in landed if p.stream == "page_insights"
    )
    lineage = con.execute(
        "select count(distinct _load_run_id), min(_source_file like '%/day=%/data.jsonl') "
        "from raw.facebook_pages__posts"
    ).fetchone()
    assert lineage == (1, True)


def test_a_relanded_partition_replaces_the_old_rows(company, landed, tmp_path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_partitions(con, landed, "first", company)
    posts = next(p for p in landed if p.stream == "posts" and p.rows > 0)
    lines = posts.path.read_text().splitlines()
    posts.path.write_text(lines[0] + "\n")  # the platform now returns one post for that day
    load_partitions(con, [posts], "second", company)
    rows = con.execute(
        "select count(*) from raw.facebook_pages__posts where account_id = ? and partition_day = ?",
        [posts.account, posts.day],
    ).fetchone()
    assert rows == (1,)


def test_a_bad_file_rolls_back_the_whole_batch(company, landed, tmp_path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_partitions(con, landed, "good", company)
    before = snapshot(con)
    broken = next(p for p in landed if p.stream == "page_insights" and p.rows > 0)
    broken.path.write_text('{"record": {"name": "page_follows", "values": [\n')
    with pytest.raises(LoadError) as caught:
        load_partitions(con, landed, "bad", company)
    assert "rolled back" in str(caught.value) and str(broken.path) in str(caught.value)
    assert snapshot(con) == before


def extract_into(company, demo, root) -> list:
    connection = ConnectionInfo("facebook_pages_default", demo.url, DEMO_TOKEN, FAST_RETRIES)
    return FacebookPages(company, connection).run(
        Window(date(2026, 11, 10), date(2026, 11, 10)), root, "x1", streams=["page_snapshot", "posts"]
    )


def test_a_landing_root_with_glob_characters_loads_exactly_its_own_files(company, demo, tmp_path) -> None:
    """DuckDB expands * ? [ in a file name: ``l[a]nd`` would read ``land`` instead."""
    root, decoy = tmp_path / "l[a]nd*?", tmp_path / "land**"
    landed = extract_into(company, demo, root)
    shutil.copytree(root, decoy)
    for path in decoy.rglob("data.jsonl"):
        path.write_text(path.read_text() * 2)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_partitions(con, landed, "glob", company)
    files = {
        r[0]
        for r in con.execute("select distinct _source_file from raw.facebook_pages__page_snapshot").fetchall()
    }
    assert files == {str(p.path) for p in landed if p.stream == "page_snapshot"}
    assert len(snapshot(con)["facebook_pages__page_snapshot"]) == 4


def test_a_stray_account_folder_with_a_glob_name_is_skipped_not_expanded(company, demo, tmp_path) -> None:
    """An ``account=*`` folder (no extractor writes one now) once made the loader read every
    account's file of that day again: 4 page snapshots became 9."""
    landed = extract_into(company, demo, tmp_path / "landing")
    some = next(p for p in landed if p.stream == "page_snapshot")
    stray = some.path.parent.parent.parent / "account=*" / some.path.parent.name / "data.jsonl"
    stray.parent.mkdir(parents=True)
    stray.write_text(some.path.read_text())
    batch = partitions_in_landing(tmp_path / "landing", date(2000, 1, 1), date(2100, 1, 1))
    assert "*" not in {p.account for p in batch}
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_partitions(con, batch, "stray", company)
    assert len(snapshot(con)["facebook_pages__page_snapshot"]) == 4


def test_a_malformed_line_is_named_by_its_own_number_and_partition(company, landed, tmp_path) -> None:
    broken = next(p for p in landed if p.stream == "posts" and p.rows >= 2)
    good = broken.path.read_text().splitlines()
    broken.path.write_text("\n".join([good[0], good[1], '{"record": {"id": ', good[0]]) + "\n")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(LoadError) as caught:
        load_partitions(con, landed, "bad", company)
    message = str(caught.value)
    assert f"{broken.path} line 3: not valid JSON" in message
    assert f"source=facebook_pages stream=posts account={broken.account} day={broken.day}" in message
    assert "land it again (python -m extractors facebook_pages" in message
