"""The pipeline's steps as plain functions: what Airflow tasks and the command line both call.

Each step reads and writes by an explicit window of days, never by "now", so re-running a day or
a range gives the same warehouse. Steps that write DuckDB open it, do their work and close it, so
the next writer (another task, dbt) can take the lock.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from core.config import load_config
from core.database import writer
from core.scratch import replacing, scratch_dir, sweep
from core.settings import dbt_selection, paths
from extractors import source_class
from extractors.core import Window
from extractors.landing import Partition
from loading.raw import load_partitions, partitions_in_landing
from loading.raw import raw_watermark as read_raw_watermark
from publishing.snapshot import Publication, publish, refresh

log = logging.getLogger(__name__)


def extract(
    source: str, start: date, end: date, run_id: str, streams: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """Extract ``source`` (all its streams, or ``streams``) over [start, end] into the landing
    zone; describe what landed."""
    landed = source_class(source)(load_config()).run(
        Window(start, end), paths().landing, run_id, streams=streams
    )
    return [_describe(p) for p in landed]


def load(partitions: Iterable[Mapping[str, Any]], run_id: str) -> dict[str, int]:
    """Load the described partitions into the raw tables, replacing them; rows per table."""
    batch = [_partition(p) for p in partitions]
    with writer() as con:
        results = load_partitions(con, batch, run_id, load_config())
    return {r.table: r.rows for r in results}


def replay(start: date, end: date, run_id: str) -> dict[str, int]:
    """Reload every landed partition for [start, end] from the landing zone."""
    batch = partitions_in_landing(paths().landing, start, end)
    return load([_describe(p) for p in batch], run_id)


def check_sources() -> tuple[list[dict[str, Any]], str | None]:
    """dbt source freshness and the source tests: what they found (for the run record), and why
    they failed (None when nothing blocks). Freshness never blocks: a stale source keeps its last
    data and is recorded as a warning (``record.dbt_artifacts``); the source tests do."""
    from record.dbt_artifacts import dbt_results
    from transform.dbt import DbtError, run_dbt

    found: list[dict[str, Any]] = []
    errors: list[str] = []
    for args in (["source", "freshness"], ["test", "--select", "source:*"]):
        with scratch_dir(paths().scratch, "dbt-sources") as target:
            try:
                run_dbt(args, target_path=target)
            except DbtError as error:
                if args[0] != "source":
                    errors.append(str(error))
                else:
                    log.warning("dbt source freshness: %s (recorded as warnings; not blocking)", error)
            found += dbt_results(target, paths().warehouse)
    return found, "\n".join(errors) or None


# Every model with its data tests and unit tests, in dbt's order; the source tests ran before
# (``check_sources``) and exposures are documentation. One process, the profile's threads.
BUILD_SELECTION = ("--select", "resource_type:model resource_type:seed resource_type:snapshot")


@dataclass(frozen=True)
class Build:
    """What one ``dbt build`` found: the run record's rows, and the nodes that failed themselves."""

    found: list[dict[str, Any]]
    failed: list[str]  # "<relation>: <check>: <message>", the root causes (not what was skipped)
    error: str | None  # dbt failed; None when every node passed

    def status_lines(self) -> list[tuple[int, str]]:
        """The task log's status of the build, (logging level, text): each model, then each test
        that did not pass."""
        lines = []
        for item in sorted(self.found, key=lambda i: (i["check"] != "model_builds", i["table"], i["check"])):
            if item["success"] and item["check"] != "model_builds":
                continue
            what = item["table"] if item["check"] == "model_builds" else f"{item['table']} {item['check']}"
            if item["success"]:
                lines.append((logging.INFO, f"OK      {what}"))
            elif _skipped(item):
                lines.append((logging.WARNING, f"SKIPPED {what}: {item['observed']}"))
            else:
                level, state = (logging.ERROR, "FAILED ") if _blocks(item) else (logging.WARNING, "WARN   ")
                lines.append((level, f"{state} {what}: {item['observed']}"))
        return lines


def transform_selection() -> tuple[str, ...]:
    """The transform's ``dbt build`` selection: every model, or ``WAREHOUSE_DBT_SELECT``'s (with
    only the tests wholly inside it: a relationship test to a model left out would fail)."""
    narrowed = dbt_selection()
    return ("--select", narrowed, "--indirect-selection", "cautious") if narrowed else BUILD_SELECTION


def build_models(selection: Sequence[str] | None = None, rebuild_from: date | None = None) -> Build:
    """``dbt build`` the warehouse once (each model with its tests; ``selection`` defaults to
    :func:`transform_selection`); a failing model or test stops only what is built from it. Never
    raises for a failing node: the caller records what was found and holds back what is
    downstream. DbtError only when dbt could not run at all.

    ``rebuild_from``: the first day the incremental marts rebuild, the run's window start (which
    reaches back over the sources' look-back). None leaves it to each mart: the newest day it
    holds minus the look-back (``dbt_project/macros/incremental.sql``). It goes to dbt in the
    environment (``WAREHOUSE_REBUILD_FROM``), not ``--vars``, so that dbt keeps its partial parse
    when the day changes."""
    from record.dbt_artifacts import dbt_results
    from transform.dbt import REBUILD_FROM_ENV, DbtError, run_dbt

    args = ["build", *(transform_selection() if selection is None else selection)]
    env = {REBUILD_FROM_ENV: rebuild_from.isoformat() if rebuild_from else ""}  # "": none
    with scratch_dir(paths().scratch, "dbt-build") as target:
        error: str | None = None
        try:
            run_dbt(args, target_path=target, env=env)
        except DbtError as failed:
            error = str(failed)
        found = dbt_results(target, paths().warehouse)
    if error and not found:
        raise DbtError(error)  # nothing ran (the project or the warehouse could not be opened)
    failed = [f"{i['table']}: {i['check']}: {i['observed']}" for i in found if _blocks(i) and not _skipped(i)]
    return Build(found, failed, error)


def _skipped(item: Mapping[str, Any]) -> bool:
    from record.dbt_artifacts import was_skipped

    return not item["success"] and was_skipped(item["observed"])


def _blocks(item: Mapping[str, Any]) -> bool:
    from record.results import BLOCKING

    return not item["success"] and item["severity"] == BLOCKING


def record_dbt(start: date, end: date, run_id: str, found: Iterable[Mapping[str, Any]]) -> None:
    """Put what dbt found (from :func:`record.dbt_artifacts.dbt_results`) into the run record."""
    from record.dbt_artifacts import record_dbt_results

    with writer() as con:
        record_dbt_results(con, run_id, (start, end), found)


def check(
    start: date, end: date, run_id: str, strict: bool = False, marts: Iterable[str] | None = None
) -> str:
    """Run the data checks for the window and publish their Data Docs. A blocking failure holds
    back the marts downstream of it when publishing (``publish``); ``strict`` raises ChecksFailed
    on it instead (the checks alone, from the command line). ``marts`` narrows the mart suites to
    those tables (a transform narrowed by ``WAREHOUSE_DBT_SELECT``); every raw suite runs."""
    from expectations.runner import publish_data_docs, raise_on_blocking, run_checks

    with writer() as con:
        report = run_checks(
            con, run_id, start, end, paths().gx, None if marts is None else check_suites(marts)
        )
    docs = publish_data_docs(paths().gx, paths().published_data_docs)
    log.info("%s\nPublished Data Docs: %s", report.summary(), docs)
    if strict:
        raise_on_blocking(report)
    return report.summary()


def check_suites(marts: Iterable[str]) -> list[str]:
    """The suites that check ``marts`` ("marts.<name>") and every raw table."""
    from expectations.catalog import SUITES

    wanted = set(marts)
    return [
        name for name, spec in SUITES.items() if not spec.table.startswith("marts.") or spec.table in wanted
    ]


def report_run(
    run_id: str,
    window: tuple[date, date],
    found: Iterable[Mapping[str, Any]],
    failed_steps: Sequence[str] = (),
    context: Mapping[str, Any] | None = None,
) -> str:
    """Complete the run record with dbt's results, notify, and raise RunFailed if the run was
    held back or a step failed; the outcome's message otherwise."""
    from alerts.quality import notify
    from publishing.outcome import RunFailed, record_and_assess

    with writer() as con:
        outcome = record_and_assess(con, run_id, window, found, paths().published, failed_steps)
    message = outcome.message()
    log.info("%s", message)
    try:
        notify(outcome, load_config(), context)
    except Exception as error:
        if outcome.failed:
            raise RunFailed(f"{message}\nThe notification failed too: {error}") from error
        raise
    if outcome.failed:
        raise RunFailed(message)
    return message


def generate_dbt_docs() -> Path:
    """dbt's documentation site for the warehouse as built, as one static page next to the snapshot."""
    from transform.dbt import run_dbt

    target = paths().published_dbt_docs
    target.mkdir(parents=True, exist_ok=True)
    sweep(target)
    with scratch_dir(paths().scratch, "dbt-docs") as build:
        run_dbt(["docs", "generate", "--static"], target_path=build)
        page = target / "index.html"
        with replacing(page) as temp:
            shutil.copyfile(build / "static_index.html", temp)
    return page


def build_listening() -> None:
    """``dbt build`` of the mention and support marts and what they depend on (the hourly DAG),
    with dbt's partial parse of this warehouse; DbtError names what failed."""
    from transform.dbt import run_dbt
    from warehouse.orchestration import LISTENING_MODELS

    selection = ["--select", *(f"+{model}" for model in LISTENING_MODELS), "--indirect-selection", "cautious"]
    with scratch_dir(paths().scratch, "dbt-listening") as target:
        run_dbt(["build", *selection], target_path=target)


def publish_listening(
    start: date, end: date, run_id: str, raw_watermark_at_start: str | None = None
) -> Publication | None:
    """Put the marts the hourly run has just built and tested into the published snapshot, every
    other table staying as published (refused if raw data changed since the build began); None
    when nothing is published yet (the daily run publishes the first snapshot)."""
    from warehouse.orchestration import LISTENING_MODELS

    if not paths().published.exists():
        log.warning("no published snapshot yet: the hourly marts reach BI with the daily run's first publish")
        return None
    with writer() as con:
        marts = [f"marts.{m}" for m in LISTENING_MODELS]
        return refresh(con, paths().published, marts, run_id, start, end, raw_watermark_at_start)


def raw_watermark() -> str | None:
    """When the raw tables last changed; recorded before a transform starts building."""
    with writer() as con:
        return read_raw_watermark(con)


def publish_snapshot(
    start: date, end: date, run_id: str, raw_watermark_at_start: str | None = None, built_in_run: bool = True
) -> Publication:
    """Publish the checked marts for BI (refused if raw data changed since the run began),
    holding back those downstream of a blocking failure; ``built_in_run``: see ``publish``."""
    with writer() as con:
        return publish(
            con, paths().published, run_id, start, end, raw_watermark_at_start, built_in_run=built_in_run
        )


def _describe(partition: Partition) -> dict[str, Any]:
    described = asdict(partition)
    described.update(day=partition.day.isoformat(), path=str(partition.path))
    return described


def _partition(described: Mapping[str, Any]) -> Partition:
    return Partition(
        source=described["source"],
        stream=described["stream"],
        account=described["account"],
        day=date.fromisoformat(described["day"]),
        path=Path(described["path"]),
        rows=int(described.get("rows", -1)),
    )
