{#
    Incremental (delete+insert by post_key, dbt_project.yml): a run replaces
    the posts published from incremental_rebuild_from() on, and every older
    post with a snapshot read since then (lifetime metrics keep changing).
    A post the platform no longer serves (deleted, or made private) leaves
    int_posts__unioned and dim_post; the post-hook removes it here too, as a
    full refresh would, so no row is left without its post.
#}
{{ config(
    post_hook="delete from {{ this }} where post_key not in (select post_key from {{ ref('int_posts__unioned') }})"
) }}
{%- set rebuild_from = incremental_rebuild_from('created_date') %}

with

posts as (

    select * from {{ ref('int_posts__unioned') }}
    {%- if rebuild_from %}
    where created_date >= {{ rebuild_from }} or metrics_as_of >= {{ rebuild_from }}
    {%- endif %}

),

final as (

    select
        ---------- ids
        post_key,
        account_key,
        platform,

        ---------- strings
        {# A degenerate dimension, repeated here so "which format works" needs no join. #}
        post_format,

        ---------- numerics
        views,
        reach,
        reactions,
        comments,
        shares,
        quotes,
        saves,
        clicks,
        engagements,
        {{ safe_divide('engagements', 'views') }} as engagement_rate,
        {{ safe_divide('engagements', 'reach') }} as engagement_rate_by_reach,
        {{ safe_divide('shares', 'views') }} as virality,

        ---------- dates
        created_date,

        ---------- timestamps
        metrics_as_of

    from posts

)

select * from final
