{#
    Column lists two staging models of one platform share: written once here,
    so that the two never read the same payload two ways.
#}

{% macro ga4_report_metrics() -%}
    {# GA4 sends every metric as a string; integer metrics are rounded
       because the API sometimes sends them as floats. #}
    cast(round({{ json_extract_number('record', '$.sessions', 'double') }}) as bigint)
        as sessions,
    cast(round({{ json_extract_number('record', '$.engagedSessions', 'double') }}) as bigint)
        as engaged_sessions,
    cast(round({{ json_extract_number('record', '$.totalUsers', 'double') }}) as bigint)
        as total_users,
    cast(round({{ json_extract_number('record', '$.keyEvents', 'double') }}) as bigint)
        as key_events,
    {{ json_extract_number('record', '$.totalRevenue', 'decimal(18, 2)') }} as total_revenue
{%- endmacro %}

{% macro linkedin_share_statistics() -%}
    {# LinkedIn's totalShareStatistics, for an organization's day and for a post.
       linkedin_engagement_rate is LinkedIn's own rate:
       (clicks + likes + comments + shares) / impressions. #}
    {%- set counts = [
        ('impressionCount', 'impressions'),
        ('uniqueImpressionsCount', 'unique_impressions'),
        ('clickCount', 'clicks'),
        ('likeCount', 'likes'),
        ('commentCount', 'comments'),
        ('shareCount', 'shares'),
    ] -%}
    {%- for field, column in counts %}
    {{ json_extract_number('record', '$.totalShareStatistics.' ~ field, dbt.type_bigint()) }} as {{ column }},
    {%- endfor %}
    {{ json_extract_number('record', '$.totalShareStatistics.engagement', dbt.type_float()) }}
        as linkedin_engagement_rate
{%- endmacro %}
