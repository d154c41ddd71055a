{#
    Competitors' posts that no own-account model carries, in the conformed
    post shape of int_posts__unioned: today Instagram media as
    business_discovery lists them. Competitors' tweets and videos are read
    by the same streams as our own, so they are in int_posts__unioned (and
    dim_post, fct_post_performance) already. To add a platform, build
    int_<platform>__competitor_posts with the columns below and add it to
    the list (and mark the platform readable in the `platforms` seed).
#}
{%- set platform_models = [
    'int_instagram__competitor_posts',
] -%}

{%- set columns = [
    'platform',
    'post_id',
    'account_id',
    'post_format',
    'platform_post_type',
    'message',
    'permalink_url',
    'views',
    'reach',
    'reactions',
    'comments',
    'shares',
    'quotes',
    'saves',
    'clicks',
    'engagements',
    'created_date',
    'created_at',
    'metrics_as_of',
] -%}

with

unioned as (
    {{ union_platform_models(platform_models, columns) }}
),

final as (

    select
        {{ platform_key('platform', 'post_id') }} as post_key,
        {{ platform_key('platform', 'account_id') }} as account_key,
        *
    from unioned

)

select * from final
