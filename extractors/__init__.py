"""Extractors: platform APIs to landing-zone files. Run one with ``python -m extractors``."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from core.sources import SOURCES as REGISTRY
from core.sources import source

if TYPE_CHECKING:
    from extractors.core import Source

# Source name -> "module:Class" (``core.sources``). Imported lazily so that listing sources stays cheap.
SOURCES: dict[str, str] = {facts.name: facts.extractor for facts in REGISTRY}


def source_class(name: str) -> type[Source]:
    """The Source class registered under ``name``."""
    module, cls = source(name).extractor.split(":")
    return getattr(import_module(module), cls)
