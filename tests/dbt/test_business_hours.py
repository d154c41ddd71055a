"""Business hours in the warehouse: config -> loader -> int_support__business_hours -> business_seconds().

For each support configuration below, the loader writes the company tables to a throwaway DuckDB
file, the real `dbt build` builds the support models (with their data and unit tests), and the
``business_seconds()`` macro is compiled by dbt and run over a table of cases. The windows and the
seconds are held to tests/support_truth.py (zoneinfo, no SQL), and the truth itself to values
worked out by hand for the demo configuration.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import duckdb
import pytest

from core.config import CompanyConfig
from loading.raw import load_partitions
from tests.conftest import assert_dbt_succeeded, run_dbt
from tests.support_truth import business_seconds, business_windows

FIRST_DATE, LAST_DATE = date(2020, 1, 1), date(2030, 12, 31)  # the business_hours_* vars


def at(text: str) -> datetime:
    """A naive UTC timestamp, as the warehouse stores `<event>_at`."""
    return datetime.fromisoformat(text)


# (case, start_at, end_at, business seconds by hand for Europe/London 09:00-18:00 Mon-Fri).
# 2026-11-18 is a Wednesday; London is on GMT (= UTC) in November and on BST (UTC+1) from
# 2026-03-29 01:00 UTC to 2026-10-25 01:00 UTC, when 09:00-18:00 local is 08:00-17:00 UTC.
CASES: list[tuple[str, datetime | None, datetime | None, float | None]] = [
    ("inside_one_window", at("2026-11-18 10:00"), at("2026-11-18 11:30"), 5400),
    ("start_before_opening", at("2026-11-18 07:00"), at("2026-11-18 09:30"), 1800),
    ("end_after_closing", at("2026-11-18 17:45"), at("2026-11-18 20:00"), 900),
    ("spanning_a_night", at("2026-11-18 17:00"), at("2026-11-19 10:00"), 7200),
    ("spanning_a_weekend", at("2026-11-20 17:30"), at("2026-11-23 09:15"), 2700),
    ("inside_a_weekend", at("2026-11-21 10:00"), at("2026-11-22 16:00"), 0),
    ("summer_day_in_utc", at("2026-07-15 00:00"), at("2026-07-16 00:00"), 9 * 3600),
    ("summer_before_utc_opening", at("2026-07-15 08:00"), at("2026-07-15 09:00"), 3600),
    ("spring_forward_weekend", at("2026-03-27 17:00"), at("2026-03-30 08:30"), 3600 + 1800),
    ("fall_back_weekend", at("2026-10-23 16:30"), at("2026-10-26 09:30"), 1800 + 1800),
    ("a_week", at("2026-11-16 00:00"), at("2026-11-23 00:00"), 5 * 9 * 3600),
    ("fractional_seconds", at("2026-11-18 10:00:00.250000"), at("2026-11-18 10:00:01"), 0.75),
    ("start_equals_end", at("2026-11-18 10:00"), at("2026-11-18 10:00"), 0),
    ("end_before_start_same_window", at("2026-11-18 11:00"), at("2026-11-18 10:00"), 0),
    ("end_before_start_days_apart", at("2026-11-20 11:00"), at("2026-11-16 10:00"), 0),
    ("not_answered_yet", at("2026-11-18 10:00"), None, None),
    ("no_start", None, at("2026-11-18 10:00"), None),
    ("a_year", at("2026-01-01 00:00"), at("2027-01-01 00:00"), None),  # truth only
]


@dataclass(frozen=True)
class Hours:
    name: str
    timezone: str
    start: time
    end: time
    days: tuple[str, ...]


DEMO_HOURS = Hours("demo", "Europe/London", time(9), time(18), ("mon", "tue", "wed", "thu", "fri"))
CONFIGS = [
    DEMO_HOURS,
    Hours("new_york_with_saturdays", "America/New_York", time(8, 30), time(17), ("mon", "tue", "sat")),
    # Sunday nights across London's clock changes (both on Sundays): 01:30 local does not exist on
    # 2026-03-29 and happens twice on 2026-10-25.
    Hours("night_shift", "Europe/London", time(1, 30), time(3), ("sun",)),
]


def with_hours(company: CompanyConfig, hours: Hours) -> CompanyConfig:
    support = company.support.model_copy(
        update={
            "business_hours": company.support.business_hours.model_copy(
                update={"start": hours.start, "end": hours.end, "days": hours.days}
            )
        }
    )
    return company.model_copy(
        update={
            "company": company.company.model_copy(update={"timezone": hours.timezone}),
            "support": support,
        }
    )


@dataclass
class Built:
    hours: Hours
    windows: list[tuple[date, datetime, datetime]]
    seconds: dict[str, float | None]


@pytest.fixture(scope="module", params=CONFIGS, ids=lambda hours: hours.name)
def built(
    request: pytest.FixtureRequest, company: CompanyConfig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Built]:
    hours: Hours = request.param
    tmp = tmp_path_factory.mktemp(f"business_hours_{hours.name}")
    db_path = tmp / "w.duckdb"
    con = duckdb.connect(str(db_path))
    load_partitions(con, [], "load-1", with_hours(company, hours))
    con.execute(
        "create table main.business_hours_cases (case_id varchar, start_at timestamp, end_at timestamp)"
    )
    con.executemany("insert into main.business_hours_cases values (?, ?, ?)", [case[:3] for case in CASES])
    con.close()
    assert_dbt_succeeded(run_dbt(["build", "--select", "+int_support__business_hours"], db_path, tmp))
    compiled = compile_inline(
        "{{ business_seconds('main.business_hours_cases', 'case_id', 'start_at', 'end_at') }}",
        db_path,
        tmp,
    )
    con = duckdb.connect(str(db_path), read_only=True)
    windows = con.execute(
        "select business_date, opens_at, closes_at from intermediate.int_support__business_hours order by 1"
    ).fetchall()
    seconds = dict(con.execute(compiled).fetchall())
    con.close()
    yield Built(hours, windows, seconds)


def compile_inline(sql: str, db_path: Path, tmp: Path) -> str:
    result = run_dbt(["compile", "--inline", sql], db_path, tmp)
    assert_dbt_succeeded(result)
    return result.result.results[0].node.compiled_code


def truth(hours: Hours, start: datetime | None, end: datetime | None) -> float | None:
    return business_seconds(start, end, hours.timezone, hours.start, hours.end, hours.days)


def test_the_windows_are_the_configured_hours_in_the_company_time_zone(built: Built) -> None:
    hours = built.hours
    expected = list(
        business_windows(FIRST_DATE, LAST_DATE, hours.timezone, hours.start, hours.end, hours.days)
    )
    assert built.windows == expected


def test_every_case_has_the_truths_business_seconds(built: Built) -> None:
    assert set(built.seconds) == {case for case, *_ in CASES}
    wrong = {
        case: (built.seconds[case], truth(built.hours, start, end))
        for case, start, end, _ in CASES
        if not same_seconds(built.seconds[case], truth(built.hours, start, end))
    }
    assert not wrong, wrong


def test_the_truth_gives_the_seconds_worked_out_by_hand() -> None:
    """So the warehouse, equal to the truth for every case, gives them too (demo configuration)."""
    for case, start, end, by_hand in CASES:
        if case != "a_year":
            assert same_seconds(truth(DEMO_HOURS, start, end), by_hand), case


def test_the_cases_tell_a_wrong_time_zone_apart(built: Built) -> None:
    """A model that used UTC (or any other zone) for the company's hours would fail the cases."""
    for other in ("UTC", "America/New_York", "Asia/Tokyo"):
        if other == built.hours.timezone:
            continue
        shifted = Hours(other, other, built.hours.start, built.hours.end, built.hours.days)
        differing = [
            case
            for case, start, end, _ in CASES
            if not same_seconds(built.seconds[case], truth(shifted, start, end))
        ]
        assert differing, other


def same_seconds(got: float | None, expected: float | None) -> bool:
    if got is None or expected is None:
        return got is None and expected is None
    return abs(got - expected) < 1e-6
