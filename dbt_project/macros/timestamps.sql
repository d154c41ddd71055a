{#
    Time conventions: every `<event>_at` column is a timestamp without time
    zone holding UTC; `<event>_date` columns are calendar days in the
    platform's reporting time zone (America/Los_Angeles for Facebook).
#}

{# A timestamp-with-time-zone expression (or ISO-8601 text with an offset, e.g.
   '2026-11-02T15:02:11+0000') as a UTC timestamp without time zone. #}
{% macro to_utc_timestamp(expression) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'social_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(expression) -%}
    cast(cast({{ expression }} as {{ dbt.type_timestamp() }} with time zone) at time zone 'UTC' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__to_utc_timestamp(expression) -%}
    cast(timezone('UTC', cast({{ expression }} as timestamptz)) as timestamp)
{%- endmacro %}

{# A UTC timestamp (without time zone) as the local wall-clock timestamp in `timezone`. #}
{% macro utc_to_local(utc_timestamp, timezone) -%}
    {{ return(adapter.dispatch('utc_to_local', 'social_warehouse')(utc_timestamp, timezone)) }}
{%- endmacro %}

{% macro default__utc_to_local(utc_timestamp, timezone) -%}
    (({{ utc_timestamp }}) at time zone 'UTC') at time zone '{{ timezone }}'
{%- endmacro %}

{% macro duckdb__utc_to_local(utc_timestamp, timezone) -%}
    timezone('{{ timezone }}', timezone('UTC', {{ utc_timestamp }}))
{%- endmacro %}

{# The calendar day, in `timezone`, of a UTC timestamp (without time zone). #}
{% macro utc_to_local_date(utc_timestamp, timezone) -%}
    cast({{ utc_to_local(utc_timestamp, timezone) }} as date)
{%- endmacro %}
