with

source as (

    select * from {{ source('youtube', 'channel_daily') }}

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
        {# One YouTube Analytics day-report row, keyed by its column names. A
           metric missing from sources.youtube.analytics_metrics is null. #}
        {{ json_extract_number('record', '$.views', dbt.type_bigint()) }} as views,
        {{ json_extract_number('record', '$.estimatedMinutesWatched', dbt.type_bigint()) }}
            as estimated_minutes_watched,
        {{ json_extract_number('record', '$.likes', dbt.type_bigint()) }} as likes,
        {{ json_extract_number('record', '$.comments', dbt.type_bigint()) }} as comments,
        {{ json_extract_number('record', '$.shares', dbt.type_bigint()) }} as shares,
        {{ json_extract_number('record', '$.subscribersGained', dbt.type_bigint()) }}
            as subscribers_gained,
        {{ json_extract_number('record', '$.subscribersLost', dbt.type_bigint()) }}
            as subscribers_lost,

        ---------- dates
        {# The loader partitions by the report row's day (a Pacific day). #}
        partition_day as metric_date,
        cast({{ json_extract_text('record', '$.day') }} as date) as report_day,

        ---------- timestamps
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
