{#
    No row is dated after the latest possible day (today in UTC plus one day:
    a platform's reporting day can run a day ahead of UTC); returns the rows
    after it. Today is the pipeline's clock: WAREHOUSE_TODAY when pinned (the
    demo, the tests), else the real UTC date.
#}
{% test not_in_future(model, column_name) %}

select *
from {{ model }}
where {{ column_name }} > {{ latest_possible_day() }}

{% endtest %}
