with

posts as (

    select * from {{ ref('int_posts__unioned') }}

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
