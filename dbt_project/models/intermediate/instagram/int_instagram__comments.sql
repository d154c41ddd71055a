{#
    Comments on the account's own media with `is_account_reply`: the account
    itself wrote it (the username of its latest snapshot), a support answer,
    not a mention. Everything else as staging reads it.
#}
with

comments as (

    select * from {{ ref('stg_instagram__comments') }}

),

snapshots as (

    select * from {{ ref('stg_instagram__account_snapshots') }}

),

own_usernames as (

    select
        account_id,
        username
    from snapshots
    qualify row_number() over (partition by account_id order by snapshot_date desc) = 1

),

final as (

    select
        ---------- ids
        comments.comment_id,
        comments.account_id,
        comments.media_id,
        comments.parent_comment_id,

        ---------- strings
        comments.author_username,
        comments.comment_text,
        comments.extract_run_id,
        comments.source_file,
        comments.load_run_id,

        ---------- numerics
        comments.like_count,
        comments.reply_count,

        ---------- booleans
        coalesce(
            lower(comments.author_username) = lower(own_usernames.username),
            false
        ) as is_account_reply,

        ---------- dates
        comments.partition_date,

        ---------- timestamps
        comments.created_at,
        comments.extracted_at,
        comments.loaded_at
    from comments
    left join own_usernames
        on comments.account_id = own_usernames.account_id

)

select * from final
