"""Extractors: platform APIs to landing-zone files. Run one with ``python -m extractors``."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from extractors.core import Source

# Source name -> "module:Class". Imported lazily so that listing sources stays cheap.
SOURCES: dict[str, str] = {
    "facebook_pages": "extractors.facebook_pages:FacebookPages",
    "instagram": "extractors.instagram:Instagram",
    "x": "extractors.x:X",
    "linkedin": "extractors.linkedin:LinkedIn",
    "youtube": "extractors.youtube:YouTube",
    "google_analytics": "extractors.google_analytics:GoogleAnalytics",
    "reddit": "extractors.reddit:Reddit",
    "rss": "extractors.rss:Rss",
}


def source_class(name: str) -> type[Source]:
    """The Source class registered under ``name``."""
    try:
        module, cls = SOURCES[name].split(":")
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(SOURCES)}") from None
    return getattr(import_module(module), cls)
