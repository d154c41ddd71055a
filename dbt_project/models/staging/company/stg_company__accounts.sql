with

source as (

    select * from {{ source('company', 'accounts') }}

),

renamed as (

    select
        ---------- ids
        lower(trim(platform)) as platform,
        trim(cast(account_id as {{ dbt.type_string() }})) as account_id,

        ---------- strings
        account_name,
        brand,
        brand_id,

        ---------- booleans
        cast(is_own as {{ dbt.type_boolean() }}) as is_own

    from source

)

select * from renamed
