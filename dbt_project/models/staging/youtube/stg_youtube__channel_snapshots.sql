with

source as (

    select * from {{ source('youtube', 'channel_snapshot') }}

),

renamed as (

    select
        ---------- ids
        account_id,
        {{ json_extract_text('record', '$.id') }} as channel_id,
        {{ json_extract_text('record', '$.contentDetails.relatedPlaylists.uploads') }}
            as uploads_playlist_id,

        ---------- strings
        {{ json_extract_text('record', '$.snippet.title') }} as channel_title,
        {{ json_extract_text('record', '$.snippet.customUrl') }} as custom_url,
        {{ json_extract_text('record', '$.snippet.country') }} as country_code,
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        {# The Data API sends counts as strings (uint64). #}
        {{ json_extract_number('record', '$.statistics.subscriberCount', dbt.type_bigint()) }}
            as subscriber_count,
        {{ json_extract_number('record', '$.statistics.viewCount', dbt.type_bigint()) }}
            as view_count,
        {{ json_extract_number('record', '$.statistics.videoCount', dbt.type_bigint()) }}
            as video_count,

        ---------- booleans
        cast(
            {{ json_extract_text('record', '$.statistics.hiddenSubscriberCount') }}
            as {{ dbt.type_boolean() }}
        ) as is_subscriber_count_hidden,

        ---------- dates
        partition_day as snapshot_date,

        ---------- timestamps
        {{ to_utc_timestamp(json_extract_text('record', '$.snippet.publishedAt')) }}
            as channel_created_at,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

deduplicated as (

    {{ deduplicate(
        relation='renamed',
        partition_by='account_id, snapshot_date',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

),

final as (

    select
        *,
        {# The handle URL when the channel has one, else the id URL (both are canonical). #}
        case
            when custom_url like '@%' then 'https://www.youtube.com/' || custom_url
            else 'https://www.youtube.com/channel/' || channel_id
        end as channel_url
    from deduplicated

)

select * from final
