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
    {%- set day = iso_date(newest, 'the newest day') - modules.datetime.timedelta(days=lookback) -%}
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
    {{ return(iso_date(requested, 'rebuild_from (the var, or WAREHOUSE_REBUILD_FROM)') if requested else none) }}
{%- endmacro %}


{#
    The incremental strategy `replace_days` (incremental_strategy:
    replace_days, unique_key: the model's day column): delete+insert of whole
    days that also deletes every day from incremental_rebuild_from() on, not
    only the days the new rows have. A rebuilt day that has no rows any more
    (a day's only tweet deleted, a GA4 day revised to nothing) must go, as a
    full refresh would leave it out; delete+insert deletes only the keys it
    inserts. Called before the target changes, so incremental_rebuild_from()
    answers as it did for the model's SQL.
#}
{% macro get_incremental_replace_days_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set day = arg_dict['unique_key'] -%}
    {%- if day is not string -%}
        {{ exceptions.raise_compiler_error(
            "replace_days needs unique_key to be the model's day column, got " ~ day
        ) }}
    {%- endif -%}
    {%- set rebuild_from = incremental_rebuild_from(day) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where
        {{ day }} in (select {{ day }} from {{ source }})
        {%- if rebuild_from %}
        or {{ day }} >= {{ rebuild_from }}
        {%- endif %};

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}
