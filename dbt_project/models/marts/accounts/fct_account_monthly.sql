{#
    One row per account per calendar month of its platform's reporting days:
    the monthly numbers of the report, summed from fct_account_daily (never
    from rates). Followers are a level, not a flow: followers_end is the last
    reading in the month and followers_start the last reading before it.
#}

with

daily as (

    select * from {{ ref('fct_account_daily') }}

),

with_month as (

    select
        *,
        cast({{ dbt.date_trunc('month', 'metric_date') }} as date) as month_start
    from daily

),

monthly_sums as (

    select
        account_key,
        platform,
        account_id,
        month_start,
        count(*) as days_in_data,
        max(metric_date) as last_metric_date,
        sum(posts_published) as posts_published,
        sum(shares_on_posts_published) as shares_on_posts_published,
        sum(views_on_posts_published) as views_on_posts_published,
        sum(shares_on_posts_with_views) as shares_on_posts_with_views,
        sum(followers_gained) as followers_gained,
        sum(followers_lost) as followers_lost,
        sum(engagements) as engagements,
        sum(views) as views,
        sum(shares) as shares
    from with_month
    group by 1, 2, 3, 4

),

follower_readings as (

    select
        account_key,
        month_start,
        metric_date,
        followers
    from with_month
    where followers is not null

),

month_end_followers as (

    {{ deduplicate(
        relation='follower_readings',
        partition_by='account_key, month_start',
        order_by='metric_date desc',
    ) }}

),

followers_by_month as (

    select
        account_key,
        month_start,
        followers as followers_end,
        metric_date as followers_end_date,
        lag(followers) over (
            partition by account_key
            order by month_start
        ) as followers_start
    from month_end_followers

),

final as (

    select
        ---------- ids
        monthly_sums.account_key,
        monthly_sums.platform,
        monthly_sums.account_id,

        ---------- numerics
        followers_by_month.followers_start,
        followers_by_month.followers_end,
        {{ safe_divide(
            'followers_by_month.followers_end - followers_by_month.followers_start',
            'followers_by_month.followers_start'
        ) }} as follower_growth_rate,
        cast(monthly_sums.followers_gained as {{ dbt.type_bigint() }}) as followers_gained,
        cast(monthly_sums.followers_lost as {{ dbt.type_bigint() }}) as followers_lost,
        cast(monthly_sums.posts_published as {{ dbt.type_bigint() }}) as posts_published,
        cast(monthly_sums.engagements as {{ dbt.type_bigint() }}) as engagements,
        cast(monthly_sums.views as {{ dbt.type_bigint() }}) as views,
        cast(monthly_sums.shares as {{ dbt.type_bigint() }}) as shares,
        cast(monthly_sums.shares_on_posts_published as {{ dbt.type_bigint() }})
            as shares_on_posts_published,
        cast(monthly_sums.views_on_posts_published as {{ dbt.type_bigint() }})
            as views_on_posts_published,
        {{ safe_divide('monthly_sums.engagements', 'monthly_sums.views') }} as engagement_rate,
        {{ safe_divide('monthly_sums.engagements', 'followers_by_month.followers_end') }}
            as engagement_rate_by_followers,
        {{ safe_divide('monthly_sums.shares_on_posts_published', 'monthly_sums.posts_published') }}
            as amplification_rate,
        {{ safe_divide(
            'monthly_sums.shares_on_posts_published', 'followers_by_month.followers_end'
        ) }} as amplification_rate_by_followers,
        {{ safe_divide(
            'monthly_sums.shares_on_posts_with_views', 'monthly_sums.views_on_posts_published'
        ) }} as virality,
        monthly_sums.days_in_data,

        ---------- dates
        monthly_sums.month_start,
        monthly_sums.last_metric_date,
        followers_by_month.followers_end_date

    from monthly_sums
    left join followers_by_month
        on
            monthly_sums.account_key = followers_by_month.account_key
            and monthly_sums.month_start = followers_by_month.month_start

)

select * from final
