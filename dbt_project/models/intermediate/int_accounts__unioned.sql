{#
    Accounts seen in the data of every platform. To add a platform, build
    int_<platform>__accounts with the columns below and add it to the list.
#}
{%- set platform_models = [
    'int_facebook_pages__accounts',
    'int_instagram__accounts',
    'int_linkedin__accounts',
    'int_x__accounts',
    'int_youtube__accounts',
] -%}

{%- set columns = [
    'platform',
    'account_id',
    'account_name',
    'profile_url',
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
