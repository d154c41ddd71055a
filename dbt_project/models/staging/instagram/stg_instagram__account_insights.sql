{#
    Account insights arrive in two shapes (see the source yml): a time-series
    value in `values[0]` with its `end_time`, or one `total_value` for the
    single Pacific day the extractor asked about. Both become metric_value.
#}
with

source as (

    select * from {{ source('instagram', 'account_insights') }}

),

renamed as (

    select
        ---------- ids
        account_id,
        {{ json_extract_text('record', '$.id') }} as insight_id,

        ---------- strings
        {{ json_extract_text('record', '$.name') }} as metric_name,
        {{ json_extract_text('record', '$.period') }} as metric_period,
        case
            when {{ json_value_type('record', '$.total_value') }} is not null then 'total_value'
            else 'time_series'
        end as metric_type,
        {{ json_extract_text('record', '$.title') }} as metric_title,
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        coalesce(
            {{ json_extract_number('record', '$.values[0].value', dbt.type_float()) }},
            {{ json_extract_number('record', '$.total_value.value', dbt.type_float()) }}
        ) as metric_value,

        ---------- dates
        {# The extractor partitions by the Pacific day the value belongs to. #}
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
