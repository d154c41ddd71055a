{#
    Competitors' recent Instagram media as business_discovery lists them: one
    row per media per snapshot day, with the public lifetime counters
    (`like_count`, `comments_count`) read that day.

    Incremental (`replace_days` of whole snapshot days, dbt_project.yml): a
    run unnests the partitions from incremental_rebuild_from() on, the only
    ones a load since the last run can have replaced, and replaces those days.
#}
{%- set rebuild_from = incremental_rebuild_from('snapshot_date') %}

with

source as (

    select * from {{ source('instagram', 'business_discovery') }}
    {%- if rebuild_from %}
    where partition_day >= {{ rebuild_from }}
    {%- endif %}

),

latest_read as (

    {{ deduplicate(
        relation='source',
        partition_by='account_id, partition_day',
        order_by='extracted_at desc, _loaded_at desc, _source_file desc',
    ) }}

),

media as (

    select
        latest_read.account_id,
        latest_read.partition_day,
        latest_read.extracted_at,
        latest_read._loaded_at,
        item.media_json as media
    from latest_read,
        lateral (
            select
                unnest(
                    cast(json_extract(latest_read.record, '$.media.data') as json[])
                ) as media_json
        ) as item

),

renamed as (

    select
        ---------- ids
        {{ json_extract_text('media', '$.id') }} as media_id,
        account_id,

        ---------- strings
        {{ json_extract_text('media', '$.media_type') }} as media_type,
        {{ json_extract_text('media', '$.media_product_type') }} as media_product_type,
        {{ json_extract_text('media', '$.caption') }} as caption,
        {{ json_extract_text('media', '$.permalink') }} as permalink_url,

        ---------- numerics
        {{ json_extract_number('media', '$.like_count', dbt.type_bigint()) }} as like_count,
        {{ json_extract_number('media', '$.comments_count', dbt.type_bigint()) }} as comments_count,

        ---------- dates
        partition_day as snapshot_date,

        ---------- timestamps
        {{ to_utc_timestamp(json_extract_text('media', '$.timestamp')) }} as created_at,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from media

)

select * from renamed
