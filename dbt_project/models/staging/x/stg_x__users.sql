with

source as (

    select * from {{ source('x', 'user') }}

),

renamed as (

    select
        ---------- ids
        account_id,
        {{ json_extract_text('record', '$.id') }} as user_id,

        ---------- strings
        {{ json_extract_text('record', '$.username') }} as username,
        {{ json_extract_text('record', '$.name') }} as display_name,
        {{ json_extract_text('record', '$.description') }} as description,
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        {{ json_extract_number(
            'record', '$.public_metrics.followers_count', dbt.type_bigint()
        ) }} as followers_count,
        {{ json_extract_number(
            'record', '$.public_metrics.following_count', dbt.type_bigint()
        ) }} as following_count,
        {{ json_extract_number(
            'record', '$.public_metrics.tweet_count', dbt.type_bigint()
        ) }} as tweet_count,
        {{ json_extract_number(
            'record', '$.public_metrics.listed_count', dbt.type_bigint()
        ) }} as listed_count,
        {# Tweets the account has liked, not likes it received. #}
        {{ json_extract_number(
            'record', '$.public_metrics.like_count', dbt.type_bigint()
        ) }} as liked_tweet_count,

        ---------- booleans
        cast(
            {{ json_extract_text('record', '$.verified') }} as {{ dbt.type_boolean() }}
        ) as is_verified,

        ---------- dates
        partition_day as snapshot_date,

        ---------- timestamps
        {{ to_utc_timestamp(json_extract_text('record', '$.created_at')) }} as user_created_at,
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
