"""The run record and its notification, on the whole demo warehouse, with real dbt, a real SMTP
server (aiosmtpd) and the demo server's webhook receiver.

dbt's own artifacts are turned into run-record rows (a failing data test names its table, column
and failing row count; unit tests, model builds and source freshness are rows too); the record of
a run is complete after ``report_run``; a held-back run fails with a message naming the check,
the table and sample rows, and both channels receive it; warnings publish and notify; a clean run
sends nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import duckdb
import pytest
import requests

from alerts import quality
from demo.run import alert_connections, smtp_catcher
from publishing import outcome as run_outcome
from publishing.snapshot import publish
from record import dbt_artifacts
from record.results import AUDIT_TABLE, BLOCKING, WARNING, CheckResult, write_results
from tests.chromium import needs_chromium, open_offline
from tests.conftest import DEMO_TODAY, run_dbt
from warehouse import pipeline

WINDOW = (date(2026, 11, 13), date(2026, 11, 19))
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def warehouse(full_warehouse, tmp_path, monkeypatch) -> Path:
    """A private copy of the full demo warehouse as the live warehouse of a data directory."""
    data = tmp_path / "data"
    data.mkdir()
    path = full_warehouse.copy(data)
    monkeypatch.setenv("WAREHOUSE_DATA_DIR", str(data))
    monkeypatch.delenv("WAREHOUSE_DUCKDB_PATH", raising=False)
    return path


@pytest.fixture
def channels(demo, monkeypatch):
    """Email to a local SMTP server and the webhook to the demo server's receiver."""
    before = len(requests.get(f"{demo.url}/_demo/webhook", timeout=10).json())
    with smtp_catcher() as (port, received):
        for name, value in alert_connections(port, f"{demo.url}/_demo/webhook").items():
            monkeypatch.setenv(name, value)

        def webhooks() -> list[dict]:
            return requests.get(f"{demo.url}/_demo/webhook", timeout=10).json()[before:]

        yield received, webhooks


def _results(run_id: str, *broken: CheckResult) -> list[CheckResult]:
    suite, table = "marts_fct_account_daily", "marts.fct_account_daily"
    passing = CheckResult(run_id, suite, table, "account_key_not_null", "account_key", BLOCKING, True,
                          "0 of 682 rows unexpected", 0, None)  # fmt: skip
    return [passing, *broken]


def _failure(run_id: str, severity: str, check: str = "engagement_rate_between_0_and_1") -> CheckResult:
    sample = json.dumps([{"account_key": "x:1", "metric_date": "2026-11-18", "text": HOSTILE}])
    return CheckResult(run_id, "marts_fct_account_daily", "marts.fct_account_daily", check,
                       "engagement_rate", severity, False, "1 of 682 rows unexpected", 1, sample)  # fmt: skip


def _body(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def test_dbt_artifacts_become_run_record_rows(warehouse: Path, tmp_path: Path) -> None:
    """A duplicated dim_account row fails its key test: the row names the table, the column and
    the failing count, at blocking severity; unit tests and passing tests are rows too."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into marts.dim_account select * from marts.dim_account limit 1")
    result = run_dbt(["test", "--select", "dim_account"], warehouse, tmp_path)
    assert not result.success
    found = dbt_artifacts.dbt_results(tmp_path / "target")
    failing = [f for f in found if not f["success"]]
    assert failing, found
    assert {f["table"] for f in failing} == {"marts.dim_account"}
    assert all(f["severity"] == BLOCKING and f["suite"] == dbt_artifacts.DBT_SUITE for f in failing)
    assert any(f["column"] == "account_key" and f["unexpected_count"] == 1 for f in failing), failing
    assert any(f["success"] for f in found)  # the other tests of the model passed

    clean = tmp_path / "clean"
    assert run_dbt(["source", "freshness"], warehouse, clean).success
    freshness = dbt_artifacts.dbt_results(clean / "target")
    raw_tables = (
        duckdb.connect(str(warehouse), read_only=True)
        .execute("select count(*) from duckdb_tables() where schema_name = 'raw'")
        .fetchone()[0]
    )
    assert len(freshness) == raw_tables
    assert all(f["suite"] == dbt_artifacts.FRESHNESS_SUITE and f["success"] for f in freshness), freshness
    assert all(f["observed"].startswith("last load ") for f in freshness)


def test_a_stale_source_is_a_warning_never_a_hold_back(warehouse: Path) -> None:
    """A source whose loads stopped four days ago (an expired token) is past dbt's error_after:
    the run record names it stale, as a warning, and the source checks do not hold the run back,
    so every other source still publishes."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update raw.x__user set _loaded_at = _loaded_at - interval 4 days")
    found, error = pipeline.check_sources()
    assert error is None, error
    stale = [f for f in found if f["suite"] == dbt_artifacts.FRESHNESS_SUITE and not f["success"]]
    assert [f["table"] for f in stale] == ["raw.x__user"], stale
    assert stale[0]["severity"] == WARNING and "error" in stale[0]["observed"]


def test_a_held_back_run_is_recorded_notified_and_fails_naming_the_check(warehouse: Path, channels) -> None:
    received, webhooks = channels
    run_id = "scheduled__held_back"
    with duckdb.connect(str(warehouse)) as con:
        write_results(
            con, run_id, WINDOW, ["marts_fct_account_daily"], _results(run_id, _failure(run_id, BLOCKING))
        )
    dbt_found = [{"suite": "dbt", "table": "marts.fct_mentions", "check": "unique_fct_mentions_mention_id",
                  "column": "mention_id", "severity": WARNING, "success": False,
                  "observed": "Got 2 results", "unexpected_count": 2}]  # fmt: skip

    with pytest.raises(run_outcome.RunFailed) as failed:
        pipeline.report_run(run_id, WINDOW, dbt_found, ["publish", "docs"])
    message = str(failed.value)
    assert "NOT published" in message
    assert "marts.fct_account_daily engagement_rate_between_0_and_1" in message
    assert '"metric_date": "2026-11-18"' in message  # sample rows
    assert "Failed steps: publish, docs" in message

    with duckdb.connect(str(warehouse), read_only=True) as con:
        record = con.execute(
            f"select suite, check_name, severity, success, window_start, window_end from {AUDIT_TABLE} "
            "where run_id = $run_id order by suite, check_name",
            {"run_id": run_id},
        ).fetchall()
    assert record == [
        ("dbt", "unique_fct_mentions_mention_id", WARNING, False, *WINDOW),
        ("marts_fct_account_daily", "account_key_not_null", BLOCKING, True, *WINDOW),
        ("marts_fct_account_daily", "engagement_rate_between_0_and_1", BLOCKING, False, *WINDOW),
    ]

    [email] = received
    assert "held back" in email["subject"] and "1 blocking check(s) failed" in email["subject"]
    body = _body(email)
    assert "engagement_rate_between_0_and_1" in body and "marts.fct_account_daily" in body
    assert "unique_fct_mentions_mention_id" in body  # the warning is listed too
    assert HOSTILE not in body and "&lt;script&gt;" in body
    [posted] = webhooks()
    text = json.dumps(posted)
    assert "held back" in text and "engagement_rate_between_0_and_1" in text
    assert HOSTILE not in text


def _publish(warehouse: Path, run_id: str) -> None:
    with duckdb.connect(str(warehouse)) as con:
        publish(con, warehouse.parent / "published" / "warehouse.duckdb", run_id, *WINDOW)


def test_a_partly_held_back_run_publishes_the_rest_fails_and_names_the_held_back_marts(
    warehouse: Path, channels
) -> None:
    """A blocking failure on fct_account_daily: the run publishes every other mart, keeps
    fct_account_daily and what is built from it at the clean run's version, fails in its
    report naming the check and the held-back marts, and the alert says so."""
    received, webhooks = channels
    with duckdb.connect(str(warehouse)) as con:
        write_results(con, "clean", WINDOW, ["marts_fct_account_daily"], _results("clean"))
    _publish(warehouse, "clean")
    run_id = "scheduled__partly"
    with duckdb.connect(str(warehouse)) as con:
        write_results(
            con, run_id, WINDOW, ["marts_fct_account_daily"], _results(run_id, _failure(run_id, BLOCKING))
        )
    _publish(warehouse, run_id)
    with pytest.raises(run_outcome.RunFailed) as failed:
        pipeline.report_run(run_id, WINDOW, [])
    message = str(failed.value)
    assert "was published, but" in message and "HELD BACK" in message
    assert (
        "held back: marts.fct_account_daily (engagement_rate_between_0_and_1 on marts.fct_account_daily)"
        in message
    )
    assert "held back: marts.fct_account_monthly" in message and "fct_mentions" not in message
    [email] = received
    assert "mart(s) held back: marts.fct_account_daily" in email["subject"]
    assert "marts.fct_account_monthly" in _body(email)
    assert len(webhooks()) == 1


def test_warnings_publish_and_notify(warehouse: Path, channels) -> None:
    received, webhooks = channels
    run_id = "scheduled__warned"
    with duckdb.connect(str(warehouse)) as con:
        write_results(
            con, run_id, WINDOW, ["marts_fct_account_daily"], _results(run_id, _failure(run_id, WARNING))
        )
    _publish(warehouse, run_id)

    message = pipeline.report_run(run_id, WINDOW, [])
    assert "was published with 1 warning(s)" in message
    [email] = received
    assert "published with 1 warning(s)" in email["subject"]
    assert "engagement_rate_between_0_and_1" in _body(email)
    assert len(webhooks()) == 1


def test_a_clean_run_sends_nothing_and_warnings_can_be_silenced(warehouse: Path, channels, company) -> None:
    received, webhooks = channels
    with duckdb.connect(str(warehouse)) as con:
        write_results(con, "clean", WINDOW, ["marts_fct_account_daily"], _results("clean"))
    _publish(warehouse, "clean")
    assert "with 0 warning(s)" in pipeline.report_run("clean", WINDOW, [])

    with duckdb.connect(str(warehouse)) as con:
        write_results(
            con,
            "warned",
            WINDOW,
            ["marts_fct_account_daily"],
            _results("warned", _failure("warned", WARNING)),
        )
        outcome = run_outcome.record_and_assess(
            con, "warned", WINDOW, [], warehouse.parent / "published" / "warehouse.duckdb"
        )
    assert outcome.held_back  # the snapshot is the clean run's
    quiet = company.model_copy(
        update={"quality": company.quality.model_copy(update={"notify_warnings": False})}
    )
    published_outcome = run_outcome.RunOutcome(
        "warned", WINDOW, True, [], outcome.warnings, [], outcome.checks
    )
    assert not quality.notify(published_outcome, quiet)
    assert received == [] and webhooks() == []


@dataclass
class Published:
    """A run whose checks blocked on the full demo warehouse, then dbt's docs."""

    data: Path
    blocked: Exception | None
    dbt_docs: Path


@pytest.fixture(scope="module")
def published_docs(full_warehouse, tmp_path_factory) -> Published:
    """Built once for the tests of the docs: dbt's docs take most of a minute to generate."""
    from expectations.runner import ChecksFailed

    data = tmp_path_factory.mktemp("docs") / "data"
    data.mkdir()
    warehouse = full_warehouse.copy(data)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WAREHOUSE_DATA_DIR", str(data))
        env.delenv("WAREHOUSE_DUCKDB_PATH", raising=False)
        with duckdb.connect(str(warehouse)) as con:
            con.execute("delete from marts.fct_account_daily")  # raw data for the window, an empty mart
        try:
            pipeline.check(DEMO_TODAY.replace(day=13), DEMO_TODAY.replace(day=19), "blocked", strict=True)
            blocked = None
        except ChecksFailed as error:
            blocked = error
        return Published(data, blocked, pipeline.generate_dbt_docs())


def test_data_docs_and_dbt_docs_are_published(published_docs: Published) -> None:
    """The checks publish their Data Docs even when they block; dbt docs come after publishing."""
    assert published_docs.blocked and "has_rows" in str(published_docs.blocked), published_docs.blocked
    index = published_docs.data / "published" / "data_docs" / "index.html"
    assert index.is_file() and "blocked" in index.read_text()

    page = published_docs.dbt_docs
    assert page == published_docs.data / "published" / "dbt_docs" / "index.html"
    html = page.read_text()
    assert "fct_account_daily" in html and "exposure." in html


@needs_chromium
def test_dbt_docs_render_their_models_with_no_outbound_request(published_docs: Published) -> None:
    page = open_offline(published_docs.dbt_docs)
    assert page.outbound == [], page.outbound
    # Angular drew the project tree: each model is a menu node.
    for model in ("fct_account_daily", "fct_mentions", "dim_post"):
        assert f'data-nav-unique-id="model.social_warehouse.{model}"' in page.dom, model


def test_the_alert_and_the_log_name_root_causes_before_what_dbt_skipped() -> None:
    """One dbt build reports the models it skipped after a failure as failing too: they must not
    bury the check that failed, nor count as checks that failed."""

    def result(table: str, check: str, observed: str, severity: str = BLOCKING) -> CheckResult:
        return CheckResult("run-1", "dbt", table, check, None, severity, False, observed, None, None)

    skipped = [
        result(f"marts.m{i}", "model_builds", f"{dbt_artifacts.SKIPPED} something it depends on failed")
        for i in range(12)
    ]
    cause = result("raw.facebook_pages__page_insights", "metric_value_non_negative", "2 rows below 0")
    warning = result("raw.x__user", "source_freshness", "last load 40 h ago", WARNING)
    outcome = run_outcome.RunOutcome(
        "run-1", (DEMO_TODAY, DEMO_TODAY), True, [*skipped, cause], [warning], [], 99, {"marts.m0": "why"}
    )
    assert outcome.failing()[:2] == [cause, warning] and outcome.root_causes == [cause]
    alert = quality.quality_alert(outcome, None)
    assert (
        alert.evidence[0].label.endswith("metric_value_non_negative")
        and "1 blocking check(s)" in alert.summary
    )
    first_listed = outcome.message().splitlines()[2].strip()
    assert first_listed.startswith("BLOCKING raw.facebook_pages__page_insights metric_value_non_negative")


def test_running_dbt_and_recording_what_it_found_does_not_import_great_expectations() -> None:
    """The tasks that only run dbt (``raw_sources``, ``dbt_build``) and the extract DAG's
    ``report`` import these modules; importing GX costs them about 8 s each, more than a day's
    incremental dbt build. Only the checks themselves (``expectations.runner``) may import it."""
    import subprocess
    import sys

    probe = (
        "import sys, warehouse.pipeline, alerts.quality, publishing.outcome, record.dbt_artifacts;"
        "import transform.dbt;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'great_expectations', 'expectations'}))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "great_expectations" not in out, out
    checks = "import sys, expectations.runner; print('great_expectations' in sys.modules)"
    assert (
        subprocess.run(
            [sys.executable, "-c", checks], capture_output=True, text=True, check=True
        ).stdout.strip()
        == "True"
    )
