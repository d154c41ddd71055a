{#
    Every day with mentions, the brands' shares of voice add up to the whole
    market: returns the days whose shares do not (a brand missing from the
    day, or a market total that is not the sum of the brands' mentions).
#}

select
    mention_date,
    sum(share_of_voice) as share_of_voice_total,
    max(market_mentions) as market_mentions
from {{ ref('fct_share_of_voice_daily') }}
group by mention_date
having max(market_mentions) > 0 and abs(sum(share_of_voice) - 1) >= 1e-9
