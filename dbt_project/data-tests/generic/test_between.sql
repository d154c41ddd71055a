{#
    A column whose non-null values must lie in [min_value, max_value]
    (shares in [0, 1], net sentiment in [-1, 1]); returns the rows outside.
    Leave out max_value for no upper bound (a duration is at least 0).
#}
{% test between(model, column_name, min_value, max_value=none) %}

select *
from {{ model }}
where
    {{ column_name }} < {{ min_value }}
    {%- if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}

{% endtest %}
