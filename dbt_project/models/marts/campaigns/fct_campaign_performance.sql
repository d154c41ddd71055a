with

campaigns as (

    select * from {{ ref('stg_company__campaigns') }}

),

daily as (

    select * from {{ ref('int_campaigns__daily') }}

),

uplift as (

    select * from {{ ref('int_campaigns__uplift') }}

),

{# Status is told against the newest web analytics day, never the clock. #}
web_extent as (

    select max(report_date) as as_of_date
    from {{ ref('stg_google_analytics__traffic') }}

),

baseline_offsets as (

    select distinct
        campaign_name,
        baseline_offset_days
    from daily

),

{# What happened during the campaign window, on the days the warehouse has. #}
campaign_window as (

    select
        campaign_name,
        count(*) as campaign_days,
        cast(count(case when has_web_data then 1 end) as integer) as days_with_web_data,
        max(case when has_web_data then metric_date end) as web_data_through,
        sum(campaign_sessions) as sessions,
        sum(campaign_engaged_sessions) as engaged_sessions,
        sum(campaign_key_events) as key_events,
        sum(campaign_revenue) as revenue,
        sum(sessions) as platform_sessions,
        sum(key_events) as platform_key_events,
        sum(engagements) as platform_engagements,
        sum(shares) as platform_shares,
        sum(net_follower_change) as net_follower_change,
        cast(count(net_follower_change) as integer) as days_with_follower_change
    from daily
    where day_role = 'campaign'
    group by 1

),

uplift_by_metric as (

    select
        campaign_name,
        max(case when metric = 'sessions' then relative_uplift end) as sessions_uplift,
        max(case when metric = 'sessions' then relative_uplift_ci_low end)
            as sessions_uplift_ci_low,
        max(case when metric = 'sessions' then relative_uplift_ci_high end)
            as sessions_uplift_ci_high,
        max(case when metric = 'sessions' then pair_days end) as sessions_uplift_days,
        max(case when metric = 'sessions' then uplift_per_day end) as sessions_change_per_day,
        max(case when metric = 'sessions' then baseline_daily_mean end)
            as sessions_baseline_per_day,
        max(case when metric = 'sessions' then verdict end) as sessions_verdict,
        max(case when metric = 'key_events' then relative_uplift end) as key_events_uplift,
        max(case when metric = 'key_events' then relative_uplift_ci_low end)
            as key_events_uplift_ci_low,
        max(case when metric = 'key_events' then relative_uplift_ci_high end)
            as key_events_uplift_ci_high,
        max(case when metric = 'key_events' then pair_days end) as key_events_uplift_days,
        max(case when metric = 'key_events' then uplift_per_day end) as key_events_change_per_day,
        max(case when metric = 'key_events' then baseline_daily_mean end)
            as key_events_baseline_per_day,
        max(case when metric = 'key_events' then verdict end) as key_events_verdict,
        max(case when metric = 'engagements' then relative_uplift end) as engagements_uplift,
        max(case when metric = 'engagements' then relative_uplift_ci_low end)
            as engagements_uplift_ci_low,
        max(case when metric = 'engagements' then relative_uplift_ci_high end)
            as engagements_uplift_ci_high,
        max(case when metric = 'engagements' then pair_days end) as engagements_uplift_days,
        max(case when metric = 'engagements' then uplift_per_day end) as engagements_change_per_day,
        max(case when metric = 'engagements' then baseline_daily_mean end)
            as engagements_baseline_per_day,
        max(case when metric = 'engagements' then verdict end) as engagements_verdict
    from uplift
    group by 1

),

final as (

    select
        ---------- ids
        campaigns.campaign_name,
        campaigns.utm_campaign,

        ---------- strings
        campaigns.campaign_type,
        campaigns.platform,
        campaigns.goal,
        campaigns.currency,
        campaigns.reporting_currency,
        case
            when web_extent.as_of_date is null then null
            when web_extent.as_of_date < campaigns.start_date then 'not started'
            when web_extent.as_of_date < campaigns.end_date then 'running'
            else 'finished'
        end as campaign_status,
        uplift_by_metric.sessions_verdict,
        uplift_by_metric.key_events_verdict,
        uplift_by_metric.engagements_verdict,

        ---------- numerics
        campaigns.cost_amount,
        campaigns.cost_in_reporting_currency as cost,
        campaign_window.campaign_days,
        campaign_window.days_with_web_data,
        campaign_window.sessions,
        campaign_window.engaged_sessions,
        campaign_window.key_events,
        campaign_window.revenue,
        {{ safe_divide(
            'campaign_window.revenue - campaigns.cost_in_reporting_currency',
            'campaigns.cost_in_reporting_currency',
        ) }} as roi,
        {{ safe_divide('campaigns.cost_in_reporting_currency', 'campaign_window.sessions') }}
            as cost_per_session,
        {{ safe_divide('campaigns.cost_in_reporting_currency', 'campaign_window.key_events') }}
            as cost_per_key_event,
        campaign_window.platform_sessions,
        campaign_window.platform_key_events,
        campaign_window.platform_engagements,
        campaign_window.platform_shares,
        campaign_window.net_follower_change,
        campaign_window.days_with_follower_change,
        {% for metric in ['sessions', 'key_events', 'engagements'] %}
        uplift_by_metric.{{ metric }}_uplift,
        uplift_by_metric.{{ metric }}_uplift_ci_low,
        uplift_by_metric.{{ metric }}_uplift_ci_high,
        uplift_by_metric.{{ metric }}_uplift_days,
        uplift_by_metric.{{ metric }}_baseline_per_day,
        uplift_by_metric.{{ metric }}_change_per_day,
        {# The relative interval at the baseline's level: extra {{ metric }} a day. #}
        uplift_by_metric.{{ metric }}_baseline_per_day
        * uplift_by_metric.{{ metric }}_uplift_ci_low as {{ metric }}_change_per_day_ci_low,
        uplift_by_metric.{{ metric }}_baseline_per_day
        * uplift_by_metric.{{ metric }}_uplift_ci_high as {{ metric }}_change_per_day_ci_high,
        {% endfor %}

        ---------- dates
        campaigns.start_date,
        campaigns.end_date,
        campaigns.start_date - baseline_offsets.baseline_offset_days as baseline_start_date,
        campaigns.end_date - baseline_offsets.baseline_offset_days as baseline_end_date,
        campaign_window.web_data_through,
        web_extent.as_of_date

    from campaigns
    cross join web_extent
    left join campaign_window
        on campaigns.campaign_name = campaign_window.campaign_name
    left join uplift_by_metric
        on campaigns.campaign_name = uplift_by_metric.campaign_name
    left join baseline_offsets
        on campaigns.campaign_name = baseline_offsets.campaign_name

)

select * from final
