"""Which days a run covers, from params, data intervals and triggering asset events."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from warehouse.orchestration import window_from_asset_events, window_from_context, window_from_params


def test_params_give_a_range_run() -> None:
    assert window_from_params({"start": "2026-08-01", "end": "2026-10-31"}) == (
        date(2026, 8, 1),
        date(2026, 10, 31),
    )
    assert window_from_params({"start": None, "end": None}) is None


@pytest.mark.parametrize(
    ("params", "message"),
    [({"start": "2026-08-01"}, "give both"), ({"start": "2026-09-01", "end": "2026-08-01"}, "after end")],
)
def test_bad_params_are_refused(params, message) -> None:
    with pytest.raises(ValueError, match=message):
        window_from_params(params)


def test_a_scheduled_run_covers_its_data_interval() -> None:
    context = {
        "params": {},
        "data_interval_start": datetime(2026, 11, 24, 2, tzinfo=UTC),
        "data_interval_end": datetime(2026, 11, 25, 2, tzinfo=UTC),
    }
    assert window_from_context(context) == (date(2026, 11, 24), date(2026, 11, 24))


def test_a_manual_run_without_params_covers_the_day_before_it_was_requested() -> None:
    context = {
        "params": {},
        "data_interval_start": None,
        "data_interval_end": None,
        "dag_run": SimpleNamespace(run_after=datetime(2026, 11, 25, 9, tzinfo=UTC)),
    }
    assert window_from_context(context) == (date(2026, 11, 24), date(2026, 11, 24))


def test_asset_events_are_merged_into_one_window() -> None:
    events = [{"start": "2026-11-20", "end": "2026-11-21"}, {"start": "2026-08-01", "end": "2026-08-31"}, {}]
    assert window_from_asset_events(events) == (date(2026, 8, 1), date(2026, 11, 21))
    assert window_from_asset_events([{}]) is None


def test_a_range_run_is_checked_over_its_look_back_too(company) -> None:
    from warehouse.orchestration import with_lookback

    assert company.max_lookback_days() == 28
    assert with_lookback((date(2026, 11, 1), date(2026, 11, 7))) == (date(2026, 10, 4), date(2026, 11, 7))


def test_the_transform_builds_everything_unless_narrowed(monkeypatch) -> None:
    from warehouse.pipeline import BUILD_SELECTION, transform_selection

    monkeypatch.delenv("WAREHOUSE_DBT_SELECT", raising=False)
    assert transform_selection() == BUILD_SELECTION
    monkeypatch.setenv("WAREHOUSE_DBT_SELECT", " +fct_mentions ")
    # Only the tests wholly inside the selection: a relationship test to a model left out fails.
    assert transform_selection() == ("--select", "+fct_mentions", "--indirect-selection", "cautious")


def test_a_narrowed_transform_checks_every_raw_table_and_only_the_marts_it_built() -> None:
    from expectations.catalog import SUITES
    from warehouse.pipeline import check_suites

    tables = {SUITES[name].table for name in check_suites(["marts.fct_account_daily"])}
    raw = {spec.table for spec in SUITES.values() if spec.table.startswith("raw.")}
    assert tables == raw | {"marts.fct_account_daily"}
    assert {SUITES[name].table for name in check_suites([])} == raw
