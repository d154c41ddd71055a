{#
    Share of voice and net sentiment per brand per UTC day. Counted over
    earned mentions: what people say elsewhere (X search, Reddit, feeds).
    Comments on our own posts are left out: no competitor's comments are
    collected, so counting ours would tilt the share (they are in
    fct_mentions, `is_on_own_post`). A mention naming two brands counts for
    each; the day's total is the sum over brands, so shares add up to 1.
#}
with

brand_matches as (

    select * from {{ ref('int_mentions__brands') }}

),

mentions as (

    select * from {{ ref('fct_mentions') }}
    where not is_on_own_post

),

brands as (

    select * from {{ ref('stg_company__brands') }}

),

spine as (

    select {{ day_series('min(mention_date)', 'max(mention_date)') }} as mention_date
    from mentions

),

per_brand as (

    select
        mentions.mention_date,
        brand_matches.brand_id,
        count(*) as mentions,
        coalesce(sum(mentions.reach), 0) as reach,
        coalesce(sum(mentions.engagements), 0) as engagements,
        count(*) filter (where mentions.sentiment_label = 'positive') as positive_mentions,
        count(*) filter (where mentions.sentiment_label = 'neutral') as neutral_mentions,
        count(*) filter (where mentions.sentiment_label = 'negative') as negative_mentions,
        count(*) filter (where mentions.sentiment_label = 'unscored') as unscored_mentions
    from mentions
    inner join brand_matches
        on mentions.mention_key = brand_matches.mention_key
    group by 1, 2

),

filled as (

    select
        spine.mention_date,
        brands.brand_id,
        brands.brand,
        brands.is_own,
        coalesce(per_brand.mentions, 0) as mentions,
        coalesce(per_brand.reach, 0) as reach,
        coalesce(per_brand.engagements, 0) as engagements,
        coalesce(per_brand.positive_mentions, 0) as positive_mentions,
        coalesce(per_brand.neutral_mentions, 0) as neutral_mentions,
        coalesce(per_brand.negative_mentions, 0) as negative_mentions,
        coalesce(per_brand.unscored_mentions, 0) as unscored_mentions
    from spine
    cross join brands
    left join per_brand
        on
            spine.mention_date = per_brand.mention_date
            and brands.brand_id = per_brand.brand_id

),

final as (

    select
        ---------- ids
        brand_id || ':' || strftime(mention_date, '%Y-%m-%d') as share_of_voice_key,
        brand_id,

        ---------- strings
        brand,

        ---------- numerics
        mentions,
        reach,
        engagements,
        positive_mentions,
        neutral_mentions,
        negative_mentions,
        unscored_mentions,
        sum(mentions) over (partition by mention_date) as market_mentions,
        sum(reach) over (partition by mention_date) as market_reach,
        sum(engagements) over (partition by mention_date) as market_engagements,
        {{ safe_divide('mentions', 'sum(mentions) over (partition by mention_date)') }}
            as share_of_voice,
        {{ safe_divide('reach', 'sum(reach) over (partition by mention_date)') }}
            as share_of_voice_by_reach,
        {{ safe_divide('engagements', 'sum(engagements) over (partition by mention_date)') }}
            as share_of_voice_by_engagement,
        {{ safe_divide(
            'positive_mentions - negative_mentions', 'positive_mentions + negative_mentions'
        ) }} as net_sentiment,

        ---------- booleans
        is_own,

        ---------- dates
        mention_date

    from filled

)

select * from final
