{#
    Every LinkedIn organization seen in any stream. The streams carry no page
    name, so the name is the configured one (null for an organization not in
    the company config); the URL is LinkedIn's company page by id.
#}
with

network_sizes as (

    select * from {{ ref('stg_linkedin__network_sizes') }}

),

share_statistics as (

    select * from {{ ref('stg_linkedin__share_statistics') }}

),

follower_statistics as (

    select * from {{ ref('stg_linkedin__follower_statistics') }}

),

posts as (

    select * from {{ ref('stg_linkedin__posts') }}

),

company_accounts as (

    select * from {{ ref('stg_company__accounts') }}
    where platform = 'linkedin'

),

accounts_seen as (

    select account_id from network_sizes
    union
    select account_id from share_statistics
    union
    select account_id from follower_statistics
    union
    select account_id from posts

),

final as (

    select
        ---------- ids
        'linkedin' as platform,
        accounts_seen.account_id,

        ---------- strings
        company_accounts.account_name,
        {{ dbt.concat([
            "'https://www.linkedin.com/company/'", 'accounts_seen.account_id', "'/'"
        ]) }} as profile_url

    from accounts_seen
    left join company_accounts
        on accounts_seen.account_id = company_accounts.account_id

)

select * from final
