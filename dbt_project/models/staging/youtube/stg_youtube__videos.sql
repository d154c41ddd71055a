with

source as (

    select * from {{ source('youtube', 'videos') }}

),

renamed as (

    select
        ---------- ids
        {{ json_extract_text('record', '$.id') }} as video_id,
        account_id,
        {{ json_extract_text('record', '$.snippet.channelId') }} as channel_id,

        ---------- strings
        {{ json_extract_text('record', '$.snippet.title') }} as title,
        {{ json_extract_text('record', '$.snippet.description') }} as description,
        {{ json_extract_text('record', '$.snippet.categoryId') }} as category_id,
        {{ json_extract_text('record', '$.snippet.liveBroadcastContent') }}
            as live_broadcast_content,
        {{ json_extract_text('record', '$.contentDetails.duration') }} as duration_iso,
        'https://www.youtube.com/watch?v=' || {{ json_extract_text('record', '$.id') }}
            as permalink_url,
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        {# Lifetime statistics; the Data API sends them as strings (uint64). #}
        {{ json_extract_number('record', '$.statistics.viewCount', dbt.type_bigint()) }} as views,
        {{ json_extract_number('record', '$.statistics.likeCount', dbt.type_bigint()) }} as likes,
        {{ json_extract_number('record', '$.statistics.commentCount', dbt.type_bigint()) }}
            as comments,
        {# Deprecated by YouTube: always 0. Kept to show it is not a save count. #}
        {{ json_extract_number('record', '$.statistics.favoriteCount', dbt.type_bigint()) }}
            as favorites,

        ---------- dates
        partition_day as partition_date,

        ---------- timestamps
        {{ to_utc_timestamp(json_extract_text('record', '$.snippet.publishedAt')) }}
            as published_at,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

{# Lifetime statistics are snapshots: keep the latest snapshot of each video, never sum them. #}
latest_snapshot as (

    {{ deduplicate(
        relation='renamed',
        partition_by='video_id',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

),

{# ISO 8601 durations as YouTube writes them: P#W, P#DT#H#M#S (P0D for live and upcoming). #}
final as (

    select
        *,
        case
            when duration_iso is not null
                then
                    coalesce(
                        cast(nullif(regexp_extract(duration_iso, '(\d+)W', 1), '') as bigint), 0
                    ) * 604800
                    + coalesce(
                        cast(nullif(regexp_extract(duration_iso, '(\d+)D', 1), '') as bigint), 0
                    ) * 86400
                    + coalesce(
                        cast(nullif(regexp_extract(duration_iso, '(\d+)H', 1), '') as bigint), 0
                    ) * 3600
                    + coalesce(
                        cast(nullif(regexp_extract(duration_iso, 'T.*?(\d+)M', 1), '') as bigint), 0
                    ) * 60
                    + coalesce(
                        cast(nullif(regexp_extract(duration_iso, '(\d+)S', 1), '') as bigint), 0
                    ) * 1
        end as duration_seconds
    from latest_snapshot

)

select * from final
