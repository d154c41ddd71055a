{#
    "Is this better than before?" per campaign and metric: the campaign's days
    against their day_of_week-matched baseline days, in a quasi-Poisson model with
    one level per day_of_week and a campaign effect (method: DECISIONLOG.md).

    With the same weekdays in both windows the model's estimate of the rate
    ratio is campaign total / baseline total, and its fitted values are each
    day_of_week's combined total split in that ratio. The dispersion (Pearson
    chi-square / residual degrees of freedom) widens the Poisson interval by
    whatever extra day-to-day variation the data show.
#}
{%- set metrics = {'sessions': 'web', 'key_events': 'web', 'engagements': 'social'} -%}

with

daily as (

    select * from {{ ref('int_campaigns__daily') }}

),

metrics as (

    select unnest([{{ "'" ~ (metrics.keys() | join("', '")) ~ "'" }}]) as metric

),

campaign_metrics as (

    select distinct
        daily.campaign_name,
        metrics.metric
    from daily
    cross join metrics

),

{# One row per campaign day whose matched baseline day has data too. #}
pairs as (

    {% for metric, kind in metrics.items() %}
    select
        campaign_days.campaign_name,
        '{{ metric }}' as metric,
        dayofweek(campaign_days.metric_date) as day_of_week,
        cast(campaign_days.{{ metric }} as {{ dbt.type_float() }}) as campaign_value,
        cast(baseline_days.{{ metric }} as {{ dbt.type_float() }}) as baseline_value
    from daily as campaign_days
    inner join daily as baseline_days
        on
            campaign_days.campaign_name = baseline_days.campaign_name
            and campaign_days.matched_date = baseline_days.metric_date
            and baseline_days.day_role = 'baseline'
    where
        campaign_days.day_role = 'campaign'
        {% if kind == 'web' %}
        and campaign_days.is_web_data_settled
        and baseline_days.is_web_data_settled
        {% else %}
        and campaign_days.{{ metric }} is not null
        and baseline_days.{{ metric }} is not null
        {% endif %}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

by_weekday as (

    select
        campaign_name,
        metric,
        day_of_week,
        count(*) as day_count,
        sum(campaign_value) as campaign_total,
        sum(baseline_value) as baseline_total
    from pairs
    group by 1, 2, 3

),

totals as (

    select
        campaign_name,
        metric,
        cast(sum(day_count) as integer) as pair_days,
        sum(campaign_total) as campaign_total,
        sum(baseline_total) as baseline_total,
        {# Observations (two per pair) less one level per weekday and the effect. #}
        cast(2 * sum(day_count) - count(*) - 1 as integer) as residual_degrees_of_freedom,
        {{ safe_divide('sum(campaign_total)', 'sum(campaign_total) + sum(baseline_total)') }}
            as campaign_share
    from by_weekday
    group by 1, 2

),

fitted as (

    select
        pairs.campaign_name,
        pairs.metric,
        pairs.campaign_value,
        pairs.baseline_value,
        (by_weekday.campaign_total + by_weekday.baseline_total) / by_weekday.day_count
        * totals.campaign_share as campaign_fitted,
        (by_weekday.campaign_total + by_weekday.baseline_total) / by_weekday.day_count
        * (1 - totals.campaign_share) as baseline_fitted
    from pairs
    inner join by_weekday
        on
            pairs.campaign_name = by_weekday.campaign_name
            and pairs.metric = by_weekday.metric
            and pairs.day_of_week = by_weekday.day_of_week
    inner join totals
        on
            pairs.campaign_name = totals.campaign_name
            and pairs.metric = totals.metric

),

pearson as (

    select
        campaign_name,
        metric,
        sum(
            case
                when
                    campaign_fitted > 0
                    then power(campaign_value - campaign_fitted, 2) / campaign_fitted
                else 0
            end
            + case
                when
                    baseline_fitted > 0
                    then power(baseline_value - baseline_fitted, 2) / baseline_fitted
                else 0
            end
        ) as pearson_chi_square
    from fitted
    group by 1, 2

),

model as (

    select
        totals.campaign_name,
        totals.metric,
        totals.pair_days,
        totals.campaign_total,
        totals.baseline_total,
        totals.residual_degrees_of_freedom,
        {{ safe_divide('pearson.pearson_chi_square', 'totals.residual_degrees_of_freedom') }}
            as dispersion,
        case
            when totals.campaign_total > 0 and totals.baseline_total > 0
                then ln(totals.campaign_total / totals.baseline_total)
        end as log_rate_ratio
    from totals
    inner join pearson
        on
            totals.campaign_name = pearson.campaign_name
            and totals.metric = pearson.metric

),

intervals as (

    select
        *,
        {{ t_critical_975('residual_degrees_of_freedom') }}
        * sqrt(dispersion * (1 / campaign_total + 1 / baseline_total)) as log_half_width
    from model
    where
        log_rate_ratio is not null
        and pair_days >= {{ var('uplift_min_days') }}

),

final as (

    select
        ---------- ids
        campaign_metrics.campaign_name,
        campaign_metrics.metric,

        ---------- strings
        case
            when intervals.log_half_width is null then 'not enough data'
            when intervals.log_rate_ratio - intervals.log_half_width > 0 then 'better'
            when intervals.log_rate_ratio + intervals.log_half_width < 0 then 'worse'
            else 'no detectable change'
        end as verdict,

        ---------- numerics
        coalesce(model.pair_days, 0) as pair_days,
        model.campaign_total,
        model.baseline_total,
        model.campaign_total / model.pair_days as campaign_daily_mean,
        model.baseline_total / model.pair_days as baseline_daily_mean,
        (model.campaign_total - model.baseline_total) / model.pair_days as uplift_per_day,
        exp(intervals.log_rate_ratio) - 1 as relative_uplift,
        exp(intervals.log_rate_ratio - intervals.log_half_width) - 1 as relative_uplift_ci_low,
        exp(intervals.log_rate_ratio + intervals.log_half_width) - 1 as relative_uplift_ci_high,
        model.dispersion,
        model.residual_degrees_of_freedom

    from campaign_metrics
    left join model
        on
            campaign_metrics.campaign_name = model.campaign_name
            and campaign_metrics.metric = model.metric
    left join intervals
        on
            campaign_metrics.campaign_name = intervals.campaign_name
            and campaign_metrics.metric = intervals.metric

)

select * from final
