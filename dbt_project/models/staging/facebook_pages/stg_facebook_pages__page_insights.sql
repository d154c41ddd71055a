with

source as (

    select * from {{ source('facebook_pages', 'page_insights') }}

),

renamed as (

    select
        ---------- ids
        account_id,
        {{ json_extract_text('record', '$.id') }} as insight_id,

        ---------- strings
        {{ json_extract_text('record', '$.name') }} as metric_name,
        {{ json_extract_text('record', '$.period') }} as metric_period,
        {{ json_extract_text('record', '$.title') }} as metric_title,
        {{ json_extract_json_text('record', '$.values[0].value') }} as metric_value_json,
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        {{ json_extract_number('record', '$.values[0].value', dbt.type_float()) }} as metric_value,

        ---------- booleans
        coalesce(
            {{ json_value_type('record', '$.values[0].value') }} = 'OBJECT', false
        ) as is_breakdown,

        ---------- dates
        {# The loader partitions by the Pacific day the value belongs to
           (end_time - 1 day in America/Los_Angeles): that is the metric date. #}
        partition_day as metric_date,

        ---------- timestamps
        {{ to_utc_timestamp(json_extract_text('record', '$.values[0].end_time')) }}
            as value_ended_at,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

deduplicated as (

    {{ deduplicate(
        relation='renamed',
        partition_by='account_id, metric_name, metric_period, metric_date',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

)

select * from deduplicated
