{#
    How our brand compares with each competitor, per platform per calendar
    month, on what every brand's public profile shows:
    - followers at the month's last reading, and growth since the last
      reading of the month before (null without one: competitors' follower
      counts are snapshots, so their history starts with the first run);
    - posts published and posts per week (the current month: per week so far);
    - public engagements of those posts (latest lifetime counts) and
      engagements per post; engagement rate per post by followers;
    - the brand's share of voice that month (over all sources, the same on
      every platform row);
    - the brand's rank among the brands on the platform for each measure
      (1 = highest; null when the measure is unknown).
    Public engagements count only what anyone can see, for every brand alike:
    X likes + replies + reposts + quotes; Instagram and YouTube likes +
    comments; Facebook and LinkedIn reactions + comments + shares (own pages
    only: competitors' posts are not readable without Page Public Content
    Access, and LinkedIn has no public API). Posts of a brand the warehouse
    cannot read are null, never 0.
#}
{%- set readable_platforms = "'x', 'instagram', 'youtube'" -%}

with

accounts as (

    select * from {{ ref('stg_company__accounts') }}

),

account_daily as (

    select * from {{ ref('fct_account_daily') }}

),

post_performance as (

    select * from {{ ref('fct_post_performance') }}

),

posts as (

    select * from {{ ref('dim_post') }}

),

page_snapshots as (

    select * from {{ ref('stg_facebook_pages__page_snapshots') }}

),

discovered_accounts as (

    select * from {{ ref('stg_instagram__business_discovery') }}

),

discovered_media as (

    select * from {{ ref('stg_instagram__business_discovery_media') }}

),

share_of_voice as (

    select * from {{ ref('fct_share_of_voice_monthly') }}

),

follower_readings as (

    select
        account_daily.platform,
        account_daily.account_id,
        account_daily.metric_date as reading_date,
        account_daily.followers
    from account_daily
    where account_daily.followers is not null

    union all

    {# Competitors' Facebook Pages: public fields only, so no daily rows, only snapshots. #}
    select
        'facebook_pages' as platform,
        page_snapshots.account_id,
        page_snapshots.snapshot_date as reading_date,
        page_snapshots.followers_count as followers
    from page_snapshots
    inner join accounts
        on
            accounts.platform = 'facebook_pages'
            and page_snapshots.account_id = accounts.account_id
            and not accounts.is_own
    where page_snapshots.followers_count is not null

    union all

    {# Competitors' Instagram accounts, read through business_discovery. #}
    select
        'instagram' as platform,
        account_id,
        snapshot_date as reading_date,
        followers_count as followers
    from discovered_accounts
    where followers_count is not null

),

public_posts as (

    select
        posts.platform,
        posts.account_id,
        posts.post_id,
        posts.created_date,
        case posts.platform
            when 'x'
                then
                    coalesce(post_performance.reactions, 0) + coalesce(post_performance.comments, 0)
                    + coalesce(post_performance.shares, 0) + coalesce(post_performance.quotes, 0)
            when 'instagram'
                then
                    coalesce(post_performance.reactions, 0) + coalesce(post_performance.comments, 0)
            when 'youtube'
                then
                    coalesce(post_performance.reactions, 0) + coalesce(post_performance.comments, 0)
            else
                coalesce(post_performance.reactions, 0) + coalesce(post_performance.comments, 0)
                + coalesce(post_performance.shares, 0)
        end as public_engagements
    from posts
    inner join post_performance
        on posts.post_key = post_performance.post_key

    union all

    select
        'instagram' as platform,
        account_id,
        media_id as post_id,
        {# Instagram reports in Pacific days, as int_instagram__posts does for our own media. #}
        {{ utc_to_local_date('created_at', 'America/Los_Angeles') }} as created_date,
        coalesce(like_count, 0) + coalesce(comments_count, 0) as public_engagements
    from discovered_media
    {# Lifetime counters: the latest snapshot of each media. #}
    qualify
        row_number() over (partition by media_id order by snapshot_date desc, extracted_at desc) = 1

),

brand_accounts as (

    select
        platform,
        account_id,
        brand_id,
        brand,
        is_own,
        is_own or platform in ({{ readable_platforms }}) as are_posts_readable
    from accounts

),

activity as (

    select
        platform,
        account_id,
        reading_date as activity_date
    from follower_readings

    union all

    select
        platform,
        account_id,
        created_date as activity_date
    from public_posts

),

data_through as (

    select max(activity_date) as last_date
    from activity

),

months as (

    select distinct
        brand_accounts.platform,
        brand_accounts.brand_id,
        cast(date_trunc('month', activity.activity_date) as date) as month_start
    from brand_accounts
    inner join activity
        on
            brand_accounts.platform = activity.platform
            and brand_accounts.account_id = activity.account_id

),

account_months as (

    select
        months.platform,
        months.brand_id,
        months.month_start,
        brand_accounts.account_id
    from months
    inner join brand_accounts
        on
            months.platform = brand_accounts.platform
            and months.brand_id = brand_accounts.brand_id

),

account_followers as (

    select
        account_months.platform,
        account_months.brand_id,
        account_months.month_start,
        account_months.account_id,
        max_by(readings.followers, readings.reading_date) filter (
            where readings.reading_date between account_months.month_start
            and last_day(account_months.month_start)
        ) as followers_end,
        max(readings.reading_date) filter (
            where readings.reading_date between account_months.month_start
            and last_day(account_months.month_start)
        ) as followers_end_date,
        max_by(readings.followers, readings.reading_date) filter (
            where readings.reading_date < account_months.month_start
        ) as followers_start
    from account_months
    left join follower_readings as readings
        on
            account_months.platform = readings.platform
            and account_months.account_id = readings.account_id
    group by 1, 2, 3, 4

),

brand_followers as (

    select
        platform,
        brand_id,
        month_start,
        count(*) as account_count,
        {# A brand's total needs every one of its accounts on the platform. #}
        case when count(followers_end) = count(*) then sum(followers_end) end as followers_end,
        max(followers_end_date) as followers_end_date,
        case
            when count(followers_start) = count(*) and count(followers_end) = count(*)
                then sum(followers_start)
        end as followers_start
    from account_followers
    group by 1, 2, 3

),

brand_posts as (

    select
        brand_accounts.platform,
        brand_accounts.brand_id,
        cast(date_trunc('month', public_posts.created_date) as date) as month_start,
        count(*) as posts_published,
        sum(public_posts.public_engagements) as public_engagements
    from public_posts
    inner join brand_accounts
        on
            public_posts.platform = brand_accounts.platform
            and public_posts.account_id = brand_accounts.account_id
    group by 1, 2, 3

),

readable as (

    select
        platform,
        brand_id,
        bool_and(are_posts_readable) as are_posts_readable,
        any_value(brand) as brand,
        any_value(is_own) as is_own
    from brand_accounts
    group by 1, 2

),

combined as (

    select
        brand_followers.platform,
        brand_followers.brand_id,
        readable.brand,
        readable.is_own,
        brand_followers.month_start,
        brand_followers.account_count,
        brand_followers.followers_start,
        brand_followers.followers_end,
        brand_followers.followers_end_date,
        case
            when readable.are_posts_readable then coalesce(brand_posts.posts_published, 0)
        end as posts_published,
        case
            when readable.are_posts_readable then coalesce(brand_posts.public_engagements, 0)
        end as public_engagements,
        {# Days of the month the data covers: the whole month, or up to the newest data. #}
        date_diff(
            'day', brand_followers.month_start,
            least(last_day(brand_followers.month_start), data_through.last_date)
        ) + 1 as days_covered,
        share_of_voice.share_of_voice
    from brand_followers
    inner join readable
        on
            brand_followers.platform = readable.platform
            and brand_followers.brand_id = readable.brand_id
    cross join data_through
    left join brand_posts
        on
            brand_followers.platform = brand_posts.platform
            and brand_followers.brand_id = brand_posts.brand_id
            and brand_followers.month_start = brand_posts.month_start
    left join share_of_voice
        on
            brand_followers.brand_id = share_of_voice.brand_id
            and brand_followers.month_start = share_of_voice.month_start

),

measured as (

    select
        *,
        followers_end - followers_start as follower_growth,
        {{ safe_divide('followers_end - followers_start', 'followers_start') }}
            as follower_growth_rate,
        {{ safe_divide('posts_published * 7', 'days_covered') }} as posts_per_week,
        {{ safe_divide('public_engagements', 'posts_published') }} as engagements_per_post,
        {{ safe_divide(safe_divide('public_engagements', 'posts_published'), 'followers_end') }}
            as engagement_rate_per_post
    from combined

),

{% set ranked_measures = [
    'followers_end', 'follower_growth_rate', 'posts_per_week',
    'engagements_per_post', 'engagement_rate_per_post', 'share_of_voice',
] %}

final as (

    select
        ---------- ids
        brand_id || ':' || platform || ':' || strftime(month_start, '%Y-%m') as benchmark_key,
        brand_id,
        platform,

        ---------- strings
        brand,

        ---------- numerics
        account_count,
        followers_start,
        followers_end,
        follower_growth,
        follower_growth_rate,
        posts_published,
        posts_per_week,
        public_engagements,
        engagements_per_post,
        engagement_rate_per_post,
        share_of_voice,
        days_covered,
        count(*) over (partition by platform, month_start) as brands_compared,
        {% for measure in ranked_measures %}
        case
            when {{ measure }} is not null then rank() over (
                partition by platform, month_start, {{ measure }} is null
                order by {{ measure }} desc
            )
        end as {{ measure | replace('followers_end', 'followers') }}_rank,
        {% endfor %}

        ---------- booleans
        is_own,

        ---------- dates
        month_start,
        followers_end_date

    from measured

)

select * from final
