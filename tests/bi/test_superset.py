"""Superset on the published snapshot, as ``make superset`` runs it: a real Superset (from
``.venv-superset``) provisioned from ``bi/superset/dashboard.yml``; every chart's data, read over
the REST API as a logged-in user, equals the same numbers computed from the marts with DuckDB;
the dashboard renders with data in headless Chromium; a new publication shows without a restart.

The snapshot is the demo warehouse (``full_warehouse``) published by the pipeline's publish step,
with one campaign's name made hostile (HTML that would run script if rendered as markup).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import secrets
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlalchemy

from bi.superset.provision import Superset, load_definition, provision, wait_healthy
from bi.superset.serve import VENV_BIN, Settings, prepare_metadata, start, stop
from demo.run import free_port
from demo.state import DEMO_REDDIT_CLIENT_SECRET, DEMO_TOKENS
from record.results import BLOCKING, CheckResult, write_results
from tests.chromium import browser, needs_chromium
from warehouse import pipeline

# Superset's set-up is about a minute (metadata, start, provisioning); the shared demo warehouse
# may be built first when no earlier module on this worker built it.
pytestmark = pytest.mark.timeout(720)

WINDOW = (dt.date(2026, 10, 9), dt.date(2026, 11, 19))
HOSTILE = "<img src=x onerror=\"document.title='pwned'\"><script>alert(1)</script> Spring giveaway"

# Each chart's numbers, computed from the marts directly: the same columns under the same names.
EXPECTED: dict[str, str] = {
    "Followers of our accounts": """
        select d.metric_date, d.platform, sum(d.followers) as followers
        from marts.fct_account_daily as d join marts.dim_account as a on a.account_key = d.account_key
        where a.is_own group by 1, 2
    """,
    "Follower growth by month": """
        select m.month_start, m.platform,
            sum(m.followers_end) as "followers at month end",
            sum(m.followers_gained) - sum(m.followers_lost) as "net follower change",
            (sum(m.followers_end) - sum(m.followers_start)) / nullif(sum(m.followers_start), 0)
                as "follower growth rate"
        from marts.fct_account_monthly as m join marts.dim_account as a on a.account_key = m.account_key
        where a.is_own group by 1, 2
    """,
    "Engagement rate by platform": """
        select m.month_start, m.platform,
            sum(m.engagements) / nullif(sum(m.views), 0) as "engagement rate"
        from marts.fct_account_monthly as m join marts.dim_account as a on a.account_key = m.account_key
        where a.is_own group by 1, 2
    """,
    # From the mention counts, not the mart's share column: a brand's mentions over the month's.
    "Share of voice by brand": """
        select month_start, brand,
            mentions / sum(mentions) over (partition by month_start) as "share of voice"
        from marts.fct_share_of_voice_monthly
    """,
    "Net sentiment by brand": """
        select month_start, brand, mentions, positive_mentions, neutral_mentions, negative_mentions,
            net_sentiment, share_of_voice
        from marts.fct_share_of_voice_monthly
    """,
    "Campaign ROI and uplift verdicts": """
        select campaign_name, platform, campaign_status, start_date, end_date, reporting_currency,
            cost, revenue, roi, sessions_verdict, key_events_verdict, engagements_verdict
        from marts.fct_campaign_performance
    """,
    "Support response times and SLA": """
        select first_inbound_month, inbound_items, items_answered, response_rate,
            median_first_response_minutes, p90_first_response_minutes,
            median_first_response_minutes_business_hours, sla_breaches, within_sla_share,
            within_sla_share_business_hours
        from marts.fct_support_monthly where platform = 'all' and channel = 'all'
    """,
    "Competitor benchmark, latest month": """
        select month_start, brand, platform, is_own, followers_end, follower_growth_rate,
            posts_per_week, engagements_per_post, engagement_rate_per_post, share_of_voice,
            followers_rank, engagements_per_post_rank, share_of_voice_rank
        from marts.fct_competitor_benchmark_monthly
        where month_start = (select max(month_start) from marts.fct_competitor_benchmark_monthly)
    """,
}


@dataclass
class Running:
    settings: Settings
    client: Superset
    ids: dict[str, Any]
    live: Path  # the live warehouse the snapshot is published from
    data: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    def chart_data(self, name: str) -> tuple[list[str], list[dict[str, Any]]]:
        response = self.client.session.get(
            f"{self.url}/api/v1/chart/{self.ids['charts'][name]}/data/", timeout=60
        )
        assert response.status_code == 200, (name, response.status_code, response.text[:500])
        [result] = response.json()["result"]
        return result["colnames"], result["data"]


def _publish(data: Path, run_id: str) -> Path:
    """The pipeline's publish step on the live warehouse under ``data``, for a run whose checks
    are recorded as passed (the checks themselves are tested in tests/expectations)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WAREHOUSE_DATA_DIR", str(data))
        env.delenv("WAREHOUSE_DUCKDB_PATH", raising=False)
        with duckdb.connect(str(data / "warehouse.duckdb")) as con:
            passed = CheckResult(
                run_id, "bi", "marts.dim_account", "ran", None, BLOCKING, True, None, None, None
            )
            write_results(con, run_id, WINDOW, ["bi"], [passed])
        return pipeline.publish_snapshot(*WINDOW, run_id, built_in_run=False).path


@pytest.fixture(scope="module")
def superset(full_warehouse: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    if not (VENV_BIN / "gunicorn").exists():
        pytest.fail("Superset is not installed: run `make superset-install` (make test does)")
    root = tmp_path_factory.mktemp("superset")
    data = root / "data"
    data.mkdir()
    live = full_warehouse.copy(data)
    with duckdb.connect(str(live)) as con:
        con.execute(
            "update marts.fct_campaign_performance set campaign_name = ? "
            "where campaign_name = (select min(campaign_name) from marts.fct_campaign_performance)",
            [HOSTILE],
        )
    snapshot = _publish(data, "run-1")
    settings = Settings(
        home=root / "superset",
        snapshot=snapshot,
        port=free_port(),
        secret_key=secrets.token_urlsafe(48),
        username="admin",
        password=secrets.token_urlsafe(18),
    )
    prepare_metadata(settings)
    server = start(settings)
    try:
        url = f"http://127.0.0.1:{settings.port}"
        wait_healthy(url, timeout=240)
        client = Superset.login(url, settings.username, settings.password)
        ids = provision(client, snapshot)
        yield Running(settings, client, ids, live, data)
    finally:
        stop(server)


def _normal(value: Any) -> Any:
    """A value as both sides can compare it: dates and timestamps as epoch milliseconds (how
    Superset's JSON sends them), decimals as floats."""
    if isinstance(value, dt.datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return stamp.timestamp() * 1000
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp() * 1000
    if isinstance(value, Decimal):
        return float(value)
    return value


def _same(a: Any, b: Any) -> bool:
    if (
        isinstance(a, bool)
        or isinstance(b, bool)
        or not isinstance(a, int | float)
        or not isinstance(b, int | float)
    ):
        return a == b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def mismatches(
    columns: Sequence[str], actual: Sequence[dict[str, Any]], expected: Sequence[dict[str, Any]]
) -> list[str]:
    """How Superset's rows differ from the marts' (empty when they agree): rows are matched by
    their text and date values, numbers compared to a relative 1e-9."""

    def keyed(rows: Sequence[dict[str, Any]]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        out: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for row in rows:
            values = tuple(_normal(row[c]) for c in columns)
            key = tuple(
                v for v, c in zip(values, columns, strict=True) if isinstance(v, str) or c in date_columns
            )
            out[key] = values
        return out

    date_columns = {c for c in columns if any(isinstance(r[c], dt.date) for r in expected)}
    problems = []
    if len(actual) != len(expected):
        problems.append(f"{len(actual)} rows, the marts have {len(expected)}")
    got, want = keyed(actual), keyed(expected)
    for key in sorted(set(got) | set(want), key=repr):
        if key not in got or key not in want:
            problems.append(f"row {key}: {'missing' if key not in got else 'not in the marts'}")
        elif not all(_same(a, b) for a, b in zip(got[key], want[key], strict=True)):
            problems.append(f"row {key}: Superset {got[key]}, marts {want[key]}")
    return problems


def _expected(snapshot: Path, name: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(snapshot), read_only=True) as con:
        cursor = con.execute(EXPECTED[name])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_every_chart_of_the_definition_is_checked() -> None:
    assert {chart["name"] for chart in load_definition()["charts"]} == set(EXPECTED)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_chart_shows_the_marts_numbers(superset: Running, name: str) -> None:
    columns, rows = superset.chart_data(name)
    expected = _expected(superset.settings.snapshot, name)
    assert expected, f"{name}: the marts have no rows for it"
    assert set(columns) == set(expected[0]), (columns, list(expected[0]))
    assert mismatches(columns, rows, expected) == []


def test_the_comparison_catches_a_wrong_number_or_row(superset: Running) -> None:
    """Every chart's comparison fails when one number is off by a millionth or a row is lost."""
    for name in EXPECTED:
        columns, rows = superset.chart_data(name)
        expected = _expected(superset.settings.snapshot, name)
        row, column = next(
            (i, c)
            for i, r in enumerate(rows)
            for c in columns
            if isinstance(r[c], int | float)
            and not isinstance(r[c], bool)
            and r[c]
            and c not in _dates(expected)
        )
        off = [dict(r) for r in rows]
        off[row][column] = off[row][column] * (1 + 1e-6)
        assert mismatches(columns, off, expected), (name, column)
        assert mismatches(columns, rows[1:], expected), name


def _dates(expected: list[dict[str, Any]]) -> set[str]:
    return {c for c, v in expected[0].items() if isinstance(v, dt.date)}


def test_superset_opens_the_snapshot_read_only(superset: Running) -> None:
    """The connection Superset stores opens the file read-only: the driver refuses a write
    through it (and Superset itself allows no DML on it)."""
    database = superset.client.call(
        "GET", f"database/{superset.ids['database']}/connection", "reading the connection"
    )["result"]
    uri = database["sqlalchemy_uri"]
    assert uri == f"duckdb:///{superset.settings.snapshot.resolve()}?access_mode=read_only"
    assert database["allow_dml"] is False
    engine = sqlalchemy.create_engine(uri, poolclass=sqlalchemy.pool.NullPool)
    with engine.connect() as con:
        assert con.execute(sqlalchemy.text("select count(*) from marts.dim_account")).scalar()
        with pytest.raises(sqlalchemy.exc.DBAPIError, match="read-only"):
            con.execute(sqlalchemy.text("create table marts.scratch as select 1 as x"))
    engine.dispose()


def test_provisioning_again_changes_nothing_and_duplicates_nothing(superset: Running) -> None:
    def counts() -> dict[str, int]:
        return {
            kind: superset.client.call("GET", f"{kind}/", kind, params={"q": "(page_size:100)"})["count"]
            for kind in ("database", "dataset", "chart", "dashboard")
        }

    before = counts()
    again = provision(superset.client, superset.settings.snapshot)
    assert again == superset.ids
    assert counts() == before == {"database": 1, "dataset": 6, "chart": len(EXPECTED), "dashboard": 1}


def test_provisioning_keeps_a_chart_added_by_hand(superset: Running) -> None:
    """A chart added to the dashboard outside the definition survives provisioning; a chart that
    provisioning created and the definition dropped is deleted. The hand-made chart's name needs
    Rison escaping, so looking it up also shows that a name is quoted as Superset reads it."""
    client, dashboard = superset.client, superset.ids["dashboard"]
    name = "Hand-made: it's ours (keep!)"
    dropped = "Competitor benchmark, latest month"
    definition = load_definition()
    smaller = {**definition, "charts": [c for c in definition["charts"] if c["name"] != dropped]}
    hand = client.call(
        "POST",
        "chart/",
        "creating a chart by hand",
        json={
            "slice_name": name,
            "viz_type": "table",
            "datasource_id": superset.ids["datasets"]["fct_campaign_performance"],
            "datasource_type": "table",
            "params": "{}",
            "dashboards": [dashboard],
        },
    )["id"]

    def on_the_dashboard() -> set[str]:
        listing = client.call("GET", f"dashboard/{dashboard}/charts", "listing the dashboard's charts")
        return {chart["slice_name"] for chart in listing["result"]}

    try:
        assert (client.find("chart", "slice_name", name) or {}).get("id") == hand
        assert {name, dropped} <= on_the_dashboard()
        provision(client, superset.settings.snapshot, smaller)
        assert name in on_the_dashboard() and dropped not in on_the_dashboard()
        kept = client.call("GET", f"chart/{hand}", "reading the hand-made chart")["result"]
        assert kept["slice_name"] == name
        assert client.find("chart", "slice_name", dropped) is None
    finally:
        client.call("DELETE", f"chart/{hand}", "deleting the hand-made chart")
        # The dropped chart comes back (under a new id) for the tests that follow.
        superset.ids.update(provision(client, superset.settings.snapshot))
    assert on_the_dashboard() == set(EXPECTED)


@needs_chromium
def test_the_dashboard_renders_every_chart_with_data(superset: Running, tmp_path: Path) -> None:
    from PIL import Image

    with browser(1600, 3400) as page:
        page.goto(f"{superset.url}/login/")
        page.type_into("#username", superset.settings.username)
        page.type_into("#password", superset.settings.password)
        page.click("[data-test=login-button]")
        page.wait_for("!location.pathname.startsWith('/login')", what="the login to go through")
        page.goto(superset.ids["url"].replace(superset.client.url, superset.url))
        charts = len(EXPECTED)
        # Rendered: each chart holder has its canvas (ECharts) or table rows, and nothing loads.
        state = page.wait_for(
            f"""(() => {{
                const holders = [...document.querySelectorAll('.dashboard-component-chart-holder')];
                const done = holders.filter(h =>
                    (h.querySelector('canvas') || h.querySelector('table tbody tr'))
                    && !h.querySelector('.loading, [aria-label="Loading"]'));
                return holders.length === {charts} && done.length === {charts} && holders.map(h => ({{
                    title: h.querySelector('.header-title, [data-test="editable-title"]')?.textContent ?? '',
                    text: h.innerText,
                    errors: h.querySelectorAll('.ant-alert-error, [data-test="error-message"]').length,
                }}));
            }})()""",
            timeout=240,  # eight charts on a loaded 2-core machine took more than 90 s
            what=f"{charts} charts rendered with data",
        )
        png = page.screenshot(tmp_path / "dashboard.png")
        injected = page.evaluate("document.querySelectorAll('img[src=\"x\"], [onerror]').length")
        title = page.evaluate("document.title")
        dialogs = list(page.dialogs)
    assert [s["errors"] for s in state] == [0] * charts, state
    assert {chart["name"] for chart in load_definition()["charts"]} <= {s["title"] for s in state}
    campaigns = next(s["text"] for s in state if s["title"] == "Campaign ROI and uplift verdicts")
    # The hostile name is shown as text (Superset also strips its attributes and script): no
    # element made from it, no handler, no script run.
    assert "<img" in campaigns and "Spring giveaway" in campaigns, campaigns
    assert injected == 0 and dialogs == [] and title != "pwned", (injected, dialogs, title)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (1600, 3400)
    colours = image.resize((400, 850)).getcolors(maxcolors=1 << 20) or []
    coloured = sum(n for n, (r, g, b) in colours if max(r, g, b) - min(r, g, b) > 40)
    assert len(colours) > 500 and coloured > 2000, (len(colours), coloured)  # charts, not a blank page


def test_a_new_publication_shows_without_a_restart(superset: Running) -> None:
    """The pipeline publishes over the file Superset reads; the next query reads the new data."""
    name = "Campaign ROI and uplift verdicts"
    columns, before = superset.chart_data(name)
    with duckdb.connect(str(superset.live)) as con:
        con.execute("update marts.fct_campaign_performance set revenue = revenue + 1000")
    _publish(superset.data, "run-2")
    columns, after = superset.chart_data(name)
    expected = _expected(superset.settings.snapshot, name)
    assert mismatches(columns, after, expected) == []
    revenue = {r["campaign_name"]: r["revenue"] for r in before if r["revenue"] is not None}
    assert revenue, "no campaign has revenue to change"
    now = {r["campaign_name"]: r["revenue"] for r in after if r["campaign_name"] in revenue}
    assert now == pytest.approx({name: value + 1000 for name, value in revenue.items()})


def secrets_in(folder: Path, secrets: Sequence[str]) -> list[tuple[str, str]]:
    """(file, secret) for each secret found in the bytes of a file under ``folder``."""
    files = [p for p in sorted(folder.rglob("*")) if p.is_file()]
    return [(str(p.relative_to(folder)), s) for p in files for s in secrets if s.encode() in p.read_bytes()]


# Last in the module: every test has used Superset (logins, provisioning, queries) by now.
def test_superset_keeps_no_secret(superset: Running, tmp_path: Path) -> None:
    """Superset's home (its metadata database, with the connection, datasets, charts, users and
    logs) holds neither its own secret key and admin password nor any pipeline token; a secret
    written into a copy of the metadata is found."""
    settings = superset.settings
    secrets = [settings.secret_key, settings.password, *DEMO_TOKENS.values(), DEMO_REDDIT_CLIENT_SECRET]
    assert (settings.home / "superset.db").is_file()
    assert secrets_in(settings.home, secrets) == []

    copy = tmp_path / "home"
    shutil.copytree(settings.home, copy)
    with sqlite3.connect(copy / "superset.db") as metadata:
        metadata.execute("update slices set description = ?", [f"token {DEMO_TOKENS['x']}"])
    assert secrets_in(copy, secrets) == [("superset.db", DEMO_TOKENS["x"])]
