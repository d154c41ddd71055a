{#
    Instagram account metrics pivoted to one row per account per Pacific day.
    Staging carries each value's Pacific day as metric_date, whichever shape it
    came in. Metric -> column:
        follower_count      -> followers_gained (new followers that day; Graph
                               keeps 30 days, so older days stay null)
        total_interactions  -> engagements
        views               -> views (replaced impressions)
        reach               -> reach (unique accounts that day; a one-day
                               total equals the day's series value)
        shares              -> shares
    followers is the snapshot's followers_count on the day it was landed for
    (the end of that Pacific day); null on other days. Instagram reports no
    daily unfollows here, so followers_lost is null.
#}

with

account_insights as (

    select * from {{ ref('stg_instagram__account_insights') }}

),

account_snapshots as (

    select * from {{ ref('stg_instagram__account_snapshots') }}

),

daily_values as (

    select
        account_id,
        metric_date,
        metric_name,
        metric_value
    from account_insights
    where
        metric_period = 'day'
        and metric_name in ('follower_count', 'total_interactions', 'views', 'reach', 'shares')

),

pivoted as (

    select
        account_id,
        metric_date,
        max(case when metric_name = 'follower_count' then metric_value end) as followers_gained,
        max(case when metric_name = 'total_interactions' then metric_value end) as engagements,
        max(case when metric_name = 'views' then metric_value end) as views,
        max(case when metric_name = 'reach' then metric_value end) as reach,
        max(case when metric_name = 'shares' then metric_value end) as shares
    from daily_values
    group by 1, 2

),

snapshot_followers as (

    select
        account_id,
        snapshot_date as metric_date,
        followers_count as followers
    from account_snapshots

),

account_days as (

    select
        account_id,
        metric_date
    from pivoted
    union
    select
        account_id,
        metric_date
    from snapshot_followers

),

final as (

    select
        ---------- ids
        'instagram' as platform,
        account_days.account_id,

        ---------- numerics
        cast(snapshot_followers.followers as {{ dbt.type_bigint() }}) as followers,
        cast(pivoted.followers_gained as {{ dbt.type_bigint() }}) as followers_gained,
        {# Instagram gives no daily unfollow count in this configuration. #}
        cast(null as {{ dbt.type_bigint() }}) as followers_lost,
        cast(pivoted.engagements as {{ dbt.type_bigint() }}) as engagements,
        cast(pivoted.views as {{ dbt.type_bigint() }}) as views,
        cast(pivoted.reach as {{ dbt.type_bigint() }}) as reach,
        cast(pivoted.shares as {{ dbt.type_bigint() }}) as shares,

        ---------- dates
        account_days.metric_date

    from account_days
    left join pivoted
        on
            account_days.account_id = pivoted.account_id
            and account_days.metric_date = pivoted.metric_date
    left join snapshot_followers
        on
            account_days.account_id = snapshot_followers.account_id
            and account_days.metric_date = snapshot_followers.metric_date

)

select * from final
