{#
    Share of voice and net sentiment per brand per calendar month (UTC days),
    summed from fct_share_of_voice_daily: ratios of the month's sums, never
    averages of daily ratios. The month of the newest day is partial
    (`days_with_data` says how far it goes).
#}
with

daily as (

    select * from {{ ref('fct_share_of_voice_daily') }}

),

monthly as (

    select
        cast(date_trunc('month', mention_date) as date) as month_start,
        brand_id,
        any_value(brand) as brand,
        any_value(is_own) as is_own,
        count(*) as days_with_data,
        max(mention_date) as last_day,
        sum(mentions) as mentions,
        sum(reach) as reach,
        sum(engagements) as engagements,
        sum(positive_mentions) as positive_mentions,
        sum(neutral_mentions) as neutral_mentions,
        sum(negative_mentions) as negative_mentions,
        sum(unscored_mentions) as unscored_mentions
    from daily
    group by 1, 2

),

final as (

    select
        ---------- ids
        brand_id || ':' || strftime(month_start, '%Y-%m') as share_of_voice_key,
        brand_id,

        ---------- strings
        brand,

        ---------- numerics
        days_with_data,
        mentions,
        reach,
        engagements,
        positive_mentions,
        neutral_mentions,
        negative_mentions,
        unscored_mentions,
        {{ safe_divide('mentions', 'sum(mentions) over (partition by month_start)') }}
            as share_of_voice,
        {{ safe_divide('reach', 'sum(reach) over (partition by month_start)') }}
            as share_of_voice_by_reach,
        {{ safe_divide('engagements', 'sum(engagements) over (partition by month_start)') }}
            as share_of_voice_by_engagement,
        {{ safe_divide(
            'positive_mentions - negative_mentions', 'positive_mentions + negative_mentions'
        ) }} as net_sentiment,
        {{ safe_divide(
            'positive_mentions - negative_mentions',
            'positive_mentions + neutral_mentions + negative_mentions'
        ) }} as net_sentiment_share,

        ---------- booleans
        is_own,

        ---------- dates
        month_start,
        last_day

    from monthly

)

select * from final
