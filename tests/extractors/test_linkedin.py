"""The LinkedIn extractor against the demo LinkedIn server, over real HTTP.

Every case goes through the production path: HttpClient, the LinkedIn rules, streams, source and
the landing writer; the expected numbers come from the demo generator.
"""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from pathlib import Path

import pytest

from core.config import Account, CompanyConfig
from demo.generator import linkedin as truth
from demo.server import DemoServer
from demo.state import DEMO_TOKENS
from extractors.core import Window
from extractors.errors import ExtractError
from extractors.landing import partition_path
from extractors.linkedin import (
    DEFAULT_LINKEDIN_VERSION,
    LinkedIn,
    encode_urn,
    epoch_ms,
    rest_path,
    restli_list,
    time_intervals,
)
from tests.conftest import DEMO_TODAY, demo_connection

ORG = "10482335"
RECENT = Window(date(2026, 11, 10), date(2026, 11, 19))
SHUTDOWN = Window(date(2025, 12, 27), date(2026, 1, 2))


def source(config: CompanyConfig, server: DemoServer, token: str | None = None, **extra: object) -> LinkedIn:
    return LinkedIn(config, demo_connection("linkedin", server, token, **extra))


def with_lookbacks(company: CompanyConfig, statistics: int, posts: int) -> CompanyConfig:
    settings = company.sources.linkedin.model_copy(
        update={"statistics_lookback_days": statistics, "post_lookback_days": posts}
    )
    return company.model_copy(update={"sources": company.sources.model_copy(update={"linkedin": settings})})


def landed_records(root: Path, stream: str, day: date) -> list[dict]:
    path = partition_path(root, "linkedin", stream, ORG, day)
    return [json.loads(line)["record"] for line in path.read_text().splitlines()]


def calls(server: DemoServer, resource: str) -> list[dict]:
    return [r for r in server.requests() if r["path"].startswith(f"/rest/{resource}")]


def run(src: LinkedIn, window: Window, root: Path, *streams: str, today: date = DEMO_TODAY) -> list:
    return src.run(window, root, "t1", streams=list(streams) or None, accounts=[ORG], today=today)


# Rest.li 2.0 encoding.


def test_restli_query_keeps_structure_raw_and_escapes_urns() -> None:
    window = Window(date(2026, 11, 1), date(2026, 11, 2))
    assert time_intervals(window) == (
        "(timeRange:(start:1793491200000,end:1793664000000),timeGranularityType:DAY)"
    )
    assert epoch_ms(date(2026, 11, 1)) == 1793491200000
    assert encode_urn("urn:li:organization:10482335") == "urn%3Ali%3Aorganization%3A10482335"
    assert (
        restli_list(["urn:li:share:1", "urn:li:share:2"]) == "List(urn%3Ali%3Ashare%3A1,urn%3Ali%3Ashare%3A2)"
    )
    assert rest_path("x", [("q", "a"), ("timeIntervals", time_intervals(window))]).startswith(
        "rest/x?q=a&timeIntervals=(timeRange:(start:"
    )


# Streams equal the truth.


def test_share_statistics_land_one_element_per_utc_day_equal_to_truth(company, demo, tmp_path) -> None:
    landed = run(source(company, demo), RECENT, tmp_path, "share_statistics")
    lookback = company.sources.linkedin.statistics_lookback_days
    assert [p.day for p in landed] == Window(RECENT.start - timedelta(days=lookback), RECENT.end).days()
    for partition in landed:
        (record,) = landed_records(tmp_path, "share_statistics", partition.day)
        assert record["timeRange"] == {
            "start": epoch_ms(partition.day),
            "end": epoch_ms(partition.day) + 86_400_000,
        }
        assert (
            record["totalShareStatistics"] == truth.day_activity(ORG, partition.day).total_share_statistics()
        )
    (request,) = calls(demo, "organizationalEntityShareStatistics")
    assert request["status"] == 200


def test_days_without_activity_land_empty(company, demo, tmp_path) -> None:
    config = with_lookbacks(company, 0, 0)
    landed = run(source(config, demo), SHUTDOWN, tmp_path, "share_statistics", "posts", "post_statistics")
    by_stream = {(p.stream, p.day): p.rows for p in landed}
    for day in SHUTDOWN.days():
        active = not truth.day_activity(ORG, day).is_empty
        assert by_stream[("share_statistics", day)] == int(active), day
        assert by_stream[("posts", day)] == 0 and by_stream[("post_statistics", day)] == 0
    assert any(not r for (s, _), r in by_stream.items() if s == "share_statistics"), (
        "no silent day in the window"
    )
    assert not calls(demo, "organizationalEntityShareStatistics")[1:], "no posts: no post statistics request"


def test_follower_statistics_stop_at_today_minus_three_and_land_nothing_after(
    company, demo, tmp_path, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="extractors.linkedin")
    landed = run(source(company, demo), RECENT, tmp_path, "follower_statistics")
    last = DEMO_TODAY - timedelta(days=3)
    assert max(p.day for p in landed) == last
    for partition in landed:
        (record,) = landed_records(tmp_path, "follower_statistics", partition.day)
        organic, paid = truth.follower_gains(ORG, partition.day)
        assert record["followerGains"] == {"organicFollowerGain": organic, "paidFollowerGain": paid}
    for day in (last + timedelta(days=1), last + timedelta(days=2)):
        assert not partition_path(tmp_path, "linkedin", "follower_statistics", ORG, day).parent.exists()
    (request,) = calls(demo, "organizationalEntityFollowerStatistics")
    assert request["query"]["timeIntervals"].endswith(
        f"end:{epoch_ms(last + timedelta(days=1))}),timeGranularityType:DAY)"
    )
    assert "not available yet" in caplog.text


def test_follower_statistics_with_nothing_available_yet_land_nothing(company, demo, tmp_path) -> None:
    config = with_lookbacks(company, 0, 0)
    yesterday = DEMO_TODAY - timedelta(days=1)
    landed = run(source(config, demo), Window(yesterday, yesterday), tmp_path, "follower_statistics")
    assert landed == [] and not calls(demo, "organizationalEntityFollowerStatistics")


def test_network_size_is_the_total_at_the_end_of_yesterday(company, demo, tmp_path) -> None:
    (partition,) = run(source(company, demo), RECENT, tmp_path, "network_size")
    assert partition.day == RECENT.end
    assert landed_records(tmp_path, "network_size", partition.day) == [
        {"firstDegreeSize": truth.snapshot(ORG, DEMO_TODAY)["firstDegreeSize"]}
    ]


def test_posts_follow_next_links_through_a_short_page_and_match_truth(company, demo, tmp_path) -> None:
    li = source(company, demo, page_size=5)
    landed = run(li, RECENT, tmp_path, "posts", "post_statistics")
    window = Window(RECENT.start - timedelta(days=company.sources.linkedin.post_lookback_days), RECENT.end)
    index = truth.post_index(ORG, DEMO_TODAY)
    pages = calls(demo, "posts")
    starts = [int(p["query"]["start"]) for p in pages]
    assert starts == list(range(0, 5 * len(pages), 5))
    short = [s for s in starts[:-1] if sum(not p.is_dsc for p in index[s : s + 5]) < 5]
    assert short, "expected a short page that is not the last one"
    expected = truth.posts(ORG, window.start, window.end, DEMO_TODAY)
    got = [r for p in landed if p.stream == "posts" for r in landed_records(tmp_path, "posts", p.day)]
    assert sorted(p["id"] for p in got) == sorted(p["id"] for p in expected)
    for post in got:
        assert post["author"] == f"urn:li:organization:{ORG}"
    # Paging stops once posts are older than the window by the scheduling horizon, not at the end.
    assert len(pages) < len(index) // 5


def test_post_statistics_are_lifetime_values_in_batches_of_twenty(company, demo, tmp_path) -> None:
    config = with_lookbacks(company, 3, 60)
    landed = run(source(config, demo), RECENT, tmp_path, "posts", "post_statistics")
    window = Window(RECENT.start - timedelta(days=60), RECENT.end)
    expected = {p["id"]: p for p in truth.posts(ORG, window.start, window.end, DEMO_TODAY)}
    assert len(expected) > 20
    requests_ = calls(demo, "organizationalEntityShareStatistics")
    asked = [
        urn
        for r in requests_
        for key in ("shares", "ugcPosts")
        if key in r["query"]
        for urn in r["query"][key].removeprefix("List(").removesuffix(")").split(",")
    ]
    assert sorted(asked) == sorted(expected) and len(requests_) == -(-len(expected) // 20)
    assert all(len(r["query"].get("shares", "").split(",")) <= 20 for r in requests_)
    got = {}
    for partition in (p for p in landed if p.stream == "post_statistics"):
        for element in landed_records(tmp_path, "post_statistics", partition.day):
            urn = element.get("share") or element.get("ugcPost")
            assert expected[urn]["created_date"] == partition.day
            got[urn] = element["totalShareStatistics"]
    assert set(got) == {urn for urn, p in expected.items() if p["views"]}, "posts nobody saw are left out"
    assert len(got) < len(expected)
    for urn, stats in got.items():
        want = expected[urn]
        assert (stats["impressionCount"], stats["likeCount"], stats["clickCount"]) == (
            want["views"],
            want["reactions"],
            want["clicks"],
        )


# Errors, throttling and faults.


def test_headers_are_sent_on_every_request(company, demo, tmp_path) -> None:
    li = source(company, demo)
    client = li.client(li.connection())
    assert client._session.headers["LinkedIn-Version"] == DEFAULT_LINKEDIN_VERSION
    assert client._session.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert client._session.headers["Authorization"] == f"Bearer {DEMO_TOKENS['linkedin']}"
    run(li, RECENT, tmp_path)
    assert demo.requests() and all(r["status"] == 200 for r in demo.requests())


def test_a_sunset_version_fails_fast_and_names_the_extra_to_change(company, demo, tmp_path) -> None:
    with pytest.raises(ExtractError) as caught:
        run(source(company, demo, linkedin_version="202402"), RECENT, tmp_path, "share_statistics")
    message = str(caught.value)
    assert "426 NONEXISTENT_VERSION" in message and "Requested version 20240201 is not active" in message
    assert "linkedin_version" in message and "linkedin_default" in message
    assert "source=linkedin stream=share_statistics account=10482335" in message
    assert len(demo.requests()) == 1


def test_the_sunset_version_fault_gives_the_same_clear_error(company, demo, tmp_path) -> None:
    demo.add_faults("/rest/networkSizes", ["sunset_version"])
    with pytest.raises(ExtractError) as caught:
        run(source(company, demo), RECENT, tmp_path, "network_size")
    assert caught.value.status == 426 and "linkedin_version" in caught.value.hint


def test_an_unusable_version_setting_fails_before_any_request(company, demo, tmp_path) -> None:
    with pytest.raises(ExtractError) as caught:
        run(source(company, demo, linkedin_version="2026-09"), RECENT, tmp_path)
    assert "linkedin_version" in str(caught.value) and not demo.requests()


def test_expired_token_fails_fast_and_names_the_fix(company, demo, tmp_path) -> None:
    with pytest.raises(ExtractError) as caught:
        run(source(company, demo, token="expired-demo-token"), RECENT, tmp_path, "posts")
    message = str(caught.value)
    assert "EXPIRED_ACCESS_TOKEN" in message and "The token used in the request has expired" in message
    assert "source=linkedin stream=posts account=10482335" in message
    assert "linkedin_default" in message and "60 days" in message
    assert len(demo.requests()) == 1, "an expired token must not be retried"


def test_daily_limit_is_retried_then_succeeds(company, demo, tmp_path) -> None:
    demo.add_faults("/rest/organizationalEntityShareStatistics", ["daily_limit", "daily_limit"])
    landed = run(source(company, demo), RECENT, tmp_path, "share_statistics")
    statuses = [c["status"] for c in calls(demo, "organizationalEntityShareStatistics")]
    assert statuses == [429, 429, 200]
    assert sum(p.rows for p in landed) > 0


def test_persistent_daily_limit_gives_up_mentioning_the_midnight_reset(company, demo, tmp_path) -> None:
    demo.add_faults("/rest/organizationalEntityFollowerStatistics", ["daily_limit"] * 3)
    with pytest.raises(ExtractError) as caught:
        run(source(company, demo, max_attempts=3), RECENT, tmp_path, "follower_statistics")
    message = str(caught.value)
    assert "after 3 attempts" in message and "APPLICATION DAY limit" in message
    assert "midnight UTC" in message and "stream=follower_statistics" in message


@pytest.mark.parametrize("fault", ["error_500", "error_503"])
def test_server_errors_are_retried_then_succeed(company, demo, tmp_path, fault) -> None:
    demo.add_faults("/rest/posts", [fault])
    run(source(company, demo), RECENT, tmp_path, "posts")
    statuses = [c["status"] for c in calls(demo, "posts")]
    assert statuses[0] >= 500 and statuses[1] == 200


def test_unknown_field_fails_fast_and_clearly(company, demo, tmp_path) -> None:
    demo.add_faults("/rest/organizationalEntityShareStatistics", ["unknown_metric"])
    with pytest.raises(ExtractError) as caught:
        run(source(company, demo), RECENT, tmp_path, "share_statistics")
    message = str(caught.value)
    assert "ILLEGAL_ARGUMENT" in message and "unrecognized field" in message and "LinkedIn-Version" in message
    assert len(demo.requests()) == 1


def test_a_refused_time_range_is_a_clear_error(company, demo, tmp_path) -> None:
    # An extractor whose clock runs ahead of LinkedIn's asks for days LinkedIn does not serve yet.
    with pytest.raises(ExtractError) as caught:
        run(
            source(company, demo),
            RECENT,
            tmp_path,
            "follower_statistics",
            today=DEMO_TODAY + timedelta(days=2),
        )
    message = str(caught.value)
    assert "Invalid timeIntervals parameter" in message and "today - 3" in message
    assert len(demo.requests()) == 1


def test_an_organization_we_do_not_administer_is_access_denied(company, demo, tmp_path) -> None:
    other = Account(id="11111111", name="Not Ours")
    config = company.model_copy(
        update={"accounts": company.accounts.model_copy(update={"linkedin": (other,)})}
    )
    with pytest.raises(ExtractError) as caught:
        LinkedIn(config, demo_connection("linkedin", demo)).run(
            RECENT, tmp_path, "t1", streams=["share_statistics"], today=DEMO_TODAY
        )
    message = str(caught.value)
    assert "403 ACCESS_DENIED" in message and "account=11111111" in message
    assert "ADMINISTRATOR" in message and "r_organization_social" in message


def test_malformed_json_is_retried_then_reported_clearly(company, demo, tmp_path) -> None:
    demo.add_faults("/rest/networkSizes", ["malformed_json"])
    (partition,) = run(source(company, demo), RECENT, tmp_path, "network_size")
    assert partition.rows == 1

    demo.add_faults("/rest/networkSizes", ["malformed_json"] * 2)
    with pytest.raises(ExtractError) as caught:
        run(source(company, demo, max_attempts=2), RECENT, tmp_path / "again", "network_size")
    assert "malformed JSON" in str(caught.value) and "stream=network_size" in str(caught.value)
    assert not (tmp_path / "again").exists(), "nothing may be landed from a failed stream"


def test_missing_connection_is_a_clear_error(company, monkeypatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_LINKEDIN_DEFAULT", raising=False)
    with pytest.raises(ExtractError) as caught:
        LinkedIn(company).connection()
    assert "AIRFLOW_CONN_LINKEDIN_DEFAULT" in str(caught.value)


def test_token_never_reaches_landing_files_or_logs(company, demo, tmp_path, caplog) -> None:
    demo.add_faults("/rest/posts", ["error_500"])
    run(source(company, demo), RECENT, tmp_path)
    landed_text = "".join(p.read_text() for p in tmp_path.rglob("*.jsonl"))
    assert landed_text, "expected landed data"
    token = DEMO_TOKENS["linkedin"]
    assert token not in landed_text and token not in caplog.text
    assert any("retrying" in r.getMessage() for r in caplog.records), "the retry should have been logged"
