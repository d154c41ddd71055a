{#
    Facebook posts in the conformed post shape shared by every platform
    (see int_posts__unioned). Platform-specific rules live here:
    - reporting day: Facebook reports by Pacific day (America/Los_Angeles),
      so created_date is the Pacific calendar day of created_at;
    - post_format: from Graph's status_type;
    - engagements: reactions + comments + shares + clicks (documented in
      _int_facebook_pages__models.yml).
#}
{%- set reporting_timezone = 'America/Los_Angeles' -%}

with

posts as (

    select * from {{ ref('stg_facebook_pages__posts') }}

),

final as (

    select
        ---------- ids
        'facebook_pages' as platform,
        post_id,
        account_id,

        ---------- strings
        case status_type
            when 'added_photos' then 'image'
            when 'added_video' then 'video'
            when 'mobile_status_update' then 'text'
            when 'shared_story' then 'link'
            else 'other'
        end as post_format,
        status_type as platform_post_type,
        message,
        permalink_url,

        ---------- numerics
        views,
        reach,
        reactions,
        comments,
        shares,
        {# Facebook reports neither quotes nor saves for a post. #}
        cast(null as {{ dbt.type_bigint() }}) as quotes,
        cast(null as {{ dbt.type_bigint() }}) as saves,
        clicks,
        coalesce(reactions, 0)
        + coalesce(comments, 0)
        + coalesce(shares, 0)
        + coalesce(clicks, 0) as engagements,

        ---------- dates
        {{ utc_to_local_date('created_at', reporting_timezone) }} as created_date,

        ---------- timestamps
        created_at,
        extracted_at as metrics_as_of

    from posts

)

select * from final
