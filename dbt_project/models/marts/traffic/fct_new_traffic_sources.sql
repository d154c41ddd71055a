{#
    One row per GA4 property per session source first seen in the 30 days
    up to the property's newest report day (`as_of_date`, never the clock,
    so a rebuild gives the same answer), with at least
    var('new_traffic_source_min_sessions') sessions since that first day.
    Sources first seen on the property's first report day are left out: the
    warehouse cannot tell whether they are new.
#}

{%- set min_sessions = var('new_traffic_source_min_sessions') -%}

with

classified as (

    select * from {{ ref('int_google_analytics__traffic_classified') }}

),

property_days as (

    select
        property_id,
        min(report_date) as first_report_date,
        max(report_date) as as_of_date
    from classified
    group by 1

),

sources as (

    select
        property_id,
        session_source,
        min(report_date) as first_seen_date,
        sum(sessions) as sessions,
        sum(engaged_sessions) as engaged_sessions,
        sum(key_events) as key_events,
        sum(total_revenue) as total_revenue,
        {# A source has at most one seed match, so its rows carry one network,
           or 'Other social' / null by medium: max keeps the network. #}
        max(social_network) as social_network,
        bool_or(is_social_traffic) as is_social_traffic
    from classified
    group by 1, 2

),

aged as (

    select
        sources.*,
        property_days.first_report_date,
        property_days.as_of_date,
        property_days.as_of_date - sources.first_seen_date as days_since_first_seen
    from sources
    inner join property_days
        on sources.property_id = property_days.property_id

),

final as (

    select
        ---------- ids
        property_id,

        ---------- strings
        session_source,
        social_network,

        ---------- numerics
        cast(days_since_first_seen as {{ dbt.type_int() }}) as days_since_first_seen,
        cast(sessions as {{ dbt.type_bigint() }}) as sessions,
        cast(engaged_sessions as {{ dbt.type_bigint() }}) as engaged_sessions,
        cast(key_events as {{ dbt.type_bigint() }}) as key_events,
        cast(total_revenue as decimal(18, 2)) as total_revenue,

        ---------- booleans
        is_social_traffic,
        days_since_first_seen < 7 as is_new_in_last_7_days,
        days_since_first_seen < 30 as is_new_in_last_30_days,

        ---------- dates
        first_seen_date,
        as_of_date

    from aged
    where
        first_seen_date > first_report_date
        and days_since_first_seen < 30
        and sessions >= {{ min_sessions }}

)

select * from final
