"""A field that arrives as another JSON type: a count sent as an object or as a non-numeric string.

The loader keeps the record as sent (raw is the API's object), and staging reads a count of any
other type as null (``json_extract_number``): alone, that would publish a wrong total. The
source test ``<table>_counts_are_numbers`` (an error, so it blocks, see
``expectations/BLOCKING_CHECKS.md``) fails on the changed record and returns it; the other
tables' tests pass and their staging models build.
"""

from __future__ import annotations

import json
from datetime import date

from extractors.core import Window
from extractors.landing import Partition
from tests.conftest import extract, load_and_build, rows

DAYS = Window(date(2026, 11, 12), date(2026, 11, 14))


def change_first_record(partitions: list[Partition], stream: str, change: dict) -> tuple[str, str, str]:
    """Rewrite ``change`` (a path of keys to a new value) into the first record of ``stream``;
    return its account, day and id."""
    partition = next(p for p in partitions if p.stream == stream and p.rows)
    lines = partition.path.read_text().splitlines()
    first = json.loads(lines[0])
    for path, value in change.items():
        *parents, leaf = path.split(".")
        node = first["record"]
        for key in parents:
            node = node[key]
        node[leaf] = value
    partition.path.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    return partition.account, str(partition.day), str(first["record"]["id"])


def test_a_count_of_another_json_type_fails_its_source_test_naming_the_record(
    company, demo, tmp_path
) -> None:
    landed = extract(
        company, demo, tmp_path, {"x": ["user", "tweets"], "youtube": ["videos"]}, DAYS, "run-{source}"
    )
    tweet = change_first_record(landed, "tweets", {"public_metrics.like_count": {"value": 3}})
    video = change_first_record(landed, "videos", {"statistics.viewCount": "about 1k"})

    models = ["stg_x__tweets", "stg_youtube__videos", "stg_x__users"]
    built = load_and_build(
        tmp_path, [landed], ["--select", "source:x.tweets", "source:youtube.videos", "source:x.user", *models]
    )
    results = {r.node.name: r for r in built.result.result.results}
    failed = {name: r.failures for name, r in results.items() if str(r.status) == "fail"}
    assert failed == {"x__tweets_counts_are_numbers": 1, "youtube__videos_counts_are_numbers": 1}, failed
    assert results["x__tweets_counts_are_numbers"].node.config.severity.lower() == "error"
    statuses = {name: str(results[name].status) for name in models}
    assert statuses == {
        "stg_x__tweets": "skipped",
        "stg_youtube__videos": "skipped",
        "stg_x__users": "success",
    }
    assert str(results["x__user_counts_are_numbers"].status) == "pass", "an unrelated table is not held"

    # What the test returns is the changed record, with its partition.
    for (account, day, record_id), name in ((tweet, "x__tweets"), (video, "youtube__videos")):
        sql = results[f"{name}_counts_are_numbers"].node.compiled_code
        (row,) = rows(built.con, sql)
        assert (row["account_id"], str(row["partition_day"])) == (account, day)
        assert json.loads(row["record"])["id"] == record_id
