{#
    Each JSON path of `paths` in the loaded record (the `record` column of a
    raw table) holds a number, a numeric string or nothing. Staging reads any
    other JSON type (an object, a list, a boolean, a non-numeric string) as
    null, which would publish a wrong total without a word; returns the
    records where a count changed type.
#}
{% test json_numbers(model, paths) %}

select *
from {{ model }}
where len(list_filter(
    list_zip(json_type(record, {{ paths }}), json_extract_string(record, {{ paths }})),
    v -> v[1] not in ('BIGINT', 'UBIGINT', 'DOUBLE', 'NULL')
        and not (v[1] = 'VARCHAR' and try_cast(v[2] as double) is not null)
)) > 0

{% endtest %}
