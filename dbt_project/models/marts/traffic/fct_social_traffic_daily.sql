{#
    One row per GA4 property per report day per social network: the social
    traffic of int_google_analytics__traffic_classified summed over sources,
    mediums and campaigns. Rates are ratios of the row's sums. Traffic from a
    network where the company runs no account of its own (lnkd.in without a
    LinkedIn page) is social traffic all the same: it is carried in full,
    with `platform` null, so a join to dim_account never points nowhere.

    Incremental (`replace_days` of whole report days, dbt_project.yml): a run
    rebuilds the days from incremental_rebuild_from() on (GA4's revisions of
    settling days fall inside the look-back), and every day an own-account
    change restates. A new line in the seed needs --full-refresh.
#}
{%- set rebuild_from = incremental_rebuild_from('report_date') %}

with

classified as (

    select * from {{ ref('int_google_analytics__traffic_classified') }}

),

own_platforms as (

    select distinct platform
    from {{ ref('stg_company__accounts') }}
    where is_own

),
{%- if rebuild_from %}

-- An own account added or removed in the configuration changes `platform` on every day.
restated_days as (

    select distinct built.report_date
    from {{ this }} as built
    left join own_platforms
        on built.network_platform = own_platforms.platform
    where built.platform is distinct from own_platforms.platform

),
{%- endif %}

social_traffic as (

    select * from classified
    where
        is_social_traffic
    {%- if rebuild_from %}
    and (
        report_date >= {{ rebuild_from }}
        or report_date in (select restated_days.report_date from restated_days)
    )
    {%- endif %}

),

daily as (

    select
        property_id,
        report_date,
        social_network,
        max(platform) as platform,
        max(social_category) as social_category,
        sum(sessions) as sessions,
        sum(engaged_sessions) as engaged_sessions,
        sum(total_users) as total_users,
        sum(key_events) as key_events,
        sum(total_revenue) as total_revenue,
        sum(case when is_paid_traffic then sessions else 0 end) as paid_sessions,
        sum(case when is_paid_traffic then 0 else sessions end) as organic_sessions
    from social_traffic
    group by 1, 2, 3

),

final as (

    select
        ---------- ids
        daily.property_id,

        ---------- strings
        daily.social_network,
        own_platforms.platform,
        daily.platform as network_platform,
        daily.social_category,

        ---------- numerics
        cast(daily.sessions as {{ dbt.type_bigint() }}) as sessions,
        cast(daily.engaged_sessions as {{ dbt.type_bigint() }}) as engaged_sessions,
        cast(daily.total_users as {{ dbt.type_bigint() }}) as total_users,
        cast(daily.key_events as {{ dbt.type_bigint() }}) as key_events,
        cast(daily.total_revenue as decimal(18, 2)) as total_revenue,
        cast(daily.paid_sessions as {{ dbt.type_bigint() }}) as paid_sessions,
        cast(daily.organic_sessions as {{ dbt.type_bigint() }}) as organic_sessions,
        {{ safe_divide('daily.engaged_sessions', 'daily.sessions') }} as engagement_rate,
        {{ safe_divide('daily.key_events', 'daily.sessions') }} as key_event_rate,

        ---------- dates
        daily.report_date

    from daily
    left join own_platforms on daily.platform = own_platforms.platform

)

select * from final
