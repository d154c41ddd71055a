with

company_accounts as (

    select * from {{ ref('stg_company__accounts') }}

),

platform_accounts as (

    select * from {{ ref('int_accounts__unioned') }}

),

all_accounts as (

    select
        platform,
        account_id
    from company_accounts

    union

    select
        platform,
        account_id
    from platform_accounts

),

final as (

    select
        ---------- ids
        {{ platform_key('all_accounts.platform', 'all_accounts.account_id') }} as account_key,
        all_accounts.platform,
        all_accounts.account_id,

        ---------- strings
        coalesce(company_accounts.account_name, platform_accounts.account_name) as account_name,
        company_accounts.brand,
        platform_accounts.profile_url,

        ---------- booleans
        company_accounts.is_own,
        company_accounts.account_id is not null as is_configured,
        platform_accounts.account_id is not null as has_data

    from all_accounts
    left join company_accounts
        on
            all_accounts.platform = company_accounts.platform
            and all_accounts.account_id = company_accounts.account_id
    left join platform_accounts
        on
            all_accounts.platform = platform_accounts.platform
            and all_accounts.account_id = platform_accounts.account_id

)

select * from final
