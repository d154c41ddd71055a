"""Apply the starter dashboard (``bi/superset/dashboard.yml``) to a running Superset over its
REST API: the read-only database connection to the published snapshot, the datasets, the charts
and the dashboard.

Idempotent: every object is looked up by name and updated in place, so a second run changes
nothing that did not change and never duplicates; a chart dropped from the file is deleted from
the dashboard's charts (a chart added in the UI is left alone). It needs only ``requests`` and
``pyyaml``, so it runs from the project's virtualenv or Superset's (the compose service)::

    SUPERSET_ADMIN_USERNAME=admin SUPERSET_ADMIN_PASSWORD=... \\
        python -m bi.superset.provision --url http://localhost:8088 \\
        --snapshot data/published/warehouse.duckdb
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml

DEFINITION = Path(__file__).with_name("dashboard.yml")
SCHEMA = "marts"
# The namespace of the provisioned objects' UUIDs: the same name gives the same UUID everywhere.
NAMESPACE = uuid.UUID("5b0c5f0e-3f43-4f0e-9d8e-2f1f6c3b7a10")
PERCENT_WORDS = ("rate", "share", "roi", "sentiment")
FRACTIONAL_WORDS = ("minutes", "per_week", "per_post")


class ProvisioningError(RuntimeError):
    """Superset refused a request: the message says which object and what Superset answered."""


def rison_string(value: str) -> str:
    """``value`` as a quoted Rison string (the encoding of Superset's ``q`` parameter): ``!``
    and ``'`` are escaped with ``!``."""
    return "'" + value.replace("!", "!!").replace("'", "!'") + "'"


def snapshot_uri(snapshot: Path) -> str:
    """The SQLAlchemy URI of the published snapshot, opened read-only by duckdb-engine: readers
    take no write lock, so the pipeline's publish (a rename over the file) is never blocked, and
    each query opens the file anew (Superset's engines use no pool) and sees the newest snapshot."""
    return f"duckdb:///{snapshot.resolve()}?access_mode=read_only"


@dataclass
class Superset:
    """An authenticated REST client: JWT from ``/api/v1/security/login``, plus the CSRF token
    and session cookie that Superset's write endpoints ask for."""

    url: str
    session: requests.Session

    @classmethod
    def login(cls, url: str, username: str, password: str, timeout: float = 30) -> Superset:
        session = requests.Session()
        response = session.post(
            f"{url}/api/v1/security/login",
            json={"username": username, "password": password, "provider": "db", "refresh": False},
            timeout=timeout,
        )
        if response.status_code != 200:
            raise ProvisioningError(
                f"Superset at {url} refused the login of {username!r} ({response.status_code}): "
                "check SUPERSET_ADMIN_USERNAME and SUPERSET_ADMIN_PASSWORD"
            )
        session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        csrf = session.get(f"{url}/api/v1/security/csrf_token/", timeout=timeout)
        csrf.raise_for_status()
        session.headers["X-CSRFToken"] = csrf.json()["result"]
        session.headers["Referer"] = url
        return cls(url, session)

    def call(self, method: str, path: str, what: str, **kwargs: Any) -> dict[str, Any]:
        response = self.session.request(method, f"{self.url}/api/v1/{path}", timeout=120, **kwargs)
        if response.status_code >= 400:
            answer = response.text[:500]
            raise ProvisioningError(f"{what}: {method} {path} -> {response.status_code} {answer}")
        return response.json() if response.content else {}

    def find(self, resource: str, key: str, value: str, **match: str) -> dict[str, Any] | None:
        """The first ``resource`` whose ``key`` is ``value`` (and whose fields match ``match``):
        Superset filters the listing, so the lookup holds however many objects there are."""
        filters = ",".join(
            f"(col:{column},opr:eq,value:{rison_string(wanted)})"
            for column, wanted in {key: value, **match}.items()
        )
        query = f"(filters:!({filters}),page_size:100)"
        listing = self.call("GET", f"{resource}/", f"looking up {resource} {value!r}", params={"q": query})
        for item in listing["result"]:
            if item.get(key) == value and all(item.get(k) == v for k, v in match.items()):
                return item
        return None


def load_definition(path: Path = DEFINITION) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def provision(client: Superset, snapshot: Path, definition: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create or update every object of ``definition``; returns the ids:
    ``{"database": id, "datasets": {name: id}, "charts": {name: id}, "dashboard": id, "url": ...}``."""
    definition = definition or load_definition()
    database_id = _database(client, definition["database"]["name"], snapshot)
    datasets = {spec["name"]: _dataset(client, database_id, spec) for spec in definition["datasets"]}
    board = definition["dashboard"]
    dashboard_id = _dashboard(client, board)
    charts = {
        spec["name"]: _chart(client, spec, datasets[spec["dataset"]], dashboard_id)
        for spec in definition["charts"]
    }
    _drop_stale_charts(client, dashboard_id, set(charts.values()))
    client.call(
        "PUT",
        f"dashboard/{dashboard_id}",
        f"laying out dashboard {board['title']!r}",
        json={
            "position_json": json.dumps(_layout(board["title"], definition["charts"], charts)),
            "json_metadata": json.dumps({"color_scheme": "supersetColors", "refresh_frequency": 0}),
            "published": True,
        },
    )
    return {
        "database": database_id,
        "datasets": datasets,
        "charts": charts,
        "dashboard": dashboard_id,
        "url": f"{client.url}/superset/dashboard/{board['slug']}/",
    }


def _database(client: Superset, name: str, snapshot: Path) -> int:
    if not snapshot.is_file():
        raise ProvisioningError(f"no published snapshot at {snapshot}: run `make demo` (or a publish) first")
    payload = {
        "database_name": name,
        "sqlalchemy_uri": snapshot_uri(snapshot),
        "expose_in_sqllab": True,
        "allow_dml": False,
        "allow_file_upload": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_run_async": False,
    }
    found = client.find("database", "database_name", name)
    if found:
        client.call("PUT", f"database/{found['id']}", f"updating database {name!r}", json=payload)
        return int(found["id"])
    return int(client.call("POST", "database/", f"creating database {name!r}", json=payload)["id"])


def _dataset(client: Superset, database_id: int, spec: dict[str, Any]) -> int:
    name = spec["name"]
    what = f"dataset {name!r}"
    sql = spec.get("sql")
    found = client.find("dataset", "table_name", name, schema=SCHEMA)
    if found is None:
        created = client.call(
            "POST",
            "dataset/",
            f"creating {what}",
            json={
                "database": database_id,
                "schema": SCHEMA,
                "table_name": spec.get("table", name) if sql is None else name,
                "sql": sql,
                "uuid": str(uuid.uuid5(NAMESPACE, f"dataset:{name}")),
            },
        )
        dataset_id = int(created["id"])
    else:
        dataset_id = int(found["id"])
    client.call(
        "PUT",
        f"dataset/{dataset_id}",
        f"updating {what}",
        json={"database_id": database_id, "sql": sql, "description": spec.get("description")},
    )
    # Columns follow the mart (or the query) as it is now: a new column shows, a dropped one goes.
    client.call("PUT", f"dataset/{dataset_id}/refresh", f"refreshing the columns of {what}")
    return dataset_id


def _metrics(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"expressionType": "SQL", "sqlExpression": sql, "label": label, "hasCustomLabel": True}
        for label, sql in (spec.get("metrics") or {}).items()
    ]


def _number_format(column: str) -> str | None:
    """How a table shows a column: rates and shares as percentages, averages with one decimal."""
    if column.endswith("_rank"):
        return None
    if any(word in column for word in PERCENT_WORDS):
        return ".1%"
    if any(word in column for word in FRACTIONAL_WORDS):
        return ",.1f"
    return None


def form_data(spec: dict[str, Any], dataset_id: int) -> dict[str, Any]:
    """The chart's form data (what the chart editor saves as ``params``) for the kinds the
    definition uses."""
    common = {"datasource": f"{dataset_id}__table", "adhoc_filters": [], "row_limit": 10000}
    metrics = _metrics(spec)
    rate = any(word in label for label in (spec.get("metrics") or {}) for word in PERCENT_WORDS)
    if spec["kind"] in ("line", "bar"):
        return {
            **common,
            "viz_type": f"echarts_timeseries_{spec['kind']}",
            "x_axis": spec["x"],
            "time_grain_sqla": spec["time_grain"],
            "x_axis_sort_asc": True,
            "metrics": metrics,
            "groupby": [spec["series"]],
            "stack": "Stack" if spec.get("stack") else None,
            "show_legend": True,
            "legendType": "scroll",
            "rich_tooltip": True,
            "markerEnabled": True,  # a platform read on a few days only still shows its points
            "markerSize": 4,
            "y_axis_format": ".1%" if rate else "SMART_NUMBER",
            "x_axis_time_format": "%Y-%m-%d" if spec["time_grain"] == "P1D" else "%b %Y",
            "truncate_metric": True,
        }
    table = {
        **common,
        "viz_type": "table",
        # Values are shown as text, never as HTML: names and verdicts come from the data.
        "allow_render_html": False,
        "server_pagination": False,
        "include_search": True,
        "show_cell_bars": False,
        "table_timestamp_format": "%Y-%m-%d",
        "column_config": {
            column: {"d3NumberFormat": _number_format(column)}
            for column in [*(spec.get("columns") or []), *(spec.get("metrics") or {})]
            if _number_format(column)
        },
    }
    if "columns" in spec:
        return {
            **table,
            "query_mode": "raw",
            "all_columns": spec["columns"],
            "order_by_cols": [json.dumps(order) for order in spec.get("order_by", [])],
        }
    return {
        **table,
        "query_mode": "aggregate",
        "groupby": spec["group_by"],
        "metrics": metrics,
        "order_desc": True,
    }


def query_context(spec: dict[str, Any], dataset_id: int, params: dict[str, Any]) -> dict[str, Any]:
    """The query the chart runs, as its editor would save it: what ``/api/v1/chart/<id>/data/``
    answers with (the rows before the chart's own reshaping for display)."""
    query: dict[str, Any] = {
        "filters": [],
        "extras": {"having": "", "where": ""},
        "applied_time_extras": {},
        "row_limit": params["row_limit"],
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
    }
    if spec["kind"] in ("line", "bar"):
        axis = {
            "timeGrain": spec["time_grain"],
            "columnType": "BASE_AXIS",
            "sqlExpression": spec["x"],
            "label": spec["x"],
            "expressionType": "SQL",
        }
        query |= {
            "columns": [axis, spec["series"]],
            "series_columns": [spec["series"]],
            "metrics": params["metrics"],
            "orderby": [[params["metrics"][0], False]],
            "series_limit": 0,
            "time_offsets": [],
        }
    elif params["query_mode"] == "raw":
        query |= {"columns": params["all_columns"], "orderby": spec.get("order_by", [])}
    else:
        query |= {
            "columns": params["groupby"],
            "metrics": params["metrics"],
            "orderby": [[params["metrics"][0], False]],
        }
    return {
        "datasource": {"id": dataset_id, "type": "table"},
        "force": False,
        "queries": [query],
        "form_data": params,
        "result_format": "json",
        "result_type": "full",
    }


def _chart(client: Superset, spec: dict[str, Any], dataset_id: int, dashboard_id: int) -> int:
    name = spec["name"]
    params = form_data(spec, dataset_id)
    payload = {
        "slice_name": name,
        "viz_type": params["viz_type"],
        "datasource_id": dataset_id,
        "datasource_type": "table",
        "params": json.dumps(params),
        "query_context": json.dumps(query_context(spec, dataset_id, params)),
        "query_context_generation": True,
        "dashboards": [dashboard_id],
    }
    found = client.find("chart", "slice_name", name)
    if found:
        client.call("PUT", f"chart/{found['id']}", f"updating chart {name!r}", json=payload)
        return int(found["id"])
    payload["uuid"] = str(uuid.uuid5(NAMESPACE, f"chart:{name}"))
    return int(client.call("POST", "chart/", f"creating chart {name!r}", json=payload)["id"])


def _dashboard(client: Superset, board: dict[str, Any]) -> int:
    found = client.find("dashboard", "slug", board["slug"])
    if found:
        return int(found["id"])
    created = client.call(
        "POST",
        "dashboard/",
        f"creating dashboard {board['title']!r}",
        json={"dashboard_title": board["title"], "slug": board["slug"], "published": True},
    )
    return int(created["id"])


def _drop_stale_charts(client: Superset, dashboard_id: int, keep: set[int]) -> None:
    """Delete the dashboard's charts that provisioning created and the definition no longer has.
    A chart provisioning created carries the namespace's UUID for its name; any other chart (one
    added in the UI, a copy saved under another name) has a UUID of its own and is left alone."""
    listing = client.call("GET", f"dashboard/{dashboard_id}/charts", "listing the dashboard's charts")
    for chart in listing["result"]:
        if int(chart["id"]) in keep:
            continue
        name = chart["slice_name"]
        found = client.call("GET", f"chart/{chart['id']}", f"reading chart {name!r}")["result"]
        if found.get("uuid") == str(uuid.uuid5(NAMESPACE, f"chart:{name}")):
            client.call("DELETE", f"chart/{chart['id']}", f"deleting chart {name!r}")


def _layout(title: str, specs: list[dict[str, Any]], charts: dict[str, int]) -> dict[str, Any]:
    """The dashboard grid: charts in the definition's order, rows of 12 columns."""
    rows: list[list[dict[str, Any]]] = [[]]
    for spec in specs:
        width = int(spec.get("width", 6))
        if sum(int(s.get("width", 6)) for s in rows[-1]) + width > 12:
            rows.append([])
        rows[-1].append(spec)
    layout: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": title}},
    }
    for number, row in enumerate(rows, 1):
        row_id = f"ROW-{number}"
        layout["GRID_ID"]["children"].append(row_id)
        layout[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for spec in row:
            chart_id = charts[spec["name"]]
            key = f"CHART-{chart_id}"
            layout[row_id]["children"].append(key)
            layout[key] = {
                "type": "CHART",
                "id": key,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {
                    "chartId": chart_id,
                    "sliceName": spec["name"],
                    "width": int(spec.get("width", 6)),
                    "height": 50,
                    "uuid": str(uuid.uuid5(NAMESPACE, f"chart:{spec['name']}")),
                },
            }
    return layout


def wait_healthy(url: str, timeout: float = 180) -> float:
    """Seconds until ``url``/health answers OK; raises after ``timeout``."""
    started = time.monotonic()
    while True:
        try:
            if requests.get(f"{url}/health", timeout=5).text.strip() == "OK":
                return time.monotonic() - started
        except requests.RequestException:
            pass
        if time.monotonic() - started > timeout:
            raise ProvisioningError(f"Superset at {url} was not healthy after {timeout:.0f} s")
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=f"http://localhost:{os.environ.get('SUPERSET_PORT', '8088')}")
    default_snapshot = Path(os.environ.get("WAREHOUSE_DATA_DIR", "data")) / "published" / "warehouse.duckdb"
    parser.add_argument(
        "--snapshot",
        type=Path,
        default=Path(os.environ.get("SUPERSET_WAREHOUSE_SNAPSHOT") or default_snapshot),
        help="the published snapshot, as Superset's server sees its path",
    )
    parser.add_argument("--wait", type=float, default=180, help="seconds to wait for /health")
    parser.add_argument(
        "--wait-for-snapshot",
        type=float,
        default=0,
        help="seconds to wait for the first publication (a new deployment has none yet)",
    )
    args = parser.parse_args(argv)
    username = os.environ.get("SUPERSET_ADMIN_USERNAME", "admin")
    password = os.environ.get("SUPERSET_ADMIN_PASSWORD")
    if not password:
        print("error: set SUPERSET_ADMIN_PASSWORD (and SUPERSET_ADMIN_USERNAME)", file=sys.stderr)
        return 2
    deadline = time.monotonic() + args.wait_for_snapshot
    while not args.snapshot.is_file() and time.monotonic() < deadline:
        time.sleep(5)
    try:
        wait_healthy(args.url, args.wait)
        started = time.monotonic()
        result = provision(Superset.login(args.url, username, password), args.snapshot)
    except ProvisioningError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"provisioned {len(result['datasets'])} datasets, {len(result['charts'])} charts and the "
        f"dashboard in {time.monotonic() - started:.1f} s: {result['url']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
