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

{# A local wall-clock timestamp (without time zone) in the time zone named by
   `timezone_expression` (a column, or a quoted literal such as
   "'Europe/London'") as a UTC timestamp without time zone, with that day's
   offset (DST included). A wall time the clocks skip in spring reads as if
   they had not moved yet (01:30 on 2026-03-29 in London is 01:30 UTC), and one
   they repeat in autumn as its later, standard-time occurrence (01:30 on
   2026-10-25 in London is 01:30 UTC): DuckDB's (ICU's) reading. #}
{% macro local_to_utc(local_timestamp, timezone_expression) -%}
    {{ return(adapter.dispatch('local_to_utc', 'social_warehouse')(local_timestamp, timezone_expression)) }}
{%- endmacro %}

{% macro default__local_to_utc(local_timestamp, timezone_expression) -%}
    cast(({{ local_timestamp }}) at time zone {{ timezone_expression }} at time zone 'UTC' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__local_to_utc(local_timestamp, timezone_expression) -%}
    cast(timezone('UTC', timezone({{ timezone_expression }}, {{ local_timestamp }})) as timestamp)
{%- endmacro %}


{#
    The last day a row may carry: the pipeline's today in UTC plus one day (a
    platform's reporting day, Pacific for Meta, runs up to a day from UTC).
    Today is WAREHOUSE_TODAY when the clock is pinned (the demo and the tests
    set it), else the real UTC date. Read only when executing, as
    requested_rebuild_day() is, so partial parsing survives a new day.
#}
{% macro latest_possible_day() -%}
    {%- set pinned = (env_var('WAREHOUSE_TODAY', '') | trim) if execute else '' -%}
    {%- if pinned -%}
        date '{{ iso_date(pinned, "WAREHOUSE_TODAY").isoformat() }}' + 1
    {%- else -%}
        cast(timezone('UTC', get_current_timestamp()) as date) + 1
    {%- endif -%}
{%- endmacro %}


{#
    A date from an ISO string (a setting such as WAREHOUSE_TODAY, named by
    `setting` in the error) or from a date/datetime (a YAML date, a query result).
#}
{% macro iso_date(value, setting) -%}
    {%- if value is string -%}
        {%- set text = value | trim -%}
        {%- if not modules.re.match('^\d{4}-\d{2}-\d{2}$', text) -%}
            {{ exceptions.raise_compiler_error(
                setting ~ " must be an ISO date (YYYY-MM-DD), got '" ~ value ~ "': fix it or unset it"
            ) }}
        {%- endif -%}
        {{ return(modules.datetime.date.fromisoformat(text)) }}
    {%- endif -%}
    {{ return(modules.datetime.date(value.year, value.month, value.day)) }}
{%- endmacro %}
