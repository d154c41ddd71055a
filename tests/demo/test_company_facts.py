"""The demo company's account ids are written once, in the shipped config/company.yml.

The demo reads them there (``demo.company``); a copy typed into the simulator would drift the day
someone edits the config, and the demo would serve accounts the warehouse does not ask for.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.config import CompanyConfig
from core.settings import PROJECT_ROOT
from demo import company
from demo.competitors import BRAMBLE_BABY, KIDDO_MOTION
from demo.generator import instagram, linkedin, x, youtube


def config_ids(config: CompanyConfig) -> set[str]:
    ids = {a.id for platform in type(config.accounts).model_fields for a in config.own_accounts(platform)}
    for competitor in config.competitors:
        ids |= {
            a.id
            for platform in type(competitor.accounts).model_fields
            for a in getattr(competitor.accounts, platform)
        }
    return ids


def typed_ids(source: str, ids: set[str]) -> list[tuple[int, str]]:
    """(line, id) for each string literal of ``source`` that is one of ``ids``."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in ids
    ]


def test_no_module_of_the_demo_types_an_account_id_of_the_config() -> None:
    ids = config_ids(company.SHIPPED)
    assert len(ids) == 14
    found = {
        str(path.relative_to(PROJECT_ROOT)): hits
        for path in sorted((PROJECT_ROOT / "demo").rglob("*.py"))
        if (hits := typed_ids(path.read_text(), ids))
    }
    assert found == {}, found


def test_a_typed_id_is_found() -> None:
    source = 'PAGE = "104729381726354"\nOTHER = "1234"\n'
    assert typed_ids(source, config_ids(company.SHIPPED)) == [(1, "104729381726354")]


def test_the_demo_serves_the_configured_accounts() -> None:
    shipped = company.SHIPPED
    assert Path(PROJECT_ROOT, "config", "company.yml") == company.SHIPPED_CONFIG_PATH
    assert [p.id for p in company.FACEBOOK_PAGES] == [a.id for a in shipped.own_accounts("facebook_pages")]
    assert [a.id for a in instagram.ACCOUNTS][:1] == [a.id for a in shipped.own_accounts("instagram")]
    assert [a.id for a in x.X_ACCOUNTS][:1] == [a.id for a in shipped.own_accounts("x")]
    assert [o.id for o in linkedin.ORGANIZATIONS][:1] == [a.id for a in shipped.own_accounts("linkedin")]
    assert [c.id for c in youtube.CHANNELS][:1] == [a.id for a in shipped.own_accounts("youtube")]
    by_name = {c.name: c for c in shipped.competitors}
    for competitor in (BRAMBLE_BABY, KIDDO_MOTION):
        accounts = by_name[competitor.name].accounts
        assert competitor.facebook_page_id == accounts.facebook_pages[0].id
        assert competitor.x_user_id == accounts.x[0].id
        assert competitor.youtube_channel_id == accounts.youtube[0].id
        assert competitor.handle == accounts.instagram[0].id


def test_a_config_without_the_demo_company_s_account_names_the_file_and_what_to_do(monkeypatch) -> None:
    edited = company.SHIPPED.model_copy(update={"competitors": company.SHIPPED.competitors[:1]})
    monkeypatch.setattr(company, "SHIPPED", edited)
    assert company.competitor_id("Bramble Baby", "x") == company.SHIPPED.competitors[0].accounts.x[0].id
    with pytest.raises(LookupError) as caught:
        company.competitor_id("Kiddo Motion", "x")
    message = str(caught.value)
    assert (
        "config/company.yml: the demo company needs the competitor Kiddo Motion with one x account" in message
    )
    assert "WAREHOUSE_COMPANY_CONFIG" in message
