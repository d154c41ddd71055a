"""The registry of sources and streams (``core.sources``) is the one place each stream fact lives.

Everything that once retyped a fact now reads it; these tests pin the places that cannot read it
(pydantic field lists, dbt's YAML, the extractor classes) to the registry, and show that a key
no batch column reads is refused with its name.
"""

from __future__ import annotations

import csv
import typing

import pytest
import yaml

from core.config import Accounts, Platform, Sources, load_config
from core.settings import PROJECT_ROOT
from core.sources import HOURLY_STREAMS, PLATFORMS, SOURCE_NAMES, SOURCES, source, stream
from expectations.catalog import SUITES
from expectations.raw_suites import batch_key
from extractors import source_class
from warehouse.orchestration import EXTRACT_SOURCES, LISTENING_STREAMS


@pytest.mark.parametrize("facts", SOURCES, ids=lambda facts: facts.name)
def test_each_extractor_lands_the_registered_streams_with_their_facts(facts) -> None:
    extractor = source_class(facts.name)
    assert extractor.name == facts.name
    assert [s.name for s in extractor.stream_types] == [s.name for s in facts.streams]
    for stream_type in extractor.stream_types:
        registered = facts.stream(stream_type.name)
        assert stream_type.facts is registered
        assert (stream_type.partitioned_by, stream_type.audience) == (
            registered.partitioned_by,
            registered.audience,
        )


@pytest.mark.parametrize("facts", SOURCES, ids=lambda facts: facts.name)
def test_each_look_back_is_a_setting_of_its_source(facts) -> None:
    settings = getattr(load_config().sources, facts.name)
    for registered in facts.streams:
        if registered.lookback:
            value = getattr(settings, registered.lookback)
            assert isinstance(value, int) and value >= 0, (facts.name, registered.name, registered.lookback)


def test_the_config_and_dbt_name_the_registered_platforms_and_sources() -> None:
    assert tuple(Accounts.model_fields) == PLATFORMS
    assert typing.get_args(Platform) == PLATFORMS
    assert tuple(Sources.model_fields) == SOURCE_NAMES
    dbt_project = yaml.safe_load((PROJECT_ROOT / "dbt_project" / "dbt_project.yml").read_text())
    assert tuple(dbt_project["vars"]["platforms"]) == PLATFORMS


def test_dbt_s_platforms_seed_carries_the_registry_s_facts() -> None:
    with (PROJECT_ROOT / "dbt_project" / "seeds" / "platforms.csv").open(newline="") as seed:
        rows = {row["platform"]: row["are_competitor_posts_readable"] for row in csv.DictReader(seed)}
    assert rows == {f.name: str(f.competitor_posts).lower() for f in SOURCES if f.platform}


def test_orchestration_reads_the_registry() -> None:
    assert EXTRACT_SOURCES == SOURCE_NAMES
    assert LISTENING_STREAMS == HOURLY_STREAMS
    assert HOURLY_STREAMS["x"] == ("mentions", "replies", "search")  # the inbox before the search
    assert "linkedin" not in HOURLY_STREAMS  # no stream of it is read hourly


def test_every_stream_has_its_raw_suite_keyed_by_the_registry() -> None:
    for facts in SOURCES:
        for registered in facts.streams:
            spec = SUITES[f"raw_{facts.name}__{registered.name}"]
            (landed_once,) = [c.name for c in spec.checks if c.name.endswith("_landed_once")]
            columns = landed_once.removesuffix("_landed_once").split("__")
            assert len(columns) == len(registered.key), (spec.name, columns, registered.key)
            for name, column in zip(registered.key, columns, strict=True):
                assert name == column or name in ("id", "name", "date"), (spec.name, name, column)


def test_a_key_that_no_batch_column_reads_is_refused_by_name() -> None:
    fields = {"tweet_id": "record->>'id'", "created_day": "cast(record->>'created_at' as date)"}
    assert batch_key("x__tweets", fields) == ("tweet_id",)
    with pytest.raises(ValueError, match=r"raw\.x__search: the key field 'id' \(core\.sources\)"):
        batch_key("x__search", {"text": "record->>'text'"})
    with pytest.raises(ValueError, match="found \\['a', 'b'\\]"):
        batch_key("x__tweets", {"a": "record->>'id'", "b": "upper(record->>'id')"})


def test_an_unknown_source_or_stream_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known: facebook_pages, instagram"):
        source("tiktok")
    with pytest.raises(KeyError, match="its streams: user, tweets"):
        stream("x", "spaces")
