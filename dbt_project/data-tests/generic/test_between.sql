{#
    A column whose non-null values must lie in [min_value, max_value]
    (shares in [0, 1], net sentiment in [-1, 1]); returns the rows outside.
    Leave out max_value for no upper bound (a duration is at least 0), or
    min_value for no lower bound (a rate that is at most 1).
#}
{% test between(model, column_name, min_value=none, max_value=none) %}

select *
from {{ model }}
where
    {%- if min_value is not none %} {{ column_name }} < {{ min_value }}{% endif %}
    {%- if min_value is not none and max_value is not none %} or{% endif %}
    {%- if max_value is not none %} {{ column_name }} > {{ max_value }}{% endif %}

{% endtest %}
