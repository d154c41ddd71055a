{#
    Competitors' Instagram accounts in the account-day shape of
    int_account_daily__unioned. business_discovery (read through an own
    account) shows a competitor's public counters only, so a competitor has
    no daily insights: its one number is the snapshot's followers_count, on
    the day the snapshot was landed for (as for our own accounts'
    followers in int_instagram__account_daily).
#}

with

discovered_accounts as (

    select * from {{ ref('stg_instagram__business_discovery') }}

),

final as (

    select
        ---------- ids
        'instagram' as platform,
        account_id,

        ---------- numerics
        followers_count as followers,
        {# business_discovery gives no daily figures. #}
        cast(null as {{ dbt.type_bigint() }}) as followers_gained,
        cast(null as {{ dbt.type_bigint() }}) as followers_lost,
        cast(null as {{ dbt.type_bigint() }}) as engagements,
        cast(null as {{ dbt.type_bigint() }}) as views,
        cast(null as {{ dbt.type_bigint() }}) as reach,
        cast(null as {{ dbt.type_bigint() }}) as shares,

        ---------- dates
        snapshot_date as metric_date

    from discovered_accounts

)

select * from final
