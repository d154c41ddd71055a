{#
    DuckDB versions of dbt's cross-database macros where dbt-duckdb 1.11 falls
    back to a default that is wrong for DuckDB. `dbt.<macro>` dispatches here
    because the project lists itself first for the `dbt` namespace (`dispatch`
    in dbt_project.yml).
#}

{#
    dbt.safe_cast promises null instead of an error when a value does not
    convert; the default is a plain `cast`, which fails the whole model on one
    bad value. DuckDB has try_cast.
#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{#
    dbt.type_float means a double-precision float on Postgres, Snowflake and
    BigQuery; the default `float` is a 4-byte REAL in DuckDB (7 significant
    digits), too coarse for rates and metric values.
#}
{% macro duckdb__type_float() -%}
    double
{%- endmacro %}

{#
    dbt's not_null and relationships tests return only the tested column of a
    failing row; these return the whole row, so that the run record's sample of
    a failure names the row by its grain, as the Great Expectations checks'
    samples do (record/dbt_artifacts.py). The failure counts are unchanged: one
    row per failing row either way.
#}
{% macro duckdb__test_not_null(model, column_name) %}

select *
from {{ model }}
where {{ column_name }} is null

{% endmacro %}

{% macro duckdb__test_relationships(model, column_name, to, field) %}

select *
from {{ model }}
where
    {{ column_name }} is not null
    and {{ column_name }} not in (
        select parent.{{ field }}
        from {{ to }} as parent
        where parent.{{ field }} is not null
    )

{% endmacro %}
