{#
    The accounts the competitor benchmark compares: every configured account,
    ours and each competitor's, with its brand and whether the warehouse can
    read its posts. Our own accounts' posts are always readable; a
    competitor's are when its platform's public API lists them (the
    `platforms` seed, are_competitor_posts_readable).
#}

with

accounts as (

    select * from {{ ref('stg_company__accounts') }}

),

platforms as (

    select * from {{ ref('platforms') }}

),

final as (

    select
        ---------- ids
        {{ platform_key('accounts.platform', 'accounts.account_id') }} as account_key,
        accounts.platform,
        accounts.account_id,
        accounts.brand_id,

        ---------- strings
        accounts.account_name,
        accounts.brand,

        ---------- booleans
        accounts.is_own,
        accounts.is_own or coalesce(platforms.are_competitor_posts_readable, false)
            as are_posts_readable

    from accounts
    left join platforms
        on accounts.platform = platforms.platform

)

select * from final
