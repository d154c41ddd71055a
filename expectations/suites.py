"""The vocabulary of the data checks: ``Check``, ``SuiteSpec`` and the building blocks.

The suites themselves live in ``raw_suites`` (one per raw stream, plus payload-field and volume
suites) and ``mart_suites`` (volume and rows of the marts); ``catalog`` lists them all. A
``SuiteSpec`` is the SQL that reads the run window's batch out of DuckDB into a DataFrame (JSON
payload fields are picked out there, with DuckDB's JSON operators) and the list of checks GX runs
on it.

Every check has a short stable name and a severity:

* ``blocking`` — the warehouse must not be published while this fails (bad keys, impossible
  numbers, rows filed under the wrong day);
* ``warning`` — reported in ``audit.check_results`` and Data Docs, but publishing goes ahead.

The expected metric names, the latest possible day, the minimum row count and the volume bounds are GX
*suite parameters* (``{"$PARAMETER": ...}``) filled in at run time, so the stored suites do not
change from run to run. The batch SQL may use these DuckDB parameters, supplied by the runner:

* ``$start``, ``$end``: the run window (inclusive dates);
* ``$latest_day``: the last day any row may carry (today in UTC plus one day, or ``$end`` if later);
* ``$history_start``: the first day of the history that volume checks compare against
  (``$start`` minus ``quality.volume.history_days``);
* ``$read_end``: the window's last day that a judged day stream has rows for, the last day the
  run read day by day (a late run files its snapshot readings under yesterday, after it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import great_expectations.expectations as gxe
from great_expectations.expectations.metadata_types import FailureSeverity

from record.results import BLOCKING, SEVERITIES, WARNING

# Suite parameters, supplied by the runner on every run.
PAGE_INSIGHTS_METRICS = {"$PARAMETER": "page_insights_metrics"}
MIN_MART_ROWS = {"$PARAMETER": "min_mart_rows"}
LATEST_DAY = {"$PARAMETER": "latest_day"}
VOLUME_MIN_RATIO = {"$PARAMETER": "volume_min_ratio"}
VOLUME_MAX_RATIO = {"$PARAMETER": "volume_max_ratio"}


@dataclass(frozen=True)
class Check:
    """One named expectation and what its failure means for the run."""

    name: str
    severity: str
    expectation: gxe.Expectation

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"check {self.name}: severity must be one of {SEVERITIES}")

    @property
    def columns(self) -> tuple[str, ...]:
        """The DataFrame columns the check reads (empty for table-level checks)."""
        kwargs = self.expectation.configuration.kwargs
        if "column" in kwargs:
            return (kwargs["column"],)
        if "column_A" in kwargs:
            return (kwargs["column_A"], kwargs["column_B"])
        return tuple(kwargs.get("column_list", ()))


@dataclass(frozen=True)
class SuiteSpec:
    """A table, how to read the run window's batch of it, and the checks to run on that batch."""

    name: str
    table: str
    query: str  # DuckDB SQL with $start and $end (inclusive dates)
    source_columns: tuple[str, ...]  # table columns the query reads
    key_columns: tuple[str, ...]  # identify a row in the sample of unexpected rows
    checks: tuple[Check, ...]
    # Batch column -> table column, where they differ (for reporting the table's own names).
    table_columns: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [check.name for check in self.checks]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"suite {self.name}: check names must be unique: {', '.join(duplicates)}")

    @property
    def schema(self) -> str:
        return self.table.split(".", 1)[0]

    @property
    def table_name(self) -> str:
        return self.table.split(".", 1)[1]

    def table_column(self, column: str | None) -> str | None:
        return self.table_columns.get(column, column) if column else column


# ---------------------------------------------------------------------------------------------
# Building blocks. Each returns one Check; severity defaults to blocking.


def _check(
    name: str, severity: str, expectation_cls: type[gxe.Expectation], text: str, **kwargs: Any
) -> Check:
    expectation = expectation_cls(
        **kwargs,
        meta={"check": name, "severity": severity},
        description=f"[{severity}] {text}",
        severity=FailureSeverity.CRITICAL if severity == BLOCKING else FailureSeverity.WARNING,
    )
    return Check(name, severity, expectation)


def not_null(column: str, severity: str = BLOCKING) -> Check:
    return _check(
        f"{column}_not_null",
        severity,
        gxe.ExpectColumnValuesToNotBeNull,
        f"{column} is never null",
        column=column,
    )


def _rows(where: str | None, label: str) -> tuple[str, str, dict[str, str]]:
    """Name suffix, text and expectation arguments restricting a check to rows matching ``where``."""
    if where is None:
        return "", "", {}
    return f"_{label}", f" (rows where {where})", {"row_condition": where, "condition_parser": "pandas"}


def non_negative(column: str, severity: str = BLOCKING, where: str | None = None, label: str = "") -> Check:
    suffix, scope, rows = _rows(where, label)
    return _check(
        f"{column}_non_negative{suffix}",
        severity,
        gxe.ExpectColumnValuesToBeBetween,
        f"{column} is >= 0 where present{scope}",
        column=column,
        min_value=0,
        **rows,
    )


def at_most_one(column: str, severity: str = BLOCKING) -> Check:
    return _check(
        f"{column}_at_most_1",
        severity,
        gxe.ExpectColumnValuesToBeBetween,
        f"{column} is <= 1 where present",
        column=column,
        max_value=1,
    )


def same_day(column: str, partition_column: str, severity: str = BLOCKING) -> Check:
    return _check(
        f"{column}_matches_{partition_column}",
        severity,
        gxe.ExpectColumnPairValuesToBeEqual,
        f"the record's own day ({column}) is the partition it is filed under ({partition_column})",
        column_A=column,
        column_B=partition_column,
        ignore_row_if="both_values_are_missing",
    )


def in_set(column: str, value_set: Any, severity: str = BLOCKING) -> Check:
    return _check(
        f"{column}_expected",
        severity,
        gxe.ExpectColumnValuesToBeInSet,
        f"{column} is one of the expected values",
        column=column,
        value_set=value_set,
    )


def at_most(column_a: str, column_b: str, severity: str = BLOCKING) -> Check:
    return _check(
        f"{column_a}_at_most_{column_b}",
        severity,
        gxe.ExpectColumnPairValuesAToBeGreaterThanB,
        f"{column_a} <= {column_b} where both are present",
        column_A=column_b,
        column_B=column_a,
        or_equal=True,
        ignore_row_if="either_value_is_missing",
    )


def not_in_future(column: str, severity: str = BLOCKING) -> Check:
    """No row dated after ``latest_day`` (the batch must include rows after the window for this)."""
    return _check(
        f"{column}_not_in_future",
        severity,
        gxe.ExpectColumnValuesToBeBetween,
        f"{column} is not after the latest possible day",
        column=column,
        max_value=LATEST_DAY,
    )


def all_true(column: str, name: str, text: str, severity: str = BLOCKING, **rows: Any) -> Check:
    """Every row's boolean ``column`` is true, e.g. a fact's key found in its dimension."""
    return _check(
        name, severity, gxe.ExpectColumnValuesToBeInSet, text, column=column, value_set=[True], **rows
    )


def ratio_within_volume(column: str, name: str, text: str, severity: str = WARNING) -> Check:
    """An anomaly check on a ratio to history computed by the batch query (a day's value over its
    history's median, or a level over its previous reading; null when the baseline is too small):
    strictly inside the configured volume bounds, so a tenfold jump or a fall to a tenth (the
    bounds themselves, as ``quality.volume`` describes them) is flagged."""
    return _check(
        name,
        severity,
        gxe.ExpectColumnValuesToBeBetween,
        text,
        column=column,
        min_value=VOLUME_MIN_RATIO,
        max_value=VOLUME_MAX_RATIO,
        strict_min=True,
        strict_max=True,
    )


def has_rows(severity: str = BLOCKING) -> Check:
    return _check(
        "has_rows",
        severity,
        gxe.ExpectTableRowCountToBeBetween,
        "the window has rows (required only when the raw tables have data for the window)",
        min_value=MIN_MART_ROWS,
    )
