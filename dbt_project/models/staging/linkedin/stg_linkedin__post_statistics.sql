{%- set post_urn -%}
    coalesce(
        {{ json_extract_text('record', '$.share') }},
        {{ json_extract_text('record', '$.ugcPost') }}
    )
{%- endset -%}

with

source as (

    select * from {{ source('linkedin', 'post_statistics') }}

),

renamed as (

    select
        ---------- ids
        {{ post_urn }} as post_id,
        account_id,
        {{ json_extract_text('record', '$.organizationalEntity') }} as organization_urn,

        ---------- strings
        extract_run_id,
        _source_file as source_file,
        _load_run_id as load_run_id,

        ---------- numerics
        {{ linkedin_share_statistics() }},

        ---------- dates
        partition_day as partition_date,

        ---------- timestamps
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

{# Lifetime statistics are snapshots: keep the latest of each post, never sum them. #}
latest_snapshot as (

    {{ deduplicate(
        relation='renamed',
        partition_by='post_id',
        order_by='extracted_at desc, loaded_at desc, source_file desc',
    ) }}

)

select * from latest_snapshot
