{#
    YouTube channel days: the YouTube Analytics day report joined with the
    channel snapshot landed for the same Pacific day. Report -> column:
        subscribersGained            -> followers_gained
        subscribersLost              -> followers_lost
        likes + comments + shares    -> engagements
        views                        -> views (YouTube counts views, not impressions)
        shares                       -> shares
    followers is the snapshot's subscriberCount on the day it was landed
    (null on other days); YouTube reports no unique reach for a channel day.
#}

with

channel_daily as (

    select * from {{ ref('stg_youtube__channel_daily') }}

),

channel_snapshots as (

    select * from {{ ref('stg_youtube__channel_snapshots') }}

),

joined as (

    select
        coalesce(channel_daily.account_id, channel_snapshots.account_id) as account_id,
        coalesce(channel_daily.metric_date, channel_snapshots.snapshot_date) as metric_date,
        channel_snapshots.subscriber_count,
        channel_daily.subscribers_gained,
        channel_daily.subscribers_lost,
        channel_daily.likes,
        channel_daily.comments,
        channel_daily.shares,
        channel_daily.views
    from channel_daily
    full outer join channel_snapshots
        on
            channel_daily.account_id = channel_snapshots.account_id
            and channel_daily.metric_date = channel_snapshots.snapshot_date

),

final as (

    select
        ---------- ids
        'youtube' as platform,
        account_id,

        ---------- numerics
        cast(subscriber_count as {{ dbt.type_bigint() }}) as followers,
        cast(subscribers_gained as {{ dbt.type_bigint() }}) as followers_gained,
        cast(subscribers_lost as {{ dbt.type_bigint() }}) as followers_lost,
        {# A component not in the configured report counts as 0; no report at all stays null. #}
        cast(
            case
                when likes is not null or comments is not null or shares is not null
                    then coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0)
            end as {{ dbt.type_bigint() }}
        ) as engagements,
        cast(views as {{ dbt.type_bigint() }}) as views,
        cast(null as {{ dbt.type_bigint() }}) as reach,
        cast(shares as {{ dbt.type_bigint() }}) as shares,

        ---------- dates
        metric_date

    from joined

)

select * from final
