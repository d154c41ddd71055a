"""How the pipeline hands the incremental marts' rebuild day to dbt (in-process, dbtRunner)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from warehouse.dbt import REBUILD_FROM_ENV
from warehouse.pipeline import build_models


@pytest.fixture
def commands(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[list[str], str | None]]:
    """Each dbt command's arguments and the rebuild day dbt would read in it (no dbt runs)."""
    seen: list[tuple[list[str], str | None]] = []

    class Runner:
        def invoke(self, args: list[str]) -> SimpleNamespace:
            seen.append((args, os.environ.get(REBUILD_FROM_ENV)))
            return SimpleNamespace(success=True, result=None, exception=None)

    monkeypatch.setattr("dbt.cli.main.dbtRunner", Runner)
    monkeypatch.setenv("WAREHOUSE_DATA_DIR", str(tmp_path))
    return seen


def test_the_rebuild_day_reaches_dbt_in_the_environment_not_in_vars(commands) -> None:
    build_models(("--select", "fct_mentions"), date(2026, 10, 4))
    build_models(("--select", "fct_mentions"), None)
    assert [day for _, day in commands] == ["2026-10-04", ""]  # "": none, whatever was exported
    assert not [args for args, _ in commands if "--vars" in args]  # a new --vars re-parses dbt


def test_the_rebuild_day_does_not_outlive_its_dbt_command(commands, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REBUILD_FROM_ENV, raising=False)
    build_models(("--select", "fct_mentions"), date(2026, 10, 4))
    assert REBUILD_FROM_ENV not in os.environ
    monkeypatch.setenv(REBUILD_FROM_ENV, "2026-09-01")
    build_models(("--select", "fct_mentions"), date(2026, 10, 4))
    assert os.environ[REBUILD_FROM_ENV] == "2026-09-01"
