{#
    Reddit posts that search found for a brand's keywords, one row per post
    per brand query that found it, latest read of each (score and comment
    counts keep moving). Link posts share a URL (`url`, with the tracking
    parameters people add); self posts point at themselves.
#}
with

source as (

    select * from {{ source('reddit', 'search') }}

),

renamed as (

    select
        ---------- ids
        {{ json_extract_text('record', '$.id') }} as post_id,
        {{ json_extract_text('record', '$.name') }} as post_fullname,
        account_id as query_brand_id,
        {{ json_extract_text('record', '$.author_fullname') }} as author_id,
        {{ json_extract_text('record', '$.crosspost_parent') }} as crosspost_parent_fullname,

        ---------- strings
        {{ json_extract_text('record', '$.subreddit') }} as subreddit,
        {{ json_extract_text('record', '$.author') }} as author_name,
        {{ json_extract_text('record', '$.title') }} as title,
        coalesce({{ json_extract_text('record', '$.selftext') }}, '') as selftext,
        'https://www.reddit.com'
        || {{ json_extract_text('record', '$.permalink') }} as permalink_url,
        {{ json_extract_text('record', '$.url') }} as url,
        {{ json_extract_text('record', '$._query') }} as search_query,
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        {{ json_extract_number('record', '$.score', dbt.type_bigint()) }} as score,
        {{ json_extract_number('record', '$.num_comments', dbt.type_bigint()) }} as comment_count,
        {{ json_extract_number(
            'record', '$.subreddit_subscribers', dbt.type_bigint()
        ) }} as subreddit_subscribers,

        ---------- booleans
        coalesce(
            cast({{ json_extract_text('record', '$.is_self') }} as {{ dbt.type_boolean() }}), false
        ) as is_self,

        ---------- dates
        partition_day as partition_date,

        ---------- timestamps
        cast(to_timestamp(
            {{ json_extract_number('record', '$.created_utc', dbt.type_float()) }}
        ) at time zone 'UTC' as {{ dbt.type_timestamp() }}) as created_at,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

latest_read as (

    {{ deduplicate(
        relation='renamed',
        partition_by='post_id, query_brand_id',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

)

select * from latest_read
