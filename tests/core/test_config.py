"""The company configuration is validated, and a bad value names its field."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest
import yaml

from core.config import ConfigError, load_config, parse_config
from core.settings import PROJECT_ROOT
from extractors import source_class
from extractors.core import Window

DEMO = yaml.safe_load((PROJECT_ROOT / "config" / "company.yml").read_text())


def test_the_shipped_demo_configuration_is_valid() -> None:
    config = load_config(PROJECT_ROOT / "config" / "company.yml")
    assert [a.id for a in config.own_accounts("facebook_pages")] == ["104729381726354", "187263549910273"]
    for platform in ("instagram", "x", "linkedin", "youtube"):
        assert len(config.own_accounts(platform)) == 1, platform
    assert config.max_lookback_days() == 28


@pytest.mark.parametrize("platform", ["facebook_pages", "instagram", "x", "linkedin", "youtube"])
def test_a_platform_without_accounts_is_skipped(tmp_path: Path, platform: str) -> None:
    data = copy.deepcopy(DEMO)
    data["accounts"][platform] = []
    for competitor in data["competitors"]:
        competitor["accounts"].pop(platform, None)
    config = parse_config(data)
    # No connection exists for the source: skipping must not even look for one.
    landed = source_class(platform)(config).run(Window(date(2026, 11, 1), date(2026, 11, 2)), tmp_path, "t")
    assert landed == []
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(("source", "off"), [("reddit", {"enabled": False}), ("rss", {"feeds": []})])
def test_a_listening_source_left_off_is_skipped(tmp_path: Path, source: str, off: dict) -> None:
    data = copy.deepcopy(DEMO)
    data["sources"][source] = {**data["sources"][source], **off}
    config = parse_config(data)
    landed = source_class(source)(config).run(Window(date(2026, 11, 1), date(2026, 11, 2)), tmp_path, "t")
    assert landed == []
    assert not any(tmp_path.iterdir())


def test_a_competitor_linkedin_account_is_refused() -> None:
    data = copy.deepcopy(DEMO)
    data["competitors"][0]["accounts"]["linkedin"] = [{"id": "123", "name": "Bramble Baby"}]
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert "competitors.0.accounts" in str(caught.value)
    assert "LinkedIn has no public API" in str(caught.value)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("company", "timezone"), "Mars/Olympus", "company.timezone"),
        (("company", "currency"), "DOGE", "company.currency"),
        (("brand", "keywords"), [], "brand.keywords"),
        (("support", "first_response_sla_minutes"), 0, "support.first_response_sla_minutes"),
        (("support", "business_hours", "end"), "08:00", "support.business_hours"),
        (("reporting", "recipients"), ["not-an-address"], "reporting.recipients"),
        (
            ("sources", "facebook_pages", "page_insights_metrics"),
            [],
            "sources.facebook_pages.page_insights_metrics",
        ),
        (("accounts", "facebook_pages", 0, "id"), "has space", "accounts.facebook_pages.0.id"),
        (("accounts", "tiktok"), [], "accounts.tiktok"),
    ],
)
def test_an_invalid_value_is_refused_naming_the_field(path, value, field) -> None:
    data = copy.deepcopy(DEMO)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ConfigError) as caught:
        parse_config(data, "company.yml")
    assert f"  {field}" in str(caught.value)
    assert str(caught.value).startswith("company.yml: invalid company configuration")


def test_a_duplicated_account_is_refused() -> None:
    data = copy.deepcopy(DEMO)
    data["accounts"]["facebook_pages"].append(dict(data["accounts"]["facebook_pages"][0]))
    with pytest.raises(ConfigError, match="account id listed twice: 104729381726354"):
        parse_config(data, "company.yml")


def test_a_missing_file_says_how_to_provide_one(tmp_path) -> None:
    with pytest.raises(ConfigError, match="WAREHOUSE_COMPANY_CONFIG"):
        load_config(tmp_path / "nope.yml")


def test_broken_yaml_is_reported_with_the_file(tmp_path) -> None:
    bad = tmp_path / "company.yml"
    bad.write_text("company: [unclosed\n")
    with pytest.raises(ConfigError, match=str(bad)):
        load_config(bad)


# Hostile ids: each becomes a landing folder name and a URL path segment, so each is held to its
# platform's real format. Look-alikes are written as escapes: full-width digits, a Cyrillic ie.
FULL_WIDTH_ID = "".join(chr(0xFF10 + int(digit)) for digit in "104729381726354")
HOSTILE_IDS = [
    "..",
    "/",
    "?x=/../../escape",
    "110293847561029?x=/../../escape",
    "110293847561029#/../account=*",
    "*",
    "[",
    "/**/",
    "\x00",
    "1\x00",
    "1" * 10_000,
    FULL_WIDTH_ID,
    "brambl\u0435baby",
    "104729381726354\n",
    "",
]
# (where the id sits, what the message says a valid one looks like, a valid id)
ID_FIELDS = [
    (("accounts", "facebook_pages", 0, "id"), "a Facebook Page id", "104729381726354"),
    (("accounts", "instagram", 0, "id"), "an Instagram professional account id", "17841405822304914"),
    (("accounts", "x", 0, "id"), "an X user id", "1447093205118763008"),
    (("accounts", "linkedin", 0, "id"), "a LinkedIn organization id", "10482335"),
    (("accounts", "youtube", 0, "id"), "a YouTube channel id", "UCq7Lm0x2bN9dVfK3tYwQe8A"),
    (("competitors", 0, "accounts", "facebook_pages", 0, "id"), "a Facebook Page id", "110293847561029"),
    (("competitors", 0, "accounts", "instagram", 0, "id"), "an Instagram username", "bramble.baby_uk"),
    (("competitors", 0, "accounts", "x", 0, "id"), "an X user id", "1389012345678901248"),
    (("competitors", 0, "accounts", "youtube", 0, "id"), "a YouTube channel id", "UCbR4mbl3B4byZ8kq2VnT5xw"),
    (("sources", "google_analytics", "property_id"), "a GA4 property id", "312345678"),
]


def with_value(path: tuple, value: object) -> dict:
    data = copy.deepcopy(DEMO)
    node = data
    for key in path[:-1]:
        node = node.setdefault(key, {}) if isinstance(node, dict) else node[key]
    node[path[-1]] = value
    return data


def field_of(path: tuple) -> str:
    return ".".join(str(part) for part in path)


@pytest.mark.parametrize(("path", "looks_like", "valid"), ID_FIELDS, ids=[field_of(f[0]) for f in ID_FIELDS])
@pytest.mark.parametrize("hostile", HOSTILE_IDS, ids=range(len(HOSTILE_IDS)))
def test_a_hostile_id_is_refused_naming_the_field_and_a_valid_form(path, looks_like, valid, hostile) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(with_value(path, hostile), "company.yml")
    message = str(caught.value)
    assert f"  {field_of(path)}" in message
    if hostile:
        assert looks_like in message and "e.g." in message
    else:
        assert "at least 1 character" in message or looks_like in message
    assert len(message) < 1_000  # a 10,000-character id is cut in the message


@pytest.mark.parametrize(("path", "looks_like", "valid"), ID_FIELDS, ids=[field_of(f[0]) for f in ID_FIELDS])
def test_each_platform_accepts_its_real_id_format(path, looks_like, valid) -> None:
    parse_config(with_value(path, valid))


@pytest.mark.parametrize(
    "username", ["bramble..baby", ".bramblebaby", "bramblebaby.", "@bramblebaby", "a" * 31, "bramble-baby"]
)
def test_a_competitor_instagram_username_follows_instagram_rules(username: str) -> None:
    path = ("competitors", 0, "accounts", "instagram", 0, "id")
    with pytest.raises(ConfigError, match="an Instagram username"):
        parse_config(with_value(path, username))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("brand", "name"), "Lumo" * 30),
        (("competitors", 0, "name"), "B" * 10_000),
        (("sources", "rss", "feeds"), [{"name": "f" * 65, "url": "/feed.xml"}]),
        (("sources", "rss", "feeds"), [{"name": "../escape", "url": "/feed.xml"}]),
        (("sources", "rss", "feeds"), [{"name": "feed*", "url": "/feed.xml"}]),
    ],
)
def test_names_that_become_landing_folders_are_bounded(path, value) -> None:
    with pytest.raises(ConfigError, match=".".join(str(p) for p in path[:2])):
        parse_config(with_value(path, value))
