with

source as (

    select * from {{ source('instagram', 'media') }}

),

renamed as (

    select
        ---------- ids
        {{ json_extract_text('record', '$.id') }} as media_id,
        account_id,

        ---------- strings
        {{ json_extract_text('record', '$.caption') }} as caption,
        {{ json_extract_text('record', '$.media_type') }} as media_type,
        {{ json_extract_text('record', '$.media_product_type') }} as media_product_type,
        {{ json_extract_text('record', '$.permalink') }} as permalink_url,
        {{ json_extract_text('record', '$.shortcode') }} as shortcode,
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        {# Live counters on the media object; absent when the owner hides like counts. #}
        {{ json_extract_number('record', '$.like_count', dbt.type_bigint()) }} as like_count,
        {{ json_extract_number('record', '$.comments_count', dbt.type_bigint()) }}
            as comments_count,

        ---------- dates
        partition_day as partition_date,

        ---------- timestamps
        {{ to_utc_timestamp(json_extract_text('record', '$.timestamp')) }} as created_at,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

{# Counters are snapshots: keep the latest snapshot of each media, never sum them. #}
latest_snapshot as (

    {{ deduplicate(
        relation='renamed',
        partition_by='media_id',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

)

select * from latest_snapshot
