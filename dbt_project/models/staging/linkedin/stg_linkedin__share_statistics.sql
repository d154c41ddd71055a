{%- set time_range_start = json_extract_number('record', '$.timeRange.start', dbt.type_bigint()) -%}

with

source as (

    select * from {{ source('linkedin', 'share_statistics') }}

),

renamed as (

    select
        ---------- ids
        account_id,
        {{ json_extract_text('record', '$.organizationalEntity') }} as organization_urn,

        ---------- strings
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        {{ linkedin_share_statistics() }},

        ---------- dates
        {# The extractor partitions by the UTC day of timeRange.start: that is the metric date. #}
        partition_day as metric_date,

        ---------- timestamps
        {{ to_utc_timestamp('to_timestamp(' ~ time_range_start ~ ' / 1000.0)') }}
            as time_range_started_at,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

deduplicated as (

    {{ deduplicate(
        relation='renamed',
        partition_by='account_id, metric_date',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

)

select * from deduplicated
