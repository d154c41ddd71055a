"""The demo YouTube APIs over real HTTP: Data API and Analytics wire format, paging, lag, errors, faults."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import requests

from demo.generator import youtube as truth
from demo.server import DemoServer
from demo.state import DEMO_TOKENS
from tests.conftest import DEMO_TODAY

CHANNEL = "UCq7Lm0x2bN9dVfK3tYwQe8A"
UPLOADS = "UUq7Lm0x2bN9dVfK3tYwQe8A"
TOKEN = DEMO_TOKENS["youtube"]
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def data_api(
    server: DemoServer, resource: str, headers: dict | None = None, **params: object
) -> requests.Response:
    return requests.get(
        f"{server.url}/youtube/v3/{resource}",
        params=params,
        headers=AUTH if headers is None else headers,
        timeout=5,
    )


def report(server: DemoServer, headers: dict | None = None, **params: object) -> requests.Response:
    query = {"ids": "channel==MINE", "metrics": "views,likes", "dimensions": "day", "sort": "day", **params}
    return requests.get(
        f"{server.url}/youtubeanalytics/v2/reports",
        params={k: v for k, v in query.items() if v is not None},
        headers=AUTH if headers is None else headers,
        timeout=5,
    )


def google_error(response: requests.Response) -> dict:
    assert response.headers["content-type"] == "application/json; charset=UTF-8"
    return response.json()["error"]


def test_same_request_gives_the_same_body_across_instances(demo) -> None:
    with DemoServer(today=DEMO_TODAY) as other:
        for server_call in (
            lambda s: data_api(s, "channels", part="snippet,statistics,contentDetails", id=CHANNEL),
            lambda s: data_api(s, "playlistItems", part="contentDetails", playlistId=UPLOADS, maxResults=7),
            lambda s: report(s, startDate="2026-10-01", endDate="2026-11-19"),
        ):
            first, second, third = server_call(demo), server_call(demo), server_call(other)
            assert first.status_code == 200
            assert first.text == second.text == third.text


def test_channels_serve_only_the_asked_parts_with_counts_as_strings(demo) -> None:
    body = data_api(demo, "channels", part="statistics,contentDetails", id=CHANNEL).json()
    assert body["kind"] == "youtube#channelListResponse" and body["pageInfo"]["totalResults"] == 1
    (item,) = body["items"]
    assert list(item) == ["kind", "etag", "id", "contentDetails", "statistics"]
    assert item["contentDetails"]["relatedPlaylists"]["uploads"] == UPLOADS
    assert item["statistics"] == {
        "viewCount": str(truth.lifetime_views(CHANNEL, DEMO_TODAY - timedelta(days=1))),
        "subscriberCount": str(truth.followers(CHANNEL, DEMO_TODAY - timedelta(days=1))),
        "hiddenSubscriberCount": False,
        "videoCount": str(len(truth.uploads(CHANNEL, DEMO_TODAY))),
    }
    assert 2_500 < int(item["statistics"]["subscriberCount"]) < 3_500, "a small brand: ~2,900 subscribers"
    mine = data_api(demo, "channels", part="snippet", mine="true").json()["items"][0]
    assert mine["snippet"]["customUrl"] == "@lumostrollers" and mine["snippet"]["title"] == "Lumo Strollers"
    nobody = data_api(demo, "channels", part="snippet", id="UCxxxxxxxxxxxxxxxxxxxxxx").json()
    assert nobody["items"] == [] and nobody["pageInfo"]["totalResults"] == 0


def test_unknown_and_missing_parts(demo) -> None:
    unknown = data_api(demo, "channels", part="snippet,statistcs", id=CHANNEL)
    assert unknown.status_code == 400
    assert google_error(unknown) == {
        "code": 400,
        "message": "'statistcs'",
        "errors": [
            {
                "message": "'statistcs'",
                "domain": "youtube.part",
                "reason": "unknownPart",
                "location": "part",
                "locationType": "parameter",
            }
        ],
    }
    missing = data_api(demo, "videos", id="abc")
    assert missing.status_code == 400 and google_error(missing)["errors"][0]["reason"] == "required"


def test_authentication_errors(demo) -> None:
    missing = data_api(demo, "channels", headers={}, part="snippet", id=CHANNEL)
    assert missing.status_code == 401
    assert google_error(missing)["message"].startswith(
        "Request is missing required authentication credential."
    )
    expired = report(
        demo,
        headers={"Authorization": "Bearer expired-demo-token"},
        startDate="2026-11-01",
        endDate="2026-11-02",
    )
    assert expired.status_code == 401
    error = google_error(expired)
    assert error["status"] == "UNAUTHENTICATED"
    assert error["message"].startswith(
        "Request had invalid authentication credentials. Expected OAuth 2 access token"
    )
    assert error["errors"][0]["reason"] == "authError"
    assert 'error="invalid_token"' in expired.headers["www-authenticate"]
    by_query = data_api(demo, "channels", headers={}, part="id", id=CHANNEL, access_token=TOKEN)
    assert by_query.status_code == 200
    assert "access_token" not in demo.requests()[-1]["query"], "the request log hides the token"


def test_playlist_pages_join_to_the_uploads_newest_first(demo) -> None:
    ids, published, token, pages = [], [], None, 0
    while True:
        body = data_api(
            demo, "playlistItems", part="contentDetails", playlistId=UPLOADS, maxResults=50, pageToken=token
        ).json()
        pages += 1
        assert len(body["items"]) <= 50 and body["pageInfo"]["resultsPerPage"] == 50
        assert ("prevPageToken" in body) == (pages > 1)
        ids += [item["contentDetails"]["videoId"] for item in body["items"]]
        published += [item["contentDetails"]["videoPublishedAt"] for item in body["items"]]
        token = body.get("nextPageToken")
        if token is None:
            break
    expected = truth.uploads(CHANNEL, DEMO_TODAY)
    assert ids == [video.id for video in expected] and len(set(ids)) == len(ids)
    assert pages == -(-len(expected) // 50) > 1
    assert published == sorted(published, reverse=True)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp) for stamp in published)
    assert max(published) < f"{DEMO_TODAY.isoformat()}T00:00:00Z", "no video published today or later"
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{10}[AEIMQUYcgkosw048]", video_id) for video_id in ids)


def test_playlist_item_errors(demo) -> None:
    assert (
        data_api(demo, "playlistItems", part="contentDetails", playlistId=UPLOADS, maxResults=51).status_code
        == 400
    )
    bad_token = data_api(
        demo, "playlistItems", part="contentDetails", playlistId=UPLOADS, pageToken="nonsense"
    )
    assert (
        bad_token.status_code == 400 and google_error(bad_token)["errors"][0]["reason"] == "invalidPageToken"
    )
    unknown = data_api(demo, "playlistItems", part="contentDetails", playlistId="UUnothere")
    assert unknown.status_code == 404 and google_error(unknown)["errors"][0]["reason"] == "playlistNotFound"
    assert "\\u003ccode\\u003eplaylistId\\u003c/code\\u003e" in unknown.text, "Google escapes HTML in JSON"


def test_videos_by_id_with_string_statistics_and_iso_durations(demo) -> None:
    videos = truth.uploads(CHANNEL, DEMO_TODAY)[:4]
    ids = [videos[2].id, "noSuchVideo", videos[0].id]
    body = data_api(demo, "videos", part="snippet,statistics,contentDetails", id=",".join(ids)).json()
    assert body["kind"] == "youtube#videoListResponse"
    assert [item["id"] for item in body["items"]] == [videos[2].id, videos[0].id], (
        "request order, unknown ids left out"
    )
    for item, video in zip(body["items"], (videos[2], videos[0]), strict=True):
        stats = video.lifetime(DEMO_TODAY)
        assert item["statistics"] == {
            "viewCount": str(stats.views),
            "likeCount": str(stats.likes),
            "favoriteCount": "0",
            "commentCount": str(stats.comments),
        }
        assert re.fullmatch(r"PT(\d+M)?(\d+S)?", item["contentDetails"]["duration"])
        assert item["snippet"]["publishedAt"] == video.published_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    too_many = data_api(
        demo, "videos", part="statistics", id=",".join(v.id for v in truth.uploads(CHANNEL, DEMO_TODAY)[:51])
    )
    assert too_many.status_code == 400


def test_iso_durations_and_video_growth() -> None:
    assert [truth.iso_duration(s) for s in (45, 60, 62, 600, 3725, 0)] == [
        "PT45S",
        "PT1M",
        "PT1M2S",
        "PT10M",
        "PT1H2M5S",
        "P0D",
    ]
    video = truth.uploads(CHANNEL, DEMO_TODAY)[-1]
    grown = [video.lifetime(video.created_date + timedelta(days=n)).views for n in range(0, 20)]
    assert grown == sorted(grown) and grown[13] == grown[19] == video.final_views and grown[0] < grown[13]


def test_reports_are_positional_rows_under_column_headers(demo) -> None:
    body = report(
        demo, startDate="2026-10-31", endDate="2026-11-02", metrics="views,averageViewPercentage,likes"
    ).json()
    assert body["kind"] == "youtubeAnalytics#resultTable"
    assert body["columnHeaders"] == [
        {"name": "day", "columnType": "DIMENSION", "dataType": "STRING"},
        {"name": "views", "columnType": "METRIC", "dataType": "INTEGER"},
        {"name": "averageViewPercentage", "columnType": "METRIC", "dataType": "FLOAT"},
        {"name": "likes", "columnType": "METRIC", "dataType": "INTEGER"},
    ]
    expected = [truth.daily_metrics(CHANNEL, date(2026, 10, 31) + timedelta(days=n)) for n in range(3)]
    assert body["rows"] == [
        [m.day.isoformat(), m.views, m.average_view_percentage, m.likes] for m in expected
    ]
    descending = report(demo, startDate="2026-10-31", endDate="2026-11-02", sort="-day").json()["rows"]
    assert [row[0] for row in descending] == ["2026-11-02", "2026-11-01", "2026-10-31"]
    paged = report(demo, startDate="2026-10-01", endDate="2026-10-31", startIndex=11, maxResults=5).json()[
        "rows"
    ]
    assert [row[0] for row in paged] == [f"2026-10-{d}" for d in range(11, 16)]
    total = report(demo, startDate="2026-10-31", endDate="2026-11-02", dimensions=None, sort=None).json()
    assert total["rows"] == [[sum(m.views for m in expected), sum(m.likes for m in expected)]]


def test_reports_lag_three_days_and_omit_rows_when_empty(demo) -> None:
    recent = report(
        demo, startDate=(DEMO_TODAY - timedelta(days=6)).isoformat(), endDate=DEMO_TODAY.isoformat()
    )
    days = [row[0] for row in recent.json()["rows"]]
    assert days[-1] == truth.last_reported_day(DEMO_TODAY).isoformat() == "2026-11-17"
    lagging = report(demo, startDate="2026-11-18", endDate="2026-11-19").json()
    assert "rows" not in lagging and len(lagging["columnHeaders"]) == 3
    before_epoch = report(demo, startDate="2023-06-01", endDate="2023-06-30").json()
    assert "rows" not in before_epoch


def test_report_errors(demo) -> None:
    unknown = report(demo, startDate="2026-11-01", endDate="2026-11-02", metrics="views,foo,bar")
    assert unknown.status_code == 400
    assert google_error(unknown) == {
        "code": 400,
        "message": "Unknown identifier (foo) given in field parameters.metrics.",
        "errors": [
            {
                "message": "Unknown identifier (foo) given in field parameters.metrics.",
                "domain": "global",
                "reason": "badRequest",
            }
        ],
        "status": "INVALID_ARGUMENT",
    }
    unsupported = report(demo, startDate="2026-11-01", endDate="2026-11-02", dimensions="video")
    assert (
        unsupported.status_code == 400
        and "The query is not supported" in google_error(unsupported)["message"]
    )
    assert report(demo, startDate="2026-11-01", endDate=None).status_code == 400
    assert report(demo, startDate="2026-11-05", endDate="2026-11-01").status_code == 400
    assert (
        report(demo, startDate="2026-11-01", endDate="2026-11-02", ids="channel==UCsomeoneelse").status_code
        == 403
    )


@pytest.mark.parametrize(
    ("path", "fault", "status", "reason", "status_name"),
    [
        ("/youtube/v3/channels", "quota_exceeded", 403, "quotaExceeded", None),
        ("/youtube/v3/channels", "rate_limit_exceeded", 403, "rateLimitExceeded", None),
        ("/youtube/v3/channels", "error_500", 500, "backendError", "INTERNAL"),
        ("/youtube/v3/channels", "error_503", 503, "backendError", "UNAVAILABLE"),
        ("/youtube/v3/channels", "expired_token", 401, "authError", "UNAUTHENTICATED"),
        ("/youtube/v3/channels", "unknown_metric", 400, "unknownPart", None),
        ("/youtubeanalytics/v2/reports", "quota_exceeded", 429, "rateLimitExceeded", "RESOURCE_EXHAUSTED"),
        (
            "/youtubeanalytics/v2/reports",
            "rate_limit_exceeded",
            429,
            "rateLimitExceeded",
            "RESOURCE_EXHAUSTED",
        ),
        ("/youtubeanalytics/v2/reports", "error_500", 500, "backendError", "INTERNAL"),
        ("/youtubeanalytics/v2/reports", "expired_token", 401, "authError", "UNAUTHENTICATED"),
        ("/youtubeanalytics/v2/reports", "unknown_metric", 400, "badRequest", "INVALID_ARGUMENT"),
    ],
)
def test_faults_in_google_format(demo, path, fault, status, reason, status_name) -> None:
    demo.add_faults(path, [fault])
    if path.startswith("/youtube/"):
        answer = data_api(demo, "channels", part="snippet", id=CHANNEL)
    else:
        answer = report(demo, startDate="2026-11-01", endDate="2026-11-02")
    assert answer.status_code == status
    error = google_error(answer)
    assert error["code"] == status and error["errors"][0]["reason"] == reason
    assert error.get("status") == status_name
    again = (
        data_api(demo, "channels", part="snippet", id=CHANNEL)
        if path.startswith("/youtube/")
        else report(demo, startDate="2026-11-01", endDate="2026-11-02")
    )
    assert again.status_code == 200, "a fault is used once"
    assert [entry["fault"] for entry in demo.requests()] == [fault, None]


def test_quota_faults_carry_their_exact_messages(demo) -> None:
    demo.add_faults("/youtube/v3/", ["quota_exceeded"])
    data_quota = data_api(demo, "videos", part="statistics", id="x")
    assert data_quota.json()["error"]["errors"][0] == {
        "message": "The request cannot be completed because you have exceeded your "
        '<a href="/youtube/v3/getting-started#quota">quota</a>.',
        "domain": "youtube.quota",
        "reason": "quotaExceeded",
    }
    assert "\\u003ca href=" in data_quota.text
    demo.add_faults("/v2/reports", ["quota_exceeded", "rate_limit_exceeded"])
    daily = google_error(report(demo, startDate="2026-11-01", endDate="2026-11-02"))
    minute = google_error(report(demo, startDate="2026-11-01", endDate="2026-11-02"))
    assert "limit 'Queries per day'" in daily["message"]
    assert daily["details"][0]["metadata"]["quota_limit"] == "defaultPerDayPerProject"
    assert "limit 'Queries per minute per user'" in minute["message"]


def test_paths_the_platform_claims(demo) -> None:
    unknown = requests.get(f"{demo.url}/youtube/v3/search", headers=AUTH, timeout=5)
    assert unknown.status_code == 404 and "was not found on this server" in unknown.text
    assert [r["path"] for r in demo.requests()] == ["/youtube/v3/search"]
    other = requests.get(f"{demo.url}/youtubeanalytics/v2/groups", headers=AUTH, timeout=5)
    assert other.status_code == 404 and len(demo.requests()) == 1, (
        "only /youtubeanalytics/v2/reports is claimed"
    )


def test_truth_over_http_equals_python_truth(demo) -> None:
    base = f"{demo.url}/_demo/truth/youtube"
    assert requests.get(f"{base}/accounts", timeout=5).json() == truth.accounts()
    daily = requests.get(
        f"{base}/account_daily", params={"account_id": CHANNEL, "start": "2026-11-10"}, timeout=5
    )
    rows = daily.json()
    assert [row["date"] for row in rows][-1] == "2026-11-19"
    assert [row["views"] is None for row in rows][-3:] == [False, True, True], "the lag shows in the truth"
    posts = requests.get(
        f"{base}/posts", params={"account_id": CHANNEL, "start": "2026-11-01"}, timeout=5
    ).json()
    assert [p["id"] for p in posts] == [
        p["id"] for p in truth.posts(CHANNEL, date(2026, 11, 1), date(2026, 11, 19), DEMO_TODAY)
    ]
    snapshot = requests.get(f"{base}/snapshot", params={"account_id": CHANNEL}, timeout=5).json()
    assert snapshot["followers"] == truth.followers(CHANNEL, DEMO_TODAY - timedelta(days=1))
    assert (
        requests.get(
            f"{base}/posts", params={"account_id": "UCnope", "start": "2026-11-01"}, timeout=5
        ).status_code
        == 404
    )


def test_truth_invariants() -> None:
    rows = truth.account_daily(CHANNEL, date(2024, 1, 1), date(2026, 11, 19), DEMO_TODAY)
    previous = truth.followers(CHANNEL, date(2023, 12, 31))
    for row in rows:
        if row["followers_gained"] is not None:
            assert row["followers"] - previous == row["followers_gained"] - row["followers_lost"]
        previous = row["followers"]
    assert sum(row["posts_published"] for row in rows) == len(truth.uploads(CHANNEL, DEMO_TODAY))
    weeks = {}
    for video in truth.uploads(CHANNEL, DEMO_TODAY):
        monday = video.created_date - timedelta(days=video.created_date.weekday())
        weeks[monday] = weeks.get(monday, 0) + 1
    assert set(weeks.values()) <= {1, 2}, "one or two videos a week"
    formats = [truth.post_record(v, DEMO_TODAY)["post_format"] for v in truth.uploads(CHANNEL, DEMO_TODAY)]
    assert 0.2 < formats.count("reel") / len(formats) < 0.45
