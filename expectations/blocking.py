"""Every blocking check, and why it blocks: the table in ``expectations/BLOCKING_CHECKS.md``.

A check blocks only when a published number would be wrong. Each blocking check, Great
Expectations' (from the suites) and dbt's (``error`` severity tests, unit tests and model builds,
from the manifest), falls into one kind below, and each kind says what would be wrong. A check of
no known kind is an error here, so a new blocking check cannot land without its reason.

``python -m expectations.blocking`` rewrites the file; a test keeps it current.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from expectations.catalog import SUITES
from expectations.suites import BLOCKING

DOC_PATH = Path(__file__).with_name("BLOCKING_CHECKS.md")


# A dbt test of these is classed by its own name first (``dim_post_post_key_is_platform_and_id``
# is a key built from its parts); only an unnamed one falls back to the kind listing it.
RULE, SINGULAR = "expression_is_true", "singular"


@dataclass(frozen=True)
class Kind:
    name: str
    why: str
    named: str | None  # regex on a check's name: a GX check's, or a dbt test's own name
    dbt: tuple[str, ...] = ()  # dbt generic test names (or "unit_test", "model", "singular")


KINDS = (
    Kind(
        "landed once",
        "A key read from two landed files: two partitions claim one object, or the loader read a "
        "file twice or under the wrong account, and staging could keep the wrong copy. (The same "
        "key twice inside one file is the API re-sending it: staging keeps one, no failure.)",
        r"_landed_once$",
    ),
    Kind(
        "key or required value present",
        "A row without its key or a required value cannot be joined, deduplicated or counted "
        "where it belongs.",
        r"_not_null$",
        ("not_null",),
    ),
    Kind(
        "grain unique",
        "A mart's grain repeated: every sum over it, in BI and in the report, counts the row twice.",
        None,
        ("unique", "unique_combination_of_columns"),
    ),
    Kind(
        "filed under its own day",
        "A record filed under another day puts its numbers on the wrong day.",
        r"(_matches_partition_day|_near_created_at|_is_published_day|_is_local_day)$",
    ),
    Kind(
        "not in the future",
        "A row dated after today is filed wrong: no number can exist for a day that has not ended.",
        r"_not_in_future$",
        ("not_in_future",),
    ),
    Kind(
        "counts not negative",
        "A negative count is impossible: the sums and rates built on it are wrong.",
        r"_non_negative(_not_\w+)?$",
        ("non_negative",),
    ),
    Kind(
        "values within their bounds",
        "A rate, score, rank or count outside its bounds (a share above 1, a rank or an SLA of 0) "
        "means its numerator or denominator is wrong, or the row was built from nothing.",
        None,
        ("between",),
    ),
    Kind(
        "a part never above its whole",
        "A part larger than its whole (engaged sessions above sessions, answered above inbound): "
        "a join fanned out or a sum counted twice.",
        r"_at_most_\w+$",
        ("at_most",),
    ),
    Kind(
        "facts found in their dimension",
        "A fact whose account or post is missing from its dimension drops out of every BI join "
        "and every per-account number.",
        None,
        ("relationships", "exists_in"),
    ),
    Kind(
        "values from the documented set",
        "A value outside the documented set (platform, channel, format, verdict): the BI filters "
        "and the report's breakdowns miss the row.",
        r"_expected$",
        ("accepted_values",),
    ),
    Kind(
        "keys built from their parts",
        "A surrogate key not built from its parts: joins on it pair the wrong rows.",
        r"_key_is_\w+$",
    ),
    Kind(
        "counts are numbers",
        "A count the platform sent as another JSON type (an object, a list, a non-numeric string) "
        "reads as null in staging: its totals would be published short, without a word.",
        r"_counts_are_numbers$",
        ("json_numbers",),
    ),
    Kind(
        "stated rules of the numbers",
        "A rule a model states about its own numbers (parts adding up to their whole, shares of "
        "voice summing to 1, an end not before its start) is broken: one of them is wrong.",
        r"_add_up(_to_1)?$",
        (RULE,),
    ),
    Kind(
        "months hold their own days",
        "A monthly row counting days outside its month sums the wrong days.",
        r"(_fit_month|_in_month|_is_first_of_month)$",
    ),
    Kind(
        "windows as defined",
        "A 'new' source outside its window breaks the mart's definition.",
        r"_in_last_30_days$",
    ),
    Kind(
        "flags agree with their numbers",
        "A flag that contradicts the numbers it describes (answered without a reply, within SLA "
        "above the SLA, a score without a scored text) misleads every count built on it.",
        r"(_iff_\w+|_matches_response_time)$",
    ),
    Kind(
        "a mart holds rows",
        "An empty mart while its raw tables hold data: the build lost every row.",
        r"^has_rows$|_has_rows$",
    ),
    Kind(
        "metric formulas",
        "A unit test of a metric formula (engagement rate, ROI, uplift, first response time) "
        "failed: the formula computes a wrong number.",
        None,
        ("unit_test",),
    ),
    Kind(
        "models build",
        "A model that did not build has no data to publish.",
        None,
        ("model",),
    ),
    Kind(
        "singular data tests",
        "A project-specific rule of the data (one platform per social network) is broken.",
        None,
        (SINGULAR,),
    ),
)


class UnexplainedCheck(ValueError):
    """A blocking check of no known kind: say why it blocks (a ``Kind``) before it can land."""


def _named_kind(check_name: str) -> Kind | None:
    return next((kind for kind in KINDS if kind.named and re.search(kind.named, check_name)), None)


def gx_kind(check_name: str) -> Kind:
    kind = _named_kind(check_name)
    if kind is None:
        raise UnexplainedCheck(
            f"blocking GX check {check_name!r} is of no known kind: add it to expectations.blocking"
        )
    return kind


def dbt_kind(node: dict[str, Any]) -> Kind:
    if node["resource_type"] in ("unit_test", "model"):
        name = node["resource_type"]
    else:
        name = (node.get("test_metadata") or {}).get("name") or SINGULAR
    by_test = next((kind for kind in KINDS if name in kind.dbt), None)
    if by_test is not None and name not in (RULE, SINGULAR):
        return by_test
    kind = _named_kind(node.get("name", "")) or by_test
    if kind is not None:
        return kind
    raise UnexplainedCheck(f"blocking dbt test {node['unique_id']} ({name}) is of no known kind")


def blocking_checks(manifest: dict[str, Any]) -> dict[str, dict[str, set[str]]]:
    """Kind name -> {"gx": tables, "dbt": models} over every blocking check."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"gx": set(), "dbt": set()})
    for spec in SUITES.values():
        for check in spec.checks:
            if check.severity == BLOCKING:
                found[gx_kind(check.name).name]["gx"].add(spec.table)
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    for node in nodes.values():
        kind = node["resource_type"]
        if kind == "test" and str(node["config"].get("severity", "error")).lower() == "warn":
            continue
        if kind in ("test", "unit_test", "model"):
            if kind == "model" and node["package_name"] != manifest["metadata"].get("project_name"):
                continue
            target = node.get("model") or node.get("attached_node") or node["unique_id"]
            if kind == "test" and not node.get("attached_node"):
                # A source's test or a singular test: it names what it reads.
                target = next(iter(node.get("depends_on", {}).get("nodes") or []), target)
            parts = str(target).split(".")  # a source by <source>.<table>, a model by its name
            found[dbt_kind(node).name]["dbt"].add(
                ".".join(parts[-2:] if parts[0] == "source" else parts[-1:])
            )
    return found


def render(manifest: dict[str, Any]) -> str:
    found = blocking_checks(manifest)
    lines = [
        "# Blocking checks, and why each blocks",
        "",
        "Generated by `python -m expectations.blocking` from the Great Expectations suites and",
        "dbt's manifest; a test keeps it current. A check blocks only when a published number",
        "would be wrong. Everything else is a **warning**: recorded in `audit.check_results`,",
        "sent when `quality.notify_warnings` is on, never holding anything back: new or missing",
        "payload fields, volume outside its usual range, dbt tests of `warn` severity, and source",
        "freshness (a source that stopped loading keeps its last data and is flagged stale; the",
        "other sources publish).",
        "",
        "| kind | why it blocks | Great Expectations (tables) | dbt (models) |",
        "|---|---|---|---|",
    ]
    for kind in KINDS:
        tables = found.get(kind.name, {"gx": set(), "dbt": set()})
        gx = f"{len(tables['gx'])}: " + ", ".join(sorted(tables["gx"])) if tables["gx"] else "-"
        dbt = f"{len(tables['dbt'])}: " + ", ".join(sorted(tables["dbt"])) if tables["dbt"] else "-"
        lines.append(f"| {kind.name} | {kind.why} | {gx} | {dbt} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    from transform.dbt import MANIFEST_PATH

    if not MANIFEST_PATH.exists():
        print(f"error: {MANIFEST_PATH} is missing: run `make manifest` first", file=sys.stderr)
        return 2
    DOC_PATH.write_text(render(json.loads(MANIFEST_PATH.read_text())), encoding="utf-8")
    print(f"wrote {DOC_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
