{#
    Account daily metrics of every platform in one conformed shape, on each
    platform's own reporting day. To add a platform, build
    int_<platform>__account_daily with the columns below and add it to the list.
#}
{%- set platform_models = [
    'int_facebook_pages__account_daily',
    'int_instagram__account_daily',
    'int_linkedin__account_daily',
    'int_x__account_daily',
    'int_youtube__account_daily',
] -%}

{%- set columns = [
    'platform',
    'account_id',
    'followers',
    'followers_gained',
    'followers_lost',
    'engagements',
    'views',
    'reach',
    'shares',
    'metric_date',
] -%}

with

unioned as (
    {{ union_platform_models(platform_models, columns) }}
),

final as (

    select
        {{ platform_key('platform', 'account_id') }} as account_key,
        *
    from unioned

)

select * from final
