"""Run the data checks for one pipeline run and keep their results.

``run_checks`` reads each suite's batch for the run window out of DuckDB into a pandas DataFrame
and validates it with Great Expectations Core through a file data context (GX's SQL datasource
does not work on DuckDB, see STACK.md). Each suite runs as its own Checkpoint, because a
Checkpoint hands the same ``dataframe`` batch parameter to every validation definition. The HTML
Data Docs are rebuilt once per run, for that run's results. Results are written to
``audit.check_results`` (one row per run and check: the run record) and returned as a
``CheckReport``. Publishing reads the run record back and holds back the marts downstream of
each blocking failure (``publishing.snapshot``); ``raise_on_blocking`` is for the checks alone.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import shutil
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import great_expectations as gx
import pandas as pd
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.exceptions import DataContextError

from core.config import VolumeChecks
from core.scratch import held, replacing, sweep
from core.settings import data_docs_keep_runs, utc_today
from expectations.catalog import SUITES
from expectations.data_docs import data_docs_site_config, prune_validation_results, remove_empty_folders
from expectations.raw_suites import VOLUME_STREAMS
from expectations.suites import Check, SuiteSpec
from record.results import BLOCKING, WARNING, CheckResult, describe, jsonable, sample_of, write_results

log = logging.getLogger(__name__)

TABLE_EXISTS = "table_exists"
BATCH_QUERY = "batch_query"
DATASOURCE = "warehouse"
BATCH_DEFINITION = "run_window"
DOCS_SITE = "local_site"
DOCS_SITE_DIRECTORY = f"uncommitted/data_docs/{DOCS_SITE}/"
VALIDATIONS_DIRECTORY = "uncommitted/validations"


@dataclass(frozen=True)
class CheckReport:
    results: list[CheckResult]
    data_docs: Path

    @property
    def blocking_failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.severity == BLOCKING]

    @property
    def warnings(self) -> list[CheckResult]:
        """Failed checks of warning severity."""
        return [r for r in self.results if not r.success and r.severity == WARNING]

    def summary(self) -> str:
        """A message naming each failed check with its table, severity, observed value and sample."""
        run_ids = sorted({r.run_id for r in self.results})
        failed = self.blocking_failures + self.warnings
        head = f"Data checks for run {', '.join(run_ids) or '(none)'}: "
        if not failed:
            head += f"all {len(self.results)} checks passed."
        else:
            head += (
                f"{len(self.blocking_failures)} blocking failure(s), {len(self.warnings)} warning(s) "
                f"in {len(self.results)} checks."
            )
        lines = [head]
        for r in failed:
            lines.append(f"  {describe(r)}")
            if r.sample:
                lines.append(f"      sample: {r.sample}")
        if self.blocking_failures:
            lines.append(
                "Blocking failures hold back the marts downstream of their tables: fix the data, re-run."
            )
        lines.append(f"Data Docs: {self.data_docs}")
        return "\n".join(lines)


class ChecksFailed(Exception):
    """Blocking data checks failed; ``report`` holds every result."""

    def __init__(self, report: CheckReport):
        super().__init__(report.summary())
        self.report = report


def raise_on_blocking(report: CheckReport) -> None:
    """Raise ``ChecksFailed`` when any blocking check failed (warnings never raise)."""
    if report.blocking_failures:
        raise ChecksFailed(report)


def run_checks(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    start: date,
    end: date,
    gx_dir: Path,
    suites: Sequence[str] | None = None,
    *,
    page_insights_metrics: Iterable[str] | None = None,
    volume: VolumeChecks | None = None,
    today: date | None = None,
) -> CheckReport:
    """Validate the run window [start, end] and record the results; never raises on bad data.

    A missing table (or one lacking a column the suite reads) is a failed blocking check
    ``table_exists``. ``con`` must not be inside an open transaction: the audit rows are written
    in a transaction of their own.

    ``suites`` narrows the run to some suite names (default: all). ``page_insights_metrics`` is
    the expected set of page insight metric names and ``volume`` the anomaly bounds (default: the
    company configuration's). ``today`` (default: the UTC date) bounds the days a row may carry.
    Re-running a run id replaces that run's rows for the suites it ran.
    """
    if start > end:
        raise ValueError(f"window start {start} is after its end {end}")
    specs = _select(suites)
    if page_insights_metrics is None or volume is None:
        from core.config import load_config

        config = load_config()
        if page_insights_metrics is None:
            page_insights_metrics = config.sources.facebook_pages.page_insights_metrics
        volume = volume or config.quality.volume
    query_parameters = batch_parameters(con, start, end, volume, today)
    latest_day = query_parameters["latest_day"]
    began = time.monotonic()
    _quiet_gx()
    context = _open_context(gx_dir)
    parameters = {
        "page_insights_metrics": sorted(page_insights_metrics),
        "min_mart_rows": 1 if _raw_has_rows(con, start, end) else 0,
        "latest_day": latest_day.isoformat(),
        "volume_min_ratio": volume.min_ratio,
        "volume_max_ratio": volume.max_ratio,
    }
    gx_run = RunIdentifier(run_name=run_id, run_time=datetime.now(UTC))

    results: list[CheckResult] = []
    for spec in specs:
        problem = _table_problem(con, spec)
        results.append(_runner_check(run_id, spec, TABLE_EXISTS, problem))
        if problem:
            continue
        try:
            frame = _read_batch(con, spec, query_parameters)
        except duckdb.Error as error:
            results.append(_runner_check(run_id, spec, BATCH_QUERY, f"could not read the batch: {error}"))
            continue
        results += _validate(context, spec, frame, parameters, gx_run, run_id)

    data_docs = _build_data_docs(context, gx_dir, run_id)
    write_results(con, run_id, (start, end), [spec.name for spec in specs], results)
    report = CheckReport(results, data_docs)
    log.info(
        "checked run %s (%s..%s): %d checks, %d blocking failures, %d warnings in %.1f s",
        run_id,
        start,
        end,
        len(results),
        len(report.blocking_failures),
        len(report.warnings),
        time.monotonic() - began,
    )
    return report


# ---------------------------------------------------------------------------------------------
# Reading batches


def _select(names: Sequence[str] | None) -> list[SuiteSpec]:
    if names is None:
        return list(SUITES.values())
    unknown = sorted(set(names) - set(SUITES))
    if unknown:
        raise ValueError(f"unknown suite(s) {', '.join(unknown)}; known: {', '.join(SUITES)}")
    return [SUITES[name] for name in names]


def _runner_check(run_id: str, spec: SuiteSpec, name: str, problem: str | None) -> CheckResult:
    """A blocking check made by the runner itself, before GX gets a batch; passes without a problem."""
    observed = problem or "ok"
    return CheckResult(run_id, spec.name, spec.table, name, None, BLOCKING, not problem, observed, None, None)


def _table_columns(con: duckdb.DuckDBPyConnection, spec: SuiteSpec) -> set[str]:
    rows = con.execute(
        """
        select column_name from information_schema.columns
        where table_catalog = current_database() and table_schema = $schema and table_name = $table
        """,
        {"schema": spec.schema, "table": spec.table_name},
    ).fetchall()
    return {name for (name,) in rows}


def _table_problem(con: duckdb.DuckDBPyConnection, spec: SuiteSpec) -> str | None:
    """Why the suite's table cannot be checked (missing, or lacking columns), or None."""
    columns = _table_columns(con, spec)
    if not columns:
        return (
            f"table {spec.table} does not exist: has the pipeline step that builds it run "
            "against this warehouse?"
        )
    missing = [column for column in spec.source_columns if column not in columns]
    if missing:
        return (
            f"table {spec.table} has no column {', '.join(missing)}; if it was renamed, update "
            "the column names in expectations/suites.py"
        )
    return None


# Raw tables whose rows for a day make rows of the account marts (daily insights and statistics).
ACCOUNT_DAY_TABLES = (
    "raw.facebook_pages__page_insights",
    "raw.instagram__account_insights",
    "raw.x__user",
    "raw.linkedin__share_statistics",
    "raw.youtube__channel_daily",
)


def batch_parameters(
    con: duckdb.DuckDBPyConnection, start: date, end: date, volume: VolumeChecks, today: date | None = None
) -> dict[str, Any]:
    """The DuckDB parameters of the suites' batch queries for the window (``expectations.suites``)."""
    return {
        "start": start,
        "end": end,
        "latest_day": max(end, (today or utc_today()) + timedelta(days=1)),
        "history_start": start - timedelta(days=volume.history_days),
        "min_baseline": volume.min_baseline,
        "read_end": _days_read_through(con, start, end),
    }


def _days_read_through(con: duckdb.DuckDBPyConnection, start: date, end: date) -> date:
    """The window's last day that any judged day stream has rows for: the last day the run read
    day by day. A run later than its day (a catch-up, a backfill) files its snapshot readings
    under yesterday, past the days it read, so the window ends there; the day streams' rows for
    it come with the next run, and their volume is judged only through this day. A stream that
    stops landing while its siblings load is still judged on its empty days."""
    existing = _raw_tables(con)
    days = [
        con.execute(
            f"select max(partition_day) from raw.{table} where partition_day between $start and $end",
            {"start": start, "end": end},
        ).fetchone()[0]
        for table, partitioned_by in VOLUME_STREAMS.items()
        if partitioned_by == "day" and table in existing
    ]
    return max((day for day in days if day is not None), default=end)


def _raw_has_rows(con: duckdb.DuckDBPyConnection, start: date, end: date) -> bool:
    """Whether the account streams have rows for the window (then the account marts must too)."""
    existing = _raw_tables(con)
    for table in ACCOUNT_DAY_TABLES:
        if table.removeprefix("raw.") not in existing:
            continue
        row = con.execute(
            f"select exists (select 1 from {table} where partition_day between $start and $end)",
            {"start": start, "end": end},
        ).fetchone()
        if row and row[0]:
            return True
    return False


def _raw_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The names of the tables the loader has made so far in the ``raw`` schema."""
    return {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
    }


def _read_batch(
    con: duckdb.DuckDBPyConnection, spec: SuiteSpec, parameters: Mapping[str, Any]
) -> pd.DataFrame:
    """The suite's batch; its SQL gets the parameters it names (DuckDB refuses unused ones)."""
    used = set(re.findall(r"\$([a-z_]+)", spec.query))
    unknown = used - set(parameters)
    if unknown:
        raise ValueError(f"suite {spec.name}: its query uses unknown parameter(s) {sorted(unknown)}")
    relation = con.sql(spec.query, params={name: parameters[name] for name in used})
    date_columns = [
        name for name, kind in zip(relation.columns, relation.types, strict=True) if str(kind) == "DATE"
    ]
    with warnings.catch_warnings():
        # duckdb's DataFrame conversion calls DataFrame.drop(inplace=True), deprecated in pandas 3.
        warnings.filterwarnings("ignore", message=".*inplace keyword.*")
        frame = relation.df()
    # DuckDB DATE arrives as datetime64; GX compares a date column with date bounds only when
    # the column holds datetime.date values.
    for column in date_columns:
        frame[column] = frame[column].dt.date
    return frame


# ---------------------------------------------------------------------------------------------
# Great Expectations


def _quiet_gx() -> None:
    gx_logger = logging.getLogger("great_expectations")
    if gx_logger.level == logging.NOTSET:
        gx_logger.setLevel(logging.WARNING)


def _open_context(gx_dir: Path) -> Any:
    """The file data context at ``gx_dir`` (scaffolded on first use), analytics and progress bars
    off, its Data Docs site the offline one of ``expectations.data_docs``."""
    context = gx.get_context(mode="file", context_root_dir=str(gx_dir))
    variables = context.variables
    changed = False
    if variables.analytics_enabled is not False:
        variables.analytics_enabled = False
        changed = True
    bars = variables.progress_bars
    if bars is None or bars.get("globally", True) or bars.get("metric_calculations", True):
        variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        changed = True
    sites = {DOCS_SITE: data_docs_site_config(DOCS_SITE_DIRECTORY)}
    if variables.data_docs_sites != sites:
        variables.data_docs_sites = sites
        changed = True
    if changed:
        variables.save()
    return context


def _batch_definition(context: Any, spec: SuiteSpec) -> Any:
    try:
        datasource = context.data_sources.get(DATASOURCE)
    except KeyError:
        datasource = context.data_sources.add_pandas(DATASOURCE)
    try:
        asset = datasource.get_asset(spec.table)
    except LookupError:
        asset = datasource.add_dataframe_asset(spec.table)
    try:
        return asset.get_batch_definition(BATCH_DEFINITION)
    except KeyError:
        return asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)


def _stored_suite(context: Any, spec: SuiteSpec) -> Any:
    """The spec's suite in the store: written only when the definition changed, with stable ids.

    GX 1.24's ``suites.add_or_update`` means to keep the ids of unchanged expectations, but its
    equality test includes the id, so every call re-ids (and rewrites) every expectation.
    """
    # Copies: GX stamps ids on the expectation objects it stores.
    wanted = [copy.deepcopy(check.expectation) for check in spec.checks]
    meta = {"table": spec.table}
    try:
        existing = context.suites.get(spec.name)
    except DataContextError:
        return context.suites.add(gx.ExpectationSuite(name=spec.name, expectations=wanted, meta=meta))
    stored = [_definition(e) for e in existing.expectations]
    if stored == [_definition(e) for e in wanted] and existing.meta.get("table") == spec.table:
        return existing
    suite = gx.ExpectationSuite(name=spec.name, expectations=wanted, meta=meta)
    ids = {definition: e.id for definition, e in zip(stored, existing.expectations, strict=True)}
    for expectation in suite.expectations:  # set after construction: an id marks "already in a suite"
        expectation.id = ids.get(_definition(expectation))
    return context.suites.add_or_update(suite)


def _definition(expectation: Any) -> str:
    return json.dumps(expectation.dict(exclude={"id", "rendered_content"}), sort_keys=True, default=str)


def _validate(
    context: Any,
    spec: SuiteSpec,
    frame: pd.DataFrame,
    parameters: Mapping[str, Any],
    gx_run: RunIdentifier,
    run_id: str,
) -> list[CheckResult]:
    """Add or update the suite, its validation definition and checkpoint; run it; read results."""
    suite = _stored_suite(context, spec)
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=spec.name, data=_batch_definition(context, spec), suite=suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=spec.name,
            validation_definitions=[validation],
            actions=[],  # Data Docs are built once per run, after every suite
            result_format={
                "result_format": "SUMMARY",
                "partial_unexpected_count": 20,
                "unexpected_index_column_names": list(spec.key_columns),
            },
        )
    )
    outcome = checkpoint.run(
        batch_parameters={"dataframe": frame},
        expectation_parameters=dict(parameters),
        run_id=gx_run,
    )
    by_check = {}
    for suite_result in outcome.run_results.values():
        for result in suite_result.results:
            by_check[result.expectation_config.meta["check"]] = result
    return [_to_check_result(run_id, spec, check, by_check.get(check.name)) for check in spec.checks]


def _to_check_result(run_id: str, spec: SuiteSpec, check: Check, result: Any) -> CheckResult:
    column = ", ".join(spec.table_column(c) or c for c in check.columns) or None
    details = (result.result if result is not None else None) or {}
    error = _exception_message(result.exception_info) if result is not None else "GX returned no result"
    success = bool(result is not None and result.success)
    unexpected = details.get("unexpected_count")
    if error:
        observed: str | None = f"error: {error}"
    elif "observed_value" in details:
        observed = f"observed {jsonable(details['observed_value'])}"
    elif unexpected is not None:
        observed = f"{unexpected} of {details.get('element_count')} rows unexpected"
    else:
        observed = None
    rows = details.get("partial_unexpected_index_list") or details.get("partial_unexpected_list") or []
    return CheckResult(
        run_id=run_id,
        suite=spec.name,
        table=spec.table,
        check=check.name,
        column=column,
        severity=check.severity,
        success=success,
        observed=observed,
        unexpected_count=int(unexpected) if unexpected is not None else None,
        sample=None if success else _sample(spec, rows),
    )


def _exception_message(info: Any) -> str | None:
    """GX nests exception info per metric when a metric fails; flatten it to one message."""
    if not info:
        return None
    if "raised_exception" in info:
        return info.get("exception_message") if info.get("raised_exception") else None
    for value in info.values():
        if isinstance(value, dict) and value.get("exception_message"):
            return str(value["exception_message"])
    return None


def _sample(spec: SuiteSpec, rows: list[Any]) -> str | None:
    """Up to SAMPLE_SIZE distinct unexpected rows (key columns first) or values, as JSON."""
    named = ({spec.table_column(k): v for k, v in r.items()} if isinstance(r, dict) else r for r in rows)
    return sample_of(named, [spec.table_column(k) for k in spec.key_columns])


def data_docs_dir(gx_dir: Path) -> Path:
    """The local Data Docs site's folder (its ``index.html`` lists every run)."""
    return gx_dir / "uncommitted" / "data_docs" / DOCS_SITE


def _build_data_docs(context: Any, gx_dir: Path, run_id: str) -> Path:
    """Render this run's validation pages and the index, keeping the newest
    ``WAREHOUSE_DATA_DOCS_KEEP_RUNS`` runs: older runs' results and pages are deleted and the
    index lists exactly the runs kept. Earlier runs' pages are kept as built; the pages of the
    suites this run validated are rendered again (the index and each result link to them). A site
    without the vendored assets (built before the pages were made offline) is rendered whole once."""
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    keep = data_docs_keep_runs()
    pruned = prune_validation_results(context, keep)
    if pruned:
        log.info(
            "Data Docs: removed %d run(s) beyond the newest %d: %s", len(pruned), keep, ", ".join(pruned)
        )
    store = context.validation_results_store
    ours = [key for key in store.list_keys() if isinstance(key, ValidationResultIdentifier)]
    ours = [key for key in ours if key.run_id.run_name == run_id]
    suites = sorted({key.expectation_suite_identifier.name for key in ours})
    ours += [ExpectationSuiteIdentifier(name) for name in suites]
    if not (data_docs_dir(gx_dir) / "static" / "vendor").is_dir():
        ours = []  # every kept page, once
    context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=ours or None)
    for folder in (gx_dir / VALIDATIONS_DIRECTORY, data_docs_dir(gx_dir) / "validations"):
        remove_empty_folders(folder)
    return data_docs_dir(gx_dir) / "index.html"


def publish_data_docs(gx_dir: Path, target: Path) -> Path:
    """Copy the Data Docs site to ``target`` (replacing it) for readers outside the pipeline, one
    publish at a time (a lock beside it). The copy and the site it replaces are temporary folders
    named by this process (``replacing``): a killed publish's are removed by the next one's sweep."""
    source = data_docs_dir(gx_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    with held(target.with_name(f".{target.name}.lock"), f"{target}: another check run is publishing it"):
        sweep(target.parent)
        for legacy in (".tmp", ".old"):  # the fixed names of earlier versions, if any
            shutil.rmtree(target.with_name(f".{target.name}{legacy}"), ignore_errors=True)
        with replacing(target) as staging:
            shutil.copytree(source, staging)
    return target / "index.html"
