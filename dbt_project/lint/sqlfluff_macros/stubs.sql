{# Lint-only stand-ins for the macros in ../../macros (see ../README.md). #}

{% macro json_extract_text(json_column, path) -%}
    json_extract_string({{ json_column }}, '{{ path }}')
{%- endmacro %}

{% macro json_extract_json_text(json_column, path) -%}
    cast(json_extract({{ json_column }}, '{{ path }}') as varchar)
{%- endmacro %}

{% macro json_value_type(json_column, path) -%}
    json_type({{ json_column }}, '{{ path }}')
{%- endmacro %}

{% macro json_extract_number(json_column, path, type) -%}
    try_cast(json_extract_string({{ json_column }}, '{{ path }}') as {{ type }})
{%- endmacro %}

{% macro graph_insight_value(json_column, insight_name) -%}
    json_extract({{ json_column }}, '$.insights.{{ insight_name }}')
{%- endmacro %}

{% macro to_utc_timestamp(expression) -%}
    cast(timezone('UTC', cast({{ expression }} as timestamptz)) as timestamp)
{%- endmacro %}

{% macro utc_to_local_date(utc_timestamp, timezone) -%}
    cast(timezone('{{ timezone }}', timezone('UTC', {{ utc_timestamp }})) as date)
{%- endmacro %}

{% macro safe_divide(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif({{ denominator }}, 0)
{%- endmacro %}

{% macro platform_key(platform, id) -%}
    {{ platform }} || ':' || {{ id }}
{%- endmacro %}

{% macro day_series(start_date, end_date) -%}
    cast(unnest(generate_series({{ start_date }}, {{ end_date }}, interval 1 day)) as date)
{%- endmacro %}

{% macro deduplicate(relation, partition_by, order_by) -%}
    select *
    from {{ relation }}
    qualify row_number() over (partition by {{ partition_by }} order by {{ order_by }}) = 1
{%- endmacro %}

{% macro t_critical_975(degrees_of_freedom) -%}
    (1.96 + 2.4 / {{ degrees_of_freedom }})
{%- endmacro %}
{% macro html_to_text(expression) -%}
    trim({{ expression }})
{%- endmacro %}
{% macro canonical_url(expression) -%}
    lower({{ expression }})
{%- endmacro %}
{% macro capped_text(expression) -%}
    left({{ expression }}, 50000)
{%- endmacro %}
{% macro is_text_cut(expression) -%}
    coalesce(length({{ expression }}) > 50000, false)
{%- endmacro %}
{% macro local_to_utc(local_timestamp, timezone_expression) -%}
    cast(timezone('UTC', timezone({{ timezone_expression }}, {{ local_timestamp }})) as timestamp)
{%- endmacro %}
{% macro business_seconds(relation, key, start_column, end_column) -%}
    select
        {{ key }},
        extract(epoch from {{ end_column }}) - extract(epoch from {{ start_column }}) as business_seconds
    from {{ relation }}
{%- endmacro %}
{% macro keyword_regex(column) -%}
    trim({{ column }})
{%- endmacro %}
{% macro support_response_stats(period_column) -%}
    select
        {{ period_column }},
        platform,
        count(*) as inbound_items
    from fct_support_conversations
    group by 1, 2
{%- endmacro %}

{% macro brand_keyword_matches(relation, key_column, text_column, folded_column, keywords_relation) -%}
    select
        {{ key_column }},
        brand_id
    from {{ relation }}
{%- endmacro %}

{% macro incremental_rebuild_from(day_column) -%}
    date '2026-01-01'
{%- endmacro %}

{% macro ga4_report_metrics() -%}
    cast(json_extract_string(record, '$.sessions') as bigint) as sessions
{%- endmacro %}

{% macro linkedin_share_statistics() -%}
    cast(json_extract_string(record, '$.totalShareStatistics.impressionCount') as bigint) as impressions
{%- endmacro %}

{% macro constant_pattern(source_relation, pattern_sql, fallback_sql) -%}
    {{ fallback_sql }}
{%- endmacro %}
