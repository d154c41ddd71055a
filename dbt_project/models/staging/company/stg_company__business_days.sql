with

source as (

    select * from {{ source('company', 'business_days') }}

),

renamed as (

    select
        ---------- ids
        cast(iso_weekday as integer) as iso_weekday,

        ---------- strings
        lower(trim(weekday)) as weekday_name

    from source

)

select * from renamed
