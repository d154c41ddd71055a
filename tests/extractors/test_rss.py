"""The RSS/Atom source against the demo feeds, over real HTTP.

Every case goes through the production path (HttpClient, the feed rules, feedparser, the
validator store, the source and the landing writer); expected values come from the mention truth.
"""

from __future__ import annotations

import json
import random
import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
import requests

from core.config import CompanyConfig, Feed
from demo.connections import demo_connections
from demo.generator import mentions
from demo.platforms.feeds import FEED_PATHS, blog_author, first_draft, is_revised, revised_at, summary_of
from demo.server import DemoServer
from extractors import source_class
from extractors.core import Window
from extractors.errors import ExtractError, TransientError, Where
from extractors.landing import partition_path
from extractors.rss import Rss, ValidatorStore, canonical_url, feed_url, parse_feed, unwrap_redirect
from loading.raw import load_partitions, partitions_in_landing
from tests.conftest import DEMO_TODAY, demo_connection
from warehouse.orchestration import EXTRACT_SOURCES

YESTERDAY = DEMO_TODAY - timedelta(days=1)
RUN = Window(YESTERDAY, YESTERDAY)
LUMO = "google-alerts-lumo"


def with_feeds(company: CompanyConfig, feeds: dict[str, str]) -> CompanyConfig:
    rss = company.sources.rss.model_copy(
        update={"feeds": tuple(Feed(name=name, url=url) for name, url in feeds.items())}
    )
    return company.model_copy(update={"sources": company.sources.model_copy(update={"rss": rss})})


def demo_feeds(server: DemoServer) -> dict[str, str]:
    """The demo's feeds: paths (joined to the connection host), the blog as an absolute URL."""
    feeds = {feed: path for path, feed in FEED_PATHS.items()}
    feeds[mentions.BLOG_FEED] = f"{server.url}{feeds[mentions.BLOG_FEED]}"
    return feeds


def source(company: CompanyConfig, server: DemoServer, feeds: dict[str, str] | None = None, **extra) -> Rss:
    config = with_feeds(company, demo_feeds(server) if feeds is None else feeds)
    return Rss(config, demo_connection("rss", server, token="", **extra))


def landed_records(root: Path, feed: str, day: date = YESTERDAY) -> list[dict]:
    return [line["record"] for line in landed(root, feed, day)]


def landed(root: Path, feed: str, day: date = YESTERDAY) -> list[dict]:
    path = partition_path(root, "rss", "entries", feed, day)
    return [json.loads(line) for line in path.read_text().splitlines()]


def expected_records(feed: str, sighting: mentions.Sighting) -> list[dict]:
    """What the feed sends for one entry: the entry, then its first version when it was revised."""
    alert = feed in mentions.GOOGLE_ALERTS_FEEDS
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    record = {
        "id": sighting.id,
        "link": mentions.google_alerts_link(sighting.url, sighting.id) if alert else sighting.url,
        "title": sighting.title,
        "summary": summary_of(sighting),
        "published": sighting.created_at.strftime(stamp),
        "updated": sighting.created_at.strftime(stamp),  # feedparser reads an RSS pubDate as both
        "author": None if alert else blog_author(sighting.url),
        "_canonical_url": mentions.canonical(sighting.url),
    }
    if not (alert and is_revised(sighting)):
        return [record]
    revision = {**record, "updated": revised_at(sighting).strftime(stamp)}
    return [revision, {**record, "summary": first_draft(sighting)}]


def feed_calls(server: DemoServer) -> list[tuple[str, int]]:
    return [(r["path"], r["status"]) for r in server.requests()]


def test_rss_is_a_registered_source_with_a_passwordless_demo_connection() -> None:
    assert source_class("rss") is Rss and "rss" in EXTRACT_SOURCES
    connection = json.loads(demo_connections("http://demo:1")["AIRFLOW_CONN_RSS_DEFAULT"])
    assert connection["host"] == "http://demo:1" and "password" not in connection


def test_landed_records_equal_the_feeds_truth(company, demo, tmp_path) -> None:
    partitions = source(company, demo).run(RUN, tmp_path, "r1", today=DEMO_TODAY)
    assert sorted((p.account, p.day) for p in partitions) == sorted((f, YESTERDAY) for f in mentions.FEEDS)
    for feed in mentions.FEEDS:
        truth = mentions.feed_entries(feed, DEMO_TODAY)
        assert truth, f"the demo feed {feed} should not be empty"
        records = [line["record"] for line in landed(tmp_path, feed)]
        expected = [record for s in truth for record in expected_records(feed, s)]
        assert [{k: v for k, v in r.items() if k != "_feed"} for r in records] == expected
        assert {r["_feed"]["name"] for r in records} == {feed}
        keys = {s.id: s.key for s in truth}
        assert all(f"url:{r['_canonical_url']}" == keys[r["id"]] for r in records)
    # Real feeds re-send a revised entry beside its first version: the demo serves that quirk.
    resent = [r["id"] for feed in mentions.GOOGLE_ALERTS_FEEDS for r in landed_records(tmp_path, feed)]
    assert len(resent) > len(set(resent)), "the Google Alerts feeds should re-send a revised entry"
    alerts = landed(tmp_path, LUMO)[0]["record"]["_feed"]
    assert alerts["title"] == "Google Alert - Lumo Strollers"
    assert alerts["link"].startswith("https://www.google.com/alerts/feeds/")
    blog = landed(tmp_path, mentions.BLOG_FEED)[0]["record"]["_feed"]
    assert blog == {
        "name": mentions.BLOG_FEED,
        "title": "ParentGear",
        "link": "https://www.parentgear.example/",
    }
    hostile = [
        line["record"]["summary"] for line in landed(tmp_path, LUMO) if "<" in line["record"]["summary"]
    ]
    assert hostile, "the lumo feed's hostile entry keeps its markup as text"


def test_a_second_run_the_same_day_gets_304_and_keeps_the_partition(company, demo, tmp_path) -> None:
    rss = source(company, demo, feeds={LUMO: "/feeds/google-alerts/lumo.xml"})
    rss.run(RUN, tmp_path, "first", today=DEMO_TODAY)
    path = partition_path(tmp_path, "rss", "entries", LUMO, YESTERDAY)
    before = path.read_bytes()
    state = json.loads(ValidatorStore(tmp_path).path(LUMO).read_text())
    served = requests.get(f"{demo.url}/feeds/google-alerts/lumo.xml", timeout=10)
    assert state == {
        "etag": served.headers["etag"],
        "last_modified": served.headers["last-modified"],
        "day": YESTERDAY.isoformat(),
    }
    demo.clear_requests()

    # Nothing is written; the partition in place is offered to the load again, in case the run
    # that landed it was killed before its load.
    again = rss.run(RUN, tmp_path, "second", today=DEMO_TODAY)
    assert [(p.path, p.rows) for p in again] == [(path, len(before.splitlines()))]
    assert feed_calls(demo) == [("/feeds/google-alerts/lumo.xml", 304)]
    assert path.read_bytes() == before
    assert {line["run_id"] for line in landed(tmp_path, LUMO)} == {"first"}


def test_a_run_killed_before_its_load_loses_nothing_when_the_feed_is_then_unchanged(
    company, demo, tmp_path
) -> None:
    """The first run lands the feed and is killed before its load; the retry gets a 304. What the
    retry hands its load is the partition in place, so the entries reach the warehouse."""
    rss = source(company, demo, feeds={LUMO: "/feeds/google-alerts/lumo.xml"})
    first = [p for p in rss.run(RUN, tmp_path, "first", today=DEMO_TODAY) if p.rows > 0]
    assert first, "the first run landed the feed's entries"
    retry = rss.run(RUN, tmp_path, "retry", today=DEMO_TODAY)
    with duckdb.connect() as con:
        load_partitions(con, retry, "load-retry", company)
        loaded = con.execute("select count(*) from raw.rss__entries").fetchone()
    assert loaded == (sum(p.rows for p in first),)


def test_validators_are_not_sent_once_their_partition_is_gone(company, demo, tmp_path) -> None:
    rss = source(company, demo, feeds={LUMO: "/feeds/google-alerts/lumo.xml"})
    rss.run(RUN, tmp_path, "first", today=DEMO_TODAY)
    partition_path(tmp_path, "rss", "entries", LUMO, YESTERDAY).unlink()
    demo.clear_requests()
    assert [p.rows for p in rss.run(RUN, tmp_path, "again", today=DEMO_TODAY)] == [
        sum(len(expected_records(LUMO, s)) for s in mentions.feed_entries(LUMO, DEMO_TODAY))
    ]
    assert feed_calls(demo) == [("/feeds/google-alerts/lumo.xml", 200)]


def test_state_is_written_only_after_the_partition_is_landed(company, demo, tmp_path) -> None:
    rss = source(company, demo, feeds={LUMO: "/feeds/google-alerts/lumo.xml"})
    # A file where the partition's directory belongs: landing fails after a good fetch.
    blocker = partition_path(tmp_path, "rss", "entries", LUMO, YESTERDAY).parent
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a directory")
    with pytest.raises(ExtractError, match="cannot write the landing file") as caught:
        rss.run(RUN, tmp_path, "r1", today=DEMO_TODAY)
    assert (caught.value.where.stream, caught.value.where.account) == ("entries", LUMO)
    assert feed_calls(demo) == [("/feeds/google-alerts/lumo.xml", 200)]
    assert not ValidatorStore(tmp_path).path(LUMO).exists()

    blocker.unlink()
    rss.run(RUN, tmp_path, "r2", today=DEMO_TODAY)
    assert ValidatorStore(tmp_path).path(LUMO).exists()
    assert [p.name for p in ValidatorStore(tmp_path).directory.iterdir()] == [f"{LUMO}.json"]


def test_a_cut_body_is_fetched_again_and_lands_whole(company, demo, tmp_path) -> None:
    demo.add_faults("/feeds/parentgear", ["malformed_json", "error_503"])
    partitions = source(company, demo, feeds={mentions.BLOG_FEED: "/feeds/parentgear/rss.xml"}).run(
        RUN, tmp_path, "r1", today=DEMO_TODAY
    )
    assert [r["status"] for r in demo.requests()] == [200, 503, 200]
    assert [r["fault"] for r in demo.requests()] == ["malformed_json", "error_503", None]
    assert partitions[0].rows == len(mentions.feed_entries(mentions.BLOG_FEED, DEMO_TODAY))


def test_a_body_cut_on_every_attempt_is_a_clear_error_and_lands_nothing(company, demo, tmp_path) -> None:
    demo.add_faults("/feeds/google-alerts/lumo", ["malformed_json"] * 3)
    rss = source(company, demo, feeds={LUMO: "/feeds/google-alerts/lumo.xml"}, max_attempts=3)
    with pytest.raises(ExtractError) as error:
        rss.run(RUN, tmp_path, "r1", today=DEMO_TODAY)
    text = str(error.value)
    assert f"account={LUMO}" in text and f"{demo.url}/feeds/google-alerts/lumo.xml" in text
    assert "still failing after 3 attempts" in text and "root element" in text
    assert len(demo.requests()) == 3
    assert not (tmp_path / "rss").exists() and not ValidatorStore(tmp_path).path(LUMO).exists()


def test_a_page_that_is_not_a_feed_fails_at_once_naming_feed_and_url(company, demo, tmp_path) -> None:
    rss = source(company, demo, feeds={"docs": "/_demo/docs"})
    with pytest.raises(ExtractError) as error:
        rss.run(RUN, tmp_path, "r1", today=DEMO_TODAY)
    assert "account=docs" in str(error.value) and f"{demo.url}/_demo/docs did not return a feed" in str(
        error.value
    )
    assert "text/html" in str(error.value) and "sources.rss.feeds" in error.value.hint

    missing = source(company, demo, feeds={"gone": "/feeds/google-alerts/deleted.xml"})
    with pytest.raises(ExtractError) as error:
        missing.run(RUN, tmp_path, "r1", today=DEMO_TODAY)
    assert error.value.status == 404 and "account=gone" in str(error.value)
    assert feed_calls(demo) == [("/feeds/google-alerts/deleted.xml", 404)]


def test_no_feeds_means_nothing_to_do(company, demo, tmp_path) -> None:
    assert source(company, demo, feeds={}).run(RUN, tmp_path, "r1", today=DEMO_TODAY) == []
    assert demo.requests() == []


def test_feed_urls_are_paths_after_the_host_or_absolute() -> None:
    where = Where("rss", "entries", "f")
    relative, absolute = Feed(name="f", url="/feeds/a.xml"), Feed(name="f", url="https://news.example/rss")
    assert feed_url(relative, "http://demo:8787", where) == "http://demo:8787/feeds/a.xml"
    assert feed_url(relative, "http://demo:8787/base/", where) == "http://demo:8787/base/feeds/a.xml"
    assert feed_url(absolute, "http://demo:8787", where) == "https://news.example/rss"
    assert feed_url(absolute, None, where) == "https://news.example/rss"
    with pytest.raises(ExtractError, match=re.escape("relative url '/feeds/a.xml'")):
        feed_url(relative, None, where)


def test_malformed_feeds_with_entries_are_kept_cut_ones_are_retried() -> None:
    entry = "<entry><id>tag:a.example,2026:e1</id><title>Caf&eacute; &amp; prams</title><link href='https://a.example/x'/></entry>"
    complete = f"<feed xmlns='http://www.w3.org/2005/Atom'><title>t</title>{entry}</feed>".encode()
    parsed = parse_feed(complete, "application/atom+xml", "https://a.example/feed")
    assert parsed.bozo and [e.id for e in parsed.entries] == ["tag:a.example,2026:e1"]
    with pytest.raises(TransientError, match="root element"):
        parse_feed(complete[: len(complete) - 10], "application/atom+xml", "https://a.example/feed")


def test_canonical_url_unwraps_google_redirects_and_strips_tracking() -> None:
    article = "https://www.CityKids.example/2026/11/review-0/?utm_source=reddit&id=7&UTM_Medium=social#top"
    assert canonical_url(article) == "https://citykids.example/2026/11/review-0?id=7"
    wrapped = mentions.google_alerts_link(
        "https://www.babyblog.example/a/b/?utm_campaign=x", "tag:1234567890"
    )
    assert unwrap_redirect(wrapped) == "https://www.babyblog.example/a/b/?utm_campaign=x"
    assert canonical_url(wrapped) == "https://babyblog.example/a/b"
    assert (
        canonical_url("https://www.google.com/url?q=https://news.example/x&sa=D") == "https://news.example/x"
    )
    assert canonical_url("https://www.google.com/search?q=lumo") == "https://google.com/search?q=lumo"
    assert canonical_url("HTTPS://WWW.Example.com/") == "https://example.com"


def test_canonical_url_follows_the_truths_rule_on_many_urls() -> None:
    urls = {
        s.url
        for day in (date(2026, 11, 17) + timedelta(days=n) for n in range(3))
        for s in mentions.sightings_on(day)
        if s.source in {"rss", "reddit"}
    }
    rng = random.Random(5)
    hosts = ("www.parentgear.example", "News.FamilyTimes.example", "citykids.example", "WWW.X.EXAMPLE")
    paths = ("", "/", "/a", "/a/b/", "/caf%C3%A9/x", "/2026/11/review-3")
    queries = ("", "utm_source=reddit", "id=1&utm_medium=social", "a=&b=2", "q=a+b%20c", "UTM_x=1&z=%2F")
    for _ in range(400):
        scheme = rng.choice(("https", "HTTPS", "http"))
        query = rng.choice(queries)
        urls.add(
            f"{scheme}://{rng.choice(hosts)}{rng.choice(paths)}{'?' + query if query else ''}"
            f"{rng.choice(('', '#frag'))}"
        )
    assert len(urls) > 300
    for url in urls:
        assert canonical_url(url) == mentions.canonical(url), url
        assert canonical_url(mentions.google_alerts_link(url, "tag:x:123456789012")) == mentions.canonical(
            url
        )


def test_the_loader_never_takes_extractor_state_for_data(company, demo, tmp_path) -> None:
    source(company, demo).run(RUN, tmp_path, "r1", today=DEMO_TODAY)
    # State laid out like a partition must still be skipped: directories starting with _ are not data.
    fake = tmp_path / "_state" / "rss" / "account=x" / f"day={YESTERDAY}" / "data.jsonl"
    fake.parent.mkdir(parents=True)
    fake.write_text('{"record": {}}\n')
    found = partitions_in_landing(tmp_path, YESTERDAY, YESTERDAY)
    assert sorted((p.source, p.stream, p.account) for p in found) == sorted(
        ("rss", "entries", feed) for feed in mentions.FEEDS
    )
