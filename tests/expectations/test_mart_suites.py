"""The marts' contracts against the whole demo warehouse (every stream, every mart built by dbt).

Each mart's contract is stated once: dbt's yml holds every rule the mart alone can show (keys,
not-null, accepted values, relationships, ranges, parts at most their whole, keys built from
their parts, no day in the future); the GX suites hold what needs history or the raw tables
(volume, a mart holding rows). The clean warehouse passes both. Each breakage below changes one
thing in one mart of a private copy and must fail exactly its check or test, with its severity,
its table and a sample naming the bad row. One GX directory is shared by the module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from core.config import VolumeChecks
from core.logs import quiet_noisy_loggers
from expectations.mart_suites import (
    FCT_ACCOUNT_DAILY,
    FCT_ACCOUNT_DAILY_VOLUME,
    FCT_SOCIAL_TRAFFIC_DAILY_VOLUME,
    MART_SUITES,
)
from expectations.runner import CheckReport, _read_batch, run_checks
from expectations.suites import SuiteSpec
from record.dbt_artifacts import dbt_results
from record.results import BLOCKING, WARNING
from tests.conftest import DEMO_TODAY, run_dbt
from transform.dbt import MANIFEST_PATH

quiet_noisy_loggers()

VOLUME = VolumeChecks()  # the defaults: 28 days of history, 0.1 .. 10, baselines from 5


def failed(report: CheckReport) -> set[tuple[str, str, str]]:
    return {(r.table, r.check, r.severity) for r in report.results if not r.success}


def named(sql: str, **parameters: Any) -> dict[str, Any]:
    """The parameters ``sql`` uses (DuckDB refuses the others)."""
    return {name: value for name, value in parameters.items() if f"${name}" in sql}


def check(con: duckdb.DuckDBPyConnection, window: Any, gx_dir: Path, run_id: str, *suites: SuiteSpec):
    start, end = window
    names = [spec.name for spec in suites]
    return run_checks(con, run_id, start, end, gx_dir, names, volume=VOLUME, today=DEMO_TODAY)


@pytest.fixture(scope="module")
def gx_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mart_checks") / "gx"


@pytest.fixture(scope="module")
def clean_report(full_warehouse: Any, gx_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> CheckReport:
    """Every mart suite over the check window of an unbroken copy."""
    with duckdb.connect(str(full_warehouse.copy(tmp_path_factory.mktemp("clean")))) as con:
        return check(con, full_warehouse.check_window, gx_dir, "clean", *MART_SUITES)


@pytest.fixture
def broken(full_warehouse: Any, tmp_path: Path):
    connection = duckdb.connect(str(full_warehouse.copy(tmp_path)))
    yield connection
    connection.close()


def test_every_mart_has_its_contract_in_dbt(full_warehouse: Any) -> None:
    """Every mart dbt builds has data tests in its yml, and every GX suite reads a mart dbt builds."""
    with duckdb.connect(str(full_warehouse.path), read_only=True) as con:
        marts = {
            f"marts.{name}"
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    nodes = json.loads(MANIFEST_PATH.read_text())["nodes"]
    tested = {
        f"{model['schema']}.{model['name']}"
        for node in nodes.values()
        if node["resource_type"] == "test" and (model := nodes.get(node.get("attached_node") or ""))
    }
    assert len(marts) >= 15
    assert marts - tested == set(), "marts without a contract in dbt's yml"
    assert {spec.table for spec in MART_SUITES} - marts == set(), "suites of tables dbt no longer builds"


def test_every_mart_suite_passes_on_the_clean_warehouse(clean_report: CheckReport) -> None:
    assert failed(clean_report) == set(), clean_report.summary()
    assert len(clean_report.results) == sum(len(spec.checks) + 1 for spec in MART_SUITES)


@pytest.mark.parametrize(
    "spec", [FCT_ACCOUNT_DAILY, FCT_ACCOUNT_DAILY_VOLUME, FCT_SOCIAL_TRAFFIC_DAILY_VOLUME]
)
def test_volume_checks_judge_the_clean_window(full_warehouse: Any, spec: SuiteSpec) -> None:
    """The demo history is long and large enough for every volume ratio of the window to be judged
    (not null), so passing means the ratios are within bounds, not that nothing was compared."""
    start, end = full_warehouse.check_window
    parameters = {
        "start": start,
        "end": end,
        "latest_day": DEMO_TODAY + timedelta(days=1),
        "history_start": start - timedelta(days=VOLUME.history_days),
        "min_baseline": VOLUME.min_baseline,
    }
    with duckdb.connect(str(full_warehouse.path), read_only=True) as con:
        batch = _read_batch(con, spec, parameters)
    (ratio,) = {c for check in spec.checks if check.severity == "warning" for c in check.columns} & {
        "followers_vs_previous_reading",
        "views_vs_history",
        "sessions_vs_history",
    }
    judged = batch[ratio].dropna()
    assert len(judged) >= 7, batch
    assert judged.between(VOLUME.min_ratio, VOLUME.max_ratio, inclusive="neither").all(), batch


@dataclass(frozen=True)
class Breakage:
    spec: SuiteSpec
    pick: str | None  # SQL returning the key of the row to break, given $day (a day of the window)
    sql: str  # SQL that breaks it, given $key and $day
    check: str
    severity: str
    sample: str  # text the sample must hold ({key}, {day})


ONE_FACEBOOK_ACCOUNT = "select min(account_key) from marts.dim_account where platform = 'facebook_pages'"

BREAKAGES = {
    "followers jump tenfold": Breakage(
        FCT_ACCOUNT_DAILY,
        ONE_FACEBOOK_ACCOUNT,
        "update marts.fct_account_daily set followers = followers * 10 "
        "where account_key = $key and metric_date = $day",
        "followers_within_usual_change",
        "warning",
        '"account_key": "{key}", "metric_date": "{day}"',
    ),
    # A 95 % fall, so the day is below a tenth of its median whatever its usual level.
    "platform views fall by more than 90 %": Breakage(
        FCT_ACCOUNT_DAILY_VOLUME,
        None,
        "update marts.fct_account_daily set views = views // 20, reach = reach // 20 "
        "where platform = 'facebook_pages' and metric_date = $day",
        "platform_views_within_usual_volume",
        "warning",
        '"platform": "facebook_pages", "metric_date": "{day}"',
    ),
}


@pytest.mark.parametrize("case", BREAKAGES)
def test_each_breakage_fails_its_check_alone(
    broken: duckdb.DuckDBPyConnection, full_warehouse: Any, gx_dir: Path, clean_report: CheckReport, case: str
) -> None:
    breakage = BREAKAGES[case]
    day = full_warehouse.check_window[1] - timedelta(days=3)
    key = None
    if breakage.pick:
        (key,) = broken.execute(breakage.pick, named(breakage.pick, day=day)).fetchone() or (None,)
        assert key is not None, "the demo warehouse has no row to break"
    broken.execute(breakage.sql, named(breakage.sql, key=key, day=day))

    report = check(broken, full_warehouse.check_window, gx_dir, f"broken-{case}", breakage.spec)

    # The same suite passed on the unbroken copy.
    assert not [r for r in clean_report.results if r.suite == breakage.spec.name and not r.success]
    assert failed(report) == {(breakage.spec.table, breakage.check, breakage.severity)}, report.summary()
    (result,) = [r for r in report.results if not r.success]
    assert result.unexpected_count is not None and result.unexpected_count >= 1
    expected = breakage.sample.format(key=key, day=day)
    assert result.sample is not None and expected in result.sample, result.sample
    assert len(json.loads(result.sample)) <= 5
    assert bool(report.blocking_failures) == (breakage.severity == "blocking")


# Breakages of the contracts dbt's yml states: (SQL picking the key of the row to break, given
# $day; SQL breaking it, given $key and $day; the dbt test it must fail, as (table, column, test),
# the test being a generic test's name or a named or singular test's own name;
# text its sample must hold; the test's severity; any other test the same breakage fails, with its
# sample and severity).
DBT_BREAKAGES = {
    "negative count": (
        None,
        "update marts.fct_support_daily set items_answered = -1 "
        "where first_inbound_date = $day and channel = 'all'",
        ("marts.fct_support_daily", "items_answered", "non_negative"),
        '"first_inbound_date": "{day}", "platform": "all", "account_id": "all", "channel": "all"',
        BLOCKING,
    ),
    # A post's counters are live and its insights lag: more engagements than views is only news.
    "post engagement rate above 1": (
        "select min(post_key) from marts.fct_post_performance where created_date = $day",
        "update marts.fct_post_performance set engagement_rate = 1.8 where post_key = $key",
        ("marts.fct_post_performance", "engagement_rate", "between"),
        '"post_key": "{key}"',
        WARNING,
    ),
    "negative campaign cost": (
        "select max(utm_campaign) from marts.fct_campaign_performance",
        "update marts.fct_campaign_performance set cost = -450 where utm_campaign = $key",
        ("marts.fct_campaign_performance", "cost", "non_negative"),
        '"cost": -450',
        BLOCKING,
    ),
    # X's daily engagements are the growth of live counters: a day of taken-back likes is real.
    "negative engagements on X": (
        "select min(account_key) from marts.fct_account_daily where platform = 'x'",
        "update marts.fct_account_daily set engagements = -4 where account_key = $key and metric_date = $day",
        ("marts.fct_account_daily", "engagements", "non_negative"),
        '"engagements": -4',
        WARNING,
    ),
    "engagement rate above 1 off X": (
        ONE_FACEBOOK_ACCOUNT,
        "update marts.fct_account_daily set engagement_rate = 3.2 "
        "where account_key = $key and metric_date = $day - 2",
        ("marts.fct_account_daily", "engagement_rate", "between"),
        '"engagement_rate": 3.2',
        BLOCKING,
    ),
    "duplicate mention": (
        "select min(mention_key) from marts.fct_mentions where mention_date = $day",
        "insert into marts.fct_mentions select * from marts.fct_mentions where mention_key = $key",
        ("marts.fct_mentions", "mention_key", "unique"),
        '"unique_field": "{key}"',
        BLOCKING,
    ),
    "share above 1": (
        None,
        "update marts.fct_support_daily set response_rate = 1.5 "
        "where first_inbound_date = $day and channel = 'all'",
        ("marts.fct_support_daily", "response_rate", "between"),
        '"first_inbound_date": "{day}", "platform": "all", "account_id": "all", "channel": "all"',
        BLOCKING,
    ),
    "account missing from dim_account": (
        ONE_FACEBOOK_ACCOUNT,
        "update marts.fct_account_daily set account_key = 'facebook_pages:404' "
        "where account_key = $key and metric_date = $day",
        ("marts.fct_account_daily", "account_key", "relationships"),
        '"account_key": "facebook_pages:404", "metric_date": "{day}"',
        BLOCKING,
    ),
    "duplicate mart day": (
        "select min(account_key) from marts.fct_account_daily where platform = 'instagram'",
        "insert into marts.fct_account_daily select * from marts.fct_account_daily "
        "where account_key = $key and metric_date = $day",
        ("marts.fct_account_daily", None, "unique_combination_of_columns"),
        '"account_key": "{key}", "metric_date": "{day}"',
        BLOCKING,
    ),
    "null mart key": (
        "select min(account_key) from marts.fct_account_daily where platform = 'youtube'",
        "update marts.fct_account_daily set account_key = null "
        "where account_key = $key and metric_date = $day",
        ("marts.fct_account_daily", "account_key", "not_null"),
        '"account_key": null, "metric_date": "{day}"',
        BLOCKING,
    ),
    "negative views": (
        ONE_FACEBOOK_ACCOUNT,
        "update marts.fct_account_daily set views = -1 where account_key = $key and metric_date = $day - 1",
        ("marts.fct_account_daily", "views", "non_negative"),
        '"account_key": "{key}", "metric_date": "{day_before}", "views": -1',
        BLOCKING,
    ),
    "duplicate social traffic day": (
        None,
        "insert into marts.fct_social_traffic_daily select * from marts.fct_social_traffic_daily "
        "where report_date = $day and social_network = 'Instagram'",
        ("marts.fct_social_traffic_daily", None, "unique_combination_of_columns"),
        '"social_network": "Instagram"',
        BLOCKING,
    ),
    "unknown verdict": (
        "select min(utm_campaign) from marts.fct_campaign_performance",
        "update marts.fct_campaign_performance set sessions_verdict = 'great' where utm_campaign = $key",
        ("marts.fct_campaign_performance", "sessions_verdict", "accepted_values"),
        '"value_field": "great"',
        BLOCKING,
    ),
    # A row dated after the demo's today plus one day (run_dbt pins today with WAREHOUSE_TODAY).
    "future day": (
        ONE_FACEBOOK_ACCOUNT,
        "insert into marts.fct_account_daily select * replace (date '2026-11-25' as metric_date) "
        "from marts.fct_account_daily where account_key = $key and metric_date = $day - 4",
        ("marts.fct_account_daily", "metric_date", "not_in_future"),
        '"account_key": "{key}", "metric_date": "2026-11-25"',
        BLOCKING,
    ),
    "post missing from dim_post": (
        "select max(post_key) from marts.fct_post_performance where created_date = $day",
        "update marts.fct_post_performance set post_key = 'facebook_pages:404' where post_key = $key",
        ("marts.fct_post_performance", "post_key", "relationships"),
        '"post_key": "facebook_pages:404"',
        BLOCKING,
    ),
    # A compound reference: the (platform, account id) pair must be an account of dim_account.
    "support account missing from dim_account": (
        "select min(support_item_key) from marts.fct_support_conversations where first_inbound_date = $day",
        "update marts.fct_support_conversations set account_id = '404' where support_item_key = $key",
        ("marts.fct_support_conversations", None, "fct_support_conversations_account_id_in_dim_account"),
        '"support_item_key": "{key}"',
        BLOCKING,
    ),
    "more SLA breaches than items needing a response": (
        None,
        "update marts.fct_support_daily set sla_breaches = items_needing_response + 1 "
        "where first_inbound_date = $day - 1 and channel = 'all'",
        ("marts.fct_support_daily", "sla_breaches", "at_most"),
        '"first_inbound_date": "{day_before}", "platform": "all", "account_id": "all", "channel": "all"',
        BLOCKING,
    ),
    # Unique viewers cannot pass views by definition, but both are Meta's estimates.
    "reach above views": (
        ONE_FACEBOOK_ACCOUNT,
        "update marts.fct_account_daily set reach = views + 100 "
        "where account_key = $key and metric_date = $day - 5",
        ("marts.fct_account_daily", "reach", "at_most"),
        '"account_key": "{key}"',
        WARNING,
    ),
    "share-of-voice key not built from its parts": (
        "select min(share_of_voice_key) from marts.fct_share_of_voice_daily where mention_date = $day",
        "update marts.fct_share_of_voice_daily set share_of_voice_key = brand_id || ':2020-01-01' "
        "where share_of_voice_key = $key",
        (
            "marts.fct_share_of_voice_daily",
            None,
            "fct_share_of_voice_daily_share_of_voice_key_is_brand_and_day",
        ),
        ':2020-01-01"',
        BLOCKING,
    ),
    # A rule across rows (a singular test): each day's shares of voice add up to 1.
    "shares of voice not adding up": (
        "select min(share_of_voice_key) from marts.fct_share_of_voice_daily "
        "where mention_date = $day - 1 and share_of_voice < 0.5",
        "update marts.fct_share_of_voice_daily set share_of_voice = share_of_voice + 0.25 "
        "where share_of_voice_key = $key",
        ("marts.fct_share_of_voice_daily", None, "assert_shares_of_voice_add_up_to_1"),
        '"mention_date": "{day_before}"',
        BLOCKING,
    ),
    "month not starting on its first day": (
        "select min(account_key) from marts.fct_account_monthly "
        "where month_start = date_trunc('month', $day) and last_metric_date > month_start + 1",
        "update marts.fct_account_monthly set month_start = month_start + 1 "
        "where account_key = $key and month_start = date_trunc('month', $day)",
        ("marts.fct_account_monthly", None, "fct_account_monthly_month_start_is_first_of_month"),
        '"account_key": "{key}"',
        BLOCKING,
    ),
    "duplicate dimension row": (
        ONE_FACEBOOK_ACCOUNT,
        "insert into marts.dim_account select * from marts.dim_account where account_key = $key",
        ("marts.dim_account", "account_key", "unique"),
        '"unique_field": "{key}", "n_records": 2',
        BLOCKING,
        # The same row also repeats the platform and account id.
        (("marts.dim_account", None, "unique_combination_of_columns"), '"rows_with_this_key": 2', BLOCKING),
    ),
}


def test_breakages_of_dbt_s_contracts_fail_its_tests_with_a_sample(
    full_warehouse: Any, tmp_path: Path
) -> None:
    """Each breakage, made together on one copy, fails its dbt test and nothing else; the run
    record's row for it has the test's severity and its sample names the bad row, as a
    suite's would."""
    copy = full_warehouse.copy(tmp_path)
    day = full_warehouse.check_window[1] - timedelta(days=3)
    keys: dict[str, Any] = {}
    with duckdb.connect(str(copy)) as con:
        for case, (pick, sql, *_) in DBT_BREAKAGES.items():
            if pick:
                (keys[case],) = con.execute(pick, named(pick, day=day)).fetchone() or (None,)
                assert keys[case] is not None, "the demo warehouse has no row to break"
            con.execute(sql, named(sql, key=keys.get(case), day=day))

    run_dbt(
        ["test", "--select", " ".join({t.split(".")[1] for _, _, (t, _, _), *_ in DBT_BREAKAGES.values()})],
        copy,
        tmp_path,
    )
    found = dbt_results(tmp_path / "target", copy)

    failing = [item for item in found if not item["success"]]
    expected = [
        (case, *failure)
        for case, (_, _, test, sample, severity, *also) in DBT_BREAKAGES.items()
        for failure in ((test, sample, severity), *also)
    ]
    assert len(failing) == len(expected), [f"{i['table']} {i['check']}" for i in failing]
    for case, (table, column, test), sample, severity in expected:
        # A generic test's name starts with the test and the model; a named or singular test is
        # given by its own name.
        model = table.split(".")[1]
        named_test = test if test.startswith((model, "assert_")) else f"{test}_{model}"
        (item,) = [
            i
            for i in failing
            if i["table"] == table and i["column"] == column and i["check"].startswith(named_test)
        ]
        assert item["severity"] == severity and item["unexpected_count"] >= 1, item
        text = sample.format(key=keys.get(case), day=day, day_before=day - timedelta(days=1))
        assert item["sample"] is not None and text in item["sample"], (case, item["sample"])
        assert len(json.loads(item["sample"])) <= 5
