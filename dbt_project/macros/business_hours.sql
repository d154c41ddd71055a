{#
    Business seconds between two UTC timestamps, per row of `relation`: the
    seconds of [start, end] that fall inside the company's business hours
    (int_support__business_hours: config `support.business_hours` in
    `company.timezone`, DST included), i.e. the sum over business windows of

        greatest(0, least(end, closes_at) - greatest(start, opens_at))

    Renders a select, to use as a CTE body, with one row per row of `relation`:
    the column `key` and `business_seconds` (double, fractional seconds kept).

    - `relation`: a ref() or the name of an earlier CTE; `key` must be unique
      in it (rows are grouped by key, start and end).
    - `start_column`, `end_column`: UTC timestamps without time zone (the
      project's `<event>_at` convention), column names or expressions of
      `relation`.
    - A null start or end gives null (not answered yet); end before start, or
      start = end, gives 0 (an empty interval holds no business time).
    - Only windows between the vars business_hours_first_date and
      business_hours_last_date exist: time outside them counts as closed.

    Example (first response time in business hours):

        messages as (
            select message_id, received_at, first_replied_at
            from {{ ref('int_support__messages') }}
        ),

        response_times as (
            {{ business_seconds('messages', 'message_id', 'received_at', 'first_replied_at') }}
        ),

    A range join (each item against the windows it overlaps): DuckDB plans it
    as an inequality join, so the cost grows with the windows an item spans,
    not with the size of the calendar.
#}
{% macro business_seconds(relation, key, start_column, end_column) -%}
    select
        items.item_key as {{ key }},
        case
            when items.start_at is null or items.end_at is null then null
            -- No overlapping window: the left join's nulls must not reach least/greatest,
            -- which skip nulls (least(end_at, null) is end_at).
            when count(business_hours.opens_at) = 0 then 0
            else sum(
                greatest(
                    0,
                    extract(epoch from least(items.end_at, business_hours.closes_at))
                    - extract(epoch from greatest(items.start_at, business_hours.opens_at))
                )
            )
        end as business_seconds
    from (
        select
            {{ key }} as item_key,
            {{ start_column }} as start_at,
            {{ end_column }} as end_at
        from {{ relation }}
    ) as items
    left join {{ ref('int_support__business_hours') }} as business_hours
        on
            items.start_at < business_hours.closes_at
            and items.end_at > business_hours.opens_at
    group by items.item_key, items.start_at, items.end_at
{%- endmacro %}
