with

source as (

    select * from {{ source('x', 'tweet_metrics') }}

),

renamed as (

    select
        ---------- ids
        {{ json_extract_text('record', '$.id') }} as tweet_id,
        account_id,

        ---------- strings
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        {{ json_extract_number(
            'record', '$.public_metrics.impression_count', dbt.type_bigint()
        ) }} as impressions,
        {{ json_extract_number(
            'record', '$.public_metrics.like_count', dbt.type_bigint()
        ) }} as likes,
        {{ json_extract_number(
            'record', '$.public_metrics.retweet_count', dbt.type_bigint()
        ) }} as retweets,
        {{ json_extract_number(
            'record', '$.public_metrics.reply_count', dbt.type_bigint()
        ) }} as replies,
        {{ json_extract_number(
            'record', '$.public_metrics.quote_count', dbt.type_bigint()
        ) }} as quotes,
        {{ json_extract_number(
            'record', '$.public_metrics.bookmark_count', dbt.type_bigint()
        ) }} as bookmarks,

        ---------- dates
        {# The day the counters were re-read for (the run's snapshot day). #}
        partition_day as snapshot_date,

        ---------- timestamps
        {{ to_utc_timestamp(json_extract_text('record', '$.created_at')) }} as created_at,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

{# One reading per tweet per snapshot day; a re-run of the same day replaces it. #}
deduplicated as (

    {{ deduplicate(
        relation='renamed',
        partition_by='tweet_id, snapshot_date',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

)

select * from deduplicated
