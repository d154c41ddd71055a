{#
    Incremental (delete+insert by post_key, dbt_project.yml): a run replaces
    the posts published from incremental_rebuild_from() on, and every older
    post with a snapshot read since then (lifetime metrics keep changing).
#}
{%- set rebuild_from = incremental_rebuild_from('created_date') %}

with

posts as (

    select * from {{ ref('int_posts__unioned') }}
    {%- if rebuild_from %}
    where created_date >= {{ rebuild_from }} or metrics_as_of >= {{ rebuild_from }}
    {%- endif %}

),

final as (

    select
        ---------- ids
        post_key,
        account_key,
        platform,

        ---------- strings
        {# A degenerate dimension, repeated here so "which format works" needs no join. #}
        post_format,

        ---------- numerics
        views,
        reach,
        reactions,
        comments,
        shares,
        quotes,
        saves,
        clicks,
        engagements,
        {{ safe_divide('engagements', 'views') }} as engagement_rate,
        {{ safe_divide('engagements', 'reach') }} as engagement_rate_by_reach,
        {{ safe_divide('shares', 'views') }} as virality,

        ---------- dates
        created_date,

        ---------- timestamps
        metrics_as_of

    from posts

)

select * from final
