{#
    Posts of every platform in one conformed shape. To add a platform, build
    int_<platform>__posts with the columns below and add it to the list.
#}
{%- set platform_models = [
    'int_facebook_pages__posts',
    'int_instagram__posts',
    'int_linkedin__posts',
    'int_x__posts',
    'int_youtube__posts',
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
