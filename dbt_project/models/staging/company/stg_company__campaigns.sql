with

source as (

    select * from {{ source('company', 'campaigns') }}

),

renamed as (

    select
        ---------- ids
        trim(name) as campaign_name,
        lower(trim(utm_campaign)) as utm_campaign,

        ---------- strings
        lower(trim(type)) as campaign_type,
        lower(trim(platform)) as platform,
        upper(trim(currency)) as currency,
        upper(trim(reporting_currency)) as reporting_currency,
        goal,
        notes,

        ---------- numerics
        cast(cost as decimal(18, 4)) as cost_amount,
        cast(fx_rate as decimal(18, 6)) as fx_rate,
        cast(cost_in_reporting_currency as decimal(18, 2)) as cost_in_reporting_currency,

        ---------- dates
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date

    from source

)

select * from renamed
