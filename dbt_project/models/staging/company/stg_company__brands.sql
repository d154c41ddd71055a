with

source as (

    select * from {{ source('company', 'brand_keywords') }}

),

final as (

    select distinct
        ---------- ids
        brand_id,

        ---------- strings
        brand,

        ---------- booleans
        cast(is_own as {{ dbt.type_boolean() }}) as is_own

    from source

)

select * from final
