{#
    A daily run tests the days it loaded.

    A staging model whose rows each come from one raw partition, and whose
    grain holds that partition's day, names the day column in
    `config: meta: test_window: <column>`. When a run has a requested rebuild
    day (the pipeline's WAREHOUSE_REBUILD_FROM: its window's start, which
    reaches back over every source's look-back; or the var `rebuild_from`) and
    is not --full-refresh, each generic data test of such a model reads only
    its rows from that day on: the only rows the loads since the last run can
    have changed, because a load replaces whole partitions and a daily run
    loads none older than its window. Older days were tested by the run that
    loaded them. A key or row test of the window says of those rows what it
    would say of the whole model, because the day is part of the grain.

    Why: such a view re-derives its rows from raw JSON for every test, over
    all history; the window lets DuckDB push the day filter through the
    view's deduplication (partitioned by the day) down to the raw scan, so
    a daily run's tests cost the days it loaded, not the years it kept
    (bench/RESULTS.md, "Agency volume"). A hand-run `dbt build` without a
    rebuild day and every --full-refresh test every row.

    dbt wraps the `model` argument of every generic test in
    get_where_subquery(); this version adds the window to the test's own
    `where` config. tests/dbt/test_project_contract.py checks each
    test_window is a staging model's grain day taken from partition_day.
#}
{% macro duckdb__get_where_subquery(relation) -%}
    {%- set predicates = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do predicates.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set window = test_window_predicate() -%}
    {%- if window -%}
        {%- do predicates.append(window) -%}
    {%- endif -%}
    {%- if not predicates -%}
        {{ return(relation) }}
    {%- endif -%}
    {{ return('(select * from ' ~ relation ~ ' where ' ~ predicates | join(' and ') ~ ') dbt_subquery') }}
{%- endmacro %}


{#
    `<test_window column> >= date '<rebuild day>'` for the model the test
    being compiled is attached to, or none. env_var() is read only when
    executing, as in incremental_rebuild_from(), so partial parsing survives
    a new day.
#}
{% macro test_window_predicate() -%}
    {%- if not execute or flags.FULL_REFRESH or model is not mapping -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.get('attached_node') or '') -%}
    {%- set column = tested.config.meta.get('test_window') if tested else none -%}
    {%- if not column -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set day = requested_rebuild_day() -%}
    {{ return(column ~ " >= date '" ~ day.isoformat() ~ "'" if day else none) }}
{%- endmacro %}
