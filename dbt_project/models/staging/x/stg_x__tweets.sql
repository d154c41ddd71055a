{#
    The account's own tweets (the timeline without retweets and replies; quotes
    included), latest read of each. The extractor adds `_media` to the tweet
    object: the `includes.media` entries of its attachments (type photo, video
    or animated_gif). List functions (list_filter, list_contains) are DuckDB's.
#}
{%- set internal_url = '^https?://([a-z0-9-]+[.])*(x|twitter)[.]com(/|$)' -%}

with

source as (

    select * from {{ source('x', 'tweets') }}

),

renamed as (

    select
        ---------- ids
        {{ json_extract_text('record', '$.id') }} as tweet_id,
        account_id,
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
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        len(list_filter(
            {{ json_extract_text('record', '$._media[*].type') }},
            lambda media_type: media_type = 'photo'
        )) as photo_count,
        len(list_filter(
            {{ json_extract_text('record', '$._media[*].type') }},
            lambda media_type: media_type = 'video'
        )) as video_count,
        len(list_filter(
            {{ json_extract_text('record', '$._media[*].type') }},
            lambda media_type: media_type = 'animated_gif'
        )) as animated_gif_count,
        {# Links that leave X: media links and quoted tweets point at x.com or twitter.com. #}
        len(list_filter(
            {{ json_extract_text('record', '$.entities.urls[*].expanded_url') }},
            lambda url: not regexp_matches(url, '{{ internal_url }}', 'i')
        )) as external_url_count,
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

        ---------- booleans
        list_contains(
            {{ json_extract_text('record', '$.referenced_tweets[*].type') }}, 'quoted'
        ) as is_quote,

        ---------- dates
        {# The loader partitions tweets by the UTC day of created_at. #}
        partition_day as partition_date,

        ---------- timestamps
        {{ to_utc_timestamp(json_extract_text('record', '$.created_at')) }} as created_at,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

{# public_metrics are live counters: keep the latest read of each tweet, never sum them. #}
latest_read as (

    {{ deduplicate(
        relation='renamed',
        partition_by='tweet_id',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

)

select * from latest_read
