{#
    A set-returning select-list expression: one row per calendar day from
    `start_date` to `end_date` inclusive (both date expressions of the same row).
    Used for the per-account day spine of fct_account_daily.
#}
{% macro day_series(start_date, end_date) -%}
    {{ return(adapter.dispatch('day_series', 'social_warehouse')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__day_series(start_date, end_date) -%}
    cast(generate_series({{ start_date }}, {{ end_date }}, interval '1 day') as date)
{%- endmacro %}

{% macro duckdb__day_series(start_date, end_date) -%}
    cast(unnest(generate_series({{ start_date }}, {{ end_date }}, interval 1 day)) as date)
{%- endmacro %}
