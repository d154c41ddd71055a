{#
    Keep one row per `partition_by` from `relation` (a ref, source or CTE
    name): the first by `order_by`. Used for "the latest snapshot wins"
    (order_by = 'extracted_at desc, ...'); order_by must end in a tie-breaker
    that makes the choice deterministic.
#}
{% macro deduplicate(relation, partition_by, order_by) -%}
    {{ return(adapter.dispatch('deduplicate', 'social_warehouse')(relation, partition_by, order_by)) }}
{%- endmacro %}

{# DuckDB, Snowflake, BigQuery, Databricks: `qualify`. #}
{% macro default__deduplicate(relation, partition_by, order_by) -%}
    select *
    from {{ relation }}
    qualify row_number() over (partition by {{ partition_by }} order by {{ order_by }}) = 1
{%- endmacro %}

{% macro postgres__deduplicate(relation, partition_by, order_by) -%}
    select distinct on ({{ partition_by }}) *
    from {{ relation }}
    order by {{ partition_by }}, {{ order_by }}
{%- endmacro %}
