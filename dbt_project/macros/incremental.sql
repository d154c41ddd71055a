{#
    The first day an incremental mart rebuilds, as a date literal, or none
    when the whole model is built (a first build, --full-refresh, an empty
    table, and at parse time). `day_column` is the model's day in {{ this }}.

    The rule, the same for every incremental mart:
    - the requested day (ISO date): the var `rebuild_from` when given (a
      hand-run `dbt build --vars '{rebuild_from: 2026-10-04}'`), else the
      environment variable WAREHOUSE_REBUILD_FROM (the pipeline sets it to
      its window's start, which already reaches back over the sources'
      look-back; empty means none);
    - but never later than the newest day already in the table minus
      `incremental_lookback_days`. Without a requested day this alone still
      rebuilds every day a load may have re-read. A model that was not built
      for longer than the look-back (it failed, or was held back) catches up
      the same way: every run it missed re-read the look-back before its own
      window, which reaches back before the newest day the table has.
    So the rebuild starts at the older of the two.

    The day changes every run. dbt re-parses the whole project when --vars
    change, and re-parses a file whose env_var() value changed at parse
    time; env_var() is read here only when the model runs (after the return
    below), so dbt's parse never records it and partial parsing survives.
#}
{% macro incremental_rebuild_from(day_column) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set requested = requested_rebuild_day() -%}
    {%- set lookback = var('incremental_lookback_days') | int -%}
    {%- set newest = run_query(
        'select max(' ~ day_column ~ ') from ' ~ this
    ).columns[0].values()[0] -%}
    {%- if newest is none -%}
        {#- An empty table holds no history to keep: build it whole. -#}
        {{ return(none) }}
    {%- endif -%}
    {%- set day = incremental_parse_date(newest) - modules.datetime.timedelta(days=lookback) -%}
    {%- if requested -%}
        {%- set day = [requested, day] | min -%}
    {%- endif -%}
    {%- do log(this ~ ': rebuilding from ' ~ day.isoformat(), info=false) -%}
    {{ return("date '" ~ day.isoformat() ~ "'") }}
{%- endmacro %}


{#
    The requested rebuild day as a date, or none: the var `rebuild_from`, else
    WAREHOUSE_REBUILD_FROM. Call it only when executing (see above).
#}
{% macro requested_rebuild_day() -%}
    {%- set requested = var('rebuild_from', none) or env_var('WAREHOUSE_REBUILD_FROM', '') -%}
    {{ return(incremental_parse_date(requested) if requested else none) }}
{%- endmacro %}


{#
    A date from an ISO string (the requested day) or a date/datetime (the
    var given as a YAML date, a query result).
#}
{% macro incremental_parse_date(value) -%}
    {%- if value is string -%}
        {%- set text = value | trim -%}
        {%- if not modules.re.match('^\d{4}-\d{2}-\d{2}$', text) -%}
            {{ exceptions.raise_compiler_error(
                "rebuild_from (the var, or WAREHOUSE_REBUILD_FROM) must be an ISO date"
                ~ " (YYYY-MM-DD), got '" ~ value ~ "'"
            ) }}
        {%- endif -%}
        {{ return(modules.datetime.date.fromisoformat(text)) }}
    {%- endif -%}
    {{ return(modules.datetime.date(value.year, value.month, value.day)) }}
{%- endmacro %}
