{#
    Messenger messages between customers and the Page (the support inbox),
    latest read of each. The extractor lands every readable message of the
    conversations it lists as a snapshot under the run's day, so a message is
    read on several days: keep the latest read. Graph details only the 20 most
    recent messages of a conversation; older ones stay as an earlier run read
    them. `conversation_message_count` comes from the latest read of the
    conversation, whichever message it was landed with.
#}
with

source as (

    select * from {{ source('facebook_pages', 'conversations') }}

),

renamed as (

    select
        ---------- ids
        {{ json_extract_text('record', '$.id') }} as message_id,
        {{ json_extract_text('record', '$._conversation_id') }} as conversation_id,
        account_id,
        {{ json_extract_text('record', '$.from.id') }} as author_id,

        ---------- strings
        {{ json_extract_text('record', '$.from.name') }} as author_name,
        {{ json_extract_text('record', '$.message') }} as message,
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        {{ json_extract_number('record', '$._conversation_message_count', dbt.type_bigint()) }}
            as read_message_count,

        ---------- booleans
        coalesce({{ json_extract_text('record', '$.from.id') }} = account_id, false)
            as is_page_message,

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
        partition_by='message_id',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

),

conversation_counts as (

    select
        conversation_id,
        read_message_count as conversation_message_count
    from renamed
    qualify row_number() over (
        partition by conversation_id
        order by extracted_at desc, loaded_at desc, source_file desc
    ) = 1

),

final as (

    select
        latest_read.message_id,
        latest_read.conversation_id,
        latest_read.account_id,
        latest_read.author_id,
        latest_read.author_name,
        latest_read.message,
        latest_read.extract_run_id,
        latest_read.source_file,
        latest_read.load_run_id,
        conversation_counts.conversation_message_count,
        latest_read.is_page_message,
        latest_read.partition_date,
        latest_read.created_at,
        latest_read.extracted_at,
        latest_read.loaded_at
    from latest_read
    left join conversation_counts
        on latest_read.conversation_id = conversation_counts.conversation_id

)

select * from final
