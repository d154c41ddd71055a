{#
    Feed entries (RSS 2.0 or Atom, parsed by the extractor), one row per entry
    per feed: its newest revision. Feeds re-send a revised entry under the
    same id, sometimes beside its older version in one answer; the newest
    `updated` wins, then the latest read. `summary` and `title` may hold HTML (Google
    Alerts puts the keyword in <b>): the text columns strip tags and decode
    the common entities; the raw HTML is never rendered anywhere.
#}
with

source as (

    select * from {{ source('rss', 'entries') }}

),

renamed as (

    select
        ---------- ids
        {{ json_extract_text('record', '$.id') }} as entry_id,
        account_id as feed_name,

        ---------- strings
        {{ json_extract_text('record', '$.link') }} as link,
        {{ json_extract_text('record', '$._canonical_url') }} as canonical_url,
        {{ html_to_text(json_extract_text('record', '$.title')) }} as title,
        {{ html_to_text(json_extract_text('record', '$.summary')) }} as summary,
        {{ json_extract_text('record', '$.author') }} as author_name,
        {{ json_extract_text('record', '$._feed.title') }} as feed_title,
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- dates
        partition_day as fetched_date,

        ---------- timestamps
        {{ to_utc_timestamp(json_extract_text('record', '$.published')) }} as published_at,
        {{ to_utc_timestamp(json_extract_text('record', '$.updated')) }} as updated_at,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

newest_revision as (

    {{ deduplicate(
        relation='renamed',
        partition_by='feed_name, entry_id',
        order_by='updated_at desc nulls last, extracted_at desc, loaded_at desc, source_file desc',
    ) }}

)

select * from newest_revision
