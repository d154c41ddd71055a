"""Every suite the run checks, by name: the raw streams first, then the marts."""

from __future__ import annotations

from expectations.mart_suites import MART_SUITES
from expectations.raw_suites import RAW_SUITES
from expectations.suites import SuiteSpec

SUITES: dict[str, SuiteSpec] = {spec.name: spec for spec in (*RAW_SUITES, *MART_SUITES)}
if len(SUITES) != len(RAW_SUITES) + len(MART_SUITES):
    raise ValueError("two suites share a name")

__all__ = ["MART_SUITES", "RAW_SUITES", "SUITES"]
