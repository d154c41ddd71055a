{#
    `dbt source freshness` on DuckDB: dbt's default reads max(loaded_at_field)
    and fails with "Expected a non-null value" when the table has no rows. A
    raw table is empty, on a healthy pipeline, when nothing is configured for
    it: a platform with no accounts, no GA4 property, no campaign registry,
    no complaint keywords. The loader still creates it and rewrites the
    company configuration (raw.company__accounts) on every load, so an empty
    table reports the loader's last run instead: fresh while loads happen,
    stale (warn, then error) when they stop. A table with rows is judged on
    its own rows only. Called through dbt's `collect_freshness` (the project
    is first in the `dbt` dispatch order).
#}
{% macro duckdb__collect_freshness(source, loaded_at_field, filter) %}
    {%- set loader_runs = source.incorporate(path={"identifier": "company__accounts"}) -%}
    {% call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
        select
            coalesce(
                (
                    select max({{ loaded_at_field }})
                    from {{ source }}
                    {% if filter %}where {{ filter }}{% endif %}
                ),
                case
                    when not exists (select 1 from {{ source }})
                        then (select max(_loaded_at) from {{ loader_runs }})
                end
            ) as max_loaded_at,
            {{ current_timestamp() }} as snapshotted_at
    {%- endcall %}
    {{ return(load_result('collect_freshness')) }}
{% endmacro %}
