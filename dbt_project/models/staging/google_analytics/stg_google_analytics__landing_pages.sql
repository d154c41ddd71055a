with

source as (

    select * from {{ source('google_analytics', 'landing_pages') }}

),

renamed as (

    select
        ---------- ids
        account_id as property_id,

        ---------- strings
        {{ json_extract_text('record', '$.landingPagePlusQueryString') }} as landing_page,
        {{ json_extract_text('record', '$.sessionSource') }} as session_source,
        {{ json_extract_text('record', '$.sessionMedium') }} as session_medium,
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        {{ ga4_report_metrics() }},

        ---------- dates
        {# The property's day: the partition a report row is filed under, which
           the raw suites google_analytics__traffic and __landing_pages hold equal to
           the row's `date` dimension (YYYYMMDD). Taken from the partition so
           that a filter on the day reaches the raw scan (macros/test_window.sql). #}
        partition_day as report_date,

        ---------- timestamps
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

deduplicated as (

    {{ deduplicate(
        relation='renamed',
        partition_by='property_id, report_date, landing_page, session_source, session_medium',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

)

select * from deduplicated
