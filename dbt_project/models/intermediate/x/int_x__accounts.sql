{#
    Every X account seen in any stream, with its latest user snapshot's
    display name and profile URL (null when no snapshot landed yet).
#}
with

users as (

    select * from {{ ref('stg_x__users') }}

),

tweets as (

    select * from {{ ref('stg_x__tweets') }}

),

tweet_metrics as (

    select * from {{ ref('stg_x__tweet_metrics') }}

),

accounts_seen as (

    select account_id from users
    union
    select account_id from tweets
    union
    select account_id from tweet_metrics

),

latest_user as (

    {{ deduplicate(
        relation='users',
        partition_by='account_id',
        order_by='snapshot_date desc, extracted_at desc',
    ) }}

),

final as (

    select
        ---------- ids
        'x' as platform,
        accounts_seen.account_id,

        ---------- strings
        latest_user.display_name as account_name,
        'https://x.com/' || latest_user.username as profile_url

    from accounts_seen
    left join latest_user
        on accounts_seen.account_id = latest_user.account_id

)

select * from final
