"""The fault matrix (``docs/RELIABILITY.md``) stays true: every row names a test that proves it,
and every test it names exists, so a renamed or deleted test cannot leave a fault unproven."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MATRIX = ROOT / "docs" / "RELIABILITY.md"

# A pytest node id (its parameter id, if any, is not checked), or ``::name`` for another test of the
# file named before it in the row, or a dbt unit test in its YAML file. Any other backticked text
# with ``::`` is an error: a reference the check cannot read is not checked.
PYTEST = re.compile(r"`(tests/[\w/]+\.py)?::(\w+)(?:\[[^`]*\])?`")
DBT_UNIT = re.compile(r"`(dbt_project/[\w/.-]+\.ya?ml)::(\w+)`")
ANY_REFERENCE = re.compile(r"`[^`]*::[^`]*`")


def fault_rows(text: str) -> list[str]:
    """The rows of the matrix's tables, less their headers and separators."""
    return [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| Fault |")]


def unproven(text: str, root: Path) -> list[str]:
    """Each row of ``text`` that names no test, and each test a row names that ``root`` lacks."""
    problems = []
    for row in fault_rows(text):
        fault = row.split(" | ")[0].removeprefix("| ")[:80]
        named, path = [], ""
        for given, name in PYTEST.findall(row):
            path = given or path
            named.append((path or "(no file before it)", name, _tests))
        named += [(path, name, _unit_tests) for path, name in DBT_UNIT.findall(row)]
        if not named:
            problems.append(f"{fault}: names no test")
        for text in ANY_REFERENCE.findall(row):
            if not (PYTEST.fullmatch(text) or DBT_UNIT.fullmatch(text)):
                problems.append(f"{fault}: {text} is not a test reference the check can read")
        for path, name, found in named:
            if name not in found(root / path):
                problems.append(f"{fault}: {path}::{name} does not exist")
    return problems


@cache
def _tests(path: Path) -> frozenset[str]:
    """The test functions of a pytest module, its classes' included; none if it is missing."""
    if not path.is_file():
        return frozenset()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    )


@cache
def _unit_tests(path: Path) -> frozenset[str]:
    """The names of the dbt unit tests a YAML file defines; none if it is missing."""
    if not path.is_file():
        return frozenset()
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return frozenset(test["name"] for test in document.get("unit_tests") or [])


def test_every_fault_in_the_matrix_names_tests_that_exist() -> None:
    text = MATRIX.read_text(encoding="utf-8")
    assert len(fault_rows(text)) > 100  # the tables were read, not skipped
    assert unproven(text, ROOT) == []


def test_a_fault_without_a_test_or_naming_a_missing_one_is_found() -> None:
    real = "`tests/core/test_scratch.py::test_a_live_writers_temporary_file_is_left_alone`"
    unit = "`dbt_project/models/intermediate/listening/_int_listening__unit_tests.yml::{}`"
    cuts = unit.format("test_int_mentions__sightings_cuts_long_text_and_says_so")
    text = "\n".join(
        [
            "| Fault | What the pipeline does | Proven by |",
            "|---|---|---|",
            f"| proven | kept | {real}<br>{cuts} |",
            "| unproven | nothing | a sentence, no test |",
            f"| renamed | kept | {real.replace('left_alone', 'kept')} |",
            "| gone | kept | `tests/core/test_gone.py::test_it[with-id]` |",
            f"| shorthand | kept | {real}<br>`::test_a_dead_writers_temporary_folder_is_removed_whole`"
            "<br>`::test_nothing_of_the_kind` |",
            "| unreadable | kept | `tests/core/test_scratch.py::test a typo` |",
            f"| unit renamed | kept | {unit.format('test_cuts')} |",
        ]
    )
    assert unproven(text, ROOT) == [
        "unproven: names no test",
        "renamed: tests/core/test_scratch.py::test_a_live_writers_temporary_file_is_kept does not exist",
        "gone: tests/core/test_gone.py::test_it does not exist",
        "shorthand: tests/core/test_scratch.py::test_nothing_of_the_kind does not exist",
        "unreadable: names no test",
        "unreadable: `tests/core/test_scratch.py::test a typo` is not a test reference the check can read",
        "unit renamed: dbt_project/models/intermediate/listening/_int_listening__unit_tests.yml::test_cuts"
        " does not exist",
    ]
