{#
    First-response statistics of fct_support_conversations per `period_column`
    (first_inbound_date or first_inbound_month), by channel and account and
    over everything (`channel` and `account_id` = 'all'): medians and
    percentiles do not add up, so the totals are computed, not summed.
    Times are over the items that needed a response and got one; the rate
    and breaches over the items that needed one.
#}
{% macro support_response_stats(period_column) -%}
    select
        {{ period_column }},
        coalesce(platform, 'all') as platform,
        coalesce(account_id, 'all') as account_id,
        coalesce(channel, 'all') as channel,
        count(*) as inbound_items,
        count(*) filter (where needs_response) as items_needing_response,
        count(*) filter (where needs_response and is_answered) as items_answered,
        count(*) filter (where needs_response and is_within_sla = false) as sla_breaches,
        count(*) filter (where needs_response and is_within_sla_business_hours = false)
            as sla_breaches_business_hours,
        {{ safe_divide(
            'count(*) filter (where needs_response and is_answered)',
            'count(*) filter (where needs_response)',
        ) }} as response_rate,
        {{ safe_divide(
            'count(*) filter (where needs_response and is_within_sla)',
            'count(*) filter (where needs_response and is_within_sla is not null)',
        ) }} as within_sla_share,
        {{ safe_divide(
            'count(*) filter (where needs_response and is_within_sla_business_hours)',
            'count(*) filter (where needs_response and is_within_sla_business_hours is not null)',
        ) }} as within_sla_share_business_hours,
        {%- for variant, column in [('', 'first_response_seconds'), ('_business_hours', 'first_response_business_seconds')] %}
        avg({{ column }}) filter (where needs_response) / 60.0
            as mean_first_response_minutes{{ variant }},
        quantile_cont({{ column }}, 0.5) filter (where needs_response) / 60.0
            as median_first_response_minutes{{ variant }},
        quantile_cont({{ column }}, 0.9) filter (where needs_response) / 60.0
            as p90_first_response_minutes{{ variant }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('fct_support_conversations') }}
    group by grouping sets (
        ({{ period_column }}, platform, account_id, channel),
        ({{ period_column }})
    )
{%- endmacro %}
