"""Keyword matching in the support and listening models: a pattern per row against what they do.

DuckDB compiles a regular expression once when it is a constant, and once per row when it comes
from a column or a join. On a built warehouse (``make demo`` leaves one at
``data/warehouse.duckdb``), reading the same rows each way:

* complaints (``int_support__items.is_complaint``): baseline, every item's text against the
  keywords' one pattern taken from a join (the model before); then the same pattern inlined as a
  constant, as the model compiles it (``constant_pattern`` in ``macros/text.sql``);
* brands (``int_mentions__brands``, by keyword): baseline, every mention against every brand
  keyword's pattern; then the keyword as plain text first and the pattern only where it can match.

Prints the median seconds of each, the ratio to its baseline, and fails if the answers differ.

    python -m bench.pattern_bench [--warehouse data/warehouse.duckdb] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import duckdb

COMPLAINT_PATTERN = (
    r"'(^|[^\pL\pN_])(' || string_agg(keyword_regex, '|' order by keyword) || ')([^\pL\pN_]|$)'"
)
COMPLAINTS = """
    select count(*) filter (
        where coalesce(regexp_matches(lower(coalesce(inbound_text, '')), {pattern}), false)
    )
    from (select * from intermediate.int_support__items order by support_item_key limit {rows})
    left join (
        select {complaint_pattern} as pattern from staging.stg_company__complaint_keywords
    ) as complaint_pattern on true
"""
BRANDS = """
    select count(*), coalesce(sum(hash(mention_key, brand_id)), 0)
    from (
        select * from intermediate.int_mentions__deduplicated order by mention_key limit {rows}
    ) as mentions
    inner join staging.stg_company__brand_keywords as keywords
        on {condition}
"""
PER_PAIR = "regexp_matches(mentions.mention_text, keywords.keyword_pattern, 'i')"
PLAIN_FIRST = f"""
    contains(
        lower(regexp_replace(mentions.mention_text, '\\s+', ' ', 'g')),
        lower(regexp_replace(keywords.keyword, '\\s+', ' ', 'g'))
    ) and {PER_PAIR}
"""


def timed(con: duckdb.DuckDBPyConnection, sql: str, repeat: int) -> tuple[float, list]:
    seconds, answer = [], []
    for _ in range(repeat):
        began = time.perf_counter()
        answer = con.execute(sql).fetchall()
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds), answer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=Path("data/warehouse.duckdb"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=None, help="read only this many items and mentions")
    args = parser.parse_args()
    con = duckdb.connect(str(args.warehouse), read_only=True)
    [(pattern,)] = con.execute(
        f"select {COMPLAINT_PATTERN} from staging.stg_company__complaint_keywords"
    ).fetchall()
    literal = "'" + (pattern or "").replace("'", "''") + "'" if pattern else "cast(null as varchar)"
    rows = "all" if args.rows is None else str(args.rows)
    [(items,)] = con.execute(
        f"select count(*) from (select 1 from intermediate.int_support__items limit {rows})"
    ).fetchall()
    [(mentions,)] = con.execute(
        f"select count(*) from (select 1 from intermediate.int_mentions__deduplicated limit {rows})"
    ).fetchall()
    complaints = {"complaint_pattern": COMPLAINT_PATTERN, "rows": rows}
    cases = [
        (
            f"complaints ({items:,} support items)",
            COMPLAINTS.format(pattern="complaint_pattern.pattern", **complaints),
            COMPLAINTS.format(pattern=literal, **complaints),
        ),
        (
            f"brands by keyword ({mentions:,} mentions)",
            BRANDS.format(condition=PER_PAIR, rows=rows),
            BRANDS.format(condition=PLAIN_FIRST, rows=rows),
        ),
    ]
    print("| matching | pattern per row s | as the model does s | model / baseline |")
    print("|---|---:|---:|---:|")
    differ = []
    for name, baseline_sql, model_sql in cases:
        baseline, expected = timed(con, baseline_sql, args.repeat)
        model, answer = timed(con, model_sql, args.repeat)
        print(f"| {name} | {baseline:.2f} | {model:.2f} | {model / baseline:.4f} |", flush=True)
        if answer != expected:
            differ.append(f"{name}: {answer} instead of {expected}")
    con.close()
    if differ:
        print("the answers differ:\n" + "\n".join(differ), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
