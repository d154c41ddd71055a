"""The demo feeds over real HTTP: Google Alerts Atom, ParentGear RSS 2.0, escaping, conditional GET."""

from __future__ import annotations

import hashlib
import html
import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import feedparser
import pytest
import requests

from demo.generator import mentions
from demo.platforms.feeds import (
    ATOM_NS,
    BLOG,
    DC_NS,
    FEED_PATHS,
    blog_author,
    first_draft,
    is_revised,
    render_blog,
    revised_at,
    summary_of,
)
from demo.server import DemoServer
from extractors.rss import html_text
from tests.conftest import DEMO_TODAY

ALERTS = {path: feed for path, feed in FEED_PATHS.items() if feed in mentions.GOOGLE_ALERTS_FEEDS}
BLOG_PATH = next(path for path, feed in FEED_PATHS.items() if feed == mentions.BLOG_FEED)
A = f"{{{ATOM_NS}}}"


def get(server: DemoServer, path: str, **headers: str) -> requests.Response:
    return requests.get(f"{server.url}{path}", headers=headers, timeout=10)


def parse(answer: requests.Response) -> feedparser.FeedParserDict:
    return feedparser.parse(
        io.BytesIO(answer.content), response_headers={"content-type": answer.headers["content-type"]}
    )


def test_config_feeds_are_the_ones_the_demo_serves(company) -> None:
    assert {feed.name: feed.url for feed in company.sources.rss.feeds} == {
        feed: path for path, feed in FEED_PATHS.items()
    }
    assert sorted(FEED_PATHS.values()) == sorted(mentions.FEEDS)


@pytest.mark.parametrize("path", sorted(ALERTS))
def test_google_alerts_feed_is_atom_as_google_writes_it(demo, path: str) -> None:
    feed = ALERTS[path]
    answer = get(demo, path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/atom+xml")
    parsed = parse(answer)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert re.fullmatch(
        r"tag:google\.com,2005:reader/user/\d{20}/state/com\.google/alerts/\d{20}", parsed.feed.id
    )
    assert parsed.feed.title.startswith("Google Alert - ")
    assert [link.rel for link in parsed.feed.links] == ["self"]

    expected = mentions.feed_entries(feed, DEMO_TODAY)
    assert expected, "the demo feed should not be empty"
    # A revised entry is sent twice under one id: the revision (newer `updated`), then its first
    # version (`updated` = `published`, the summary cut short).
    versions = [(s, v) for s in expected for v in ((True, False) if is_revised(s) else (None,))]
    assert [e.id for e in parsed.entries] == [s.id for s, _ in versions]
    for entry, (sighting, revision) in zip(parsed.entries, versions, strict=True):
        assert re.fullmatch(r"tag:google\.com,2013:googlealerts/feed:\d+", entry.id)
        assert entry.link == mentions.google_alerts_link(sighting.url, sighting.id)
        assert entry.link.startswith("https://www.google.com/url?")
        assert entry.title_detail.type == "text/html"
        assert "<b>" in entry.title and html_text(entry.title) == sighting.title
        assert entry.content[0].type == "text/html"
        summary = first_draft(sighting) if revision is False else summary_of(sighting)
        assert html_text(entry.content[0].value) == summary
        assert datetime(*entry.published_parsed[:6], tzinfo=UTC) == sighting.created_at
        updated = revised_at(sighting) if revision else sighting.created_at
        assert datetime(*entry.updated_parsed[:6], tzinfo=UTC) == updated


def test_alert_titles_name_their_brands_and_bold_them(demo) -> None:
    lumo = parse(get(demo, "/feeds/google-alerts/lumo.xml"))
    competitors = parse(get(demo, "/feeds/google-alerts/competitors.xml"))
    assert lumo.feed.title == "Google Alert - Lumo Strollers"
    assert competitors.feed.title == "Google Alert - Bramble Baby OR Kiddo Motion"
    bolded = {b for e in lumo.entries for b in re.findall(r"<b>(.*?)</b>", e.title)}
    assert bolded <= {"Lumo Strollers", "Lumo stroller"} and bolded


def test_blog_feed_is_rss_2(demo) -> None:
    answer = get(demo, BLOG_PATH)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/rss+xml")
    parsed = parse(answer)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert (parsed.feed.title, parsed.feed.link, parsed.feed.description) == (
        BLOG["title"],
        BLOG["link"],
        BLOG["description"],
    )
    expected = mentions.feed_entries(mentions.BLOG_FEED, DEMO_TODAY)
    assert expected, "the blog feed should not be empty"
    channel = ET.fromstring(answer.content).find("channel")
    items = channel.findall("item")
    assert len(items) == len(parsed.entries) == len(expected)
    for item, entry, sighting in zip(items, parsed.entries, expected, strict=True):
        guid = item.find("guid")
        assert guid.get("isPermaLink") == "true" and guid.text == sighting.url == sighting.id
        assert item.findtext("link") == sighting.url and entry.link == sighting.url
        assert entry.id == sighting.url
        assert item.findtext("title") == entry.title == sighting.title
        assert html_text(entry.summary) == summary_of(sighting)
        pub_date = item.findtext("pubDate")
        assert re.fullmatch(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT", pub_date)
        assert parsedate_to_datetime(pub_date) == sighting.created_at
        assert item.findtext(f"{{{DC_NS}}}creator") == entry.author == blog_author(sighting.url)


def test_hostile_text_arrives_as_text_never_as_markup(demo) -> None:
    answer = get(demo, "/feeds/google-alerts/lumo.xml")
    hostile = [s for s in mentions.feed_entries("google-alerts-lumo", DEMO_TODAY) if "<" in summary_of(s)]
    assert hostile, "the demo lumo feed should carry an entry with markup in its text"
    root = ET.fromstring(answer.content)
    assert not [el for el in root.iter() if el.tag.split("}")[-1] in {"script", "img", "a", "b", "i"}]
    contents = {e.findtext(f"{A}id"): e.find(f"{A}content").text for e in root.iter(f"{A}entry")}
    parsed = {e.id: e for e in parse(answer).entries}
    for sighting in hostile:
        # The content element holds HTML in which the writer's markup is escaped text.
        assert html.escape(summary_of(sighting)).split("&lt;")[0] in contents[sighting.id]
        assert "<script" not in contents[sighting.id].lower()
        assert html_text(contents[sighting.id]) == summary_of(sighting)
        assert html_text(parsed[sighting.id].content[0].value) == summary_of(sighting)


def test_blog_escapes_hostile_titles_and_descriptions() -> None:
    title = 'Win a <a href="javascript:alert(1)">stroller</a> & "more" <script>x()</script>'
    summary = "<img src=x onerror=alert(1)> Bramble Baby <b>really</b> & co </description></item>"
    moment = datetime(2026, 11, 19, 8, 30, tzinfo=UTC)
    sighting = mentions.Sighting(
        key="url:x", source="rss", id="https://www.parentgear.example/x", brands=("lumo",),
        text=f"{title}. {summary}", language="en", sentiment="neutral", created_at=moment,
        url="https://www.parentgear.example/x", title=title, feed=mentions.BLOG_FEED,
    )  # fmt: skip
    body = render_blog([sighting], moment)
    item = ET.fromstring(body).find("channel/item")
    assert item.findtext("title") == title
    assert [child.tag for child in item] == [
        "title",
        "link",
        "guid",
        "description",
        "pubDate",
        f"{{{DC_NS}}}creator",
    ]
    assert html_text(item.findtext("description")) == summary
    entry = feedparser.parse(io.BytesIO(body)).entries[0]
    assert html_text(entry.summary) == summary
    assert "<img" not in entry.summary and "<b>" not in entry.summary, "markup must stay escaped"


def test_etag_and_last_modified_describe_the_body(demo) -> None:
    for path, feed in FEED_PATHS.items():
        first, second = get(demo, path), get(demo, path)
        assert first.content == second.content
        etag = first.headers["etag"]
        assert etag == second.headers["etag"] and not etag.startswith("W/")
        assert etag == '"' + hashlib.sha256(first.content).hexdigest()[:32] + '"'
        newest = max(s.created_at for s in mentions.feed_entries(feed, DEMO_TODAY))
        assert first.headers["last-modified"] == format_datetime(newest, usegmt=True)


def test_conditional_get_answers_304_without_a_body(demo) -> None:
    path = "/feeds/google-alerts/competitors.xml"
    first = get(demo, path)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    for headers in (
        {"If-None-Match": etag},
        {"If-None-Match": f'"other", W/{etag}'},
        {"If-Modified-Since": modified},
        {
            "If-Modified-Since": format_datetime(
                parsedate_to_datetime(modified) + timedelta(hours=1), usegmt=True
            )
        },
    ):
        answer = get(demo, path, **headers)
        assert answer.status_code == 304, headers
        assert answer.content == b""
        assert answer.headers["etag"] == etag and answer.headers["last-modified"] == modified
    for headers in (
        {"If-None-Match": '"stale"'},
        {
            "If-Modified-Since": format_datetime(
                parsedate_to_datetime(modified) - timedelta(seconds=1), usegmt=True
            )
        },
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
        {"If-None-Match": '"stale"', "If-Modified-Since": modified},
    ):
        answer = get(demo, path, **headers)
        assert answer.status_code == 200, headers
        assert answer.content == first.content
    assert [r["status"] for r in demo.requests()] == [200, 304, 304, 304, 304, 200, 200, 200]


def test_faults_unknown_paths_and_no_auth(demo) -> None:
    demo.add_faults("/feeds/parentgear", ["error_500", "error_503", "malformed_json"])
    assert get(demo, BLOG_PATH).status_code == 500
    unavailable = get(demo, BLOG_PATH)
    assert unavailable.status_code == 503 and unavailable.headers["content-type"].startswith("text/html")
    cut = get(demo, BLOG_PATH)
    assert cut.status_code == 200
    whole = get(demo, BLOG_PATH)
    assert len(cut.content) < len(whole.content) and whole.content.startswith(cut.content)
    assert parse(cut).bozo and not parse(whole).bozo
    for path in ("/feeds/parentgear/atom.xml", "/feeds/google-alerts/unknown.xml", "/feeds/"):
        assert get(demo, path).status_code == 404
    assert get(demo, BLOG_PATH, Authorization="Bearer nonsense").status_code == 200


def test_truth_over_http_equals_python_truth(demo) -> None:
    truth = requests.get(
        f"{demo.url}/_demo/truth/rss/entries", params={"feed": "google-alerts-lumo"}, timeout=10
    ).json()
    assert [e["id"] for e in truth] == [s.id for s in mentions.feed_entries("google-alerts-lumo", DEMO_TODAY)]
    missing = requests.get(f"{demo.url}/_demo/truth/rss/entries", params={"feed": "nope"}, timeout=10)
    assert missing.status_code == 404
