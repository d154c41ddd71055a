{#
    Every place a mention was seen, in one shape: one row per platform object
    (a tweet, a Reddit post, a feed entry, a comment on an own post), with the
    brand queries that found it. `mention_key` says which mention the object
    is a sighting of:
    - a tweet, a Reddit self post, a comment: the object itself
      (`x:<id>`, `reddit:<id>`, `facebook_pages:<id>`, `instagram:<id>`);
      a Reddit crosspost of a self post belongs to its parent;
    - an article: its canonical URL (`url:<url>`), wherever it appeared: in
      any feed, or shared on Reddit as a link post (crossposts included).
    Own replies to comments are support answers, not mentions: left out.
    All times are UTC. Text and title keep their first
    var('mention_text_max_chars') characters (capped_text, macros/text.sql);
    is_text_truncated says the text was longer.

    Incremental (delete+insert by platform object, dbt_project.yml), by
    fct_mentions' rule: a run rebuilds the objects published from
    incremental_rebuild_from() on and every older one read again since then
    (a re-read of its counters, a new brand query that found it), each from
    all its rows.
#}
{%- set reddit_host = '^https?://([a-z0-9-]+[.])*(reddit[.]com|redd[.]it)(/|$)' -%}
{%- set rebuild_from = incremental_rebuild_from('cast(published_at as date)') %}

with

x_tweets as (

    select * from {{ ref('stg_x__search_mentions') }}

),

reddit_posts as (

    select * from {{ ref('stg_reddit__posts') }}

),

feed_entries as (

    select * from {{ ref('stg_rss__entries') }}

),

facebook_comments as (

    select * from {{ ref('stg_facebook_pages__comments') }}
    where not is_page_reply

),

instagram_comments as (

    select * from {{ ref('int_instagram__comments') }}
    where not is_account_reply

),

unioned as (

    select
        'x' as mention_source,
        tweet_id as source_mention_id,
        'x:' || tweet_id as mention_key,
        query_brand_id,
        cast(null as {{ dbt.type_string() }}) as own_account_id,
        'https://x.com/' || coalesce(author_username, 'i/web') || '/status/' || tweet_id as url,
        author_id,
        author_username as author_name,
        cast(null as {{ dbt.type_string() }}) as title,
        tweet_text as mention_text,
        lang as platform_language,
        created_at as published_at,
        author_followers as reach,
        likes + replies + retweets + quotes as engagements,
        extracted_at
    from x_tweets

    union all

    select
        'reddit' as mention_source,
        post_id as source_mention_id,
        case
            when
                not is_self
                and url is not null
                and not regexp_matches(url, '{{ reddit_host }}', 'i')
                then 'url:' || {{ canonical_url('url') }}
            when crosspost_parent_fullname is not null
                then 'reddit:' || replace(crosspost_parent_fullname, 't3_', '')
            else 'reddit:' || post_id
        end as mention_key,
        query_brand_id,
        cast(null as {{ dbt.type_string() }}) as own_account_id,
        permalink_url as url,
        author_id,
        author_name,
        title,
        title || case when selftext != '' then chr(10) || selftext else '' end as mention_text,
        cast(null as {{ dbt.type_string() }}) as platform_language,
        created_at as published_at,
        subreddit_subscribers as reach,
        score + comment_count as engagements,
        extracted_at
    from reddit_posts

    union all

    select
        'rss' as mention_source,
        entry_id as source_mention_id,
        'url:' || canonical_url as mention_key,
        cast(null as {{ dbt.type_string() }}) as query_brand_id,
        cast(null as {{ dbt.type_string() }}) as own_account_id,
        canonical_url as url,
        cast(null as {{ dbt.type_string() }}) as author_id,
        author_name,
        title,
        title
        || case when coalesce(summary, '') != '' then chr(10) || summary else '' end
            as mention_text,
        cast(null as {{ dbt.type_string() }}) as platform_language,
        {# A feed entry without a date was first seen the day it was fetched. #}
        coalesce(published_at, cast(fetched_date as {{ dbt.type_timestamp() }})) as published_at,
        cast(null as {{ dbt.type_bigint() }}) as reach,
        cast(null as {{ dbt.type_bigint() }}) as engagements,
        extracted_at
    from feed_entries

    union all

    select
        'facebook_pages' as mention_source,
        comment_id as source_mention_id,
        'facebook_pages:' || comment_id as mention_key,
        cast(null as {{ dbt.type_string() }}) as query_brand_id,
        account_id as own_account_id,
        'https://www.facebook.com/' || post_id || '?comment_id=' || comment_id as url,
        author_id,
        author_name,
        cast(null as {{ dbt.type_string() }}) as title,
        message as mention_text,
        cast(null as {{ dbt.type_string() }}) as platform_language,
        created_at as published_at,
        cast(null as {{ dbt.type_bigint() }}) as reach,
        coalesce(like_count, 0) + coalesce(reply_count, 0) as engagements,
        extracted_at
    from facebook_comments

    union all

    select
        'instagram' as mention_source,
        comment_id as source_mention_id,
        'instagram:' || comment_id as mention_key,
        cast(null as {{ dbt.type_string() }}) as query_brand_id,
        account_id as own_account_id,
        cast(null as {{ dbt.type_string() }}) as url,
        cast(null as {{ dbt.type_string() }}) as author_id,
        author_username as author_name,
        cast(null as {{ dbt.type_string() }}) as title,
        comment_text as mention_text,
        cast(null as {{ dbt.type_string() }}) as platform_language,
        created_at as published_at,
        cast(null as {{ dbt.type_bigint() }}) as reach,
        coalesce(like_count, 0) + reply_count as engagements,
        extracted_at
    from instagram_comments

),

{# One row per platform object: a tweet two brand queries found is one sighting. #}
final as (

    select
        ---------- ids
        mention_source,
        source_mention_id,
        any_value(mention_key) as mention_key,
        any_value(own_account_id) as own_account_id,
        any_value(author_id) as author_id,

        ---------- strings
        any_value(url) as url,
        any_value(author_name) as author_name,
        {{ capped_text('any_value(title)') }} as title,
        {{ capped_text('any_value(mention_text)') }} as mention_text,
        any_value(platform_language) as platform_language,

        ---------- numerics
        max(reach) as reach,
        max(engagements) as engagements,

        ---------- lists
        list_sort(list_distinct(list(query_brand_id))) as query_brand_ids,

        ---------- booleans
        any_value(own_account_id) is not null as is_on_own_post,
        {{ is_text_cut('any_value(mention_text)') }} as is_text_truncated,

        ---------- timestamps
        min(published_at) as published_at,
        max(extracted_at) as extracted_at

    from unioned
    group by 1, 2
    {%- if rebuild_from %}
    {#- Each object whole, with all its rows, when any of them is in range. #}
    having bool_or(published_at >= {{ rebuild_from }} or extracted_at >= {{ rebuild_from }})
    {%- endif %}

)

select * from final
