with

source as (

    select * from {{ source('facebook_pages', 'posts') }}

),

renamed as (

    select
        ---------- ids
        {{ json_extract_text('record', '$.id') }} as post_id,
        account_id,

        ---------- strings
        {{ json_extract_text('record', '$.message') }} as message,
        {{ json_extract_text('record', '$.permalink_url') }} as permalink_url,
        {{ json_extract_text('record', '$.status_type') }} as status_type,
        cast(
            {{ graph_insight_value('record', 'post_reactions_by_type_total') }}
            as {{ dbt.type_string() }}
        ) as reactions_by_type_json,
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        {# Counts on the post object (field expansion); Graph omits `shares` when 0. #}
        {{ json_extract_number(
            'record', '$.reactions.summary.total_count', dbt.type_bigint()
        ) }} as reactions,
        {{ json_extract_number(
            'record', '$.comments.summary.total_count', dbt.type_bigint()
        ) }} as comments,
        coalesce(
            {{ json_extract_number('record', '$.shares.count', dbt.type_bigint()) }}, 0
        ) as shares,
        {# Lifetime post insights (null when the insight was not returned). #}
        {{ json_extract_number(
            graph_insight_value('record', 'post_media_view'), '$', dbt.type_bigint()
        ) }} as views,
        {{ json_extract_number(
            graph_insight_value('record', 'post_total_media_view_unique'), '$', dbt.type_bigint()
        ) }} as reach,
        {{ json_extract_number(
            graph_insight_value('record', 'post_clicks'), '$', dbt.type_bigint()
        ) }} as clicks,

        ---------- booleans
        cast(
            {{ json_extract_text('record', '$.comments.summary.can_comment') }}
            as {{ dbt.type_boolean() }}
        ) as has_comments_enabled,

        ---------- dates
        partition_day as partition_date,

        ---------- timestamps
        {{ to_utc_timestamp(json_extract_text('record', '$.created_time')) }} as created_at,
        {{ to_utc_timestamp(json_extract_text('record', '$.updated_time')) }} as updated_at,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

{# Lifetime metrics are snapshots: keep the latest snapshot of each post, never sum them. #}
latest_snapshot as (

    {{ deduplicate(
        relation='renamed',
        partition_by='post_id',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

)

select * from latest_snapshot
