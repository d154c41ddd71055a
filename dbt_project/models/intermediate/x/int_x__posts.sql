{#
    X tweets in the conformed post shape shared by every platform (see
    int_posts__unioned). Platform-specific rules live here:
    - reporting day: X reports in UTC, so created_date is the UTC day of created_at;
    - post_format: from the attached media and the links (documented in _int_x__models.yml);
    - metrics: the latest reading of public_metrics (timeline or tweet_metrics snapshot).
#}
with

tweets as (

    select * from {{ ref('stg_x__tweets') }}

),

observations as (

    select * from {{ ref('int_x__tweet_observations') }}

),

users as (

    select * from {{ ref('stg_x__users') }}

),

{# On a tie (same run), the snapshot wins: it was read after the timeline. #}
latest_reading as (

    {{ deduplicate(
        relation='observations',
        partition_by='tweet_id',
        order_by="extracted_at desc, observed_date desc, observed_in = 'tweet_metrics' desc",
    ) }}

),

latest_user as (

    {{ deduplicate(
        relation='users',
        partition_by='account_id',
        order_by='snapshot_date desc, extracted_at desc',
    ) }}

),

final as (

    select
        ---------- ids
        'x' as platform,
        tweets.tweet_id as post_id,
        tweets.account_id,

        ---------- strings
        case
            when tweets.video_count + tweets.animated_gif_count > 0 then 'video'
            when tweets.photo_count > 1 then 'carousel'
            when tweets.photo_count = 1 then 'image'
            when tweets.external_url_count > 0 then 'link'
            else 'text'
        end as post_format,
        case when tweets.is_quote then 'quote' else 'tweet' end as platform_post_type,
        tweets.tweet_text as message,
        {# Without a user snapshot yet, X's handle-free URL still resolves. #}
        'https://x.com/'
        || coalesce(latest_user.username, 'i/web')
        || '/status/'
        || tweets.tweet_id as permalink_url,

        ---------- numerics
        latest_reading.impressions as views,
        cast(null as {{ dbt.type_bigint() }}) as reach,
        latest_reading.likes as reactions,
        latest_reading.replies as comments,
        latest_reading.retweets as shares,
        latest_reading.quotes,
        latest_reading.bookmarks as saves,
        {# Link clicks are a non-public metric (user-context token, 30 days only). #}
        cast(null as {{ dbt.type_bigint() }}) as clicks,
        latest_reading.engagements,

        ---------- dates
        cast(tweets.created_at as date) as created_date,

        ---------- timestamps
        tweets.created_at,
        latest_reading.extracted_at as metrics_as_of

    from tweets
    left join latest_reading
        on tweets.tweet_id = latest_reading.tweet_id
    left join latest_user
        on tweets.account_id = latest_user.account_id

)

select * from final
