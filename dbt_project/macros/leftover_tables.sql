{#
    dbt-duckdb 1.11 builds an incremental Python model's new rows
    (int_mentions__scored) into a real table, `<model>__dbt_tmp<timestamp>` in
    the default schema, and never drops it: it takes it for a temporary table.
    That is one more table for every run. A dbt run that is killed leaves any
    incremental model's `__dbt_tmp` or `__dbt_backup` table too. They are
    dropped before and after every dbt command (`on-run-start`, `on-run-end`):
    such a table exists only while a node of a dbt command builds it, and the
    pipeline's dbt commands run one at a time (the writer pool).
#}
{% macro drop_leftover_tables() %}
    {% if execute %}
        {% set found = run_query(
            "select schema_name, table_name from duckdb_tables()
            where database_name = current_database() and not temporary
              and regexp_matches(table_name, '__dbt_(tmp[0-9]*|backup)$')
            order by 1, 2"
        ) %}
        {% for schema_name, table_name in found.rows %}
            {% do log("dropping " ~ schema_name ~ "." ~ table_name ~ ", a table a dbt run left behind", info=True) %}
            {% do run_query(
                "drop table if exists " ~ adapter.quote(schema_name) ~ "." ~ adapter.quote(table_name)
            ) %}
        {% endfor %}
    {% endif %}
{% endmacro %}
