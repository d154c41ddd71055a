{#
    Which brands each mention names: one row per mention per brand. A brand
    is named when one of its keywords appears in the text (whole word,
    case-insensitive; stg_company__brand_keywords), when its own search query
    found the mention, or, for a comment on one of our own posts, always our
    brand. A mention comparing two brands names both.
#}
with

mentions as (

    select * from {{ ref('int_mentions__deduplicated') }}

),

keywords as (

    select * from {{ ref('stg_company__brand_keywords') }}

),

brands as (

    select * from {{ ref('stg_company__brands') }}

),

by_keyword as (

    select
        mentions.mention_key,
        keywords.brand_id,
        'keyword' as matched_by
    from mentions
    inner join keywords
        -- The keyword as plain text first, then its whole-word pattern: DuckDB
        -- compiles a pattern taken from a column once per row, so only the
        -- pairs that can match pay for it (the model reads 3x faster on the demo).
        -- Lower-casing folds case as the pattern's 'i' does, but for a few
        -- letters (the long s, for one) that only Unicode case folding pairs.
        on
            contains(
                lower(regexp_replace(mentions.mention_text, '\s+', ' ', 'g')),
                lower(regexp_replace(keywords.keyword, '\s+', ' ', 'g'))
            )
            and regexp_matches(mentions.mention_text, keywords.keyword_pattern, 'i')

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
