"""The published table of blocking checks is current, and no blocking check lands without a reason."""

from __future__ import annotations

import json

import pytest

from expectations import blocking
from transform.dbt import MANIFEST_PATH


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(MANIFEST_PATH.read_text())


def test_the_committed_table_is_what_the_checks_are(manifest: dict) -> None:
    assert blocking.DOC_PATH.read_text() == blocking.render(manifest), (
        "expectations/BLOCKING_CHECKS.md is out of date: run `python -m expectations.blocking`"
    )


def test_every_kind_in_the_table_has_checks(manifest: dict) -> None:
    found = blocking.blocking_checks(manifest)
    assert {k.name for k in blocking.KINDS} == {k for k, v in found.items() if v["gx"] or v["dbt"]}


def test_a_blocking_check_without_a_reason_is_refused(manifest: dict) -> None:
    with pytest.raises(blocking.UnexplainedCheck, match="rows_look_odd"):
        blocking.gx_kind("rows_look_odd")
    odd = {"resource_type": "test", "unique_id": "test.x.odd", "test_metadata": {"name": "looks_odd"}}
    with pytest.raises(blocking.UnexplainedCheck, match="looks_odd"):
        blocking.dbt_kind(odd)
