{%- set commentary = json_extract_text('record', '$.commentary') -%}
{%- set media_urn = json_extract_text('record', '$.content.media.id') -%}

with

source as (

    select * from {{ source('linkedin', 'posts') }}

),

renamed as (

    select
        ---------- ids
        {{ json_extract_text('record', '$.id') }} as post_id,
        account_id,
        {{ json_extract_text('record', '$.author') }} as author_urn,
        {{ media_urn }} as media_urn,

        ---------- strings
        {# The URN's entity type: share or ugcPost (statistics ask for them apart). #}
        split_part({{ json_extract_text('record', '$.id') }}, ':', 3) as post_urn_type,
        {# What the post carries; intermediate maps it to the conformed post_format. #}
        case
            when {{ media_urn }} like 'urn:li:video:%' then 'video'
            when {{ media_urn }} like 'urn:li:image:%' then 'image'
            when {{ media_urn }} like 'urn:li:document:%' then 'document'
            when {{ json_extract_json_text('record', '$.content.multiImage') }} is not null
                then 'multi_image'
            when {{ json_extract_json_text('record', '$.content.article') }} is not null
                then 'article'
            when {{ json_extract_json_text('record', '$.content.poll') }} is not null then 'poll'
            when {{ json_extract_json_text('record', '$.content') }} is null then 'text'
            else 'other'
        end as content_type,
        {# commentary is "little text": reserved characters are backslash-escaped and
           hashtags are {hashtag|\#|name} templates; message is the plain text. #}
        regexp_replace(
            regexp_replace({{ commentary }}, '\{hashtag\|\\#\|([^}]*)\}', '#\1', 'g'),
            '\\(.)',
            '\1',
            'g'
        ) as message,
        {{ commentary }} as commentary,
        {{ json_extract_text('record', '$.content.article.source') }} as article_url,
        {{ json_extract_text('record', '$.content.article.title') }} as article_title,
        {{ json_extract_text('record', '$.lifecycleState') }} as lifecycle_state,
        {{ json_extract_text('record', '$.visibility') }} as visibility,
        {{ json_extract_text('record', '$.distribution.feedDistribution') }} as feed_distribution,
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- booleans
        cast(
            {{ json_extract_text('record', '$.lifecycleStateInfo.isEditedByAuthor') }}
            as {{ dbt.type_boolean() }}
        ) as is_edited,
        cast(
            {{ json_extract_text('record', '$.isReshareDisabledByAuthor') }}
            as {{ dbt.type_boolean() }}
        ) as is_reshare_disabled,

        ---------- dates
        partition_day as partition_date,

        ---------- timestamps
        {{ to_utc_timestamp(
            'to_timestamp('
            ~ json_extract_number('record', '$.publishedAt', dbt.type_bigint())
            ~ ' / 1000.0)'
        ) }} as published_at,
        {{ to_utc_timestamp(
            'to_timestamp('
            ~ json_extract_number('record', '$.createdAt', dbt.type_bigint())
            ~ ' / 1000.0)'
        ) }} as created_at,
        {{ to_utc_timestamp(
            'to_timestamp('
            ~ json_extract_number('record', '$.lastModifiedAt', dbt.type_bigint())
            ~ ' / 1000.0)'
        ) }} as last_modified_at,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

{# The post object is re-read every run (edits): keep the latest snapshot of each post. #}
latest_snapshot as (

    {{ deduplicate(
        relation='renamed',
        partition_by='post_id',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

)

select * from latest_snapshot
