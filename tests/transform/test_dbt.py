"""How the pipeline hands the rebuild day to dbt: in the environment of one in-process dbt command
(``run_dbt(env=...)``), read by the incremental models when they build and by the data tests of
the staging views that test only the days a run loaded.

Real dbt on a copy of the session's demo warehouse: one incremental mart built, one staging view tested.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from transform.dbt import REBUILD_FROM_ENV, DbtError, run_dbt

MART = "fct_mentions"
COMPILED = Path("compiled", "social_warehouse", "models", "marts", "listening", f"{MART}.sql")


@pytest.fixture(scope="module")
def warehouse(full_warehouse: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding a private copy of the demo warehouse (its marts already built)."""
    data = tmp_path_factory.mktemp("dbt_env") / "data"
    data.mkdir()
    full_warehouse.copy(data)
    return data


@pytest.fixture
def data_dir(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WAREHOUSE_DATA_DIR", str(warehouse))
    monkeypatch.delenv("WAREHOUSE_DUCKDB_PATH", raising=False)
    monkeypatch.delenv(REBUILD_FROM_ENV, raising=False)
    return warehouse


def test_the_rebuild_day_reaches_the_mart_that_dbt_builds(data_dir: Path, tmp_path: Path) -> None:
    """The requested day (older than the mart's newest day minus the look-back) is the one the
    incremental build compiles into its filter; without it, the mart's own rule decides."""
    run_dbt(["build", "--select", MART], target_path=tmp_path / "asked", env={REBUILD_FROM_ENV: "2026-10-04"})
    assert "date '2026-10-04'" in (tmp_path / "asked" / COMPILED).read_text()
    run_dbt(["build", "--select", MART], target_path=tmp_path / "none", env={REBUILD_FROM_ENV: ""})
    compiled = (tmp_path / "none" / COMPILED).read_text()
    assert "date '2026-" in compiled and "date '2026-10-04'" not in compiled


@pytest.mark.parametrize(
    ("variable", "command"),
    [
        (REBUILD_FROM_ENV, ["build", "--select", MART]),
        ("WAREHOUSE_TODAY", ["test", "--select", f"{MART},test_name:not_in_future"]),
    ],
)
def test_a_bad_day_setting_fails_naming_it(
    data_dir: Path, tmp_path: Path, variable: str, command: list[str]
) -> None:
    """The rebuild day and the pinned today are read by one parser, which names the setting."""
    with pytest.raises(DbtError, match=re.escape(f"{variable}") + r"\)? must be an ISO date"):
        run_dbt(command, target_path=tmp_path / "t", env={variable: "04/10/2026"})


def test_the_rebuild_day_does_not_outlive_its_dbt_command(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dbt runs in this process: the day is set for one command, then what was there is back (a
    later command in the same Airflow worker must not rebuild from a stale day)."""
    run_dbt(["ls", "--select", MART], target_path=tmp_path / "a", env={REBUILD_FROM_ENV: "2026-10-04"})
    assert REBUILD_FROM_ENV not in os.environ
    monkeypatch.setenv(REBUILD_FROM_ENV, "2026-09-01")
    with pytest.raises(DbtError):
        run_dbt(["build", "--select", MART], target_path=tmp_path / "b", env={REBUILD_FROM_ENV: "bad"})
    assert os.environ[REBUILD_FROM_ENV] == "2026-09-01", "restored after a failing command too"


WINDOWED = "stg_google_analytics__traffic"  # meta: test_window: report_date
NON_NEGATIVE = ["test", "--select", f"{WINDOWED},test_name:non_negative"]


def test_a_daily_run_tests_a_windowed_staging_view_from_the_rebuild_day_on(
    data_dir: Path, tmp_path: Path
) -> None:
    """Negative sessions re-read for an old day of GA4 traffic (macros/test_window.sql): a daily run
    whose rebuild day is after that day does not read it (the run that loaded the day did); a run
    from that day, a run without a rebuild day, and a --full-refresh build each fail on it."""
    with duckdb.connect(str(data_dir / "warehouse.duckdb")) as con:
        (bad,) = con.execute("select min(partition_day) + 5 from raw.google_analytics__traffic").fetchone()
        con.execute(
            "insert into raw.google_analytics__traffic select * replace ("
            ' json_merge_patch(record, \'{"sessions": "-5"}\') as record, extracted_at + interval 1 hour'
            " as extracted_at) from raw.google_analytics__traffic where partition_day = ? limit 1",
            [bad],
        )
    after = (bad + timedelta(days=1)).isoformat()
    try:
        run_dbt(NON_NEGATIVE, target_path=tmp_path / "after", env={REBUILD_FROM_ENV: after})
        compiled = next((tmp_path / "after" / "compiled").rglob(f"non_negative_{WINDOWED}_sessions.sql"))
        assert f"report_date >= date '{after}'" in compiled.read_text()
        failing = f"non_negative_{WINDOWED}_sessions"
        with pytest.raises(DbtError, match=failing):
            run_dbt(NON_NEGATIVE, target_path=tmp_path / "on", env={REBUILD_FROM_ENV: bad.isoformat()})
        with pytest.raises(DbtError, match=failing):
            run_dbt(NON_NEGATIVE, target_path=tmp_path / "none", env={REBUILD_FROM_ENV: ""})
        with pytest.raises(DbtError, match=failing):
            build = ["build", "--select", WINDOWED, "--full-refresh"]
            run_dbt(build, target_path=tmp_path / "full", env={REBUILD_FROM_ENV: after})
    finally:
        with duckdb.connect(str(data_dir / "warehouse.duckdb")) as con:
            con.execute("delete from raw.google_analytics__traffic where record->>'sessions' = '-5'")
