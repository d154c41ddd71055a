{#
    Tweets that recent search found for a brand's keywords, one row per tweet
    per brand query that found it (a comparison tweet naming two brands is
    found by both), latest read of each. The extractor adds `_author` (the
    `includes.users` object of `author_id`) and `_query`.

    Incremental (`replace_days` of whole partition days, dbt_project.yml): the
    loader partitions a tweet by the UTC day of its created_at, so every read
    of a tweet is in one partition, and its latest read is that partition's.
    A run reads the partitions from incremental_rebuild_from() on, the only
    ones a load since the last run can have replaced, and replaces those days.
#}
{%- set rebuild_from = incremental_rebuild_from('partition_date') %}

with

source as (

    select * from {{ source('x', 'search') }}
    {%- if rebuild_from %}
    where partition_day >= {{ rebuild_from }}
    {%- endif %}

),

renamed as (

    select
        ---------- ids
        {{ json_extract_text('record', '$.id') }} as tweet_id,
        account_id as query_brand_id,
        {{ json_extract_text('record', '$.author_id') }} as author_id,
        {{ json_extract_text('record', '$.conversation_id') }} as conversation_id,

        ---------- strings
        {# X sends &, < and > as HTML entities; &amp; last, so "&amp;lt;" stays "&lt;". #}
        replace(
            replace(
                replace({{ json_extract_text('record', '$.text') }}, '&lt;', '<'),
                '&gt;', '>'
            ),
            '&amp;', '&'
        ) as tweet_text,
        {{ json_extract_text('record', '$.lang') }} as lang,
        {{ json_extract_text('record', '$._author.username') }} as author_username,
        {{ json_extract_text('record', '$._author.name') }} as author_name,
        {{ json_extract_text('record', '$._query') }} as search_query,
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        {{ json_extract_number(
            'record', '$._author.public_metrics.followers_count', dbt.type_bigint()
        ) }} as author_followers,
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

        ---------- dates
        partition_day as partition_date,

        ---------- timestamps
        {{ to_utc_timestamp(json_extract_text('record', '$.created_at')) }} as created_at,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

{# public_metrics are live counters: keep the latest read per tweet and query. #}
latest_read as (

    {{ deduplicate(
        relation='renamed',
        partition_by='tweet_id, query_brand_id',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

)

select * from latest_read
