with

source as (

    select * from {{ source('instagram', 'account_snapshot') }}

),

renamed as (

    select
        ---------- ids
        account_id,
        {{ json_extract_text('record', '$.id') }} as ig_user_id,

        ---------- strings
        {{ json_extract_text('record', '$.username') }} as username,
        {{ json_extract_text('record', '$.name') }} as display_name,
        {{ json_extract_text('record', '$.website') }} as website,
        {{ json_extract_text('record', '$.biography') }} as biography,
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        {{ json_extract_number('record', '$.followers_count', dbt.type_bigint()) }}
            as followers_count,
        {{ json_extract_number('record', '$.follows_count', dbt.type_bigint()) }} as follows_count,
        {{ json_extract_number('record', '$.media_count', dbt.type_bigint()) }} as media_count,

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
