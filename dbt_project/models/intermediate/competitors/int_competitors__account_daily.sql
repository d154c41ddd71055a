{#
    Competitors' follower readings that no own-account model carries, in the
    account-day shape of int_account_daily__unioned: the platforms where the
    warehouse reads a competitor through its public profile only (a Facebook
    Page's public fields, Instagram's business_discovery), one snapshot a
    run. Competitors on X and YouTube are read by the same streams as our
    own accounts, so their days are in int_account_daily__unioned (and
    fct_account_daily) already. To add a platform, build
    int_<platform>__competitor_account_daily with the columns below and add
    it to the list.
#}
{%- set platform_models = [
    'int_facebook_pages__competitor_account_daily',
    'int_instagram__competitor_account_daily',
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
