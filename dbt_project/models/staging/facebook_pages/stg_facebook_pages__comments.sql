{#
    Comments on the Page's own posts (`filter=stream`: replies come flat, with
    `parent`), latest read of each. Graph leaves `from` out for people who
    have not authorised the app, so the author can be unknown. The Page's own
    replies are here too (`is_page_reply`): they are support answers, not
    mentions.
#}
with

source as (

    select * from {{ source('facebook_pages', 'comments') }}

),

renamed as (

    select
        ---------- ids
        {{ json_extract_text('record', '$.id') }} as comment_id,
        account_id,
        {{ json_extract_text('record', '$._post_id') }} as post_id,
        {{ json_extract_text('record', '$.parent.id') }} as parent_comment_id,
        {{ json_extract_text('record', '$.from.id') }} as author_id,

        ---------- strings
        {{ json_extract_text('record', '$.from.name') }} as author_name,
        {{ json_extract_text('record', '$.message') }} as message,
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        {{ json_extract_number('record', '$.like_count', dbt.type_bigint()) }} as like_count,
        {{ json_extract_number('record', '$.comment_count', dbt.type_bigint()) }} as reply_count,

        ---------- booleans
        coalesce({{ json_extract_text('record', '$.from.id') }} = account_id, false)
            as is_page_reply,

        ---------- dates
        partition_day as partition_date,

        ---------- timestamps
        {{ to_utc_timestamp(json_extract_text('record', '$.created_time')) }} as created_at,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

latest_read as (

    {{ deduplicate(
        relation='renamed',
        partition_by='comment_id',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

)

select * from latest_read
