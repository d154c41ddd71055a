{#
    The own account's replies (its timeline read with `exclude=retweets`, kept
    when they reference a `replied_to` tweet), latest read of each: what first
    response times are measured by. Replies to tweets that are not landed
    mentions (older threads, other conversations) are here too.
#}
with

source as (

    select * from {{ source('x', 'replies') }}

),

renamed as (

    select
        ---------- ids
        {{ json_extract_text('record', '$.id') }} as tweet_id,
        account_id,
        {# The id of the `replied_to` reference (a reply can also quote). #}
        {{ json_extract_text('record', '$.referenced_tweets[*].id') }}[
            list_position(
                {{ json_extract_text('record', '$.referenced_tweets[*].type') }},
                'replied_to'
            )
        ] as replied_to_tweet_id,
        {{ json_extract_text('record', '$.in_reply_to_user_id') }} as in_reply_to_user_id,
        {{ json_extract_text('record', '$.conversation_id') }} as conversation_id,

        ---------- strings
        {# X sends &, < and > as HTML entities; &amp; last, so "&amp;lt;" stays "&lt;". `text` is
           the name the support marts read (hence the noqa). #}
        replace(
            replace(
                replace({{ json_extract_text('record', '$.text') }}, '&lt;', '<'),
                '&gt;', '>'
            ),
            '&amp;', '&'
        ) as text,  -- noqa: RF04
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- dates
        partition_day as partition_date,

        ---------- timestamps
        {{ to_utc_timestamp(json_extract_text('record', '$.created_at')) }} as created_at,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

latest_read as (

    {{ deduplicate(
        relation='renamed',
        partition_by='tweet_id',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

)

select * from latest_read
