{#
    Each campaign's days and the days of its baseline: the same number of days,
    moved back by whole weeks (7 x ceil(campaign days / 7)), so every campaign
    day has a baseline day on the same weekday and the two windows never overlap.
#}
with

campaigns as (

    select * from {{ ref('stg_company__campaigns') }}

),

traffic as (

    select * from {{ ref('int_google_analytics__traffic_classified') }}

),

account_daily as (

    select * from {{ ref('int_account_daily__unioned') }}

),

company_accounts as (

    select * from {{ ref('stg_company__accounts') }}

),

windows as (

    select
        campaign_name,
        utm_campaign,
        platform,
        start_date,
        end_date,
        7 * cast(ceil(({{ dbt.datediff('start_date', 'end_date', 'day') }} + 1) / 7) as integer)
            as baseline_offset_days
    from campaigns

),

campaign_days as (

    select
        campaign_name,
        utm_campaign,
        platform,
        baseline_offset_days,
        'campaign' as day_role,
        {{ day_series('start_date', 'end_date') }} as metric_date
    from windows

    union all

    select
        campaign_name,
        utm_campaign,
        platform,
        baseline_offset_days,
        'baseline' as day_role,
        {{ day_series('start_date - baseline_offset_days', 'end_date - baseline_offset_days') }}
            as metric_date
    from windows

),

{# Web analytics covers every day from the first to the newest report date: a
   day inside that range without a matching row had no such sessions. GA4
   revises its newest days, so they are kept out of the uplift comparisons. #}
ga_coverage as (

    select
        min(report_date) as first_report_date,
        max(report_date) as last_report_date,
        max(report_date) - {{ var('ga_settling_days') }} as last_settled_date
    from traffic

),

{# The campaign's platform traffic: sessions referred by its social network
   (any medium) plus the sessions tagged with its utm_campaign from anywhere. #}
platform_traffic as (

    select
        campaign_days.campaign_name,
        campaign_days.metric_date,
        sum(traffic.sessions) as sessions,
        sum(traffic.engaged_sessions) as engaged_sessions,
        sum(traffic.key_events) as key_events,
        sum(traffic.total_revenue) as total_revenue,
        {% for column in ['sessions', 'engaged_sessions', 'key_events'] %}
        sum(
            case
                when
                    traffic.session_campaign_name = campaign_days.utm_campaign
                    then traffic.{{ column }}
            end
        )
            as campaign_{{ column }},
        {% endfor %}
        sum(
            case
                when
                    traffic.session_campaign_name = campaign_days.utm_campaign
                    then traffic.total_revenue
            end
        )
            as campaign_revenue
    from campaign_days
    inner join traffic
        on
            campaign_days.metric_date = traffic.report_date
            and (
                campaign_days.platform = traffic.platform
                or campaign_days.utm_campaign = traffic.session_campaign_name
            )
    group by 1, 2

),

own_accounts as (

    select
        account_daily.platform,
        account_daily.metric_date,
        sum(account_daily.engagements) as engagements,
        sum(account_daily.shares) as shares,
        sum(account_daily.followers_gained - account_daily.followers_lost) as net_follower_change
    from account_daily
    inner join company_accounts
        on
            account_daily.platform = company_accounts.platform
            and account_daily.account_id = company_accounts.account_id
    where company_accounts.is_own
    group by 1, 2

),

joined as (

    select
        campaign_days.campaign_name,
        campaign_days.day_role,
        campaign_days.metric_date,
        campaign_days.baseline_offset_days,
        coalesce(
            campaign_days.metric_date
            between ga_coverage.first_report_date and ga_coverage.last_report_date,
            false
        ) as has_web_data,
        coalesce(
            campaign_days.metric_date
            between ga_coverage.first_report_date and ga_coverage.last_settled_date,
            false
        ) as is_web_data_settled,
        platform_traffic.sessions,
        platform_traffic.engaged_sessions,
        platform_traffic.key_events,
        platform_traffic.total_revenue,
        platform_traffic.campaign_sessions,
        platform_traffic.campaign_engaged_sessions,
        platform_traffic.campaign_key_events,
        platform_traffic.campaign_revenue,
        own_accounts.engagements,
        own_accounts.shares,
        own_accounts.net_follower_change
    from campaign_days
    cross join ga_coverage
    left join platform_traffic
        on
            campaign_days.campaign_name = platform_traffic.campaign_name
            and campaign_days.metric_date = platform_traffic.metric_date
    left join own_accounts
        on
            campaign_days.platform = own_accounts.platform
            and campaign_days.metric_date = own_accounts.metric_date

),

final as (

    select
        ---------- ids
        campaign_name,

        ---------- strings
        day_role,

        ---------- numerics
        baseline_offset_days,
        {% for column in [
            'sessions', 'engaged_sessions', 'key_events', 'total_revenue',
            'campaign_sessions', 'campaign_engaged_sessions', 'campaign_key_events',
            'campaign_revenue',
        ] %}
        case when has_web_data then coalesce({{ column }}, 0) end as {{ column }},
        {% endfor %}
        engagements,
        shares,
        net_follower_change,

        ---------- booleans
        has_web_data,
        is_web_data_settled,

        ---------- dates
        metric_date,
        case
            when day_role = 'campaign' then metric_date - baseline_offset_days
            else metric_date + baseline_offset_days
        end as matched_date

    from joined

)

select * from final
