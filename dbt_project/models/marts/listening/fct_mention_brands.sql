{#
    One row per mention per brand it names: fct_mentions' brand lists made
    flat, for BI tools that cannot filter on a list column (filter on brand
    here, join fct_mentions on mention_key for the rest).
#}

with

mentions as (

    select * from {{ ref('fct_mentions') }}

),

brands as (

    select * from {{ ref('stg_company__brands') }}

),

flat as (

    select
        mention_key,
        mention_source,
        sentiment_label,
        is_on_own_post,
        mention_date,
        unnest(brand_ids) as brand_id
    from mentions

),

final as (

    select
        ---------- ids
        flat.mention_key,
        flat.brand_id,

        ---------- strings
        brands.brand,
        flat.mention_source,
        flat.sentiment_label,

        ---------- booleans
        brands.is_own as is_own_brand,
        flat.is_on_own_post,

        ---------- dates
        flat.mention_date

    from flat
    left join brands
        on flat.brand_id = brands.brand_id

)

select * from final
