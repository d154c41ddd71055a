{#
    Every Facebook Page seen in any stream, with its latest snapshot's name
    and URL (null when no snapshot landed yet).
#}
with

page_snapshots as (

    select * from {{ ref('stg_facebook_pages__page_snapshots') }}

),

page_insights as (

    select * from {{ ref('stg_facebook_pages__page_insights') }}

),

posts as (

    select * from {{ ref('stg_facebook_pages__posts') }}

),

accounts_seen as (

    select account_id from page_snapshots
    union
    select account_id from page_insights
    union
    select account_id from posts

),

latest_snapshot as (

    {{ deduplicate(
        relation='page_snapshots',
        partition_by='account_id',
        order_by='snapshot_date desc, extracted_at desc',
    ) }}

),

final as (

    select
        ---------- ids
        'facebook_pages' as platform,
        accounts_seen.account_id,

        ---------- strings
        latest_snapshot.page_name as account_name,
        latest_snapshot.page_url as profile_url

    from accounts_seen
    left join latest_snapshot
        on accounts_seen.account_id = latest_snapshot.account_id

)

select * from final
