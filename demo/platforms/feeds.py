"""RSS and Atom feeds: two Google Alerts feeds (Atom) and the ParentGear blog (RSS 2.0).

The entries come from ``demo.generator.mentions.feed_entries``; this module renders them as the
real publishers do:

* **Google Alerts** (``/feeds/google-alerts/<alert>.xml``): Atom 1.0 whose feed ``id`` is
  ``tag:google.com,2005:reader/user/<user>/state/com.google/alerts/<alert>``, titled
  ``Google Alert - <query>``, with only a ``rel="self"`` link. Each entry has an ``id``
  ``tag:google.com,2013:googlealerts/feed:<n>``, a ``<title type="html">`` with the alert's
  keywords in ``<b>…</b>``, a ``<link>`` to a ``https://www.google.com/url?...&url=<article>``
  redirect, ``published``/``updated``, a ``<content type="html">`` snippet and an empty author.
* **ParentGear** (``/feeds/parentgear/rss.xml``): RSS 2.0 with the channel's title, link and
  description; items carry ``guid isPermaLink="true"`` (the article URL), ``link``, ``title``,
  ``description`` (HTML), ``pubDate`` in RFC 822 and ``dc:creator``.

Texts hold hostile markup (``<script>`` and the like): HTML fields carry it escaped, so a reader
sees it as text, and the XML is written by ElementTree, so it is escaped once more for XML.

Feeds are public: no token. Every answer has a strong ``ETag`` (a hash of the body) and a
``Last-Modified`` (the newest entry's time); a matching ``If-None-Match`` (or, without it, an
``If-Modified-Since`` not older than ``Last-Modified``) gets ``304 Not Modified`` with no body.
Faults: ``error_500``/``error_503`` are HTML error pages, ``malformed_json`` cuts the XML body in
half, ``slow:<s>`` delays; any other path under ``/feeds/`` is a 404. Ground truth (the entries
each feed serves) is under ``/_demo/truth/rss``.
"""

from __future__ import annotations

import hashlib
import html
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from demo.generator import mentions
from demo.generator.common import seeded, utc_midnight
from demo.generator.voices import BRAND_VOICES
from demo.platforms import Platform

NAME = "rss"
FEED_PATH = re.compile(r"^/feeds(/|$)")
CHAOS_FAULTS = ("error_500", "error_503")
ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
RSS_TYPE = "application/rss+xml; charset=utf-8"

FEED_PATHS = {
    "/feeds/google-alerts/lumo.xml": "google-alerts-lumo",
    "/feeds/google-alerts/competitors.xml": "google-alerts-competitors",
    "/feeds/parentgear/rss.xml": mentions.BLOG_FEED,
}
"""Path -> demo feed, as ``sources.rss.feeds`` in ``config/company.yml`` lists them."""

ALERTS_USER = "06807031914929345698"
"""The Google account the alerts belong to (one account, one alert per brand group)."""
BLOG = {
    "title": "ParentGear",
    "link": f"https://{mentions.BLOG_SITE}/",
    "description": "Stroller reviews, buying guides and news for parents on the move",
}
BLOG_AUTHORS = ("Hannah Okafor", "Tom Reyes", "Priya Natarajan", "Ellie Marsh")

ET.register_namespace("", ATOM_NS)
ET.register_namespace("dc", DC_NS)

api_router = APIRouter()


# Rendering.


def alert_id(feed: str) -> str:
    """The alert's 20-digit number, stable per feed."""
    return str(int(hashlib.sha256(feed.encode()).hexdigest(), 16))[:20]


def alert_query(feed: str) -> str:
    """What the alert searches for: the brand names of its group."""
    return " OR ".join(BRAND_VOICES[slug].names[0] for slug in mentions.GOOGLE_ALERTS_FEEDS[feed])


def blog_author(url: str) -> str:
    """The ParentGear writer of an article (``dc:creator``)."""
    return seeded("feeds", "author", url).choice(BLOG_AUTHORS)


def summary_of(entry: mentions.Sighting) -> str:
    """The article's summary: the sighting's text after its title."""
    return (entry.text or "").removeprefix(f"{entry.title}. ")


REVISED_SHARE = 0.12
"""Share of Google Alerts entries the feed re-sends after a revision: the revised entry and its
first version stand side by side under one ``id``, as real feeds do. The revision (a newer
``updated``, the full summary) is the entry; the first version must not count."""
REVISION_DELAY = timedelta(minutes=45)


def is_revised(entry: mentions.Sighting) -> bool:
    """Whether the Google Alerts feed re-sends this entry beside its first version."""
    # Revised the same UTC day it was alerted, so the revision never postdates the feed's today.
    return entry.created_at.hour < 23 and seeded("feeds", "revised", entry.id).random() < REVISED_SHARE


def revised_at(entry: mentions.Sighting) -> datetime:
    """The ``updated`` time of a revised entry's revision (its first version has ``published``)."""
    return entry.created_at + REVISION_DELAY


def first_draft(entry: mentions.Sighting) -> str:
    """The summary of a revised entry's first version: cut short, as an alert sent too early."""
    words = summary_of(entry).split()
    return " ".join(words[: max(1, len(words) // 2)]) + " ..."


def atom_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bold(text: str, keywords: list[str]) -> str:
    """``text`` as HTML (escaped) with every keyword in ``<b>``, as Google Alerts shows matches."""
    escaped = html.escape(text)
    if not keywords:
        return escaped
    pattern = re.compile("|".join(re.escape(html.escape(k)) for k in sorted(keywords, key=len, reverse=True)))
    return pattern.sub(lambda match: f"<b>{match.group(0)}</b>", escaped)


def _child(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def render_alerts(feed: str, entries: list[mentions.Sighting], updated: datetime) -> bytes:
    """A Google Alerts Atom feed."""
    keywords = [name for slug in mentions.GOOGLE_ALERTS_FEEDS[feed] for name in BRAND_VOICES[slug].names]
    a = f"{{{ATOM_NS}}}"
    root = ET.Element(f"{a}feed")
    _child(
        root,
        f"{a}id",
        f"tag:google.com,2005:reader/user/{ALERTS_USER}/state/com.google/alerts/{alert_id(feed)}",
    )
    _child(root, f"{a}title", f"Google Alert - {alert_query(feed)}")
    _child(
        root,
        f"{a}link",
        href=f"https://www.google.com/alerts/feeds/{ALERTS_USER}/{alert_id(feed)}",
        rel="self",
    )
    _child(root, f"{a}updated", atom_time(updated))
    for entry in entries:
        versions = [(entry.created_at, summary_of(entry))]
        if is_revised(entry):  # the revision, then its first version under the same id
            versions = [(revised_at(entry), summary_of(entry)), (entry.created_at, first_draft(entry))]
        for updated_at, summary in versions:
            node = _child(root, f"{a}entry")
            _child(node, f"{a}id", entry.id)
            _child(node, f"{a}title", _bold(entry.title or "", keywords), type="html")
            _child(node, f"{a}link", href=mentions.google_alerts_link(entry.url, entry.id))
            _child(node, f"{a}published", atom_time(entry.created_at))
            _child(node, f"{a}updated", atom_time(updated_at))
            _child(node, f"{a}content", _bold(summary, keywords), type="html")
            _child(_child(node, f"{a}author"), f"{a}name", "")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def render_blog(entries: list[mentions.Sighting], updated: datetime) -> bytes:
    """The ParentGear RSS 2.0 feed."""
    root = ET.Element("rss", version="2.0")
    channel = _child(root, "channel")
    for tag in ("title", "link", "description"):
        _child(channel, tag, BLOG[tag])
    _child(channel, "language", "en-gb")
    _child(channel, "lastBuildDate", format_datetime(updated, usegmt=True))
    for entry in entries:
        item = _child(channel, "item")
        _child(item, "title", entry.title or "")
        _child(item, "link", entry.url)
        _child(item, "guid", entry.url, isPermaLink="true")
        _child(item, "description", html.escape(summary_of(entry)))
        _child(item, "pubDate", format_datetime(entry.created_at, usegmt=True))
        _child(item, f"{{{DC_NS}}}creator", blog_author(entry.url))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def render(feed: str, as_of: date) -> tuple[bytes, datetime, str]:
    """The feed's body, its newest entry time (``Last-Modified``) and its content type."""
    entries = mentions.feed_entries(feed, as_of)
    if feed == mentions.BLOG_FEED:
        updated = max((e.created_at for e in entries), default=utc_midnight(mentions.MENTIONS_EPOCH))
        return render_blog(entries, updated), updated, RSS_TYPE
    updated = max(
        (revised_at(e) if is_revised(e) else e.created_at for e in entries),
        default=utc_midnight(mentions.MENTIONS_EPOCH),
    )
    return render_alerts(feed, entries, updated), updated, ATOM_TYPE


# Conditional GET.


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _etag_matches(header: str, etag: str) -> bool:
    """``If-None-Match`` uses the weak comparison: ``W/`` prefixes do not matter."""
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def not_modified(request: Request, etag: str, last_modified: datetime) -> bool:
    """Whether the client already holds this version (RFC 9110 13.1.2-13.1.3)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return _etag_matches(if_none_match, etag)
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        moment = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return last_modified.replace(microsecond=0) <= moment


# Routes.


@api_router.get("/feeds/{rest:path}")
def serve_feed(request: Request, rest: str) -> Response:
    feed = FEED_PATHS.get(request.url.path)
    if feed is None:
        return Response(
            "<html><body><h1>404 Not Found</h1></body></html>", status_code=404, media_type="text/html"
        )
    body, updated, content_type = render(feed, request.app.state.demo.today())
    headers = {"ETag": etag_of(body), "Last-Modified": format_datetime(updated, usegmt=True)}
    if not_modified(request, headers["ETag"], updated):
        return Response(status_code=304, headers=headers)
    return Response(body, headers=headers, media_type=content_type)


# Ground truth, computed by the generator (never through the routes above).

truth_router = APIRouter()


@truth_router.get("/entries")
def truth_entries(request: Request, feed: str, as_of: date | None = None) -> list[dict[str, Any]]:
    """The entries ``feed`` serves on ``as_of`` (default: the server's today), newest first."""
    if feed not in mentions.FEEDS:
        raise HTTPException(404, f"unknown demo feed {feed!r}; known: {list(mentions.FEEDS)}")
    entries = mentions.feed_entries(feed, as_of or request.app.state.demo.today())
    return [
        {
            "id": e.id,
            "url": e.url,
            "title": e.title,
            "summary": summary_of(e),
            "published": atom_time(e.created_at),
            "key": e.key,
            # Re-sent beside its first version under the same id (Google Alerts feeds only).
            "revised": feed != mentions.BLOG_FEED and is_revised(e),
        }
        for e in entries
    ]


# Faults and headers.


def _fault_response(request: Request, fault: str) -> Response | None:
    if fault in {"error_500", "error_503"}:
        status = int(fault.removeprefix("error_"))
        return Response(
            f"<html><head><title>Error {status}</title></head><body>Server Error</body></html>",
            status_code=status,
            media_type="text/html",
        )
    return None


def _finish(request: Request, response: Response, fault: str | None) -> None:
    response.headers.setdefault("Cache-Control", "private, max-age=0")


PLATFORM = Platform(
    name=NAME,
    claims=lambda path: bool(FEED_PATH.match(path)),
    api_router=api_router,
    truth_router=truth_router,
    fault_response=_fault_response,
    finish=_finish,
    chaos_faults=CHAOS_FAULTS,
    exception_handlers={},
)
