{#
    LinkedIn page daily metrics, one row per organization per UTC day that
    has anything landed: share statistics, follower statistics or a
    network-size snapshot. Mapping (documented in the yml):
        followers        <- networkSizes firstDegreeSize on its snapshot day
        followers_gained <- organicFollowerGain + paidFollowerGain (net)
        views            <- impressionCount
        reach            <- uniqueImpressionsCount
        engagements      <- likes + comments + shares + clicks
        shares           <- shareCount
    LinkedIn leaves a day without any activity out of the share statistics.
    The follower statistics answer every day they cover and are read over the
    same window in the same run, so a day with follower statistics and no
    share statistics had no activity (0); a day without either was not read
    (null).
#}

with

share_statistics as (

    select * from {{ ref('stg_linkedin__share_statistics') }}

),

follower_statistics as (

    select * from {{ ref('stg_linkedin__follower_statistics') }}

),

network_sizes as (

    select * from {{ ref('stg_linkedin__network_sizes') }}

),

account_days as (

    select
        account_id,
        metric_date
    from share_statistics

    union

    select
        account_id,
        metric_date
    from follower_statistics

    union

    select
        account_id,
        snapshot_date as metric_date
    from network_sizes

),

joined as (

    select
        account_days.account_id,
        account_days.metric_date,
        network_sizes.followers,
        follower_statistics.account_id is not null as has_follower_statistics,
        share_statistics.account_id is not null as has_share_statistics,
        coalesce(follower_statistics.organic_follower_gain, 0)
        + coalesce(follower_statistics.paid_follower_gain, 0) as followers_gained,
        coalesce(share_statistics.likes, 0)
        + coalesce(share_statistics.comments, 0)
        + coalesce(share_statistics.shares, 0)
        + coalesce(share_statistics.clicks, 0) as engagements,
        coalesce(share_statistics.impressions, 0) as views,
        coalesce(share_statistics.unique_impressions, 0) as reach,
        coalesce(share_statistics.shares, 0) as shares
    from account_days
    left join share_statistics
        on
            account_days.account_id = share_statistics.account_id
            and account_days.metric_date = share_statistics.metric_date
    left join follower_statistics
        on
            account_days.account_id = follower_statistics.account_id
            and account_days.metric_date = follower_statistics.metric_date
    left join network_sizes
        on
            account_days.account_id = network_sizes.account_id
            and account_days.metric_date = network_sizes.snapshot_date

),

final as (

    select
        ---------- ids
        'linkedin' as platform,
        account_id,

        ---------- numerics
        cast(followers as {{ dbt.type_bigint() }}) as followers,
        cast(
            case when has_follower_statistics then followers_gained end
            as {{ dbt.type_bigint() }}
        ) as followers_gained,
        {# LinkedIn reports gains net of unfollows, never the unfollows themselves. #}
        cast(null as {{ dbt.type_bigint() }}) as followers_lost,
        {# Share statistics present: their values. Absent on a day that was read: 0. #}
        cast(
            case when has_share_statistics or has_follower_statistics then engagements end
            as {{ dbt.type_bigint() }}
        ) as engagements,
        cast(
            case when has_share_statistics or has_follower_statistics then views end
            as {{ dbt.type_bigint() }}
        ) as views,
        cast(
            case when has_share_statistics or has_follower_statistics then reach end
            as {{ dbt.type_bigint() }}
        ) as reach,
        cast(
            case when has_share_statistics or has_follower_statistics then shares end
            as {{ dbt.type_bigint() }}
        ) as shares,

        ---------- dates
        metric_date

    from joined

)

select * from final
