{#
    Lifetime media insights, one row per media per metric. Meta's newer
    metrics (views, shares) come as `total_value.value`, the older ones as
    `values[0].value`; metric_value reads whichever is there.
#}
with

source as (

    select * from {{ source('instagram', 'media_insights') }}

),

renamed as (

    select
        ---------- ids
        {{ json_extract_text('record', '$.id') }} as insight_id,
        {# The insight id is "<media_id>/insights/<metric>/<period>". #}
        split_part({{ json_extract_text('record', '$.id') }}, '/', 1) as media_id,
        account_id,

        ---------- strings
        {{ json_extract_text('record', '$.name') }} as metric_name,
        {{ json_extract_text('record', '$.period') }} as metric_period,
        case
            when {{ json_value_type('record', '$.total_value') }} is not null then 'total_value'
            else 'values'
        end as value_shape,
        {{ json_extract_text('record', '$.title') }} as metric_title,
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        coalesce(
            {{ json_extract_number('record', '$.values[0].value', dbt.type_float()) }},
            {{ json_extract_number('record', '$.total_value.value', dbt.type_float()) }}
        ) as metric_value,

        ---------- dates
        {# The Pacific day of the media's timestamp (its landing partition). #}
        partition_day as partition_date,

        ---------- timestamps
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

{# Lifetime metrics are snapshots: keep the latest snapshot of each media metric. #}
latest_snapshot as (

    {{ deduplicate(
        relation='renamed',
        partition_by='media_id, metric_name, metric_period',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

)

select * from latest_snapshot
