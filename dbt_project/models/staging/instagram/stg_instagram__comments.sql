{#
    Comments on the account's own media and their replies (Graph nests
    replies under `replies.data`; they are flattened here, with
    `parent_comment_id`), latest read of each. The account's own replies are
    here too; int_instagram__comments tells them apart (`is_account_reply`).
#}
with

source as (

    select * from {{ source('instagram', 'comments') }}

),

top_level as (

    select
        account_id,
        record,
        cast(null as {{ dbt.type_string() }}) as parent_comment_id,
        {{ json_extract_text('record', '$._media_id') }} as media_id,
        extract_run_id,
        extracted_at,
        _source_file,
        _load_run_id,
        _loaded_at,
        partition_day
    from source

),

replies as (

    select
        top_level.account_id,
        reply.reply_json as record,
        {{ json_extract_text('top_level.record', '$.id') }} as parent_comment_id,
        top_level.media_id,
        top_level.extract_run_id,
        top_level.extracted_at,
        top_level._source_file,
        top_level._load_run_id,
        top_level._loaded_at,
        top_level.partition_day
    from top_level,
        lateral (
            select
                unnest(
                    cast(json_extract(top_level.record, '$.replies.data') as json[])
                ) as reply_json
        ) as reply

),

comments as (

    select * from top_level
    union all
    select * from replies

),

renamed as (

    select
        ---------- ids
        {{ json_extract_text('comments.record', '$.id') }} as comment_id,
        comments.account_id,
        comments.media_id,
        comments.parent_comment_id,

        ---------- strings
        {{ json_extract_text('comments.record', '$.username') }} as author_username,
        {{ json_extract_text('comments.record', '$.text') }} as comment_text,
        comments.extract_run_id,
        comments._source_file as source_file,
        comments._load_run_id as load_run_id,

        ---------- numerics
        {{ json_extract_number('comments.record', '$.like_count', dbt.type_bigint()) }}
            as like_count,
        coalesce(
            json_array_length(json_extract(comments.record, '$.replies.data')), 0
        ) as reply_count,

        ---------- dates
        comments.partition_day as partition_date,

        ---------- timestamps
        {{ to_utc_timestamp(json_extract_text('comments.record', '$.timestamp')) }} as created_at,
        {{ to_utc_timestamp('comments.extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('comments._loaded_at') }} as loaded_at

    from comments

),

latest_read as (

    {{ deduplicate(
        relation='renamed',
        partition_by='comment_id',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

)

select * from latest_read
