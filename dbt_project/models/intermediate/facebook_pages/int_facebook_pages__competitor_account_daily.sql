{#
    Competitors' Facebook Pages in the account-day shape of
    int_account_daily__unioned. Without Page Public Content Access the
    warehouse reads only a competitor Page's public fields (page_snapshot),
    so a competitor has no daily insights: its one number is the snapshot's
    followers_count, on the day the snapshot was landed for. Only the
    configured competitors' Pages: our own Pages' followers come from their
    insights (int_facebook_pages__account_daily).
#}

with

page_snapshots as (

    select * from {{ ref('stg_facebook_pages__page_snapshots') }}

),

accounts as (

    select * from {{ ref('stg_company__accounts') }}

),

competitor_pages as (

    select account_id
    from accounts
    where platform = 'facebook_pages' and not is_own

),

final as (

    select
        ---------- ids
        'facebook_pages' as platform,
        page_snapshots.account_id,

        ---------- numerics
        page_snapshots.followers_count as followers,
        {# A Page's public fields hold no daily figures. #}
        cast(null as {{ dbt.type_bigint() }}) as followers_gained,
        cast(null as {{ dbt.type_bigint() }}) as followers_lost,
        cast(null as {{ dbt.type_bigint() }}) as engagements,
        cast(null as {{ dbt.type_bigint() }}) as views,
        cast(null as {{ dbt.type_bigint() }}) as reach,
        cast(null as {{ dbt.type_bigint() }}) as shares,

        ---------- dates
        page_snapshots.snapshot_date as metric_date

    from page_snapshots
    inner join competitor_pages
        on page_snapshots.account_id = competitor_pages.account_id

)

select * from final
