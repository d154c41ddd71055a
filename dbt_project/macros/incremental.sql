{#
    The first day an incremental mart rebuilds, as a date literal, or none
    when the whole model is built (a first build, --full-refresh, an empty
    table, and at parse time). `day_column` is the model's day in {{ this }}.

    The rule, the same for every incremental mart:
    - the var `rebuild_from` (ISO date; the pipeline passes its window's
      start, which already reaches back over the sources' look-back);
    - but never later than the newest day already in the table minus
      `incremental_lookback_days`. Without the var this alone still rebuilds
      every day a load may have re-read. A model that was not built for
      longer than the look-back (it failed, or was held back) catches up the
      same way: every run it missed re-read the look-back before its own
      window, which reaches back before the newest day the table has.
    So the rebuild starts at the older of the two.
#}
{% macro incremental_rebuild_from(day_column) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set requested = var('rebuild_from', none) -%}
    {%- if requested -%}
        {%- set requested = incremental_parse_date(requested) -%}
    {%- endif -%}
    {%- set lookback = var('incremental_lookback_days') | int -%}
    {%- set newest = run_query(
        'select max(' ~ day_column ~ ') from ' ~ this
    ).columns[0].values()[0] -%}
    {%- set candidates = [] -%}
    {%- if requested -%}
        {%- do candidates.append(requested) -%}
    {%- endif -%}
    {%- if newest is not none -%}
        {%- do candidates.append(
            incremental_parse_date(newest) - modules.datetime.timedelta(days=lookback)
        ) -%}
    {%- endif -%}
    {%- if not candidates -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set day = candidates | min -%}
    {%- do log(this ~ ': rebuilding from ' ~ day.isoformat(), info=false) -%}
    {{ return("date '" ~ day.isoformat() ~ "'") }}
{%- endmacro %}


{#
    A date from an ISO string (the var) or a date/datetime (a query result).
#}
{% macro incremental_parse_date(value) -%}
    {%- if value is string -%}
        {%- set text = value | trim -%}
        {%- if not modules.re.match('^\d{4}-\d{2}-\d{2}$', text) -%}
            {{ exceptions.raise_compiler_error(
                "var rebuild_from must be an ISO date (YYYY-MM-DD), got '" ~ value ~ "'"
            ) }}
        {%- endif -%}
        {{ return(modules.datetime.date.fromisoformat(text)) }}
    {%- endif -%}
    {{ return(modules.datetime.date(value.year, value.month, value.day)) }}
{%- endmacro %}
