{#
    One row per unique mention of our brand or a competitor, deduplicated
    across sources, queries and re-runs (int_mentions__deduplicated), with
    the brands it names and its language and sentiment.

    Incremental (delete+insert by mention_key, dbt_project.yml): a run
    replaces the mentions published from incremental_rebuild_from() on, every
    older mention seen again since then (a new sighting, an edited text), and
    every mention whose text a new scorer version has scored again.
#}
{%- set rebuild_from = incremental_rebuild_from('mention_date') %}

with

all_mentions as (

    select * from {{ ref('int_mentions__deduplicated') }}

),

scores as (

    select * from {{ ref('int_mentions__scored') }}

),

brand_matches as (

    select * from {{ ref('int_mentions__brands') }}

),
{%- if rebuild_from %}

rescored as (

    select built.mention_key
    from {{ this }} as built
    inner join all_mentions
        on built.mention_key = all_mentions.mention_key
    inner join scores
        on
            all_mentions.mention_key = scores.mention_key
            and all_mentions.text_hash = scores.text_hash
    where built.scorer_version is distinct from scores.scorer_version

),
{%- endif %}

mentions as (

    select * from all_mentions
    {%- if rebuild_from %}
    where
        mention_date >= {{ rebuild_from }}
        or last_extracted_at >= {{ rebuild_from }}
        or mention_key in (select rescored.mention_key from rescored)
    {%- endif %}

),

named_brands as (

    select
        mention_key,
        list(brand_id order by not is_own, brand_id) as brand_ids,
        list(brand order by not is_own, brand_id) as brands,
        bool_or(is_own) as mentions_own_brand,
        bool_or(not is_own) as mentions_competitor
    from brand_matches
    {%- if rebuild_from %}
    {#- Only the mentions this run replaces: DuckDB runs it as a semi join. #}
    where mention_key in (select replaced.mention_key from mentions as replaced)
    {%- endif %}
    group by 1

),

final as (

    select
        ---------- ids
        mentions.mention_key,
        mentions.mention_source,
        mentions.source_mention_id,
        mentions.own_account_id,
        mentions.author_id,

        ---------- strings
        mentions.author_name,
        mentions.url,
        mentions.title,
        mentions.mention_text,
        scores.language,
        coalesce(scores.sentiment_label, 'unscored') as sentiment_label,
        scores.scorer_version,

        ---------- numerics
        mentions.sighting_count,
        mentions.reach,
        mentions.engagements,
        scores.language_confidence,
        scores.sentiment_score,

        ---------- lists
        mentions.mention_sources,
        coalesce(named_brands.brand_ids, []) as brand_ids,
        coalesce(named_brands.brands, []) as brands,

        ---------- booleans
        coalesce(named_brands.mentions_own_brand, false) as mentions_own_brand,
        coalesce(named_brands.mentions_competitor, false) as mentions_competitor,
        mentions.is_on_own_post,
        mentions.is_text_truncated,

        ---------- dates
        mentions.mention_date,

        ---------- timestamps
        mentions.published_at,
        mentions.last_extracted_at

    from mentions
    left join scores
        on
            mentions.mention_key = scores.mention_key
            and mentions.text_hash = scores.text_hash
    left join named_brands
        on mentions.mention_key = named_brands.mention_key

)

select * from final
