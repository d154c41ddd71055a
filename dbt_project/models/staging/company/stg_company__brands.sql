with

keywords as (

    select * from {{ ref('stg_company__brand_keywords') }}

),

final as (

    select distinct
        ---------- ids
        brand_id,

        ---------- strings
        brand,

        ---------- booleans
        is_own

    from keywords

)

select * from final
