with

source as (

    select * from {{ source('linkedin', 'network_size') }}

),

renamed as (

    select
        ---------- ids
        account_id,

        ---------- strings
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        {{ json_extract_number('record', '$.firstDegreeSize', dbt.type_bigint()) }} as followers,

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
