"""Incremental marts, and competitors' Instagram media by snapshot day (every incremental model
but the scorer, whose own rule is what it has not scored yet), equal a full refresh of the same
raw data, run after run.

One warehouse for the module: the session's demo warehouse (every source over six weeks) with its
last two days held back, and each raw row read the morning after its day, as daily runs read
them. Then one run at a time: a day's partitions are loaded (and earlier rows re-read with late
corrections), the incremental marts are built by the pipeline's ``build_models`` (rebuild day =
the day minus the sources' look-back, or none), and each mart is compared, by a content hash,
with what a full refresh builds from the same data: the SQL of ``--full-refresh`` (compiled by
the module's first full build, which has no rebuild range) run on the same file. The fourth run
corrects a day older than its rebuild range, which only a full refresh picks up: the comparison
must catch it, and a real ``dbt run --full-refresh`` must then agree with the reference again.
The last run catches up marts left without a build for longer than the look-back.

dbt parses the project once for the module. The full refreshes reuse that manifest; the
pipeline's builds start from its saved parse (``partial_parse.msgpack``), as a daily run starts
from the last run's, and must not parse anything again although their rebuild day changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from dbt.contracts.graph.manifest import Manifest

from core.config import load_config
from tests.conftest import DBT_PROJECT_DIR, DEMO_TODAY, assert_dbt_succeeded, run_dbt
from transform.dbt import PARTIAL_PARSE
from warehouse.pipeline import build_models

DAY_COLUMNS = {  # each incremental model's day (the expression its incremental_rebuild_from() reads)
    "fct_account_daily": "metric_date",
    "fct_post_performance": "created_date",
    "fct_mentions": "mention_date",
    "fct_social_traffic_daily": "report_date",
    "stg_instagram__business_discovery_media": "snapshot_date",
    "int_google_analytics__traffic_classified": "report_date",
    "int_x__tweet_observations": "observed_date",
    "stg_x__search_mentions": "partition_date",
    "int_mentions__sightings": "cast(published_at as date)",
    "int_mentions__deduplicated": "mention_date",
}
INCREMENTAL = tuple(DAY_COLUMNS)
# Incremental by its own rule (the mentions whose text it has not scored yet), not by day; what
# it scores reaches fct_mentions, compared here.
SCORER = "int_mentions__scored"
# The models and every model they read: some of those are tables, built from raw each run.
UPSTREAM = tuple(f"+{model}" for model in INCREMENTAL)
LOOKBACK = load_config().max_lookback_days()
DAYS = [DEMO_TODAY - timedelta(days=n) for n in (2, 1)]  # held back, then loaded one a run
PAGE = "104729381726354"  # the demo's own Facebook Page
GA_PROPERTY = "412345678"
LATE = date(2026, 11, 5)  # inside the look-back of every run
EMPTIED = LATE + timedelta(days=2)  # a GA4 day re-read as empty, inside the look-back of every run
RECENT = DAYS[0] - timedelta(days=3)  # inside X's recent search, which reaches seven days back
OLD = date(2026, 10, 12)  # older than the newest day minus the look-back
OLDER = date(2026, 10, 14)
STALE_DAYS = LOOKBACK + 2  # how long the catch-up's marts went without a build

Correction = Callable[[duckdb.DuckDBPyConnection, date], dict[str, Any]]


@dataclass
class Step:
    name: str
    day: date  # the run's last day: its partitions are loaded unless already there
    rebuild_from: date | None
    corrections: list[Correction] = field(default_factory=list)


def _patch(
    con: duckdb.DuckDBPyConnection, table: str, where: str, change: Callable[[dict], None], read: date
) -> dict[str, Any]:
    """Re-read one raw row with a changed record, as the run after ``read`` lands it."""
    row = con.execute(f"select rowid, record from raw.{table} where {where} order by all limit 1").fetchone()
    assert row, f"no raw.{table} row where {where}"
    record = json.loads(row[1])
    change(record)
    con.execute(
        f"update raw.{table} set record = ?, extracted_at = ? + interval 30 hour where rowid = ?",
        [json.dumps(record), read, row[0]],
    )
    return record


def _add(path: tuple[str | int, ...], amount: int) -> Callable[[dict], None]:
    def change(record: dict) -> None:
        *parents, last = path
        for key in parents:
            record = record[key]
        record[last] = type(record[last])(int(record[last]) + amount)

    return change


def correct_post(con: duckdb.DuckDBPyConnection, read: date) -> dict[str, Any]:
    change = _add(("reactions", "summary", "total_count"), 500)
    return {"post": _patch(con, "facebook_pages__posts", f"partition_day = '{LATE}'", change, read)}


def correct_followers(day: date) -> Correction:
    def correct(con: duckdb.DuckDBPyConnection, read: date) -> dict[str, Any]:
        where = (
            f"partition_day = '{day}' and account_id = '{PAGE}'"
            " and json_extract_string(record, 'name') = 'page_follows'"
        )
        change = _add(("values", 0, "value"), 1000)
        return {"followers": _patch(con, "facebook_pages__page_insights", where, change, read)}

    return correct


def correct_ga(day: date) -> Correction:
    def correct(con: duckdb.DuckDBPyConnection, read: date) -> dict[str, Any]:
        where = (
            f"partition_day = '{day}' and account_id = '{GA_PROPERTY}'"
            " and json_extract_string(record, 'sessionDefaultChannelGroup') like '%Social%'"
        )
        return {"ga": _patch(con, "google_analytics__traffic", where, _add(("sessions",), 300), read)}

    return correct


def empty_ga_day(con: duckdb.DuckDBPyConnection, read: date) -> dict[str, Any]:
    """GA4 re-read a day as empty: the loader leaves its partition without rows. A full refresh has
    no rows of that day; a run that deletes only the days it inserts would keep the old ones."""
    con.execute("delete from raw.google_analytics__traffic where partition_day = ?", [EMPTIED])
    return {"emptied": EMPTIED}


def correct_tweet(con: duckdb.DuckDBPyConnection, read: date) -> dict[str, Any]:
    change = _add(("public_metrics", "like_count"), 400)
    return {"tweet": _patch(con, "x__tweets", f"partition_day = '{LATE}'", change, read)}


def delete_tweet(con: duckdb.DuckDBPyConnection, read: date) -> dict[str, Any]:
    """A tweet deleted on X after the marts counted it: the day, read again, lands without it."""
    row = con.execute(
        f"select rowid, record from raw.x__tweets where partition_day = '{LATE}' order by all desc limit 1"
    ).fetchone()
    assert row, f"no raw.x__tweets row on {LATE}"
    first = con.execute(f"select min(rowid) from raw.x__tweets where partition_day = '{LATE}'").fetchone()
    assert row[0] != first[0], "the day's only tweet is the one correct_tweet changes"
    con.execute("delete from raw.x__tweets where rowid = ?", [row[0]])
    return {"deleted_tweet": json.loads(row[1])}


def correct_mention(con: duckdb.DuckDBPyConnection, read: date) -> dict[str, Any]:
    change = _add(("score",), 1000)
    return {"mention": _patch(con, "reddit__search", f"partition_day = '{LATE}'", change, read)}


def correct_old_mention(con: duckdb.DuckDBPyConnection, read: date) -> dict[str, Any]:
    """A mention published before the first step's rebuild day, read again since: it must be
    rebuilt for the read, not for its day."""
    change = _add(("score",), 2000)
    before = DAYS[0] - timedelta(days=LOOKBACK)
    return {"old_mention": _patch(con, "reddit__search", f"partition_day < '{before}'", change, read)}


def correct_x_mention(con: duckdb.DuckDBPyConnection, read: date) -> dict[str, Any]:
    change = _add(("public_metrics", "like_count"), 600)
    return {"x_mention": _patch(con, "x__search", f"partition_day = '{RECENT}'", change, read)}


def correct_competitor_media(con: duckdb.DuckDBPyConnection, read: date) -> dict[str, Any]:
    """The demo reads competitors' media once, on its last day: that day, re-read."""
    change = _add(("media", "data", 0, "like_count"), 700)
    where = f"partition_day = '{DAYS[1]}' and json_extract(record, '$.media.data[0].like_count') is not null"
    return {"competitor_media": _patch(con, "instagram__business_discovery", where, change, read)}


STEPS = [
    Step(
        "a new day and late corrections inside the look-back",
        DAYS[0],
        DAYS[0] - timedelta(days=LOOKBACK),
        [
            correct_post,
            correct_followers(LATE),
            correct_ga(LATE),
            empty_ga_day,
            correct_tweet,
            delete_tweet,
            correct_mention,
            correct_old_mention,
            correct_x_mention,
        ],
    ),
    Step("a new day without rebuild_from", DAYS[1], None),
    # A range run (a replay of older days) reaches back further than the look-back.
    Step(
        "rebuild_from older than the look-back",
        DAYS[1],
        OLD,
        [correct_followers(OLD), correct_ga(OLD), correct_competitor_media],
    ),
]
# A correction older than the rebuild range: incremental runs leave it, by design.
MISSED = Step(
    "a correction before rebuild_from",
    DAYS[1],
    DAYS[1] - timedelta(days=LOOKBACK),
    [correct_followers(OLDER), correct_ga(OLDER)],
)
# After the full refresh: every incremental mart loses its last STALE_DAYS days, as if its builds
# had been skipped that long, while the runs it missed re-read (and corrected) an older day it
# holds. A run of one day, the last, must bring each back to a full refresh.
CATCH_UP = Step(
    "a catch-up after more than the look-back without a build",
    DAYS[1],
    DAYS[1],
    [correct_followers(OLD), correct_ga(OLD)],
)


class Dbt:
    """dbt on one warehouse file, parsed once."""

    def __init__(self, path: Path, tmp: Path) -> None:
        self.path, self.target, self.tmp = path, tmp / "target", tmp
        parsed = run_dbt(["parse"], path, tmp)
        assert parsed.success, parsed.exception
        self.manifest: Manifest = parsed.result
        # The saved parse the pipeline's builds start from (transform.dbt keeps it in <data>/.dbt).
        self.saved_parse = tmp / "data" / ".dbt" / PARTIAL_PARSE
        self.saved_parse.parent.mkdir(parents=True)
        self.saved_parse.write_bytes((self.target / PARTIAL_PARSE).read_bytes())

    def run(self, *args: str) -> None:
        assert_dbt_succeeded(run_dbt(list(args), self.path, self.tmp, manifest=self.manifest))

    def build(self, rebuild_from: date | None) -> bool:
        """The incremental marts, built by the pipeline's ``build_models``; whether dbt parsed
        anything (it rewrites its saved parse whenever it does)."""
        before = self.saved_parse.read_bytes()
        with pytest.MonkeyPatch.context() as monkeypatch:
            monkeypatch.setenv("WAREHOUSE_DUCKDB_PATH", str(self.path))
            monkeypatch.setenv("WAREHOUSE_DATA_DIR", str(self.saved_parse.parents[1]))
            monkeypatch.setenv("DBT_LOG_PATH", str(self.tmp / "logs"))
            monkeypatch.setenv("DBT_QUIET", "true")
            monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
            built = build_models(("--select", *UPSTREAM, "--resource-type", "model"), rebuild_from)
        assert built.error is None, built.error
        return self.saved_parse.read_bytes() != before

    def incremental(self) -> set[str]:
        """Every model of the project materialized incrementally."""
        return {
            node.name
            for node in self.manifest.nodes.values()
            if node.resource_type == "model" and node.config.materialized == "incremental"
        }

    def full_refresh(self) -> dict[str, tuple[str, str]]:
        """Rebuild the incremental models from scratch; per model, its relation and the SQL
        that did it."""
        self.run("run", "--select", *UPSTREAM, "--full-refresh")
        compiled = self.target / "compiled" / "social_warehouse"
        nodes = [node for node in self.manifest.nodes.values() if node.name in INCREMENTAL]
        return {
            node.name: (f"{node.schema}.{node.name}", (compiled / node.original_file_path).read_text())
            for node in nodes
        }


def _daily_raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The raw tables of streams read day by day. The demo read the snapshots (account, page,
    channel, user) once, on its last day; daily runs read one every day, so they stay loaded."""
    tables = con.execute(
        "select table_name from information_schema.columns"
        " where table_schema = 'raw' and column_name = 'partition_day' order by 1"
    ).fetchall()
    return [
        t
        for (t,) in tables
        if con.execute(f"select count(distinct partition_day) from raw.{t}").fetchone()[0] > 1
    ]


def _hold_back(con: duckdb.DuckDBPyConnection) -> None:
    """Move the raw rows of DAYS aside, and date every extraction the morning after its day."""
    con.execute("create schema held_back")
    for table in _daily_raw_tables(con):
        con.execute(f"create table held_back.{table} as from raw.{table} where partition_day >= ?", [DAYS[0]])
        con.execute(f"delete from raw.{table} where partition_day >= ?", [DAYS[0]])
        con.execute(f"update raw.{table} set extracted_at = partition_day + interval 30 hour")


def _load_day(con: duckdb.DuckDBPyConnection, day: date) -> None:
    held = con.execute("select table_name from duckdb_tables() where schema_name = 'held_back'").fetchall()
    for (table,) in held:
        con.execute(
            f"insert into raw.{table} select * replace (partition_day + interval 30 hour as extracted_at)"
            f" from held_back.{table} where partition_day = ? and not exists"
            f" (from raw.{table} as loaded where loaded.partition_day = ?)",
            [day, day],
        )


def _differences(con: duckdb.DuckDBPyConnection, reference: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Each model that differs from its full-refresh SQL: the hashes and the first differing rows."""
    found: dict[str, str] = {}
    for mart, (relation, sql) in reference.items():
        built = con.execute(f"select count(*), sum(hash(t)) from {relation} as t").fetchone()
        expected = con.execute(f"select count(*), sum(hash(t)) from ({sql}) as t").fetchone()
        if built == expected:
            continue
        extra = con.execute(f"from (from {relation} except all from ({sql})) order by all limit 3").fetchall()
        missing = con.execute(
            f"from (from ({sql}) except all from {relation}) order by all limit 3"
        ).fetchall()
        found[mart] = (
            f"(rows, hash) built {built}, full refresh {expected}\n"
            f"  only in the incremental build: {extra}\n  only in the full refresh: {missing}"
        )
    return found


def _leave_stale(
    con: duckdb.DuckDBPyConnection, reference: dict[str, tuple[str, str]], days: int
) -> dict[str, date]:
    """Delete each incremental model's rows of its last ``days`` days; its newest day left."""
    newest = {}
    for mart, (relation, _) in reference.items():
        day = DAY_COLUMNS[mart]
        con.execute(f"delete from {relation} where {day} > (select max({day}) from {relation}) - ?", [days])
        newest[mart] = con.execute(f"select max({day}) from {relation}").fetchone()[0]
    return newest


@dataclass
class Runs:
    differences: dict[str, dict[str, str]]  # step -> mart -> what differs from a full refresh
    corrected: dict[str, Any]  # the late corrections' records
    marts: dict[str, Any]  # what the marts say about them after that run
    healed: dict[str, str]  # differences left after a real --full-refresh at the end
    reparsed: dict[str, bool]  # step -> whether dbt parsed anything for its build
    stale_newest: dict[str, date]  # the catch-up's marts: the newest day each still held
    incremental: set[str]  # the project's incremental models
    leftovers: list[str]  # tables named like dbt's temporary ones, in the warehouse at the end


@pytest.fixture(scope="module")
def runs(full_warehouse: Any, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """Every run in order on one warehouse; what differed from a full refresh after each."""
    tmp = tmp_path_factory.mktemp("incremental_marts")
    path = full_warehouse.copy(tmp)
    with duckdb.connect(str(path)) as con:
        _hold_back(con)
    dbt = Dbt(path, tmp)
    reference = dbt.full_refresh()  # the history the daily runs start from
    differences: dict[str, dict[str, str]] = {}
    corrected: dict[str, Any] = {}
    marts: dict[str, Any] = {}
    reparsed: dict[str, bool] = {}
    for step in [*STEPS, MISSED]:
        with duckdb.connect(str(path)) as con:
            _load_day(con, step.day)
            records = [correct(con, step.day) for correct in step.corrections]
        reparsed[step.name] = dbt.build(step.rebuild_from)
        with duckdb.connect(str(path), read_only=True) as con:
            differences[step.name] = _differences(con, reference)
            if step is STEPS[0]:
                corrected = {key: value for record in records for key, value in record.items()}
                marts = _what_the_marts_say(con, corrected)
            for record in records:  # the competitors' media, re-read by a later step
                if "competitor_media" in record:
                    corrected.update(record)
                    marts["competitor_likes"] = _competitor_likes(con, record["competitor_media"])
    dbt.full_refresh()
    with duckdb.connect(str(path)) as con:
        healed = _differences(con, reference)
        stale_newest = _leave_stale(con, reference, STALE_DAYS)
        for correct in CATCH_UP.corrections:
            correct(con, CATCH_UP.day)
    reparsed[CATCH_UP.name] = dbt.build(CATCH_UP.rebuild_from)
    with duckdb.connect(str(path), read_only=True) as con:
        differences[CATCH_UP.name] = _differences(con, reference)
        leftovers = [
            f"{schema}.{table}"
            for schema, table in con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "where regexp_matches(table_name, '__dbt_(tmp|backup)')"
            ).fetchall()
        ]
    return Runs(differences, corrected, marts, healed, reparsed, stale_newest, dbt.incremental(), leftovers)


def _competitor_likes(con: duckdb.DuckDBPyConnection, record: dict[str, Any]) -> list[tuple]:
    """The likes the built media model holds for the re-read competitor's first media."""
    sql = (
        "select like_count from staging.stg_instagram__business_discovery_media"
        " where media_id = ? and snapshot_date = ?"
    )
    return con.execute(sql, [record["media"]["data"][0]["id"], DAYS[1]]).fetchall()


def _what_the_marts_say(con: duckdb.DuckDBPyConnection, corrected: dict[str, Any]) -> dict[str, Any]:
    post_key = f"facebook_pages:{corrected['post']['id']}"
    return {
        "reactions": con.execute(
            "select reactions from marts.fct_post_performance where post_key = ?", [post_key]
        ).fetchone(),
        "followers": con.execute(
            "select metric_date, followers, followers_previous_day from marts.fct_account_daily"
            " where account_key = ? and metric_date in (?, ?) order by 1",
            [f"facebook_pages:{PAGE}", LATE, LATE + timedelta(days=1)],
        ).fetchall(),
        "tweet_likes": con.execute(
            "select likes from intermediate.int_x__tweet_observations"
            " where tweet_id = ? and observed_in = 'tweets' and observed_date = ?",
            [corrected["tweet"]["id"], LATE],
        ).fetchall(),
        "deleted_tweet_rows": con.execute(
            "select (select count(*) from marts.fct_post_performance where post_key = $key),"
            " (select count(*) from intermediate.int_posts__unioned where post_key = $key)",
            {"key": f"x:{corrected['deleted_tweet']['id']}"},
        ).fetchone(),
        "emptied_day_rows": con.execute(
            "select count(*) from marts.fct_social_traffic_daily where report_date = ?",
            [corrected["emptied"]],
        ).fetchone(),
        "x_mention_likes": con.execute(
            "select max(likes) from staging.stg_x__search_mentions where tweet_id = ? and partition_date = ?",
            [corrected["x_mention"]["id"], RECENT],
        ).fetchone(),
    }


def test_the_lookback_var_is_the_sources_longest_lookback() -> None:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    assert project["vars"]["incremental_lookback_days"] == LOOKBACK


def test_every_incremental_model_is_compared(runs: Runs) -> None:
    """A new incremental model joins the comparison (its day column in DAY_COLUMNS)."""
    assert runs.incremental - {SCORER} == set(INCREMENTAL)


def test_no_run_leaves_a_temporary_table_behind(runs: Runs) -> None:
    """dbt-duckdb leaves the Python model's ``__dbt_tmp`` table of every incremental run; the
    project's ``on-run-end`` drops it (macros/leftover_tables.sql)."""
    assert SCORER in runs.incremental
    assert runs.leftovers == []


@pytest.mark.parametrize("step", [step.name for step in STEPS])
def test_each_incremental_run_equals_a_full_refresh(runs: Runs, step: str) -> None:
    differs = runs.differences[step]
    assert not differs, "\n".join(f"{mart}: {what}" for mart, what in differs.items())


def test_a_mart_left_without_a_build_longer_than_the_lookback_catches_up_in_one_run(runs: Runs) -> None:
    """The marts lost their last days and missed a correction to a day they still hold; a run of
    one day rebuilds from their own newest day minus the look-back, and equals a full refresh.
    (The demo reads competitors' media on its last day only, and holds X's search results of
    fewer days than were lost: those two models are left empty, which a run builds whole.)"""
    newest = runs.stale_newest
    emptied = {"stg_instagram__business_discovery_media", "stg_x__search_mentions"}
    assert {model for model, day in newest.items() if day is None} == emptied, newest
    days = [day for day in newest.values() if day is not None]
    assert len(days) == len(INCREMENTAL) - len(emptied) and all(
        day < CATCH_UP.day - timedelta(days=LOOKBACK) for day in days
    )
    for mart in ("fct_account_daily", "fct_social_traffic_daily"):  # the corrected day is theirs
        assert newest[mart] - timedelta(days=LOOKBACK) <= OLD < newest[mart], newest
    differs = runs.differences[CATCH_UP.name]
    assert not differs, "\n".join(f"{mart}: {what}" for mart, what in differs.items())


def test_a_new_rebuild_day_does_not_make_dbt_parse_again(runs: Runs) -> None:
    """Every build passes another rebuild day (or none) and dbt reuses its saved parse as it is:
    the day travels in the environment, read only when a mart runs. (A change of ``--vars``
    re-parses the whole project, about 10 s on two cores, every daily run.)"""
    assert len({step.rebuild_from for step in [*STEPS, MISSED, CATCH_UP]}) > 2
    assert not any(runs.reparsed.values()), runs.reparsed


def test_the_late_corrections_reached_the_incremental_marts(runs: Runs) -> None:
    """So the equality above is not two stale copies agreeing; the next day's previous-day
    followers come from the corrected day too."""
    assert runs.marts["reactions"] == (runs.corrected["post"]["reactions"]["summary"]["total_count"],)
    assert runs.marts["emptied_day_rows"] == (0,)
    assert runs.marts["deleted_tweet_rows"] == (0, 0)  # gone from the posts and their performance
    assert runs.marts["x_mention_likes"] == (runs.corrected["x_mention"]["public_metrics"]["like_count"],)
    assert runs.marts["tweet_likes"] == [(runs.corrected["tweet"]["public_metrics"]["like_count"],)]
    assert runs.marts["competitor_likes"] == [
        (runs.corrected["competitor_media"]["media"]["data"][0]["like_count"],)
    ]
    followers = runs.corrected["followers"]["values"][0]["value"]
    (_, on_the_day, _), (_, _, previous_day) = runs.marts["followers"]
    assert on_the_day == previous_day == followers


def test_a_correction_before_rebuild_from_is_caught_and_a_full_refresh_picks_it_up(runs: Runs) -> None:
    """The comparison catches a wrong result: a day older than the rebuild range is not rebuilt
    incrementally. ``--full-refresh`` rebuilds it."""
    differs = runs.differences[MISSED.name]
    assert "int_google_analytics__traffic_classified" in differs, differs  # the first model over raw GA4
    assert not runs.healed, runs.healed
