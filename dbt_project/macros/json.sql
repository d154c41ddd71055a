{#
    JSON helpers. Raw tables keep each API object as landed in a JSON column
    (`record`); staging models are the only place that reads it.
#}

{# The scalar at a JSONPath as text (null when missing or JSON null). #}
{% macro json_extract_text(json_column, path) -%}
    {{ return(adapter.dispatch('json_extract_text', 'social_warehouse')(json_column, path)) }}
{%- endmacro %}

{% macro default__json_extract_text(json_column, path) -%}
    json_extract_string({{ json_column }}, '{{ path }}')
{%- endmacro %}

{# The JSON type name of the value at a JSONPath ('OBJECT', 'BIGINT', ...). #}
{% macro json_value_type(json_column, path) -%}
    {{ return(adapter.dispatch('json_value_type', 'social_warehouse')(json_column, path)) }}
{%- endmacro %}

{% macro default__json_value_type(json_column, path) -%}
    json_type({{ json_column }}, '{{ path }}')
{%- endmacro %}

{#
    A numeric JSON value as `type` (a dbt type expression): numbers and numeric
    strings are cast; objects (breakdowns such as {"like": 10}), arrays,
    booleans and non-numeric strings become null instead of failing the build.
#}
{% macro json_extract_number(json_column, path, type) -%}
    case
        when {{ json_value_type(json_column, path) }} in ('UBIGINT', 'BIGINT', 'DOUBLE', 'VARCHAR')
            then {{ dbt.safe_cast(json_extract_text(json_column, path), type) }}
    end
{%- endmacro %}

{#
    Graph API: the JSON value of the named insight in an object's field-expanded
    `insights.data` array (e.g. a post's lifetime `post_clicks`): the first
    entry of `values`. Null when the insight is absent.
    DuckDB-specific (list_filter over a JSON array); other adapters need their
    own implementation.
#}
{% macro graph_insight_value(json_column, insight_name) -%}
    {{ return(adapter.dispatch('graph_insight_value', 'social_warehouse')(json_column, insight_name)) }}
{%- endmacro %}

{% macro default__graph_insight_value(json_column, insight_name) -%}
    {{ exceptions.raise_compiler_error(
        'graph_insight_value is not implemented for adapter ' ~ adapter.type()
    ) }}
{%- endmacro %}

{% macro duckdb__graph_insight_value(json_column, insight_name) -%}
    json_extract(
        list_filter(
            cast(json_extract({{ json_column }}, '$.insights.data') as json[]),
            lambda insight: json_extract_string(insight, '$.name') = '{{ insight_name }}'
        )[1],
        '$.values[0].value'
    )
{%- endmacro %}

{# The JSON at a JSONPath serialized as text (objects and arrays included). #}
{% macro json_extract_json_text(json_column, path) -%}
    {{ return(adapter.dispatch('json_extract_json_text', 'social_warehouse')(json_column, path)) }}
{%- endmacro %}

{% macro default__json_extract_json_text(json_column, path) -%}
    cast(json_extract({{ json_column }}, '{{ path }}') as {{ dbt.type_string() }})
{%- endmacro %}
