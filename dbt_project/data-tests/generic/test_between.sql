{#
    A column whose non-null values must lie in [min_value, max_value]
    (shares in [0, 1], net sentiment in [-1, 1]); returns the rows outside.
#}
{% test between(model, column_name, min_value, max_value) %}

select *
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}

{% endtest %}
