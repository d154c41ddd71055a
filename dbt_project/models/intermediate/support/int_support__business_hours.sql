{#
    Business hours are wall-clock hours in the company's time zone, so each
    business day is turned into UTC with that day's offset: 09:00 in
    Europe/London is 09:00 UTC in winter and 08:00 UTC in summer, and the
    days the clocks change get their own offset (local_to_utc). The calendar
    is fixed by vars, not by the data, so the model never depends on "now".
#}
with

support as (

    select * from {{ ref('stg_company__support') }}

),

business_days as (

    select * from {{ ref('stg_company__business_days') }}

),

calendar as (

    select
        {{ day_series(
            "cast('" ~ var('business_hours_first_date') ~ "' as date)",
            "cast('" ~ var('business_hours_last_date') ~ "' as date)"
        ) }} as business_date

),

local_windows as (

    select
        calendar.business_date,
        business_days.iso_weekday,
        support.timezone,
        calendar.business_date + support.business_day_start as opens_at_local,
        calendar.business_date + support.business_day_end as closes_at_local

    from calendar
    inner join business_days
        on extract(isodow from calendar.business_date) = business_days.iso_weekday
    cross join support

),

final as (

    select
        ---------- ids
        business_date,

        ---------- strings
        timezone,

        ---------- numerics
        iso_weekday,

        ---------- timestamps
        {{ local_to_utc('opens_at_local', 'timezone') }} as opens_at,
        {{ local_to_utc('closes_at_local', 'timezone') }} as closes_at

    from local_windows

)

select * from final
