"""Untrusted text made safe to show: social media text goes into emails, webhooks and reports."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit


def one_line(text: str, limit: int | None = None) -> str:
    """``text`` on one line: control, format and separator characters become single spaces."""
    cleaned = "".join(" " if unicodedata.category(ch)[0] in ("C", "Z") and ch != " " else ch for ch in text)
    cleaned = " ".join(cleaned.split())
    if limit is not None and len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned


def safe_http_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL that cannot break out of a link; else None."""
    if not url or len(url) > 2000:
        return None
    if any(ch in url for ch in "|<>\"'`\\") or any(ch.isspace() or not ch.isprintable() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url
