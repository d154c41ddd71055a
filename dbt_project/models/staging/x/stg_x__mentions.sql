{#
    Tweets that name the own account's @username (the mentions timeline), latest
    read of each: the public inbound items support answers. The extractor adds
    `_author` (the `includes.users` object of `author_id`).
#}
with

source as (

    select * from {{ source('x', 'mentions') }}

),

renamed as (

    select
        ---------- ids
        {{ json_extract_text('record', '$.id') }} as tweet_id,
        account_id,
        {{ json_extract_text('record', '$.author_id') }} as author_id,
        {{ json_extract_text('record', '$.conversation_id') }} as conversation_id,
        {{ json_extract_text('record', '$.in_reply_to_user_id') }} as in_reply_to_user_id,
        {# The id of the `replied_to` reference (quotes are references too). #}
        {{ json_extract_text('record', '$.referenced_tweets[*].id') }}[
            list_position(
                {{ json_extract_text('record', '$.referenced_tweets[*].type') }},
                'replied_to'
            )
        ] as replied_to_tweet_id,

        ---------- strings
        {{ json_extract_text('record', '$._author.username') }} as author_username,
        {# X sends &, < and > as HTML entities; &amp; last, so "&amp;lt;" stays "&lt;". `text` is
           the name the support marts read (hence the noqa). #}
        replace(
            replace(
                replace({{ json_extract_text('record', '$.text') }}, '&lt;', '<'),
                '&gt;', '>'
            ),
            '&amp;', '&'
        ) as text,  -- noqa: RF04
        {{ json_extract_text('record', '$.lang') }} as lang,
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        {{ json_extract_number(
            'record', '$._author.public_metrics.followers_count', dbt.type_bigint()
        ) }} as author_followers_count,
        {{ json_extract_number(
            'record', '$.public_metrics.like_count', dbt.type_bigint()
        ) }} as like_count,
        {{ json_extract_number(
            'record', '$.public_metrics.reply_count', dbt.type_bigint()
        ) }} as reply_count,
        {{ json_extract_number(
            'record', '$.public_metrics.retweet_count', dbt.type_bigint()
        ) }} as retweet_count,
        {{ json_extract_number(
            'record', '$.public_metrics.quote_count', dbt.type_bigint()
        ) }} as quote_count,
        {{ json_extract_number(
            'record', '$.public_metrics.impression_count', dbt.type_bigint()
        ) }} as impression_count,

        ---------- dates
        partition_day as partition_date,

        ---------- timestamps
        {{ to_utc_timestamp(json_extract_text('record', '$.created_at')) }} as created_at,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

{# public_metrics are live counters: keep the latest read of each tweet. #}
latest_read as (

    {{ deduplicate(
        relation='renamed',
        partition_by='tweet_id',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

)

select * from latest_read
