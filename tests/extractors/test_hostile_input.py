"""Hostile ids and operator faults at the extractors: no id leaves its landing partition or its URL
path segment, and a landing folder that cannot be written ends the run with the partition named.

Config validation (tests/core/test_config.py) refuses these ids first; these tests give the
extractors ids that slipped past it (a config built without validation), so each later guard is
proven on its own. The HTTP side runs against the demo server over real HTTP.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.config import Account, CompanyConfig
from demo.server import DemoServer
from extractors import source_class
from extractors.core import Window
from extractors.errors import ExtractError, Where
from extractors.http import Redactor, segment
from extractors.landing import LandingPathError, partition_path, write_partition
from tests.conftest import DEMO_TODAY, demo_connection

DAY = date(2026, 11, 10)
HOSTILE = [
    "..",
    ".",
    "/",
    "?x=/../../escape",
    "110293847561029?x=/../../escape",
    "110293847561029#/../account=*",
    "*",
    "[",
    "/**/",
    "a/**/b",
    "\x00",
    "1\x00",
    "1" * 10_000,
    "".join(chr(0xFF10 + int(d)) for d in "104729381726354"),  # full-width digits, look like an id
    "brambl\u0435baby",  # a Cyrillic small ie in a username
    "",
]


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


@pytest.mark.parametrize("account", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_account_key_is_refused_and_nothing_is_written(tmp_path: Path, account: str) -> None:
    root = tmp_path / "landing"
    with pytest.raises(LandingPathError, match="cannot be a landing partition key"):
        partition_path(root, "facebook_pages", "page_snapshot", account, DAY)
    with pytest.raises(LandingPathError):
        write_partition(root, "facebook_pages", "page_snapshot", account, DAY, [], "t")
    assert files_under(tmp_path) == []


@pytest.mark.parametrize("kind", ["source", "stream"])
@pytest.mark.parametrize("value", ["..", "/", "*", "a/../../b"])
def test_a_hostile_source_or_stream_name_is_refused(tmp_path: Path, kind: str, value: str) -> None:
    names = {"source": "facebook_pages", "stream": "posts", kind: value}
    with pytest.raises(LandingPathError, match=kind):
        partition_path(tmp_path, names["source"], names["stream"], "104729381726354", DAY)


def test_a_landing_folder_linked_out_of_the_root_is_refused(tmp_path: Path) -> None:
    root, elsewhere = tmp_path / "landing", tmp_path / "elsewhere"
    root.mkdir()
    elsewhere.mkdir()
    (root / "facebook_pages").symlink_to(elsewhere)
    with pytest.raises(LandingPathError, match="resolves outside the landing root"):
        write_partition(root, "facebook_pages", "posts", "104729381726354", DAY, [], "t")
    assert files_under(elsewhere) == []


# The one place each platform puts a config id, with the stream that does it.
PLATFORM_STREAMS = {
    "facebook_pages": "page_snapshot",
    "instagram": "account_snapshot",
    "x": "user",
    "linkedin": "network_size",
    "youtube": "channel_snapshot",
    "google_analytics": "traffic",
}


def unvalidated(company: CompanyConfig, platform: str, account_id: str) -> CompanyConfig:
    """The company config with ``account_id`` as the platform's only account, built without
    validation: what the extractors would get if a bad id slipped past the config checks."""
    if platform == "google_analytics":
        settings = company.sources.google_analytics.model_copy(update={"property_id": account_id})
        return company.model_copy(update={"sources": company.sources.model_copy(update={platform: settings})})
    account = Account.model_construct(id=account_id, name="hostile")
    accounts = company.accounts.model_copy(update={platform: (account,)})
    competitors = tuple(
        c.model_copy(update={"accounts": c.accounts.model_copy(update={platform: ()})})
        for c in company.competitors
    )
    return company.model_copy(update={"accounts": accounts, "competitors": competitors})


@pytest.mark.parametrize("platform", sorted(PLATFORM_STREAMS))
@pytest.mark.parametrize(
    "account",
    ["110293847561029?x=/../../escape", "110293847561029#/../account=*", "..", "/**/", "1\x00", "1" * 10_000],
    ids=["query-escape", "fragment-glob", "dotdot", "globstar", "nul", "long"],
)
def test_a_hostile_id_is_refused_before_any_request_and_lands_nothing(
    company: CompanyConfig, demo: DemoServer, tmp_path: Path, platform: str, account: str
) -> None:
    config = unvalidated(company, platform, account)
    source = source_class(platform)(config, demo_connection(platform, demo))
    landing = tmp_path / "data" / "landing"
    with pytest.raises(ExtractError) as caught:
        source.run(Window(DAY, DAY), landing, "t", streams=[PLATFORM_STREAMS[platform]], today=DEMO_TODAY)
    assert caught.value.where.source == platform
    assert caught.value.where.stream == PLATFORM_STREAMS[platform]
    assert "cannot be a landing partition key" in caught.value.message
    assert "company config" in caught.value.hint
    assert demo.requests() == []
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("/", "%2F"),
        ("?x=/../../escape", "%3Fx%3D%2F..%2F..%2Fescape"),
        ("#/../account=*", "%23%2F..%2Faccount%3D%2A"),
        ("/**/", "%2F%2A%2A%2F"),
        ("[", "%5B"),
        ("\x00", "%00"),
        ("\uff11", "%EF%BC%91"),  # full-width digit one
        ("104729381726354_123", "104729381726354_123"),
        ("UCq7Lm0x2bN9dVfK3tYwQe8A", "UCq7Lm0x2bN9dVfK3tYwQe8A"),
    ],
)
def test_a_value_in_a_url_path_stays_one_segment(value: str, quoted: str) -> None:
    assert segment(value) == quoted


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_a_value_that_would_climb_or_vanish_from_a_url_path_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="cannot be a URL path segment"):
        segment(value)


class Recorder(ThreadingHTTPServer):
    """A real HTTP server that keeps each request line as sent and answers 404 (or 200 with
    ``answer``)."""

    def __init__(self, answer: bytes | None = None) -> None:
        self.lines: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                recorder.lines.append(self.requestline)
                body = answer or b'{"error": {"message": "unknown object", "code": 100}}'
                self.send_response(200 if answer else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("platform", "path"),
    [
        ("facebook_pages", "/v25.0/{}?"),
        ("instagram", "/v25.0/{}?"),
        ("x", "/2/users/{}?"),
        ("google_analytics", "/v1beta/properties/{}:runReport"),
    ],
)
def test_a_hostile_id_reaching_a_stream_is_sent_as_one_path_segment(
    company: CompanyConfig, demo: DemoServer, recorder: Recorder, platform: str, path: str
) -> None:
    """Past the partition-key guard (the stream called directly), the id still names one resource:
    the server gets all of it, percent-encoded, in one path segment; none of it as a query."""
    hostile = "110293847561029?x=/../../escape#/../account=*"
    config = unvalidated(company, platform, hostile)
    connection = replace(demo_connection(platform, demo), host=recorder.url)
    source = source_class(platform)(config, connection)
    stream = next(s for s in source.streams() if s.name == PLATFORM_STREAMS[platform])
    client = source.client(connection)
    account = Account.model_construct(id=hostile, name="hostile")
    where = Where(platform, stream.name, "hostile", DAY)
    try:
        with pytest.raises(ExtractError):
            list(stream.extract(client, account, stream.window(Window(DAY, DAY), DEMO_TODAY), where))
    finally:
        client.close()
    assert recorder.lines, "the stream made no request"
    target = recorder.lines[-1].split()[1]
    assert target.startswith(path.format(segment(hostile))), target
    assert "?x=" not in target and "#" not in target and "/../" not in target


def test_an_id_in_the_platforms_answer_that_names_no_object_fails_the_stream_naming_it(
    company: CompanyConfig, demo: DemoServer, tmp_path: Path
) -> None:
    """A post listed with the id ``..``: its comments are never asked for (the path would climb),
    and the stream fails with the partition's source, stream and account, landing nothing."""
    listed = b'{"data": [{"id": "..", "created_time": "2026-11-10T10:00:00+0000"}], "paging": {}}'
    server = Recorder(listed)
    try:
        connection = replace(demo_connection("facebook_pages", demo), host=server.url)
        source = source_class("facebook_pages")(company, connection)
        with pytest.raises(ExtractError) as caught:
            source.run(Window(DAY, DAY), tmp_path, "t", streams=["comments"], today=DEMO_TODAY)
    finally:
        server.shutdown()
        server.server_close()
    where = caught.value.where
    assert (where.source, where.stream, where.account) == ("facebook_pages", "comments", "104729381726354")
    assert "'..' cannot be a URL path segment" in caught.value.message
    assert "names no object" in caught.value.hint
    assert [line for line in server.lines if "/comments" in line] == []
    assert files_under(tmp_path) == []


def test_an_unwritable_landing_folder_names_the_partition(
    company: CompanyConfig, demo: DemoServer, tmp_path: Path
) -> None:
    """The landing root is a regular file (as root, chmod would not stop the write)."""
    landing = tmp_path / "landing"
    landing.write_text("not a folder\n")
    source = source_class("facebook_pages")(company, demo_connection("facebook_pages", demo))
    with pytest.raises(ExtractError) as caught:
        source.run(Window(DAY, DAY), landing, "t", streams=["page_snapshot"], today=DEMO_TODAY)
    where = caught.value.where
    assert (where.source, where.stream, where.account) == (
        "facebook_pages",
        "page_snapshot",
        "104729381726354",
    )
    assert isinstance(where.day, date)
    assert "cannot write the landing file" in caught.value.message
    assert "Not a directory" in caught.value.message
    assert "writable directory" in caught.value.hint
    assert landing.read_text() == "not a folder\n"


FULL_DISK = """
import resource, sys
from datetime import date
from pathlib import Path
from core.config import load_config
from extractors import source_class
from extractors.core import Window
from extractors.errors import ExtractError
from types import SimpleNamespace
from tests.conftest import DEMO_TODAY, demo_connection

resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))  # writes past 2 KB fail, as on a full disk
connection = demo_connection("facebook_pages", SimpleNamespace(url=sys.argv[2]))
source = source_class("facebook_pages")(load_config(), connection)
try:
    source.run(Window(date(2026, 11, 1), date(2026, 11, 10)), Path(sys.argv[1]), "t", streams=["posts"],
               accounts=["104729381726354"], today=DEMO_TODAY)
except ExtractError as error:
    print(f"ExtractError|{error.where.source}|{error.where.stream}|{error.where.account}|{error.where.day}")
    print(error)
    sys.exit(3)
"""


def test_a_full_disk_ends_the_extractor_with_its_error_and_keeps_the_old_partition(
    demo: DemoServer, tmp_path: Path
) -> None:
    """A file-size limit makes the write fail mid-file as a full disk does (EFBIG instead of
    ENOSPC, the same OSError path): the error names the partition, no temp file is left, and
    the partition landed before is unchanged."""
    landing = tmp_path / "landing"
    earlier = [
        partition_path(
            landing, "facebook_pages", "posts", "104729381726354", date(2026, 9, 20) + timedelta(n)
        )
        for n in range(60)
    ]
    for path in earlier:
        path.parent.mkdir(parents=True)
        path.write_text("earlier\n")
    result = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(landing), demo.url],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ},
        timeout=120,
    )
    assert result.returncode == 3, result.stderr[-2000:]
    assert "Traceback" not in result.stdout + result.stderr
    first, message = result.stdout.splitlines()[:2]
    _, source, stream, account, day = first.split("|")
    assert (source, stream, account) == ("facebook_pages", "posts", "104729381726354")
    failed = partition_path(landing, source, stream, account, date.fromisoformat(day))
    assert "cannot write the landing file" in message and "File too large" in message
    assert "free disk space" in message
    assert failed in earlier and failed.read_text() == "earlier\n"
    assert not [p for p in landing.rglob("*.tmp")]


@pytest.mark.parametrize(
    ("secret", "text", "shown"),
    [
        (
            "x",
            "Max retries exceeded with url: /v25.0/me?access_token=x",
            "Max retries exceeded with url: /v25.0/me?access_token=***",
        ),
        ("ab", "abandoned: about ab", "abandoned: about ***"),
        ("pass", "password=pass; passed", "password=***; passed"),
        ("s3cret-token", "token s3cret-token and xs3cret-tokenx", "token *** and x***x"),
    ],
)
def test_a_short_secret_is_masked_only_as_a_whole_word(secret: str, text: str, shown: str) -> None:
    assert Redactor([secret])(text) == shown
