"""The YouTube extractor against the demo Data API and Analytics API, over real HTTP.

Every case goes through the production path: HttpClient, the Google rules, stream, source and
the landing writer; the expected numbers come from the demo generator.
"""

from __future__ import annotations

import json
import logging
import math
from datetime import date, timedelta
from pathlib import Path

import pytest

from core.config import CompanyConfig
from demo.generator import youtube as truth
from demo.server import DemoServer
from demo.state import DEMO_TOKENS
from extractors.core import Window
from extractors.errors import ExtractError
from extractors.landing import partition_path
from extractors.youtube import ANALYTICS_LAG_DAYS, YouTube, pacific_day
from tests.conftest import DEMO_TODAY, demo_connection

CHANNEL = "UCq7Lm0x2bN9dVfK3tYwQe8A"
TOKEN = DEMO_TOKENS["youtube"]


def source(config: CompanyConfig, server: DemoServer, token: str | None = None, **extra: object) -> YouTube:
    return YouTube(config, demo_connection("youtube", server, token, **extra))


def landed_records(root: Path, stream: str, day: date) -> list[dict]:
    path = partition_path(root, "youtube", stream, CHANNEL, day)
    return [json.loads(line)["record"] for line in path.read_text().splitlines()]


def calls(server: DemoServer, path_end: str) -> list[dict]:
    return [r for r in server.requests() if r["path"].endswith(path_end)]


def with_metrics(config: CompanyConfig, metrics: tuple[str, ...]) -> CompanyConfig:
    settings = config.sources.youtube.model_copy(update={"analytics_metrics": metrics})
    return config.model_copy(update={"sources": config.sources.model_copy(update={"youtube": settings})})


def test_pacific_day_of_a_data_api_timestamp_across_dst() -> None:
    assert pacific_day("2026-11-01T06:59:59Z") == date(2026, 10, 31)
    assert pacific_day("2026-11-02T07:59:59Z") == date(2026, 11, 1)
    assert pacific_day("2026-11-02T08:00:00Z") == date(2026, 11, 2)


# channel_snapshot


def test_channel_snapshot_lands_the_channel_with_string_counts_equal_to_truth(
    company, demo, tmp_path
) -> None:
    run = Window(date(2026, 11, 19), date(2026, 11, 19))
    landed = source(company, demo).run(
        run, tmp_path, "t1", streams=["channel_snapshot"], accounts=[CHANNEL], today=DEMO_TODAY
    )
    assert [(p.day, p.rows) for p in landed] == [(date(2026, 11, 19), 1)]
    record = landed_records(tmp_path, "channel_snapshot", date(2026, 11, 19))[0]
    statistics = record["statistics"]
    assert all(isinstance(statistics[k], str) for k in ("viewCount", "subscriberCount", "videoCount"))
    assert int(statistics["subscriberCount"]) == truth.followers(CHANNEL, DEMO_TODAY - timedelta(days=1))
    assert int(statistics["viewCount"]) == truth.lifetime_views(CHANNEL, DEMO_TODAY - timedelta(days=1))
    assert int(statistics["videoCount"]) == len(truth.uploads(CHANNEL, DEMO_TODAY))
    assert record == truth.channel_resource(CHANNEL, DEMO_TODAY)
    query = calls(demo, "/youtube/v3/channels")[0]["query"]
    assert query == {"part": "snippet,statistics,contentDetails", "id": CHANNEL}


# channel_daily


def test_channel_daily_lands_one_object_per_pacific_day_equal_to_truth(company, demo, tmp_path) -> None:
    run = Window(date(2026, 10, 25), date(2026, 11, 5))  # spans the DST change
    source(company, demo).run(run, tmp_path, "t1", streams=["channel_daily"], today=DEMO_TODAY)
    metrics = company.sources.youtube.analytics_metrics
    first = run.start - timedelta(days=company.sources.youtube.report_lookback_days)
    for expected in truth.account_daily(CHANNEL, first, run.end, DEMO_TODAY):
        day = expected["date"]
        (record,) = landed_records(tmp_path, "channel_daily", day)
        assert list(record) == ["day", *metrics], "columns keep the header order"
        assert record["day"] == day.isoformat()
        assert record["views"] == expected["views"]
        assert record["shares"] == expected["shares"]
        assert record["subscribersGained"] == expected["followers_gained"]
        assert record["subscribersLost"] == expected["followers_lost"]
        assert record["likes"] + record["comments"] + record["shares"] == expected["engagements"]
        assert (
            record["estimatedMinutesWatched"] == truth.daily_metrics(CHANNEL, day).estimated_minutes_watched
        )
    (call,) = calls(demo, "/youtubeanalytics/v2/reports")
    assert call["query"] == {
        "ids": f"channel=={CHANNEL}",
        "startDate": first.isoformat(),
        "endDate": "2026-11-05",
        "metrics": ",".join(metrics),
        "dimensions": "day",
        "sort": "day",
    }


def test_channel_daily_does_not_land_the_days_analytics_has_not_reported(
    company, demo, tmp_path, caplog
) -> None:
    yesterday = DEMO_TODAY - timedelta(days=1)
    waiting = [DEMO_TODAY - timedelta(days=n) for n in range(1, ANALYTICS_LAG_DAYS)]
    # Data landed for a lagging day by some earlier run must survive: it is not re-read as empty.
    earlier = partition_path(tmp_path, "youtube", "channel_daily", CHANNEL, waiting[0])
    earlier.parent.mkdir(parents=True)
    earlier.write_text('{"record": {"day": "x"}, "extracted_at": "2026-11-20T00:00:00+00:00"}\n')
    with caplog.at_level(logging.INFO, logger="extractors.youtube"):
        landed = source(company, demo).run(
            Window(yesterday - timedelta(days=4), yesterday),
            tmp_path,
            "t1",
            streams=["channel_daily"],
            today=DEMO_TODAY,
        )
    last_reported = truth.last_reported_day(DEMO_TODAY)
    assert max(p.day for p in landed) == last_reported == DEMO_TODAY - timedelta(days=ANALYTICS_LAG_DAYS)
    assert all(p.rows == 1 for p in landed), "every landed day has its row"
    for day in waiting[1:]:
        assert not partition_path(tmp_path, "youtube", "channel_daily", CHANNEL, day).exists()
    assert '"day": "x"' in earlier.read_text()
    assert "has not reported" in caplog.text and "account=UCq7Lm0x2bN9dVfK3tYwQe8A" in caplog.text


def test_a_window_entirely_inside_the_lag_lands_nothing(company, demo, tmp_path) -> None:
    run = Window(DEMO_TODAY - timedelta(days=1), DEMO_TODAY - timedelta(days=1))
    settings = company.sources.youtube.model_copy(update={"report_lookback_days": 0})
    config = company.model_copy(update={"sources": company.sources.model_copy(update={"youtube": settings})})
    assert source(config, demo).run(run, tmp_path, "t1", streams=["channel_daily"], today=DEMO_TODAY) == []
    assert len(calls(demo, "/v2/reports")) == 1


def test_an_empty_window_lands_empty_partitions(company, demo, tmp_path) -> None:
    run = Window(date(2023, 6, 1), date(2023, 6, 3))  # before the demo channel had data
    landed = source(company, demo).run(
        run, tmp_path, "t1", streams=["channel_daily", "videos"], accounts=[CHANNEL]
    )
    lookbacks = company.sources.youtube.report_lookback_days + company.sources.youtube.video_lookback_days
    assert len(landed) == 2 * 3 + lookbacks
    assert all(p.rows == 0 and p.path.read_text() == "" for p in landed)


# videos


def stream_window(company: CompanyConfig, server: DemoServer, run: Window) -> Window:
    return next(s for s in source(company, server).streams() if s.name == "videos").window(run, DEMO_TODAY)


def landed_videos(root: Path, window: Window) -> list[dict]:
    return [v for day in window.days() for v in landed_records(root, "videos", day)]


def test_videos_follow_page_tokens_and_match_truth(company, demo, tmp_path) -> None:
    run = Window(date(2026, 11, 1), date(2026, 11, 10))
    window = stream_window(company, demo, run)
    source(company, demo, page_size=3).run(run, tmp_path, "t1", streams=["videos"], accounts=[CHANNEL])
    pages = calls(demo, "/youtube/v3/playlistItems")
    assert len(pages) > 3, "expected several playlistItems pages at maxResults=3"
    assert "pageToken" not in pages[0]["query"] and all("pageToken" in p["query"] for p in pages[1:])
    assert all(p["query"]["maxResults"] == "3" for p in pages)
    everything = math.ceil(len(truth.uploads(CHANNEL, DEMO_TODAY)) / 3)
    assert len(pages) < everything / 4, "paging stops once the uploads are older than the window"

    expected = truth.posts(CHANNEL, window.start, window.end, DEMO_TODAY)
    landed = landed_videos(tmp_path, window)
    assert sorted(v["id"] for v in landed) == sorted(p["id"] for p in expected) and expected
    by_id = {v["id"]: v for v in landed}
    for post in expected:
        video = by_id[post["id"]]
        statistics = video["statistics"]
        assert all(isinstance(value, str) for value in statistics.values()), "counts are strings"
        assert int(statistics["viewCount"]) == post["views"]
        assert int(statistics["likeCount"]) == post["reactions"]
        assert int(statistics["commentCount"]) == post["comments"]
        assert statistics["favoriteCount"] == "0"
        assert pacific_day(video["snippet"]["publishedAt"]) == post["created_date"]
        assert video["contentDetails"]["duration"] == truth.iso_duration(post["duration_seconds"])
        day_file = landed_records(tmp_path, "videos", post["created_date"])
        assert post["id"] in {v["id"] for v in day_file}, "a video lands on its Pacific publish day"
    assert all(len(c["query"]["id"].split(",")) <= 3 for c in calls(demo, "/youtube/v3/videos"))


def test_videos_are_asked_for_at_most_50_ids_at_a_time(company, demo, tmp_path) -> None:
    run = Window(date(2026, 1, 1), date(2026, 10, 31))
    window = stream_window(company, demo, run)
    source(company, demo).run(run, tmp_path, "t1", streams=["videos"], accounts=[CHANNEL])
    expected = truth.posts(CHANNEL, window.start, window.end, DEMO_TODAY)
    assert len(expected) > 50
    batches = [c["query"]["id"].split(",") for c in calls(demo, "/youtube/v3/videos")]
    assert [len(b) for b in batches] == [50] * (len(expected) // 50) + [len(expected) % 50]
    assert sorted(i for b in batches for i in b) == sorted(p["id"] for p in expected)
    assert len(landed_videos(tmp_path, window)) == len(expected)


def test_shorts_are_in_the_data_and_last_at_most_a_minute(company, demo, tmp_path) -> None:
    run = Window(date(2026, 9, 1), date(2026, 10, 31))
    window = stream_window(company, demo, run)
    source(company, demo).run(run, tmp_path, "t1", streams=["videos"])
    durations = {v["id"]: v["contentDetails"]["duration"] for v in landed_videos(tmp_path, window)}
    expected = truth.posts(CHANNEL, window.start, window.end, DEMO_TODAY)
    shorts = [p for p in expected if p["post_format"] == "reel"]
    assert shorts and len(shorts) < len(expected)
    for post in expected:
        assert (post["duration_seconds"] <= 60) == (post["post_format"] == "reel")
        assert durations[post["id"]] == truth.iso_duration(post["duration_seconds"])


# errors


def test_a_spent_daily_quota_is_not_retried(company, demo, tmp_path) -> None:
    demo.add_faults("/youtube/v3/channels", ["quota_exceeded"])
    with pytest.raises(ExtractError) as caught:
        source(company, demo).run(
            Window(date(2026, 11, 1), date(2026, 11, 2)), tmp_path, "t1", streams=["videos"]
        )
    message = str(caught.value)
    assert "quotaExceeded" in message and "exceeded your" in message
    assert "source=youtube stream=videos account=UCq7Lm0x2bN9dVfK3tYwQe8A" in message
    assert "midnight Pacific" in message and "Google Cloud console" in message
    assert len(calls(demo, "/youtube/v3/channels")) == 1, "a spent quota must not be retried"


def test_a_spent_daily_analytics_quota_is_not_retried(company, demo, tmp_path) -> None:
    demo.add_faults("/v2/reports", ["quota_exceeded"])
    with pytest.raises(ExtractError) as caught:
        source(company, demo).run(
            Window(date(2026, 11, 1), date(2026, 11, 2)), tmp_path, "t1", streams=["channel_daily"]
        )
    assert "Queries per day" in str(caught.value) and "midnight Pacific" in str(caught.value)
    assert [c["status"] for c in calls(demo, "/v2/reports")] == [429]


@pytest.mark.parametrize(
    ("path", "stream", "status"),
    [("/youtube/v3/playlistItems", "videos", 403), ("/v2/reports", "channel_daily", 429)],
)
def test_rate_limits_are_retried_then_succeed(company, demo, tmp_path, path, stream, status) -> None:
    demo.add_faults(path, ["rate_limit_exceeded", "rate_limit_exceeded"])
    landed = source(company, demo).run(
        Window(date(2026, 11, 1), date(2026, 11, 10)), tmp_path, "t1", streams=[stream]
    )
    assert [c["status"] for c in calls(demo, path)][:3] == [status, status, 200]
    assert sum(p.rows for p in landed) > 0


@pytest.mark.parametrize("fault", ["error_500", "error_503"])
@pytest.mark.parametrize("path", ["/youtube/v3/videos", "/v2/reports"])
def test_server_errors_are_retried_then_succeed(company, demo, tmp_path, fault, path) -> None:
    demo.add_faults(path, [fault])
    stream = "videos" if "videos" in path else "channel_daily"
    landed = source(company, demo).run(
        Window(date(2026, 11, 1), date(2026, 11, 10)), tmp_path, "t1", streams=[stream]
    )
    statuses = [c["status"] for c in calls(demo, path)]
    assert statuses[0] == int(fault.removeprefix("error_")) and statuses[1] == 200
    assert sum(p.rows for p in landed) > 0


def test_persistent_rate_limiting_gives_up_with_a_clear_error(company, demo, tmp_path) -> None:
    demo.add_faults("/v2/reports", ["rate_limit_exceeded"] * 3)
    with pytest.raises(ExtractError) as caught:
        source(company, demo, max_attempts=3).run(
            Window(date(2026, 11, 1), date(2026, 11, 2)), tmp_path, "t1", streams=["channel_daily"]
        )
    message = str(caught.value)
    assert "source=youtube stream=channel_daily account=UCq7Lm0x2bN9dVfK3tYwQe8A" in message
    assert "after 3 attempts" in message and "RESOURCE_EXHAUSTED" in message and "re-run" in message


@pytest.mark.parametrize("stream", ["channel_snapshot", "channel_daily", "videos"])
def test_an_expired_token_fails_fast_and_names_the_fix(company, demo, tmp_path, stream) -> None:
    with pytest.raises(ExtractError) as caught:
        source(company, demo, token="expired-demo-token").run(
            Window(date(2026, 11, 1), date(2026, 11, 2)), tmp_path, "t1", streams=[stream]
        )
    message = str(caught.value)
    assert f"source=youtube stream={stream} account=UCq7Lm0x2bN9dVfK3tYwQe8A" in message
    assert "UNAUTHENTICATED" in message and "invalid authentication credentials" in message
    assert "refresh the OAuth access token" in message and "youtube_default" in message
    assert len(demo.requests()) == 1, "an expired token must not be retried"


def test_an_unknown_metric_fails_fast_and_points_at_the_config(company, demo, tmp_path) -> None:
    config = with_metrics(company, ("views", "foo"))
    with pytest.raises(ExtractError) as caught:
        source(config, demo).run(
            Window(date(2026, 11, 1), date(2026, 11, 2)), tmp_path, "t1", streams=["channel_daily"]
        )
    message = str(caught.value)
    assert "Unknown identifier (foo) given in field parameters.metrics." in message
    assert "sources.youtube.analytics_metrics" in message and "company config" in message
    assert len(calls(demo, "/v2/reports")) == 1
    assert not tmp_path.joinpath("youtube").exists(), "nothing may be landed from a failed stream"


def test_an_unknown_part_is_a_clear_error(company, demo, tmp_path) -> None:
    demo.add_faults("/youtube/v3/channels", ["unknown_metric"])
    with pytest.raises(ExtractError) as caught:
        source(company, demo).run(
            Window(date(2026, 11, 1), date(2026, 11, 1)), tmp_path, "t1", streams=["channel_snapshot"]
        )
    assert "unknownPart" in str(caught.value) and "'snippet'" in str(caught.value)
    assert len(demo.requests()) == 1


def test_a_malformed_body_is_retried_then_reported_clearly(company, demo, tmp_path) -> None:
    run = Window(date(2026, 11, 1), date(2026, 11, 5))
    demo.add_faults("/v2/reports", ["malformed_json"])
    landed = source(company, demo).run(run, tmp_path, "t1", streams=["channel_daily"])
    assert sum(p.rows for p in landed) == len(landed) > 0

    demo.add_faults("/v2/reports", ["malformed_json"] * 2)
    with pytest.raises(ExtractError) as caught:
        source(company, demo, max_attempts=2).run(run, tmp_path / "again", "t2", streams=["channel_daily"])
    assert "malformed JSON" in str(caught.value) and "stream=channel_daily" in str(caught.value)
    assert not (tmp_path / "again").exists(), "nothing may be landed from a failed stream"


def test_the_token_never_reaches_landing_files_or_logs(company, demo, tmp_path, caplog) -> None:
    demo.add_faults("/v2/reports", ["error_500"])
    demo.add_faults("/youtube/v3/videos", ["malformed_json"])
    with caplog.at_level(logging.DEBUG):
        source(company, demo).run(Window(date(2026, 11, 1), date(2026, 11, 10)), tmp_path, "t1")
    landed_text = "".join(p.read_text() for p in tmp_path.rglob("*.jsonl"))
    assert landed_text, "expected landed data"
    assert TOKEN not in landed_text and TOKEN not in caplog.text
    assert sum("retrying" in r.getMessage() for r in caplog.records) == 2
