"""RSS and Atom feeds (Google Alerts, blogs): the articles the web publishes about the brands.

The source's targets are the feeds of ``sources.rss.feeds`` (one "account" per feed, its id the
feed's name); a feed's URL is absolute or a path put after the connection's host. Feeds are
public: the connection needs no password.

Stream ``entries`` reads each feed once per run: a **snapshot** landed under the run's snapshot
day (see ``Stream.window``), one record per entry. The bytes are fetched by the shared
``HttpClient`` (retries, timeouts) and parsed by ``feedparser``, which is never given a URL, so
it never fetches anything itself. A record is::

    {id, link, title, summary, published, updated, author, _feed: {name, title, link}, _canonical_url}

``id`` is the Atom ``id`` or RSS ``guid``; ``link`` the entry's link as sent (a Google Alerts
link is a ``https://www.google.com/url?...&url=<article>`` redirect); ``title`` and ``summary``
are text: feedparser's (sanitised) HTML with the tags dropped and the entities decoded, so
markup a writer typed arrives as the characters they typed; ``published`` is ISO-8601 UTC
(``updated`` when an entry has no publication time; null when it has neither), ``updated`` the
entry's last revision (Atom ``updated``; an RSS 2.0 ``pubDate``): feeds re-send a revised entry under
the same id, sometimes beside its older version, and staging keeps the newest; ``author`` is
null when the feed names nobody. ``_canonical_url`` is the URL mentions are deduplicated by
(:func:`canonical_url`): the redirect unwrapped, scheme and host lowercased, ``www.``, the
fragment, ``utm_*`` parameters and a trailing slash dropped.

**Conditional GET.** After a feed's partition is landed, its ``ETag`` and ``Last-Modified`` are
kept in ``<landing root>/_state/rss/<feed>.json`` and sent back as ``If-None-Match`` /
``If-Modified-Since``. A ``304 Not Modified`` lands nothing: the partition landed earlier stays.
The validators are only sent while the partition they describe is still in the landing zone.

**Broken feeds.** A body that stops before its root element closes is a cut transfer: retried,
then a clear error. A document feedparser does not recognise as RSS or Atom (an HTML page, an
error page) or that is malformed with no entries at all is an error naming the feed and URL; a
malformed feed that still yields entries (feedparser's ``bozo``) is landed with a warning.
"""

from __future__ import annotations

import codecs
import io
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
import requests

from core.config import Account, Feed, RssSettings
from core.scratch import replacing
from extractors.connections import ConnectionInfo
from extractors.core import Audience, Record, Source, Stream, StreamTask, Window
from extractors.errors import ExtractError, TransientError, Where
from extractors.http import HttpClient, RetryPolicy
from extractors.landing import STATE_DIR, Partition, landed_partition, partition_path
from extractors.responses import Failure, ResponseRules, Rule, anything, server_side, status

log = logging.getLogger(__name__)

ACCEPT = "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
USER_AGENT = "social-warehouse-rss/1.0 (+feed reader; conditional GET)"
GOOGLE_REDIRECT_HOSTS = frozenset({"google.com"})
ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"


# ------------------------------------------------------------------------------- canonical URLs


def unwrap_redirect(url: str) -> str:
    """The article behind a ``https://www.google.com/url?...&url=<article>`` link (Google Alerts).

    Google also uses ``q=`` for the target; anything else is returned unchanged.
    """
    parts = urlsplit(url.strip())
    if parts.netloc.lower().removeprefix("www.") not in GOOGLE_REDIRECT_HOSTS or parts.path != "/url":
        return url.strip()
    query = parse_qs(parts.query)
    for name in ("url", "q"):
        target = (query.get(name) or [""])[0]
        if urlsplit(target).scheme.lower() in {"http", "https"}:
            return target
    return url.strip()


def canonical_url(url: str) -> str:
    """The URL a mention is deduplicated by, wherever it was seen (feeds, Reddit link posts).

    Unwraps a Google redirect, lowercases scheme and host, drops ``www.``, the fragment, every
    ``utm_*`` parameter and a trailing slash. The query is re-encoded by ``urlencode`` (so
    ``%20`` and ``+`` agree, and empty parameters are left out), the rule
    ``demo.generator.mentions.canonical`` states for the demo's truth.
    """
    parts = urlsplit(unwrap_redirect(url))
    host = parts.netloc.lower().removeprefix("www.")
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not k.lower().startswith("utm_")])
    return urlunsplit((parts.scheme.lower(), host, parts.path.rstrip("/"), query, ""))


# ------------------------------------------------------------------------------------ parsing


class _Text(HTMLParser):
    """The text of an HTML fragment: tags dropped, entities decoded, scripts' bodies kept as text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(fragment: str) -> str:
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts)


def _text(value: str | None, detail: Any) -> str | None:
    """A feedparser text construct as plain text (HTML ones are converted, plain ones kept)."""
    if value is None:
        return None
    kind = str((detail or {}).get("type") or "text/plain")
    return html_text(value) if kind in {"text/html", "application/xhtml+xml"} else value


def _iso(parsed: time.struct_time | None) -> str | None:
    return datetime(*parsed[:6], tzinfo=UTC).strftime(ISO_UTC) if parsed else None


def _feed_link(parsed: Any, url: str) -> str:
    """The feed's site link; a feed with only a ``rel="self"`` link (Google Alerts) gives that."""
    links = [link for link in parsed.feed.get("links") or [] if str(link.get("href", "")).startswith("http")]
    for rel in ("alternate", "self"):
        for link in links:
            if link.get("rel", "alternate") == rel:
                return str(link["href"])
    return url


def _looks_cut(body: bytes) -> bool:
    """Whether an XML body stops before its root element's closing tag (a cut transfer)."""
    root = re.search(rb"<(?![?!])([A-Za-z_][\w.:-]*)", body)
    if root is None:
        return True
    return re.search(rb"</" + re.escape(root.group(1)) + rb"\s*>\s*$", body) is None


@dataclass(frozen=True)
class Validators:
    """What a conditional GET sends back: the feed's ``ETag`` and ``Last-Modified``."""

    etag: str | None
    last_modified: str | None
    day: date | None = None
    """The partition the validators describe (the one a 304 leaves in place)."""

    def headers(self) -> dict[str, str]:
        found = {}
        if self.etag:
            found["If-None-Match"] = self.etag
        if self.last_modified:
            found["If-Modified-Since"] = self.last_modified
        return found


@dataclass(frozen=True)
class Fetched:
    """One feed as fetched: unchanged (304), or parsed with the validators of this version."""

    url: str
    unchanged: bool
    validators: Validators
    parsed: Any = None


def read_feed(response: requests.Response, url: str, where: Where | None = None) -> Fetched:
    """Parse a feed response (inside the client's retries: a cut body raises TransientError)."""
    validators = Validators(response.headers.get("ETag"), response.headers.get("Last-Modified"))
    if response.status_code == 304:
        return Fetched(url, True, validators)
    parsed = parse_feed(response.content, response.headers.get("Content-Type", ""), url, where)
    return Fetched(url, False, validators, parsed)


_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._-]+)", re.IGNORECASE)


_BOMS = (  # longest first: UTF-32's little-endian mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def declared_encoding(body: bytes, content_type: str) -> str:
    """The encoding a feed declares: its byte order mark, else the HTTP charset, else its XML
    declaration, else UTF-8."""
    bom = next((name for mark, name in _BOMS if body.startswith(mark)), None)
    if bom:
        return bom
    found = _CHARSET.search(content_type) or _XML_ENCODING.match(body[:200])
    if found is None:
        return "utf-8"
    name = found[1]
    return name.decode("ascii") if isinstance(name, bytes) else name


def honour_declared_encoding(body: bytes, content_type: str, url: str, where: Where | None = None) -> bytes:
    """``body`` with each byte its declared encoding cannot decode made U+FFFD (as a character
    reference), and a warning naming the first. Left alone, feedparser would read the whole
    feed in another encoding (ISO-8859-1) and garble every non-ASCII character of every entry."""
    encoding = declared_encoding(body, content_type)
    try:
        body.decode(encoding)
    except LookupError:
        return body  # an encoding Python does not know: feedparser decides
    except UnicodeDecodeError as error:
        log.warning(
            "[%s] %s: byte %d is not %s; undecodable bytes are read as U+FFFD, the rest of the feed is kept",
            where or "source=rss",
            url,
            error.start,
            encoding,
        )
        return body.decode(encoding, "replace").encode(encoding, "xmlcharrefreplace")
    return body


def parse_feed(body: bytes, content_type: str, url: str, where: Where | None = None) -> Any:
    """feedparser's reading of a feed body; TransientError when the body looks cut short."""
    body = honour_declared_encoding(body, content_type, url, where)
    # A stream, never bytes or a string: given those, feedparser may open a URL or a file itself.
    parsed = feedparser.parse(
        io.BytesIO(body), response_headers={"content-type": content_type, "content-location": url}
    )
    if parsed.bozo and _looks_cut(body):
        raise TransientError(
            f"the feed body ({len(body)} bytes) ends before its root element closes (cut transfer?): "
            f"{parsed.get('bozo_exception')}"
        )
    return parsed


# --------------------------------------------------------------------------------- state files


class ValidatorStore:
    """``<landing root>/_state/rss/<feed>.json``: each feed's validators, replaced atomically."""

    def __init__(self, landing_root: Path, source: str = "rss"):
        self.root = landing_root
        self.source = source
        self.directory = landing_root / STATE_DIR / source

    def path(self, feed: str) -> Path:
        return self.directory / f"{feed}.json"

    def read(self, feed: str, stream: str) -> Validators | None:
        """The feed's validators, if the partition they describe is still landed."""
        path = self.path(feed)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            day = date.fromisoformat(data["day"]) if data.get("day") else None
            found = Validators(data.get("etag"), data.get("last_modified"), day)
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            log.warning("[source=%s account=%s] ignoring unreadable %s (%s)", self.source, feed, path, error)
            return None
        if found.day is None or not partition_path(self.root, self.source, stream, feed, found.day).exists():
            return None
        return found

    def write(self, feed: str, validators: Validators) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        text = json.dumps(
            {
                "etag": validators.etag,
                "last_modified": validators.last_modified,
                "day": validators.day.isoformat() if validators.day else None,
            }
        )
        with replacing(self.path(feed)) as temp_name, open(temp_name, "x", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())


# ------------------------------------------------------------------------------------- errors


def read_error(response: requests.Response) -> Failure:
    return Failure(response, f"HTTP {response.status_code} {response.reason or ''}".strip())


RULES = (
    Rule(server_side, "retry"),
    Rule(
        status(404, 410),
        "fail",
        "no feed at {url} ({label})",
        hint="check the url of feed {account!r} under sources.rss.feeds in the company config (a "
        "Google Alerts feed disappears when its alert is deleted: create it again with delivery "
        "'RSS feed' and copy the new URL)",
    ),
    Rule(
        status(401, 403),
        "fail",
        "the server refused {url} ({label})",
        hint="the feed is private or blocks this client; feeds are read without credentials, "
        "so use the feed's public URL",
    ),
    Rule(anything, "fail", "{url} answered {label}"),
)
"""Feed servers speak plain HTTP: 429/5xx are retried; a 4xx means the URL is wrong."""


# ------------------------------------------------------------------------------------ streams


def feed_url(feed: Feed, host: str | None, where: Where) -> str:
    """The absolute URL of ``feed``: its url as is, or its path after the connection's host."""
    if urlsplit(feed.url).scheme.lower() in {"http", "https"}:
        return feed.url
    if not host:
        raise ExtractError(
            where,
            f"feed {feed.name!r} has the relative url {feed.url!r} but the connection has no host",
            hint="set the host of the rss connection (the site the feed paths belong to), or give "
            "the feed an absolute http(s) url under sources.rss.feeds",
        )
    return urljoin(host.rstrip("/") + "/", feed.url.lstrip("/"))


class Entries(Stream):
    name = "entries"

    def __init__(self, feeds: tuple[Feed, ...], host: str | None):
        self.feeds = {feed.name: feed for feed in feeds}
        self.host = host
        self.store: ValidatorStore | None = None
        self.fetched: dict[str, Validators] = {}
        """Validators of the version just read, per feed, until its partition is landed."""
        self.unchanged_days: dict[str, date | None] = {}
        """Per feed answered 304: the day of the partition its validators describe."""

    def before(self, task: StreamTask) -> bool:
        self.store = ValidatorStore(task.landing_root, task.source)
        return True

    def after(self, task: StreamTask, landed: list[Partition]) -> None:
        """Keep the validators of what was landed (only then: a later run must not skip a
        version that never reached the landing)."""
        validators = self.fetched.pop(task.account.id, None)
        if self.store and landed and validators and (validators.etag or validators.last_modified):
            self.store.write(task.account.id, validators)

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        feed = self.feeds[account.id]
        url = feed_url(feed, self.host, where)
        known = self.store.read(feed.name, self.name) if self.store else None
        headers = {"Accept": ACCEPT, **(known.headers() if known else {})}
        fetched = client.get_raw(url, where, lambda response: read_feed(response, url, where), headers)
        if fetched.unchanged:
            self.unchanged_days[feed.name] = known.day if known else None
            log.info(
                "[%s] %s not modified since the partition of %s (304); landing nothing",
                where,
                url,
                known.day if known else "an earlier run",
            )
            return
        parsed = fetched.parsed
        if not parsed.get("version") or (parsed.bozo and not parsed.entries):
            problem = parsed.get("bozo_exception") or "neither RSS nor Atom"
            raise ExtractError(
                where,
                f"{url} did not return a feed (content type "
                f"{parsed.get('headers', {}).get('content-type') or 'unknown'}; {problem})",
                hint=f"check the url of feed {feed.name!r} under sources.rss.feeds: it must be the "
                "feed's address (RSS or Atom), not a web page that links to it",
            )
        if parsed.bozo:
            log.warning(
                "[%s] %s is not well-formed (%s); landing the %d entries feedparser recovered",
                where,
                url,
                parsed.get("bozo_exception"),
                len(parsed.entries),
            )
        self.fetched[feed.name] = Validators(
            fetched.validators.etag, fetched.validators.last_modified, window.end
        )
        about = {
            "name": feed.name,
            "title": _text(parsed.feed.get("title"), parsed.feed.get("title_detail")),
            "link": _feed_link(parsed, url),
        }
        for entry in parsed.entries:
            yield window.end, entry_record(entry, about)

    def partition_days(self, window: Window, found: set[date], today: date, where: Where) -> list[date]:
        """An unchanged feed (304) writes no partition: the one landed before stays."""
        if where.account in self.unchanged_days:
            return []
        return super().partition_days(window, found, today, where)

    def unchanged(self, task: StreamTask) -> list[Partition]:
        """The partition a 304 left in place, for the load to read again."""
        day = self.unchanged_days.pop(task.account.id, None)
        if day is None:
            return []
        return [landed_partition(task.landing_root, task.source, self.name, task.account.id, day)]


def entry_record(entry: Any, feed: dict[str, Any]) -> Record:
    """One feedparser entry in the landed shape (see the module docstring)."""
    link = entry.get("link") or ""
    summary_detail = entry.get("summary_detail") or next(iter(entry.get("content") or []), None)
    return {
        "id": entry.get("id") or link or None,
        "link": link or None,
        "title": _text(entry.get("title"), entry.get("title_detail")),
        "summary": _text(entry.get("summary"), summary_detail),
        "published": _iso(entry.get("published_parsed") or entry.get("updated_parsed")),
        "updated": _iso(entry.get("updated_parsed")),
        "author": entry.get("author") or None,
        "_feed": feed,
        "_canonical_url": canonical_url(link) if link else None,
    }


class Rss(Source):
    name: ClassVar[str] = "rss"
    stream_types = (Entries,)

    @property
    def settings(self) -> RssSettings:
        return self.config.sources.rss

    @property
    def conn_id(self) -> str:
        return self.settings.conn_id

    def audience_accounts(self, audience: Audience) -> tuple[Account, ...]:
        """The configured feeds (for audience ``own``): id = feed name, name = its url."""
        if audience != "own":
            return ()
        return tuple(Account(id=feed.name, name=feed.url) for feed in self.settings.feeds)

    def streams(self) -> list[Stream]:
        return [Entries(self.settings.feeds, self.connection().host)]

    def client(self, connection: ConnectionInfo, sleep: Callable[[float], None] = time.sleep) -> HttpClient:
        return HttpClient(
            base_url=connection.host or "",
            policy=ResponseRules(read_error, RULES),
            retry=RetryPolicy.from_extra(connection.extra),
            headers={"User-Agent": USER_AGENT},
            secrets=[connection.token] if connection.token else [],
            sleep=sleep,
        )
