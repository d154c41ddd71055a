"""Which marts a run must hold back, by dbt's lineage.

A blocking failure (a Great Expectations check, a dbt test, a model that did not build) is about
one table. Every mart downstream of that table in dbt's graph (``child_map`` of the manifest) may
carry the wrong number, so it is held back; every other mart is published from the run. A mart
whose model did not build in the run is held back too, whatever the reason (a failed or skipped
upstream model, a task that crashed), so a snapshot never mixes a new upstream with an old build.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MARTS_SCHEMA = "marts"
MAX_REASONS = 3


@dataclass(frozen=True)
class Lineage:
    """The dbt graph, by warehouse relation (``schema.table``)."""

    node_of: Mapping[str, str]  # relation -> unique_id (models, seeds, snapshots, sources)
    relation_of: Mapping[str, str]  # unique_id -> relation
    children: Mapping[str, tuple[str, ...]]

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any]) -> Lineage:
        relation_of: dict[str, str] = {}
        for node in [*manifest["nodes"].values(), *manifest["sources"].values()]:
            kind = node["resource_type"]
            if kind in ("model", "seed", "snapshot"):
                relation_of[node["unique_id"]] = f"{node['schema']}.{node.get('alias') or node['name']}"
            elif kind == "source":
                relation_of[node["unique_id"]] = f"{node['schema']}.{node.get('identifier') or node['name']}"
        children = {k: tuple(v) for k, v in manifest.get("child_map", {}).items()}
        return cls({r: u for u, r in relation_of.items()}, relation_of, children)

    @classmethod
    def load(cls, manifest_path: Path) -> Lineage:
        return cls.from_manifest(json.loads(manifest_path.read_text(encoding="utf-8")))

    @property
    def marts(self) -> set[str]:
        return {r for r in self.relation_of.values() if r.startswith(f"{MARTS_SCHEMA}.")}

    def downstream_marts(self, relation: str) -> set[str]:
        """The marts built from ``relation`` (itself included when it is a mart). A table dbt does
        not know (an audit table, a typo) holds back every mart: nothing can be ruled out."""
        start = self.node_of.get(relation)
        if start is None:
            return set(self.marts)
        seen, queue = {start}, deque([start])
        while queue:
            for child in self.children.get(queue.popleft(), ()):
                if child in self.relation_of and child not in seen:
                    seen.add(child)
                    queue.append(child)
        return {self.relation_of[n] for n in seen if self.relation_of[n].startswith(f"{MARTS_SCHEMA}.")}


LAYERS = ("raw", "staging", "intermediate", "main", MARTS_SCHEMA)


def _layer(relation: str) -> int:
    schema = relation.split(".", 1)[0]
    return LAYERS.index(schema) if schema in LAYERS else len(LAYERS)


def held_back_marts(
    lineage: Lineage, failures: Iterable[tuple[str, str]], built: Iterable[str] | None = None
) -> dict[str, str]:
    """Mart -> why it is held back, from the run's blocking failures (``(table, check)`` pairs)
    and, when given, the marts whose model built in the run."""
    reasons: dict[str, list[str]] = {}
    # The root cause first: a raw table's failure before the staging, intermediate and mart ones.
    for table, check in sorted(failures, key=lambda f: (_layer(f[0]), f)):
        for mart in lineage.downstream_marts(table):
            reasons.setdefault(mart, []).append(f"{check} on {table}")
    if built is not None:
        for mart in lineage.marts - set(built):
            reasons.setdefault(mart, []).append("its model did not build in this run")
    held: dict[str, str] = {}
    for mart, why in sorted(reasons.items()):
        unique = list(dict.fromkeys(why))
        more = f"; and {len(unique) - MAX_REASONS} more" if len(unique) > MAX_REASONS else ""
        held[mart] = "; ".join(unique[:MAX_REASONS]) + more
    return held
