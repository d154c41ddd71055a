{#
    Every reading of an own tweet's public_metrics, one row per tweet per
    reading: the daily `tweet_metrics` snapshots (observed on their snapshot
    day) and the latest timeline read from `tweets` (observed on the tweet's
    own UTC day, its partition). int_x__posts takes the latest reading;
    int_x__account_daily differences the readings into daily activity.

    Incremental (`replace_days` of whole observation days, dbt_project.yml):
    both readings are observed on their raw partition's day, so a run derives
    the days from incremental_rebuild_from() on, the only ones a load since
    the last run can have replaced, and replaces those days.
#}
{%- set rebuild_from = incremental_rebuild_from('observed_date') %}

with

tweets as (

    select * from {{ ref('stg_x__tweets') }}
    {%- if rebuild_from %}
    where partition_date >= {{ rebuild_from }}
    {%- endif %}

),

tweet_metrics as (

    select * from {{ ref('stg_x__tweet_metrics') }}
    {%- if rebuild_from %}
    where snapshot_date >= {{ rebuild_from }}
    {%- endif %}

),

readings as (

    select
        account_id,
        tweet_id,
        'tweet_metrics' as observed_in,
        impressions,
        likes,
        retweets,
        replies,
        quotes,
        bookmarks,
        snapshot_date as observed_date,
        created_at,
        extracted_at
    from tweet_metrics

    union all

    select
        account_id,
        tweet_id,
        'tweets' as observed_in,
        impressions,
        likes,
        retweets,
        replies,
        quotes,
        bookmarks,
        partition_date as observed_date,
        created_at,
        extracted_at
    from tweets

),

final as (

    select
        ---------- ids
        account_id,
        tweet_id,

        ---------- strings
        observed_in,

        ---------- numerics
        impressions,
        likes,
        retweets,
        replies,
        quotes,
        bookmarks,
        {# The X engagement mapping (see _int_x__models.yml); a missing counter counts as 0. #}
        coalesce(likes, 0)
        + coalesce(replies, 0)
        + coalesce(retweets, 0)
        + coalesce(quotes, 0)
        + coalesce(bookmarks, 0) as engagements,

        ---------- dates
        cast(created_at as date) as created_date,
        observed_date,

        ---------- timestamps
        created_at,
        extracted_at

    from readings

)

select * from final
