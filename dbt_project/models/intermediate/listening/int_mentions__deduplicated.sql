{#
    One row per mention: its sightings (int_mentions__sightings) folded into
    one. The earliest sighting names the mention (source, text, author, URL,
    time; ties broken by source and id); reach and engagements add up over
    the sightings (an article shared in two subreddits reached both).

    Incremental (delete+insert by mention_key, dbt_project.yml), by
    fct_mentions' rule: a run folds again every mention with a sighting
    published from incremental_rebuild_from() on or read since then, from all
    its sightings.
#}
{%- set rebuild_from = incremental_rebuild_from('mention_date') %}

with

sightings as (

    select * from {{ ref('int_mentions__sightings') }}
    {%- if rebuild_from %}
    where
        mention_key in (
            select changed.mention_key
            from {{ ref('int_mentions__sightings') }} as changed
            where
                changed.published_at >= {{ rebuild_from }}
                or changed.extracted_at >= {{ rebuild_from }}
        )
    {%- endif %}

),

ranked as (

    select
        *,
        row_number() over (
            partition by mention_key
            order by published_at, mention_source, source_mention_id
        ) as sighting_rank
    from sightings

),

totals as (

    select
        mention_key,
        count(*) as sighting_count,
        list_sort(list_distinct(list(mention_source))) as mention_sources,
        list_sort(list_distinct(flatten(list(query_brand_ids)))) as query_brand_ids,
        sum(reach) as reach,
        sum(engagements) as engagements,
        bool_or(is_on_own_post) as is_on_own_post,
        max(extracted_at) as last_extracted_at
    from sightings
    group by 1

),

final as (

    select
        ---------- ids
        ranked.mention_key,
        ranked.mention_source,
        ranked.source_mention_id,
        ranked.own_account_id,
        ranked.author_id,

        ---------- strings
        ranked.url,
        ranked.author_name,
        ranked.title,
        ranked.mention_text,
        ranked.platform_language,
        md5(coalesce(ranked.mention_text, '')) as text_hash,

        ---------- numerics
        totals.sighting_count,
        totals.reach,
        totals.engagements,

        ---------- lists
        totals.mention_sources,
        totals.query_brand_ids,

        ---------- booleans
        totals.is_on_own_post,
        ranked.is_text_truncated,

        ---------- dates
        cast(ranked.published_at as date) as mention_date,

        ---------- timestamps
        ranked.published_at,
        totals.last_extracted_at

    from ranked
    inner join totals
        on ranked.mention_key = totals.mention_key
    where ranked.sighting_rank = 1

)

select * from final
