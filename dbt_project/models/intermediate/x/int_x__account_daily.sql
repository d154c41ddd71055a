{#
    X has no account-level daily metrics: daily engagements, views and shares
    are the day-over-day growth of the account's tweets' public_metrics.

    For each tweet, its readings are ordered by observation day: the daily
    tweet_metrics snapshots, or, for a tweet that never had one (older than
    the re-read window when first landed), its timeline read. The first
    reading's full value is credited to the tweet's own UTC day (it was earned
    since the tweet was posted); each later reading's increase over the one
    before is credited to that reading's day. Summed per account per day, the
    credits add up to the tweets' lifetime totals, and in steady daily runs
    each day's credit is the activity of that day. followers comes from the
    user snapshot landed for that day.
#}
with

observations as (

    select * from {{ ref('int_x__tweet_observations') }}

),

users as (

    select * from {{ ref('stg_x__users') }}

),

counted_readings as (

    select
        *,
        count(case when observed_in = 'tweet_metrics' then 1 end)
            over (partition by tweet_id) as metric_snapshots
    from observations

),

{# A timeline read is used only for tweets that have no tweet_metrics snapshot. #}
credited_readings as (

    select * from counted_readings
    where observed_in = 'tweet_metrics' or metric_snapshots = 0

),

credits as (

    select
        account_id,
        tweet_id,
        case
            when row_number() over by_reading = 1 then created_date
            else observed_date
        end as metric_date,
        engagements - lag(engagements, 1, 0) over by_reading as engagements,
        impressions - lag(impressions, 1, 0) over by_reading as views,
        retweets - lag(retweets, 1, 0) over by_reading as shares
    from credited_readings
    window by_reading as (partition by tweet_id order by observed_date, extracted_at)

),

daily_credits as (

    select
        account_id,
        metric_date,
        sum(engagements) as engagements,
        sum(views) as views,
        sum(shares) as shares
    from credits
    group by 1, 2

),

daily_followers as (

    select
        account_id,
        snapshot_date as metric_date,
        followers_count as followers
    from users

),

joined as (

    select
        coalesce(daily_credits.account_id, daily_followers.account_id) as account_id,
        coalesce(daily_credits.metric_date, daily_followers.metric_date) as metric_date,
        daily_followers.followers,
        daily_credits.engagements,
        daily_credits.views,
        daily_credits.shares
    from daily_credits
    full outer join daily_followers
        on
            daily_credits.account_id = daily_followers.account_id
            and daily_credits.metric_date = daily_followers.metric_date

),

final as (

    select
        ---------- ids
        'x' as platform,
        account_id,

        ---------- numerics
        cast(followers as {{ dbt.type_bigint() }}) as followers,
        {# X reports no daily follows or unfollows, and no reach. #}
        cast(null as {{ dbt.type_bigint() }}) as followers_gained,
        cast(null as {{ dbt.type_bigint() }}) as followers_lost,
        cast(engagements as {{ dbt.type_bigint() }}) as engagements,
        cast(views as {{ dbt.type_bigint() }}) as views,
        cast(null as {{ dbt.type_bigint() }}) as reach,
        cast(shares as {{ dbt.type_bigint() }}) as shares,

        ---------- dates
        metric_date

    from joined

)

select * from final
