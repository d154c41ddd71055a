{#
    One row per stg_google_analytics__traffic row, with its social network and
    GA4's paid-medium flag. A session source is social when it equals a
    `source` of the social_traffic_sources seed or ends with '.' || source
    (l.facebook.com -> facebook.com), lowercased and trimmed, the longest
    match winning; or when its medium is one of GA4's social mediums (then
    the network is 'Other social' unless the source matched).

    Incremental (`replace_days` of whole report days, dbt_project.yml): a run
    classifies the days from incremental_rebuild_from() on, the only ones a
    load since the last run can have replaced (report_date is the raw
    partition's day). A changed social_traffic_sources seed reaches older
    days with --full-refresh.
#}
{%- set rebuild_from = incremental_rebuild_from('report_date') %}

{%- set social_mediums = [
    'social', 'social-network', 'social-media', 'sm', 'social network', 'social media',
] -%}
{%- set paid_medium_pattern = '^(.*cp.*|ppc|retargeting|paid.*)$' -%}

with

traffic as (

    select * from {{ ref('stg_google_analytics__traffic') }}
    {%- if rebuild_from %}
    where report_date >= {{ rebuild_from }}
    {%- endif %}

),

social_sources as (

    select
        lower(trim(source)) as social_source,
        social_network,
        nullif(trim(platform), '') as platform,
        category as social_category
    from {{ ref('social_traffic_sources') }}

),

session_sources as (

    select distinct
        session_source,
        lower(trim(session_source)) as normalized_source
    from traffic

),

candidate_matches as (

    select
        session_sources.session_source,
        social_sources.social_source,
        social_sources.social_network,
        social_sources.platform,
        social_sources.social_category,
        length(social_sources.social_source) as match_length
    from session_sources
    inner join social_sources
        on
            session_sources.normalized_source = social_sources.social_source
            or right(
                session_sources.normalized_source, length(social_sources.social_source) + 1
            ) = '.' || social_sources.social_source

),

source_matches as (

    {{ deduplicate(
        relation='candidate_matches',
        partition_by='session_source',
        order_by='match_length desc, social_source',
    ) }}

),

flagged as (

    select
        traffic.*,
        source_matches.social_source as matched_social_source,
        source_matches.social_network as matched_social_network,
        source_matches.platform as matched_platform,
        source_matches.social_category as matched_social_category,
        lower(trim(traffic.session_medium)) in (
            {%- for medium in social_mediums %}
            '{{ medium }}'{{ ',' if not loop.last }}
            {%- endfor %}
        ) as is_social_medium,
        coalesce(
            regexp_matches(lower(trim(traffic.session_medium)), '{{ paid_medium_pattern }}'),
            false
        ) as is_paid_traffic
    from traffic
    left join source_matches
        on traffic.session_source = source_matches.session_source

),

final as (

    select
        ---------- ids
        property_id,

        ---------- strings
        session_source,
        session_medium,
        session_campaign_name,
        session_default_channel_group,
        extract_run_id,
        source_file,
        load_run_id,
        matched_social_source,
        case
            when matched_social_source is not null then matched_social_network
            when is_social_medium then 'Other social'
        end as social_network,
        matched_platform as platform,
        case
            when matched_social_source is not null then matched_social_category
            when is_social_medium then 'social'
        end as social_category,

        ---------- numerics
        sessions,
        engaged_sessions,
        total_users,
        key_events,
        total_revenue,

        ---------- booleans
        matched_social_source is not null or is_social_medium as is_social_traffic,
        is_paid_traffic,

        ---------- dates
        report_date,

        ---------- timestamps
        extracted_at,
        loaded_at

    from flagged

)

select * from final
