{#
    Counts and totals are never negative (nulls pass: "not reported"); returns
    the rows below 0.
#}
{% test non_negative(model, column_name) %}

select *
from {{ model }}
where {{ column_name }} < 0

{% endtest %}
