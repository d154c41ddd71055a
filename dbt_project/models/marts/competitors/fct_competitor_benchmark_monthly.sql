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
    cannot read are null, never 0 (int_competitors__accounts.are_posts_readable).
    Every brand is read through the conformed models: our accounts and the
    competitors read by the same streams (X, YouTube) through
    fct_account_daily, dim_post and fct_post_performance; the competitors
    read through their public profile only (Facebook Pages, Instagram
    business_discovery) through int_competitors__account_daily and
    int_competitors__posts.
#}

with

brand_accounts as (

    select * from {{ ref('int_competitors__accounts') }}

),

account_daily as (

    select * from {{ ref('fct_account_daily') }}

),

competitor_account_daily as (

    select * from {{ ref('int_competitors__account_daily') }}

),

post_performance as (

    select * from {{ ref('fct_post_performance') }}

),

posts as (

    select * from {{ ref('dim_post') }}

),

competitor_posts as (

    select * from {{ ref('int_competitors__posts') }}

),

share_of_voice as (

    select * from {{ ref('fct_share_of_voice_monthly') }}

),

follower_readings as (

    select
        platform,
        account_id,
        metric_date as reading_date,
        followers
    from account_daily
    where followers is not null

    union all

    {# Competitors read through their public profile: no daily rows, only snapshots. #}
    select
        platform,
        account_id,
        metric_date as reading_date,
        followers
    from competitor_account_daily
    where followers is not null

),

post_counters as (

    select
        posts.platform,
        posts.account_id,
        posts.post_id,
        posts.created_date,
        post_performance.reactions,
        post_performance.comments,
        post_performance.shares,
        post_performance.quotes
    from posts
    inner join post_performance
        on posts.post_key = post_performance.post_key

    union all

    {# Latest lifetime counters, as fct_post_performance holds for the others. #}
    select
        platform,
        account_id,
        post_id,
        created_date,
        reactions,
        comments,
        shares,
        quotes
    from competitor_posts

),

public_posts as (

    select
        platform,
        account_id,
        post_id,
        created_date,
        case platform
            when 'x'
                then
                    coalesce(reactions, 0) + coalesce(comments, 0)
                    + coalesce(shares, 0) + coalesce(quotes, 0)
            when 'instagram'
                then
                    coalesce(reactions, 0) + coalesce(comments, 0)
            when 'youtube'
                then
                    coalesce(reactions, 0) + coalesce(comments, 0)
            else
                coalesce(reactions, 0) + coalesce(comments, 0)
                + coalesce(shares, 0)
        end as public_engagements
    from post_counters

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
