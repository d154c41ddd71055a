with

source as (

    select * from {{ source('company', 'support') }}

),

renamed as (

    select
        ---------- strings
        trim(timezone) as timezone,

        ---------- numerics
        cast(first_response_sla_minutes as integer) as first_response_sla_minutes,

        ---------- times
        cast(business_day_start as time) as business_day_start,
        cast(business_day_end as time) as business_day_end

    from source

)

select * from renamed
