{#
    Which brands each mention names: one row per mention per brand. A brand
    is named when one of its keywords appears in the text (whole word,
    case-insensitive; stg_company__brand_keywords), when its own search query
    found the mention, or, for a comment on one of our own posts, always our
    brand. A mention comparing two brands names both.
#}
with

mentions as (

    select
        *,
        {# The plain-text pre-filter's side of a keyword match (macros/text.sql). #}
        lower(regexp_replace(mention_text, '\s+', ' ', 'g')) as folded_text
    from {{ ref('int_mentions__deduplicated') }}

),

brands as (

    select * from {{ ref('stg_company__brands') }}

),

by_keyword as (

    {#- One constant pattern per brand, compiled once; the keyword as plain
        text first, so only the mentions that can match pay for the pattern.
        Lower-casing folds case as the pattern's 'i' does, but for a few
        letters (the long s, for one) that only Unicode case folding pairs. #}
    select
        keyword_matches.mention_key,
        keyword_matches.brand_id,
        'keyword' as matched_by
    from (
        {{ brand_keyword_matches(
            'mentions', 'mention_key', 'mention_text', 'folded_text',
            ref('stg_company__brand_keywords'),
        ) }}
    ) as keyword_matches

),

by_query as (

    select
        mentions.mention_key,
        query.brand_id,
        'search query' as matched_by
    from mentions,
        lateral (select unnest(mentions.query_brand_ids) as brand_id) as query
    where query.brand_id is not null

),

by_own_post as (

    select
        mentions.mention_key,
        brands.brand_id,
        'own post' as matched_by
    from mentions
    inner join brands
        on brands.is_own
    where mentions.is_on_own_post

),

matches as (

    select * from by_keyword
    union all
    select * from by_query
    union all
    select * from by_own_post

),

final as (

    select
        ---------- ids
        matches.mention_key,
        matches.brand_id,

        ---------- strings
        brands.brand,
        list_sort(list_distinct(list(matches.matched_by))) as matched_by,

        ---------- booleans
        brands.is_own

    from matches
    inner join brands
        on matches.brand_id = brands.brand_id
    group by 1, 2, 3, 5

)

select * from final
