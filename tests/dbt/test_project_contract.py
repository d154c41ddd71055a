"""The dbt project's contract with the people who read it, checked on a freshly parsed manifest.

- Every model states its grain (`config: meta: grain: [...]`) and tests it: `unique` + `not_null`
  on a one-column grain, `unique_combination_of_columns` over exactly the grain columns otherwise.
- Every mart model and every mart column is described (the BI tools show these descriptions:
  `persist_docs` writes them to the warehouse), and every column of the built marts is in the yml.
- Every raw source table has a loaded-at column and both a warn and an error freshness threshold,
  the warning first.
- The exposures (the monthly report and the BI dashboards) exist, depend on marts only, and say
  who owns them and where they live.
- Metric formulas have unit tests. The rule: a model under `intermediate/` or `marts/` that
  computes a metric (its SQL calls `safe_divide`, a percentile, a rank, the support statistics,
  business seconds or the t quantile) lists its formula columns in `config: meta: metric_formulas`,
  and every listed column appears in the expected rows of at least one unit test of that model.
  A new rate therefore fails here until it is declared and tested.
- A model's `meta: test_window` (a daily run tests only its rows from the rebuild day on) names
  a staging model's grain day taken from the raw partition's day.

Each check names every offender, so one run says everything that is missing.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

from core.settings import PROJECT_ROOT
from tests.conftest import run_dbt

BI_DOMAIN = "https://bi.lumo.example/"
STARTER_DASHBOARD = "http://localhost:8088/superset/dashboard/"  # `make superset`
EXPOSURES = {
    "monthly_social_report",
    "engagement_dashboard",
    "listening_dashboard",
    "support_dashboard",
    "campaigns_and_traffic_dashboard",
    "starter_dashboard",
}
# SQL that computes a metric (macros/safe_divide.sql, macros/support.sql, macros/business_hours.sql,
# macros/student_t.sql, and window ranks and percentiles written inline).
FORMULA_MARKERS = re.compile(
    r"safe_divide\(|quantile_cont\(|rank\(\)|support_response_stats\(|business_seconds\(|t_critical_975\("
)
HOURS = {"minute": 1 / 60, "hour": 1, "day": 24}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`dbt parse` of the working tree into a temporary target (parsing opens no database)."""
    tmp = tmp_path_factory.mktemp("dbt_contract")
    result = run_dbt(["parse"], tmp / "not-opened.duckdb", tmp)
    assert result.success, f"dbt parse failed: {result.exception}"
    return json.loads((tmp / "target" / "manifest.json").read_text())


def _models(manifest: dict[str, Any], folder: str | None = None) -> list[dict[str, Any]]:
    return sorted(
        (
            node
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model"
            and (folder is None or node["original_file_path"].startswith(f"models/{folder}/"))
        ),
        key=lambda node: node["name"],
    )


def _generic_tests(manifest: dict[str, Any], model_id: str) -> list[tuple[str, str | None, dict]]:
    """(test name, column, kwargs) of every generic data test attached to the model."""
    return [
        (node["test_metadata"]["name"], node.get("column_name"), node["test_metadata"].get("kwargs", {}))
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and node.get("test_metadata")
        and node.get("attached_node") == model_id
    ]


def _expected_columns(unit_test: dict[str, Any]) -> set[str]:
    rows = unit_test["expect"].get("rows")
    if isinstance(rows, str):  # format: csv
        return set(next(csv.reader(io.StringIO(rows.strip())), []))
    return {column for row in rows or [] for column in row}


def _hours(threshold: dict[str, Any] | None) -> float | None:
    if not threshold or threshold.get("count") is None:
        return None
    return threshold["count"] * HOURS[threshold["period"]]


def test_every_model_states_and_tests_its_grain(manifest: dict[str, Any]) -> None:
    offenders = []
    for model in _models(manifest):
        grain = model["config"].get("meta", {}).get("grain")
        if not grain:
            offenders.append(f"{model['name']}: no config.meta.grain")
            continue
        tests = _generic_tests(manifest, model["unique_id"])
        if len(grain) == 1:
            tested = {name for name, column, _ in tests if column == grain[0]}
            missing = {"unique", "not_null"} - tested
            if missing:
                offenders.append(f"{model['name']}: grain {grain} lacks {sorted(missing)}")
        elif not any(
            name == "unique_combination_of_columns" and set(kwargs["combination_of_columns"]) == set(grain)
            for name, _, kwargs in tests
        ):
            offenders.append(f"{model['name']}: no unique_combination_of_columns over grain {grain}")
    assert not offenders, "models without a grain test:\n" + "\n".join(offenders)


def _test_window_offenders(manifest: dict[str, Any]) -> list[str]:
    """Models whose ``meta.test_window`` (macros/test_window.sql) does not name a staging model's
    grain day taken from its raw partition's day: a daily run's tests would skip rows it changed."""
    offenders = []
    for model in _models(manifest):
        meta = model["config"].get("meta", {})
        column = meta.get("test_window")
        if not column:
            continue
        if not model["original_file_path"].startswith("models/staging/"):
            offenders.append(f"{model['name']}: test_window outside staging")
        if column not in meta.get("grain", []):
            offenders.append(f"{model['name']}: test_window {column} not in grain {meta.get('grain')}")
        if not re.search(rf"\bpartition_day\s+as\s+{column}\b", model["raw_code"]):
            offenders.append(f"{model['name']}: {column} is not the raw partition_day")
    return offenders


def test_every_test_window_is_a_staging_grain_day_from_the_raw_partition(manifest: dict[str, Any]) -> None:
    offenders = _test_window_offenders(manifest)
    assert not offenders, "\n".join(offenders)
    windowed = [model for model in _models(manifest) if model["config"]["meta"].get("test_window")]
    assert len(windowed) >= 15, [model["name"] for model in windowed]


def test_the_test_window_check_names_each_kind_of_wrong_window(manifest: dict[str, Any]) -> None:
    """The check above fails on a window outside staging, off the grain, or on a derived day."""
    nodes = {node["name"]: json.loads(json.dumps(node)) for node in _models(manifest)}
    outside = nodes["int_x__account_daily"]
    outside["config"]["meta"]["test_window"] = "metric_date"
    off_grain = nodes["stg_x__tweet_metrics"]
    off_grain["config"]["meta"]["test_window"] = "created_at"
    derived = nodes["stg_facebook_pages__posts"]
    derived["config"]["meta"].update(test_window="post_id", grain=["post_id"])
    offenders = _test_window_offenders({"nodes": {n["unique_id"]: n for n in (outside, off_grain, derived)}})
    assert offenders == [
        "int_x__account_daily: test_window outside staging",
        "int_x__account_daily: metric_date is not the raw partition_day",
        "stg_facebook_pages__posts: post_id is not the raw partition_day",
        "stg_x__tweet_metrics: test_window created_at not in grain ['tweet_id', 'snapshot_date']",
        "stg_x__tweet_metrics: created_at is not the raw partition_day",
    ], offenders


def test_every_mart_model_and_column_is_described(manifest: dict[str, Any]) -> None:
    offenders = []
    for model in _models(manifest, "marts"):
        if not model["description"].strip():
            offenders.append(f"{model['name']}: no model description")
        offenders += [
            f"{model['name']}.{name}: no description"
            for name, column in model["columns"].items()
            if not column["description"].strip()
        ]
    assert not offenders, "undescribed marts or mart columns:\n" + "\n".join(offenders)


def test_every_source_table_has_freshness(manifest: dict[str, Any]) -> None:
    offenders = []
    for source in sorted(manifest["sources"].values(), key=lambda s: s["unique_id"]):
        name = f"{source['source_name']}.{source['name']}"
        freshness = source.get("freshness") or {}
        warn, error = _hours(freshness.get("warn_after")), _hours(freshness.get("error_after"))
        if not (source.get("loaded_at_field") or source.get("loaded_at_query")):
            offenders.append(f"{name}: no loaded_at_field")
        if warn is None:
            offenders.append(f"{name}: no warn_after")
        if error is None:
            offenders.append(f"{name}: no error_after")
        if warn is not None and error is not None and warn >= error:
            offenders.append(f"{name}: warn_after ({warn} h) is not before error_after ({error} h)")
    assert not offenders, "source tables without a complete freshness check:\n" + "\n".join(offenders)


def test_exposures_exist_and_read_marts_only(manifest: dict[str, Any]) -> None:
    exposures = {exposure["name"]: exposure for exposure in manifest["exposures"].values()}
    offenders = [f"{name}: missing" for name in sorted(EXPOSURES - exposures.keys())]
    marts = {model["unique_id"] for model in _models(manifest, "marts")}
    for name, exposure in sorted(exposures.items()):
        depends_on = exposure["depends_on"]["nodes"]
        if not depends_on:
            offenders.append(f"{name}: depends on nothing")
        offenders += [f"{name}: depends on {node}, not a mart" for node in depends_on if node not in marts]
        if not (exposure.get("url") or "").startswith((BI_DOMAIN, STARTER_DASHBOARD)):
            offenders.append(f"{name}: url {exposure.get('url')!r} is not on {BI_DOMAIN} or Superset")
        if not exposure["owner"].get("email") or not exposure["description"].strip():
            offenders.append(f"{name}: no owner email or no description")
        if not exposure.get("maturity"):
            offenders.append(f"{name}: no maturity")
    dashboards = {n for n, e in exposures.items() if e["type"] == "dashboard"}
    if len(dashboards) < 4:
        offenders.append(f"only {sorted(dashboards)} are dashboards")
    assert not offenders, "exposure problems:\n" + "\n".join(offenders)


def test_metric_formulas_have_unit_tests(manifest: dict[str, Any]) -> None:
    covered: dict[str, set[str]] = {}
    for unit_test in manifest["unit_tests"].values():
        covered.setdefault(unit_test["model"], set()).update(_expected_columns(unit_test))
    offenders = []
    for model in _models(manifest, "intermediate") + _models(manifest, "marts"):
        formulas = model["config"].get("meta", {}).get("metric_formulas") or []
        if not formulas and FORMULA_MARKERS.search(model["raw_code"]):
            offenders.append(f"{model['name']}: computes metrics but lists no config.meta.metric_formulas")
        offenders += [
            f"{model['name']}.{column}: in no unit test's expected rows"
            for column in formulas
            if column not in covered.get(model["name"], set())
        ]
        if model["original_file_path"].startswith("models/marts/"):
            offenders += [
                f"{model['name']}.{column}: a metric formula missing from the yml columns"
                for column in formulas
                if column not in model["columns"]
            ]
    assert not offenders, "metric formulas without a unit test:\n" + "\n".join(offenders)


def test_every_built_mart_column_is_documented(manifest: dict[str, Any], full_warehouse: Any) -> None:
    """The yml matches the marts dbt actually builds: no column of a built mart goes undescribed."""
    documented = {model["name"]: model["columns"] for model in _models(manifest, "marts")}
    con = duckdb.connect(str(Path(full_warehouse.path)), read_only=True)
    try:
        built = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'marts' order by table_name, ordinal_position"
        ).fetchall()
    finally:
        con.close()
    assert {table for table, _ in built} >= documented.keys(), "a mart was not built"
    offenders = [
        f"{table}.{column}"
        for table, column in built
        if table in documented and not (documented[table].get(column) or {}).get("description", "").strip()
    ]
    assert not offenders, "built mart columns with no description in the yml:\n" + "\n".join(offenders)


def test_the_monthly_report_exposure_lists_exactly_the_marts_the_report_reads(
    manifest: dict[str, Any],
) -> None:
    """The lineage in dbt's docs is the report's real one: every mart its SQL names, no other."""
    from report import content

    source = Path(content.__file__).read_text(encoding="utf-8")
    read = {f"model.social_warehouse.{name}" for name in re.findall(r"\bmarts\.(\w+)", source)}
    exposure = next(e for e in manifest["exposures"].values() if e["name"] == "monthly_social_report")
    assert set(exposure["depends_on"]["nodes"]) == read


def test_the_starter_dashboard_exposure_lists_exactly_the_marts_its_file_reads(
    manifest: dict[str, Any],
) -> None:
    """The dashboard's lineage in dbt's docs is its file's: every mart a dataset reads, no other."""
    import yaml

    dashboard = yaml.safe_load((PROJECT_ROOT / "bi" / "superset" / "dashboard.yml").read_text())
    read = {d["table"] for d in dashboard["datasets"] if "table" in d}
    read |= {name for d in dashboard["datasets"] for name in re.findall(r"\bmarts\.(\w+)", d.get("sql", ""))}
    exposure = next(e for e in manifest["exposures"].values() if e["name"] == "starter_dashboard")
    slug = dashboard["dashboard"]["slug"]
    assert exposure["url"].rstrip("/").endswith(f"/dashboard/{slug}")
    assert set(exposure["depends_on"]["nodes"]) == {f"model.social_warehouse.{name}" for name in read}
