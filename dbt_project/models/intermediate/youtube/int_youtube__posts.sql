{#
    YouTube videos in the conformed post shape shared by every platform
    (see int_posts__unioned). Platform-specific rules live here:
    - reporting day: YouTube reports by Pacific day (America/Los_Angeles),
      so created_date is the Pacific calendar day of published_at;
    - post_format: a video of at most 60 seconds is a Short (`reel`), any
      other a `video` (the Data API has no Shorts flag; 0 s is a live or
      upcoming broadcast, not a Short);
    - engagements: likes + comments (documented in _int_youtube__models.yml).
#}
{%- set reporting_timezone = 'America/Los_Angeles' -%}
{%- set shorts_max_seconds = 60 -%}

with

videos as (

    select * from {{ ref('stg_youtube__videos') }}

),

final as (

    select
        ---------- ids
        'youtube' as platform,
        video_id as post_id,
        account_id,

        ---------- strings
        case
            when duration_seconds between 1 and {{ shorts_max_seconds }} then 'reel'
            else 'video'
        end as post_format,
        case
            when duration_seconds between 1 and {{ shorts_max_seconds }} then 'short'
            else 'video'
        end as platform_post_type,
        title as message,
        permalink_url,

        ---------- numerics
        views,
        {# The Data API reports no reach, shares, quotes, saves or clicks per video
           (favoriteCount is deprecated and always 0, so it is not a save count). #}
        cast(null as {{ dbt.type_bigint() }}) as reach,
        likes as reactions,
        comments,
        cast(null as {{ dbt.type_bigint() }}) as shares,
        cast(null as {{ dbt.type_bigint() }}) as quotes,
        cast(null as {{ dbt.type_bigint() }}) as saves,
        cast(null as {{ dbt.type_bigint() }}) as clicks,
        coalesce(likes, 0) + coalesce(comments, 0) as engagements,

        ---------- dates
        {{ utc_to_local_date('published_at', reporting_timezone) }} as created_date,

        ---------- timestamps
        published_at as created_at,
        extracted_at as metrics_as_of

    from videos

)

select * from final
