"""The Instagram extractor against the demo Graph server (prefix /instagram), over real HTTP.

Every case goes through the production path: HttpClient, the Instagram error policy, the Graph
cursor paginator, the streams, the source and the landing writer; expected numbers come from
the demo generator.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests

from core.config import CompanyConfig
from demo.generator import instagram as truth
from demo.server import DemoServer
from demo.state import DEMO_TOKENS
from extractors.core import Window
from extractors.errors import ExtractError
from extractors.facebook_pages import PACIFIC
from extractors.instagram import Instagram, media_metrics_for
from extractors.landing import partition_path
from tests.conftest import DEMO_TODAY, demo_connection

ACCOUNT = "17841405822304914"
TOKEN = DEMO_TOKENS["instagram"]
YESTERDAY = DEMO_TODAY - timedelta(days=1)


def source(config: CompanyConfig, server: DemoServer, token: str | None = None, **extra: object) -> Instagram:
    return Instagram(config, demo_connection("instagram", server, token, **extra))


def with_settings(config: CompanyConfig, **changes: object) -> CompanyConfig:
    settings = config.sources.instagram.model_copy(update=changes)
    return config.model_copy(update={"sources": config.sources.model_copy(update={"instagram": settings})})


def landed(root: Path, stream: str, day: date) -> list[dict]:
    path = partition_path(root, "instagram", stream, ACCOUNT, day)
    return [json.loads(line)["record"] for line in path.read_text().splitlines()]


def landed_window(root: Path, stream: str, window: Window) -> dict[date, list[dict]]:
    return {day: landed(root, stream, day) for day in window.days()}


def calls(server: DemoServer, fragment: str) -> list[dict]:
    return [r for r in server.requests() if fragment in r["path"]]


def insights_calls(server: DemoServer, metric_type: str) -> list[dict]:
    return [r for r in calls(server, f"/{ACCOUNT}/insights") if r["query"].get("metric_type") == metric_type]


def stream_window(ig: Instagram, stream: str, run: Window) -> Window:
    return next(s for s in ig.streams() if s.name == stream).window(run, DEMO_TODAY)


def test_snapshot_lands_under_yesterday_and_equals_truth(company, demo, tmp_path) -> None:
    run = Window(date(2026, 11, 1), date(2026, 11, 5))  # a backfill: the reading is still today's
    landed_parts = source(company, demo).run(
        run, tmp_path, "t1", streams=["account_snapshot"], today=DEMO_TODAY
    )
    assert [(p.day, p.rows) for p in landed_parts] == [(YESTERDAY, 1)]
    node = landed(tmp_path, "account_snapshot", YESTERDAY)[0]
    expected = truth.snapshot(ACCOUNT, DEMO_TODAY)
    fields = (
        "id",
        "username",
        "name",
        "followers_count",
        "follows_count",
        "media_count",
        "website",
        "biography",
    )
    assert node == {name: expected[name] for name in fields}
    assert node["followers_count"] == truth.followers(ACCOUNT, YESTERDAY)


def test_account_insights_both_shapes_land_per_pacific_day_equal_to_truth(company, demo, tmp_path) -> None:
    run = Window(date(2026, 10, 28), date(2026, 11, 5))  # spans the end of DST (Nov 1)
    ig = source(company, demo)
    ig.run(run, tmp_path, "t1", streams=["account_insights"])
    window = stream_window(ig, "account_insights", run)
    for expected in truth.account_daily(ACCOUNT, window.start, window.end, DEMO_TODAY):
        records = {r["name"]: r for r in landed(tmp_path, "account_insights", expected["date"])}
        series = [r for r in records.values() if "values" in r]
        totals = [r for r in records.values() if "total_value" in r]
        assert {r["name"] for r in series} == {"reach", "follower_count"}
        assert {r["name"] for r in totals} == set(company.sources.instagram.account_total_value_metrics)
        assert all(len(r["values"]) == 1 for r in series)
        assert records["reach"]["values"][0]["value"] == expected["reach"]
        assert records["follower_count"]["values"][0]["value"] == expected["followers_gained"]
        assert records["views"]["total_value"]["value"] == expected["views"]
        assert records["total_interactions"]["total_value"]["value"] == expected["engagements"]
        assert records["shares"]["total_value"]["value"] == expected["shares"]
        assert records["views"]["id"] == f"{ACCOUNT}/insights/views/day"


def test_total_values_are_asked_one_pacific_day_per_call(company, demo, tmp_path) -> None:
    run = Window(date(2026, 10, 30), date(2026, 11, 3))  # Nov 1 is a 25-hour Pacific day
    ig = source(company, demo)
    ig.run(run, tmp_path, "t1", streams=["account_insights"])
    window = stream_window(ig, "account_insights", run)
    totals = insights_calls(demo, "total_value")
    assert len(totals) == len(window.days())
    for day, call in zip(window.days(), totals, strict=True):
        assert (int(call["query"]["since"]), int(call["query"]["until"])) == Window(day, day).bounds(PACIFIC)
    assert {int(c["query"]["until"]) - int(c["query"]["since"]) for c in totals} == {86_400, 90_000}
    assert len(insights_calls(demo, "time_series")) == 1, "the whole window is one time-series call"


def test_time_series_longer_than_30_days_is_asked_in_chunks(company, demo, tmp_path) -> None:
    run = Window(date(2026, 8, 1), date(2026, 9, 30))
    source(company, demo).run(run, tmp_path, "t1", streams=["account_insights"])
    series = insights_calls(demo, "time_series")
    assert len(series) == 3 and all(c["status"] == 200 for c in series)


def test_follower_count_beyond_30_days_lands_absent_not_zero(company, demo, tmp_path) -> None:
    oldest_served = DEMO_TODAY - timedelta(days=30)
    run = Window(oldest_served - timedelta(days=3), oldest_served + timedelta(days=2))
    ig = source(company, demo)
    ig.run(run, tmp_path, "t1", streams=["account_insights"])
    window = stream_window(ig, "account_insights", run)
    for expected in truth.account_daily(ACCOUNT, window.start, window.end, DEMO_TODAY):
        names = {r["name"]: r for r in landed(tmp_path, "account_insights", expected["date"])}
        assert "reach" in names
        if expected["date"] < oldest_served:
            assert expected["followers_gained"] is None
            assert "follower_count" not in names
        else:
            assert names["follower_count"]["values"][0]["value"] == expected["followers_gained"]


def test_media_follow_cursor_pages_and_match_truth(company, demo, tmp_path) -> None:
    run = Window(date(2026, 11, 10), date(2026, 11, 19))
    ig = source(company, demo, page_size=5)
    ig.run(run, tmp_path, "t1", streams=["media"])
    pages = calls(demo, f"/{ACCOUNT}/media")
    assert len(pages) > 3, "expected several pages at limit=5"
    assert all("after" in p["query"] for p in pages[1:])
    window = stream_window(ig, "media", run)
    expected = {p["id"]: p for p in truth.posts(ACCOUNT, window.start, window.end, DEMO_TODAY)}
    got = {
        m["id"]: (day, m)
        for day, records in landed_window(tmp_path, "media", window).items()
        for m in records
    }
    assert got.keys() == expected.keys()
    for media_id, (day, media) in got.items():
        assert day == expected[media_id]["created_date"]
        assert media["like_count"] == expected[media_id]["reactions"]
        assert media["comments_count"] == expected[media_id]["comments"]
        assert media["permalink"] == expected[media_id]["permalink"]


def test_media_insights_parse_both_shapes_and_equal_truth(company, demo, tmp_path) -> None:
    run = Window(date(2026, 11, 12), date(2026, 11, 19))
    ig = source(company, demo)
    ig.run(run, tmp_path, "t1", streams=["media_insights"])
    window = stream_window(ig, "media_insights", run)
    expected = {p["id"]: p for p in truth.posts(ACCOUNT, window.start, window.end, DEMO_TODAY)}
    by_media: dict[str, dict[str, dict]] = {}
    for day, records in landed_window(tmp_path, "media_insights", window).items():
        for record in records:
            media_id, _, metric, period = record["id"].split("/")
            assert (metric, period) == (record["name"], "lifetime")
            assert expected[media_id]["created_date"] == day
            by_media.setdefault(media_id, {})[metric] = record
    assert by_media.keys() == expected.keys()
    assert len(calls(demo, "/insights")) == len(expected), "one insights call per media"
    for media_id, metrics in by_media.items():
        post = expected[media_id]

        def value(name: str, metrics: dict[str, dict] = metrics) -> int:
            record = metrics[name]
            return record["total_value"]["value"] if "total_value" in record else record["values"][0]["value"]

        assert "total_value" in metrics["views"] and "total_value" in metrics["shares"]
        assert "values" in metrics["reach"] and "values" in metrics["saved"]
        assert value("views") == post["views"]
        assert value("reach") == post["reach"]
        assert value("likes") == post["reactions"]
        assert value("comments") == post["comments"]
        assert value("shares") == post["shares"]
        assert value("saved") == post["saves"]
        assert value("total_interactions") == post["engagements"]


def test_each_media_is_asked_only_the_metrics_its_product_type_offers(company, demo, tmp_path) -> None:
    config = with_settings(company, media_insights_metrics=("views", "follows", "ig_reels_avg_watch_time"))
    run = Window(date(2026, 11, 1), date(2026, 11, 19))
    ig = source(config, demo)
    ig.run(run, tmp_path, "t1", streams=["media_insights"])
    window = stream_window(ig, "media_insights", run)
    posts = truth.posts(ACCOUNT, window.start, window.end, DEMO_TODAY)
    asked = {c["path"].split("/")[3]: c["query"]["metric"] for c in calls(demo, "/insights")}
    assert {p["media_product_type"] for p in posts} == {"REELS", "FEED"}
    for post in posts:
        reel = post["media_product_type"] == "REELS"
        assert asked[post["id"]] == ("views,ig_reels_avg_watch_time" if reel else "views,follows")
    assert media_metrics_for("REELS", ("views", "brand_new_metric")) == ["views", "brand_new_metric"]


def test_empty_window_lands_empty_partitions(company, demo, tmp_path) -> None:
    run = Window(date(2023, 6, 1), date(2023, 6, 3))  # before the demo account existed
    parts = source(company, demo).run(
        run, tmp_path, "t1", streams=["account_insights", "media", "media_insights"]
    )
    assert parts and all(p.rows == 0 for p in parts)
    assert all(p.path.exists() and p.path.read_text() == "" for p in parts)


@pytest.mark.parametrize(
    "fault", ["throttle_80002", "throttle_4", "throttle_17", "throttle_32", "throttle_613"]
)
def test_graph_throttling_is_retried_then_succeeds(company, demo, tmp_path, fault) -> None:
    demo.add_faults("/insights", [fault, fault])
    run = Window(YESTERDAY, YESTERDAY)
    parts = source(company, demo).run(run, tmp_path, "t1", streams=["account_insights"])
    statuses = [c["status"] for c in calls(demo, "/insights")]
    assert statuses[:2] in ([400, 400], [403, 403]) and statuses[2] == 200
    assert [c["fault"] for c in calls(demo, "/insights")][:2] == [fault, fault]
    assert sum(p.rows for p in parts) > 0


def test_throttle_80002_carries_the_instagram_usage_header(demo) -> None:
    demo.add_faults("/instagram/", ["throttle_80002"])
    answer = requests.get(f"{demo.url}/instagram/v25.0/{ACCOUNT}", params={"access_token": TOKEN}, timeout=5)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == 80002
    usage = json.loads(answer.headers["X-Business-Use-Case-Usage"])
    assert usage[ACCOUNT][0]["type"] == "instagram"


def test_persistent_throttling_gives_up_with_a_clear_error(company, demo, tmp_path) -> None:
    demo.add_faults(f"/{ACCOUNT}/media", ["throttle_80002"] * 3)
    with pytest.raises(ExtractError) as caught:
        source(company, demo, max_attempts=3).run(
            Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["media"]
        )
    message = str(caught.value)
    assert f"source=instagram stream=media account={ACCOUNT}" in message
    assert "after 3 attempts" in message and "80002" in message and "re-run" in message


@pytest.mark.parametrize("fault", ["error_500", "error_503"])
def test_server_errors_are_retried_then_succeed(company, demo, tmp_path, fault) -> None:
    demo.add_faults(f"/{ACCOUNT}/media", [fault])
    parts = source(company, demo).run(
        Window(date(2026, 11, 10), YESTERDAY), tmp_path, "t1", streams=["media"]
    )
    statuses = [c["status"] for c in calls(demo, f"/{ACCOUNT}/media")]
    assert statuses[0] >= 500 and statuses[-1] == 200
    assert sum(p.rows for p in parts) > 0


def test_expired_token_fails_fast_and_names_the_fix(company, demo, tmp_path) -> None:
    with pytest.raises(ExtractError) as caught:
        source(company, demo, token="expired-demo-token").run(
            Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["account_insights"]
        )
    message = str(caught.value)
    assert "190/463" in message and "Session has expired" in message
    assert f"source=instagram stream=account_insights account={ACCOUNT}" in message
    assert "Instagram access token" in message and "'instagram_default'" in message
    assert len(calls(demo, "/insights")) == 1, "an expired token must not be retried"


def test_unknown_account_metric_fails_fast_and_points_at_the_config(company, demo, tmp_path) -> None:
    config = with_settings(company, account_total_value_metrics=("views", "page_media_view"))
    with pytest.raises(ExtractError) as caught:
        source(config, demo).run(Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["account_insights"])
    message = str(caught.value)
    assert "(#100) metric[1] must be one of the following values" in message
    assert "sources.instagram in the company config" in message and "stream=account_insights" in message
    assert len(insights_calls(demo, "total_value")) == 1


def test_unknown_metric_fault_is_reported_clearly(company, demo, tmp_path) -> None:
    demo.add_faults("/insights", ["unknown_metric"])
    with pytest.raises(ExtractError) as caught:
        source(company, demo).run(Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["account_insights"])
    assert "(#100)" in str(caught.value) and "sources.instagram" in str(caught.value)


def test_retired_media_metric_fails_clearly_and_points_at_the_config(company, demo, tmp_path) -> None:
    config = with_settings(company, media_insights_metrics=("views", "reach", "impressions"))
    with pytest.raises(ExtractError) as caught:
        source(config, demo).run(
            Window(date(2026, 11, 10), YESTERDAY), tmp_path, "t1", streams=["media_insights"]
        )
    error = caught.value
    message = str(error)
    assert error.platform_code == 100 and "impressions metric is no longer supported" in message
    assert "media 179" in message and "stream=media_insights" in message
    assert "sources.instagram in the company config" in message
    assert len(calls(demo, "/insights")) == 1, "a refused metric must not be retried"
    assert not (tmp_path / "instagram" / "media_insights").exists(), (
        "nothing may be landed from a failed stream"
    )


def test_a_metric_in_both_account_lists_is_a_config_error(company, demo, tmp_path) -> None:
    config = with_settings(
        company, account_time_series_metrics=("reach",), account_total_value_metrics=("reach",)
    )
    with pytest.raises(ExtractError) as caught:
        source(config, demo).run(Window(YESTERDAY, YESTERDAY), tmp_path, "t1", streams=["account_insights"])
    assert "reach" in str(caught.value) and "sources.instagram" in str(caught.value)
    assert not demo.requests()


def test_malformed_json_is_retried_once_then_reported_clearly(company, demo, tmp_path) -> None:
    run = Window(YESTERDAY, YESTERDAY)
    demo.add_faults(f"/{ACCOUNT}", ["malformed_json"])
    parts = source(company, demo).run(run, tmp_path, "t1", streams=["account_snapshot"], today=DEMO_TODAY)
    assert parts[0].rows == 1

    demo.add_faults(f"/{ACCOUNT}", ["malformed_json"] * 2)
    with pytest.raises(ExtractError) as caught:
        source(company, demo, max_attempts=2).run(
            run, tmp_path / "again", "t2", streams=["account_snapshot"], today=DEMO_TODAY
        )
    assert "malformed JSON" in str(caught.value) and "stream=account_snapshot" in str(caught.value)
    assert not (tmp_path / "again").exists(), "nothing may be landed from a failed stream"


def test_token_never_reaches_landing_files_or_logs(company, demo, tmp_path, caplog) -> None:
    demo.add_faults("/insights", ["error_500"])
    source(company, demo).run(Window(date(2026, 11, 17), YESTERDAY), tmp_path, "t1", today=DEMO_TODAY)
    text = "".join(p.read_text() for p in tmp_path.rglob("*.jsonl"))
    assert text, "expected landed data"
    assert TOKEN not in text and TOKEN not in caplog.text
