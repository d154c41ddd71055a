{#
    Incremental (`replace_days` of whole days, dbt_project.yml): a run
    rebuilds every day from incremental_rebuild_from(), and the older publish
    days of posts re-read since then (their lifetime shares changed). The
    spine starts one day before the oldest rebuilt day, so the previous day's
    followers are there for the first one.
#}
{%- set rebuild_from = incremental_rebuild_from('metric_date') %}

with

account_daily as (

    select * from {{ ref('int_account_daily__unioned') }}

),

posts as (

    select * from {{ ref('int_posts__unioned') }}

),

{# created_date is already the platform's reporting day (Pacific for Facebook). #}
posts_by_day as (

    select
        account_key,
        created_date as metric_date,
        count(*) as posts_published,
        cast(sum(shares) as {{ dbt.type_bigint() }}) as shares_on_posts_published,
        cast(sum(views) as {{ dbt.type_bigint() }}) as views_on_posts_published,
        {# Virality's numerator: shares of the posts whose views are in the denominator. #}
        cast(sum(case when views is not null then shares end) as {{ dbt.type_bigint() }})
            as shares_on_posts_with_views
    from posts
    group by 1, 2

),
{%- if rebuild_from %}

rebuilt_days as (

    select {{ rebuild_from }} as metric_date

    union

    select created_date as metric_date
    from posts
    where metrics_as_of >= {{ rebuild_from }}

),
{%- endif %}

account_days as (

    select
        account_key,
        platform,
        account_id,
        metric_date
    from account_daily

    union

    select
        account_key,
        platform,
        account_id,
        created_date as metric_date
    from posts

),

day_ranges as (

    select
        account_key,
        platform,
        account_id,
        min(metric_date) as first_metric_date,
        max(metric_date) as last_metric_date
    from account_days
    group by 1, 2, 3

),

{# Every day from an account's first to last day with data: missing days get
   null metrics (not zeros), so "day over previous day" is always calendar-exact. #}
day_spine as (

    select
        account_key,
        platform,
        account_id,
        {{ day_series(
            'greatest(first_metric_date, (select min(metric_date) - 1 from rebuilt_days))'
            if rebuild_from else 'first_metric_date',
            'last_metric_date',
        ) }} as metric_date
    from day_ranges

),

joined as (

    select
        day_spine.account_key,
        day_spine.platform,
        day_spine.account_id,
        day_spine.metric_date,
        account_daily.followers,
        account_daily.followers_gained,
        account_daily.followers_lost,
        account_daily.engagements,
        account_daily.views,
        account_daily.reach,
        account_daily.shares,
        coalesce(posts_by_day.posts_published, 0) as posts_published,
        coalesce(posts_by_day.shares_on_posts_published, 0) as shares_on_posts_published,
        posts_by_day.views_on_posts_published,
        posts_by_day.shares_on_posts_with_views
    from day_spine
    left join account_daily
        on
            day_spine.account_key = account_daily.account_key
            and day_spine.metric_date = account_daily.metric_date
    left join posts_by_day
        on
            day_spine.account_key = posts_by_day.account_key
            and day_spine.metric_date = posts_by_day.metric_date

),

with_previous_day as (

    select
        *,
        lag(followers) over (
            partition by account_key
            order by metric_date
        ) as followers_previous_day
    from joined

),

final as (

    select
        ---------- ids
        account_key,
        platform,
        account_id,

        ---------- numerics
        followers,
        followers_previous_day,
        followers_gained,
        followers_lost,
        followers_gained - followers_lost as net_follower_change,
        {{ safe_divide('followers - followers_previous_day', 'followers_previous_day') }}
            as follower_growth_rate,
        posts_published,
        shares_on_posts_published,
        views_on_posts_published,
        shares_on_posts_with_views,
        {{ safe_divide('shares_on_posts_published', 'posts_published') }} as amplification_rate,
        {{ safe_divide('shares_on_posts_published', 'followers') }}
            as amplification_rate_by_followers,
        {{ safe_divide('shares_on_posts_with_views', 'views_on_posts_published') }} as virality,
        engagements,
        views,
        reach,
        shares,
        {{ safe_divide('engagements', 'views') }} as engagement_rate,
        {{ safe_divide('engagements', 'reach') }} as engagement_rate_by_reach,
        {{ safe_divide('engagements', 'followers') }} as engagement_rate_by_followers,

        ---------- dates
        metric_date

    from with_previous_day
    {%- if rebuild_from %}
    where
        metric_date >= {{ rebuild_from }}
        or metric_date in (select rebuilt_days.metric_date from rebuilt_days)
    {%- endif %}

)

select * from final
