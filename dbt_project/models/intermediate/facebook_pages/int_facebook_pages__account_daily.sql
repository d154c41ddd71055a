{#
    Facebook Page daily insights pivoted to one row per page per Pacific day.
    Graph reports day metrics for the Pacific day before `end_time`; staging
    already carries that day as metric_date. Metric -> column:
        page_follows                 -> followers (lifetime total at day end)
        page_daily_follows_unique    -> followers_gained
        page_daily_unfollows_unique  -> followers_lost
        page_post_engagements        -> engagements
        page_media_view              -> views (replaced page_impressions)
        page_total_media_view_unique -> reach
#}

with

page_insights as (

    select * from {{ ref('stg_facebook_pages__page_insights') }}

),

daily_values as (

    select
        account_id,
        metric_date,
        metric_name,
        metric_value
    from page_insights
    where
        metric_period = 'day'
        and metric_name in (
            'page_follows',
            'page_daily_follows_unique',
            'page_daily_unfollows_unique',
            'page_post_engagements',
            'page_media_view',
            'page_total_media_view_unique'
        )

),

pivoted as (

    select
        account_id,
        metric_date,
        max(case when metric_name = 'page_follows' then metric_value end) as followers,
        max(case when metric_name = 'page_daily_follows_unique' then metric_value end)
            as followers_gained,
        max(case when metric_name = 'page_daily_unfollows_unique' then metric_value end)
            as followers_lost,
        max(case when metric_name = 'page_post_engagements' then metric_value end)
            as engagements,
        max(case when metric_name = 'page_media_view' then metric_value end) as views,
        max(case when metric_name = 'page_total_media_view_unique' then metric_value end)
            as reach
    from daily_values
    group by 1, 2

),

final as (

    select
        ---------- ids
        'facebook_pages' as platform,
        account_id,

        ---------- numerics
        cast(followers as {{ dbt.type_bigint() }}) as followers,
        cast(followers_gained as {{ dbt.type_bigint() }}) as followers_gained,
        cast(followers_lost as {{ dbt.type_bigint() }}) as followers_lost,
        cast(engagements as {{ dbt.type_bigint() }}) as engagements,
        cast(views as {{ dbt.type_bigint() }}) as views,
        cast(reach as {{ dbt.type_bigint() }}) as reach,
        {# Graph reports no daily share count for a Page. #}
        cast(null as {{ dbt.type_bigint() }}) as shares,

        ---------- dates
        metric_date

    from pivoted

)

select * from final
