{#
    One row per mention per brand it names: fct_mentions' brand lists made
    flat, for BI tools that cannot filter on a list column (filter on brand
    here, join fct_mentions on mention_key for the rest). The brand's name
    and whether it is ours come from the mention's own row (its lists hold our
    brand first), so the two marts agree even after the configuration
    renames or drops a brand.
#}

with

mentions as (

    select * from {{ ref('fct_mentions') }}

),

flat as (

    select
        mention_key,
        mention_source,
        sentiment_label,
        mentions_own_brand,
        is_on_own_post,
        mention_date,
        unnest(brand_ids) as brand_id,
        unnest(brands) as brand,
        unnest(generate_series(1, len(brand_ids))) as brand_position
    from mentions

),

final as (

    select
        ---------- ids
        mention_key,
        brand_id,

        ---------- strings
        brand,
        mention_source,
        sentiment_label,

        ---------- booleans
        mentions_own_brand and brand_position = 1 as is_own_brand,
        is_on_own_post,

        ---------- dates
        mention_date

    from flat

)

select * from final
