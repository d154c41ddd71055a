{#
    Competitors' Instagram media in the conformed post shape of
    int_posts__unioned, as business_discovery lists them: the latest
    snapshot of each media wins (like_count and comments_count are lifetime
    counters). Platform-specific rules, as in int_instagram__posts for our
    own media:
    - reporting day: created_date is the Pacific (America/Los_Angeles)
      calendar day of created_at;
    - post_format: REELS -> reel, else by media_type (CAROUSEL_ALBUM ->
      carousel, VIDEO -> video, IMAGE -> image);
    - engagements: likes + comments, the only counters business_discovery
      shows (documented in _int_instagram__models.yml).
#}
{%- set reporting_timezone = 'America/Los_Angeles' -%}

with

discovered_media as (

    select * from {{ ref('stg_instagram__business_discovery_media') }}

),

latest_snapshot as (

    {{ deduplicate(
        relation='discovered_media',
        partition_by='media_id',
        order_by='snapshot_date desc, extracted_at desc',
    ) }}

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
        {# Insights are the owner's: a competitor's views, reach, shares, saves are private. #}
        cast(null as {{ dbt.type_bigint() }}) as views,
        cast(null as {{ dbt.type_bigint() }}) as reach,
        like_count as reactions,
        comments_count as comments,
        cast(null as {{ dbt.type_bigint() }}) as shares,
        cast(null as {{ dbt.type_bigint() }}) as quotes,
        cast(null as {{ dbt.type_bigint() }}) as saves,
        cast(null as {{ dbt.type_bigint() }}) as clicks,
        coalesce(like_count, 0) + coalesce(comments_count, 0) as engagements,

        ---------- dates
        {{ utc_to_local_date('created_at', reporting_timezone) }} as created_date,

        ---------- timestamps
        created_at,
        extracted_at as metrics_as_of

    from latest_snapshot

)

select * from final
