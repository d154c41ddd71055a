with

source as (

    select * from {{ source('facebook_pages', 'page_snapshot') }}

),

renamed as (

    select
        ---------- ids
        account_id,
        {{ json_extract_text('record', '$.id') }} as page_id,

        ---------- strings
        {{ json_extract_text('record', '$.name') }} as page_name,
        {{ json_extract_text('record', '$.link') }} as page_url,
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        {{ json_extract_number('record', '$.followers_count', dbt.type_bigint()) }}
            as followers_count,
        {{ json_extract_number('record', '$.fan_count', dbt.type_bigint()) }} as fan_count,

        ---------- dates
        partition_day as snapshot_date,

        ---------- timestamps
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

)

select * from deduplicated
