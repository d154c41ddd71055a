{#
    Every Instagram account seen in any stream, named by its @username from
    the latest snapshot (null when no snapshot landed yet).
#}
with

account_snapshots as (

    select * from {{ ref('stg_instagram__account_snapshots') }}

),

account_insights as (

    select * from {{ ref('stg_instagram__account_insights') }}

),

media as (

    select * from {{ ref('stg_instagram__media') }}

),

accounts_seen as (

    select account_id from account_snapshots
    union
    select account_id from account_insights
    union
    select account_id from media

),

latest_snapshot as (

    {{ deduplicate(
        relation='account_snapshots',
        partition_by='account_id',
        order_by='snapshot_date desc, extracted_at desc',
    ) }}

),

final as (

    select
        ---------- ids
        'instagram' as platform,
        accounts_seen.account_id,

        ---------- strings
        latest_snapshot.username as account_name,
        {{ dbt.concat(["'https://www.instagram.com/'", "latest_snapshot.username", "'/'"]) }}
            as profile_url

    from accounts_seen
    left join latest_snapshot
        on accounts_seen.account_id = latest_snapshot.account_id

)

select * from final
