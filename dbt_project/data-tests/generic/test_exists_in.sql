{#
    A fact's compound reference is a row of its dimension: every row whose
    `columns` are all set has a row of `to` with the same values in `fields`
    (and, with `to_where`, one that matches it: `is_own`). Returns the child
    rows with none. The dimension is read with `exists`, so a duplicated
    dimension row fails the dimension's own key test, not every fact. A row
    with any of `columns` null passes (an own_account_id only comments on our
    posts carry): the columns' not_null tests say which must be set.
#}
{% test exists_in(model, columns, to, fields, to_where=none) %}
{%- if columns | length != fields | length -%}
    {{ exceptions.raise_compiler_error(
        "exists_in on " ~ model ~ ": give one field of " ~ to ~ " per column, got columns "
        ~ columns ~ " and fields " ~ fields
    ) }}
{%- endif %}

select *
from (select * from {{ model }}) as child  -- a `where` config makes the model a subquery
where
    {% for column in columns -%}
    child.{{ column }} is not null and
    {% endfor -%}
    not exists (
        select 1
        from {{ to }} as parent
        where
            {% for column in columns -%}
            parent.{{ fields[loop.index0] }} = child.{{ column }}{% if not loop.last %} and{% endif %}
            {% endfor -%}
            {%- if to_where %} and ({{ to_where }}){% endif %}
    )

{% endtest %}
