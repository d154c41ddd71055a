{#
    A part is never above its whole (engaged sessions at most sessions, items
    answered at most items needing a response, a rank at most the brands
    compared); returns the rows where `column_name` > `than`. A row missing
    either value passes: "not reported" is no contradiction.
#}
{% test at_most(model, column_name, than) %}

select *
from {{ model }}
where {{ column_name }} > {{ than }}

{% endtest %}
