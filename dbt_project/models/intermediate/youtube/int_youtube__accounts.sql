{#
    Every YouTube channel seen in any stream, with its latest snapshot's
    title and URL (null when no snapshot landed yet).
#}
with

channel_snapshots as (

    select * from {{ ref('stg_youtube__channel_snapshots') }}

),

channel_daily as (

    select * from {{ ref('stg_youtube__channel_daily') }}

),

videos as (

    select * from {{ ref('stg_youtube__videos') }}

),

accounts_seen as (

    select account_id from channel_snapshots
    union
    select account_id from channel_daily
    union
    select account_id from videos

),

latest_snapshot as (

    {{ deduplicate(
        relation='channel_snapshots',
        partition_by='account_id',
        order_by='snapshot_date desc, extracted_at desc',
    ) }}

),

final as (

    select
        ---------- ids
        'youtube' as platform,
        accounts_seen.account_id,

        ---------- strings
        latest_snapshot.channel_title as account_name,
        latest_snapshot.channel_url as profile_url

    from accounts_seen
    left join latest_snapshot
        on accounts_seen.account_id = latest_snapshot.account_id

)

select * from final
