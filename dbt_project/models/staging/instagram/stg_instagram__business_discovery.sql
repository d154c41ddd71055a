{#
    Competitors' Instagram accounts as business_discovery reads them, one row
    per competitor per snapshot day (latest read wins). `account_id` is the
    competitor's username: business_discovery looks accounts up by username.
#}
with

source as (

    select * from {{ source('instagram', 'business_discovery') }}

),

renamed as (

    select
        ---------- ids
        account_id,
        {{ json_extract_text('record', '$.id') }} as ig_user_id,

        ---------- strings
        {{ json_extract_text('record', '$.username') }} as username,
        {{ json_extract_text('record', '$.name') }} as display_name,
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
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at,

        ---------- json
        record

    from source

),

latest_read as (

    {{ deduplicate(
        relation='renamed',
        partition_by='account_id, snapshot_date',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

)

select * exclude (record) from latest_read
