{#
    Instagram media in the conformed post shape shared by every platform
    (see int_posts__unioned). Platform-specific rules live here:
    - reporting day: Instagram insights are Pacific days (America/Los_Angeles),
      so created_date is the Pacific calendar day of created_at;
    - post_format: REELS -> reel, else by media_type (CAROUSEL_ALBUM ->
      carousel, VIDEO -> video, IMAGE -> image);
    - engagements: total_interactions, else likes + comments + shares + saves
      (documented in _int_instagram__models.yml).
#}
{%- set reporting_timezone = 'America/Los_Angeles' -%}

with

media as (

    select * from {{ ref('stg_instagram__media') }}

),

media_insights as (

    select * from {{ ref('stg_instagram__media_insights') }}

),

lifetime as (

    select
        media_id,
        max(case when metric_name = 'views' then metric_value end) as views,
        max(case when metric_name = 'reach' then metric_value end) as reach,
        max(case when metric_name = 'likes' then metric_value end) as likes,
        max(case when metric_name = 'comments' then metric_value end) as comments,
        max(case when metric_name = 'shares' then metric_value end) as shares,
        max(case when metric_name = 'saved' then metric_value end) as saved,
        max(case when metric_name = 'total_interactions' then metric_value end)
            as total_interactions,
        max(extracted_at) as extracted_at
    from media_insights
    where metric_period = 'lifetime'
    group by 1

),

joined as (

    select
        media.media_id,
        media.account_id,
        media.media_type,
        media.media_product_type,
        media.caption,
        media.permalink_url,
        media.created_at,
        cast(lifetime.views as {{ dbt.type_bigint() }}) as views,
        cast(lifetime.reach as {{ dbt.type_bigint() }}) as reach,
        {# The insight when asked for, else the live counter on the media object. #}
        coalesce(cast(lifetime.likes as {{ dbt.type_bigint() }}), media.like_count) as likes,
        coalesce(cast(lifetime.comments as {{ dbt.type_bigint() }}), media.comments_count)
            as comments,
        cast(lifetime.shares as {{ dbt.type_bigint() }}) as shares,
        cast(lifetime.saved as {{ dbt.type_bigint() }}) as saves,
        cast(lifetime.total_interactions as {{ dbt.type_bigint() }}) as total_interactions,
        coalesce(lifetime.extracted_at, media.extracted_at) as metrics_as_of
    from media
    left join lifetime
        on media.media_id = lifetime.media_id

),

final as (

    select
        ---------- ids
        'instagram' as platform,
        media_id as post_id,
        account_id,

        ---------- strings
        case
            when media_product_type = 'REELS' then 'reel'
            when media_type = 'CAROUSEL_ALBUM' then 'carousel'
            when media_type = 'VIDEO' then 'video'
            when media_type = 'IMAGE' then 'image'
            else 'other'
        end as post_format,
        {{ dbt.concat(["coalesce(media_product_type, '')", "'/'", "coalesce(media_type, '')"]) }}
            as platform_post_type,
        caption as message,
        permalink_url,

        ---------- numerics
        views,
        reach,
        likes as reactions,
        comments,
        shares,
        {# Instagram has no quotes, and no link clicks per post. #}
        cast(null as {{ dbt.type_bigint() }}) as quotes,
        saves,
        cast(null as {{ dbt.type_bigint() }}) as clicks,
        coalesce(
            total_interactions,
            coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0) + coalesce(saves, 0)
        ) as engagements,

        ---------- dates
        {{ utc_to_local_date('created_at', reporting_timezone) }} as created_date,

        ---------- timestamps
        created_at,
        metrics_as_of

    from joined

)

select * from final
