{#
    LinkedIn posts in the conformed post shape shared by every platform
    (see int_posts__unioned). Platform-specific rules live here:
    - reporting day: LinkedIn reports by UTC day, so created_date is the UTC
      day of publishedAt (createdAt for a post never published);
    - post_format: from what the post carries (stg content_type);
    - metrics: lifetime share statistics; LinkedIn returns none for a post
      with no impressions and no actions, so a post without them has 0;
    - engagements: likes + comments + shares + clicks (documented in
      _int_linkedin__models.yml).
#}

with

posts as (

    select * from {{ ref('stg_linkedin__posts') }}

),

post_statistics as (

    select * from {{ ref('stg_linkedin__post_statistics') }}

),

joined as (

    select
        posts.post_id,
        posts.account_id,
        posts.content_type,
        posts.message,
        posts.extracted_at as post_extracted_at,
        post_statistics.extracted_at as statistics_extracted_at,
        coalesce(posts.published_at, posts.created_at) as created_at,
        coalesce(post_statistics.impressions, 0) as views,
        coalesce(post_statistics.unique_impressions, 0) as reach,
        coalesce(post_statistics.likes, 0) as reactions,
        coalesce(post_statistics.comments, 0) as comments,
        coalesce(post_statistics.shares, 0) as shares,
        coalesce(post_statistics.clicks, 0) as clicks
    from posts
    left join post_statistics
        on posts.post_id = post_statistics.post_id
    {# A draft is not a post anyone saw. #}
    where coalesce(posts.lifecycle_state, '') != 'DRAFT'

),

final as (

    select
        ---------- ids
        'linkedin' as platform,
        post_id,
        account_id,

        ---------- strings
        case content_type
            when 'video' then 'video'
            when 'image' then 'image'
            when 'multi_image' then 'carousel'
            when 'article' then 'link'
            when 'text' then 'text'
            else 'other'
        end as post_format,
        content_type as platform_post_type,
        message,
        {{ dbt.concat(["'https://www.linkedin.com/feed/update/'", 'post_id', "'/'"]) }}
            as permalink_url,

        ---------- numerics
        cast(views as {{ dbt.type_bigint() }}) as views,
        cast(reach as {{ dbt.type_bigint() }}) as reach,
        cast(reactions as {{ dbt.type_bigint() }}) as reactions,
        cast(comments as {{ dbt.type_bigint() }}) as comments,
        cast(shares as {{ dbt.type_bigint() }}) as shares,
        {# LinkedIn reports neither quotes nor saves of a post. #}
        cast(null as {{ dbt.type_bigint() }}) as quotes,
        cast(null as {{ dbt.type_bigint() }}) as saves,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(reactions + comments + shares + clicks as {{ dbt.type_bigint() }}) as engagements,

        ---------- dates
        cast(created_at as date) as created_date,

        ---------- timestamps
        created_at,
        coalesce(statistics_extracted_at, post_extracted_at) as metrics_as_of

    from joined

)

select * from final
