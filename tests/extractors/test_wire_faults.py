"""Faults on the wire that every platform meets alike, over real HTTP from the demo server: a
connection that drops part-way through the body, a token revoked while the run goes on, and bytes
that are not UTF-8 in a JSON answer.

Each case runs a short extraction of one platform through the production path (HttpClient, the
platform's rules, its paginators and streams, the landing writer) and compares what lands with a
clean run of the same window.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from core.config import CompanyConfig, Feed
from demo.server import DemoServer
from extractors import source_class
from extractors.core import Source, Window
from extractors.errors import ExtractError
from extractors.landing import Partition
from extractors.reddit import Reddit
from extractors.rss import Rss, parse_feed
from extractors.x import X
from tests.conftest import DEMO_TODAY, demo_connection

YESTERDAY = DEMO_TODAY - timedelta(days=1)


@dataclass(frozen=True)
class Case:
    """A short run of one platform that makes at least two API requests."""

    source: str
    streams: tuple[str, ...]
    account: str
    window: Window
    revoked: str
    """What the platform's own revoked-token answer says, as the error quotes it."""

    def __str__(self) -> str:
        return self.source


CASES = [
    Case(
        "facebook_pages",
        ("page_snapshot", "page_insights"),
        "104729381726354",
        Window(date(2026, 11, 1), date(2026, 11, 2)),
        "Graph error 190/460: Error validating access token: The session has been invalidated",
    ),
    Case(
        "instagram",
        ("account_snapshot", "account_insights"),
        "17841405822304914",
        Window(YESTERDAY, YESTERDAY),
        "Graph error 190/460: Error validating access token: The session has been invalidated",
    ),
    Case(
        "x", ("user", "tweets"), "1447093205118763008", Window(YESTERDAY, YESTERDAY), "HTTP 401 Unauthorized"
    ),
    Case(
        "linkedin",
        ("network_size", "follower_statistics"),
        "10482335",
        Window(date(2026, 11, 10), date(2026, 11, 16)),
        "REVOKED_ACCESS_TOKEN",
    ),
    Case(
        "youtube",
        ("channel_snapshot", "channel_daily"),
        "UCq7Lm0x2bN9dVfK3tYwQe8A",
        Window(date(2026, 11, 1), date(2026, 11, 2)),
        "UNAUTHENTICATED",
    ),
    Case(
        "google_analytics",
        ("traffic", "landing_pages"),
        "412345678",
        Window(date(2026, 11, 12), date(2026, 11, 14)),
        "UNAUTHENTICATED",
    ),
    Case(
        "reddit",
        ("search",),
        "lumo",
        Window(date(2026, 11, 15), date(2026, 11, 19)),
        "Reddit refused the app's client id and secret",
    ),
]


def make(company: CompanyConfig, server: DemoServer, name: str, **extra: object) -> Source:
    connection = demo_connection(name, server, **extra)
    if name == "x":
        return X(company, connection, clock=lambda: datetime.combine(DEMO_TODAY, time.min, UTC))
    if name == "reddit":
        return Reddit(company, connection, clock=lambda: datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    return source_class(name)(company, connection)


def run(
    company: CompanyConfig, server: DemoServer, case: Case, root: Path, **extra: object
) -> list[Partition]:
    return make(company, server, case.source, **extra).run(
        case.window, root, "t1", streams=case.streams, accounts=[case.account], today=DEMO_TODAY
    )


def records(partitions: list[Partition]) -> dict[tuple[str, str, date], list[dict]]:
    """What each landed partition holds (its records, without the run's stamps)."""
    return {
        (p.stream, p.account, p.day): [json.loads(line)["record"] for line in p.path.read_text().splitlines()]
        for p in partitions
    }


def assert_names_where(error: ExtractError, case: Case) -> None:
    message = str(error)
    assert f"[source={case.source} stream=" in message and f"account={case.account} day=" in message
    assert error.where.stream in case.streams and error.where.day is not None


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_reset_mid_body_is_retried_and_the_partition_lands_whole(company, demo, tmp_path, case) -> None:
    clean = records(run(company, demo, case, tmp_path / "clean"))
    assert clean and any(clean.values()), "the clean run should land records"
    demo.clear_requests()

    demo.add_faults("", ["reset_mid_body"])  # the run's first request: the body stops half-way
    assert records(run(company, demo, case, tmp_path / "reset")) == clean
    served = demo.requests()
    assert served[0]["fault"] == "reset_mid_body" and served[1]["path"] == served[0]["path"]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_reset_on_every_attempt_ends_with_an_extract_error(company, demo, tmp_path, case) -> None:
    demo.add_faults("", ["reset_mid_body"] * 2)
    with pytest.raises(ExtractError) as caught:
        run(company, demo, case, tmp_path, max_attempts=2)
    assert_names_where(caught.value, case)
    assert "still failing after 2 attempts" in str(caught.value) and "dropped mid-body" in str(caught.value)
    assert "IncompleteRead" in str(caught.value) and caught.value.retriable
    assert [r["fault"] for r in demo.requests()] == ["reset_mid_body"] * 2
    assert not list(tmp_path.rglob("*.jsonl")), "nothing may be landed from a failed stream"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_token_revoked_mid_run_fails_at_once_naming_the_connection(company, demo, tmp_path, case) -> None:
    demo.add_faults("", ["slow:0", "revoked_token"])  # the first request is answered, the next refused
    with pytest.raises(ExtractError) as caught:
        run(company, demo, case, tmp_path)
    assert_names_where(caught.value, case)
    message = str(caught.value)
    assert case.revoked in message and f"'{case.source}_default'" in message, message
    assert not caught.value.retriable
    served = demo.requests()
    assert served[0]["status"] == 200 and served[1]["fault"] == "revoked_token"
    if case.source == "reddit":  # a 401 makes the client ask for a new token: that is refused too
        assert [(r["path"], r["status"]) for r in served[1:]] == [
            ("/search", 401),
            ("/api/v1/access_token", 401),
        ]
    else:
        assert len(served) == 2, "a revoked token must not be retried"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bytes_that_are_not_utf8_are_fetched_again_then_refused_naming_where(
    company, demo, tmp_path, case
) -> None:
    clean = records(run(company, demo, case, tmp_path / "clean"))
    demo.clear_requests()

    demo.add_faults("", ["slow:0", "invalid_utf8"])  # the run's second answer: a bad byte in a text
    assert records(run(company, demo, case, tmp_path / "again")) == clean
    assert [r["fault"] for r in demo.requests()][:3] == ["slow:0", "invalid_utf8", None]
    demo.clear_requests()

    demo.add_faults("", ["slow:0", "invalid_utf8", "invalid_utf8"])
    with pytest.raises(ExtractError) as caught:
        run(company, demo, case, tmp_path / "bad", max_attempts=2)
    assert_names_where(caught.value, case)
    message = str(caught.value)
    assert "still failing after 2 attempts: invalid UTF-8 in HTTP 200 response at byte" in message
    assert "\\xc3(\\xff" in message, message
    failed = [p for p in (tmp_path / "bad").rglob("*.jsonl") if caught.value.where.stream in p.parts]
    assert not failed, "nothing may be landed from the failed stream"


TEN_DAYS = Window(date(2026, 11, 1), date(2026, 11, 10))


@dataclass(frozen=True)
class Paged:
    """A paged stream that skips an id it has already seen."""

    source: str
    stream: str
    account: str
    path: str
    page_size: int
    window: Window = TEN_DAYS

    def __str__(self) -> str:
        return f"{self.source}-{self.stream}"


PAGED = [
    Paged("facebook_pages", "posts", "104729381726354", "/published_posts", 5),
    Paged("instagram", "media", "17841405822304914", "/media", 5),
    Paged("facebook_pages", "conversations", "104729381726354", "/conversations", 2),
    Paged("x", "tweets", "1447093205118763008", "/2/users/1447093205118763008/tweets", 5),
    Paged("x", "replies", "1447093205118763008", "/2/users/1447093205118763008/tweets", 5),
    Paged("x", "search", "lumo", "/2/tweets/search/recent", 10, Window(YESTERDAY, YESTERDAY)),
    Paged("x", "mentions", "1447093205118763008", "/mentions", 20, Window(YESTERDAY, YESTERDAY)),
]


@pytest.mark.parametrize("case", PAGED, ids=str)
def test_a_record_repeated_on_the_next_page_lands_once(company, demo, tmp_path, case) -> None:
    def land(root: Path) -> dict[tuple[str, str, date], list[dict]]:
        return records(
            make(company, demo, case.source, page_size=case.page_size).run(
                case.window, root, "t1", streams=[case.stream], accounts=[case.account], today=DEMO_TODAY
            )
        )

    clean = land(tmp_path / "clean")
    pages = [r for r in demo.requests() if case.path in r["path"]]
    assert len(pages) >= 3, "the case needs several pages"
    demo.clear_requests()

    demo.add_faults(case.path, ["shift_page"])  # the second page starts with the first one's last item
    shifted = land(tmp_path / "shifted")
    served = [r for r in demo.requests() if case.path in r["path"]]
    assert served[0]["fault"] == "shift_page" and len(served) == len(pages), "the shifted page was read"
    ids = [record["id"] for partition in shifted.values() for record in partition]
    assert len(ids) == len(set(ids)), "each record once"
    assert shifted == clean


def blog(company: CompanyConfig, server: DemoServer) -> Rss:
    rss = company.sources.rss.model_copy(
        update={"feeds": (Feed(name="parentgear-blog", url="/feeds/parentgear/rss.xml"),)}
    )
    config = company.model_copy(update={"sources": company.sources.model_copy(update={"rss": rss})})
    return Rss(config, demo_connection("rss", server, token=""))


def test_a_feed_with_bytes_that_are_not_utf8_lands_every_entry_and_says_so(
    company, demo, tmp_path, caplog
) -> None:
    yesterday = Window(YESTERDAY, YESTERDAY)
    clean = records(blog(company, demo).run(yesterday, tmp_path / "clean", "r1", today=DEMO_TODAY))
    assert clean and all(clean.values())

    demo.add_faults("/feeds/parentgear", ["invalid_utf8"])  # in the channel's <title>
    bad = records(blog(company, demo).run(yesterday, tmp_path / "bad", "r1", today=DEMO_TODAY))
    (key,) = clean
    for before, after in zip(clean[key], bad[key], strict=True):  # every entry, each as it was
        title = before["_feed"]["title"]
        assert after["_feed"]["title"] == "\ufffd(\ufffd" + title, "only the bad bytes are replaced"
        assert {**after, "_feed": {**after["_feed"], "title": title}} == before
    warned = [r.getMessage() for r in caplog.records if "is not utf-8" in r.getMessage()]
    assert len(warned) == 1, caplog.text
    assert "[source=rss stream=entries account=parentgear-blog day=" in warned[0]
    assert "/feeds/parentgear/rss.xml: byte " in warned[0] and "read as U+FFFD" in warned[0]


FEED = """<?xml version="1.0" encoding="{encoding}"?>
<rss version="2.0"><channel><title>Blog</title>
<item><guid>1</guid><title>Broken {bad} here</title></item>
<item><guid>2</guid><title>Caf\u00e9 cr\u00e8me \u2013 na\u00efve</title></item>
</channel></rss>"""


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_a_feed_with_a_byte_order_mark_is_read_in_its_encoding(encoding: str) -> None:
    """UTF-16 and UTF-32 feeds carry no readable XML declaration for an ASCII pattern: the byte
    order mark names the encoding, and nothing is replaced."""
    body = FEED.format(encoding=encoding.removesuffix("-sig"), bad="fine").encode(encoding)
    parsed = parse_feed(body, "application/rss+xml", "https://blog.example/feed.xml")
    assert [entry.title for entry in parsed.entries] == [
        "Broken fine here",
        "Caf\u00e9 cr\u00e8me \u2013 na\u00efve",
    ]


@pytest.mark.parametrize(
    ("encoding", "content_type"),
    [("utf-8", "application/rss+xml; charset=utf-8"), ("utf-8", "application/rss+xml"), ("windows-1252", "")],
    ids=["http-charset", "xml-declaration", "windows-1252"],
)
def test_a_feed_is_read_in_its_declared_encoding_and_only_the_bad_bytes_are_replaced(
    encoding, content_type
) -> None:
    bad = b"\xc3\x28\xff" if encoding == "utf-8" else b"\x81"  # 0x81 is undefined in windows-1252
    head, tail = FEED.format(encoding=encoding, bad="{bad}").encode(encoding).split(b"{bad}")
    parsed = parse_feed(head + bad + tail, content_type, "https://blog.example/feed.xml")
    titles = [entry.title for entry in parsed.entries]
    assert titles[1] == "Caf\u00e9 cr\u00e8me \u2013 na\u00efve", (
        "every other character kept, not re-read as Latin-1"
    )
    assert titles[0].startswith("Broken \ufffd") and titles[0].endswith(" here")
