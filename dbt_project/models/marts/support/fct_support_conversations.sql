{#
    One row per inbound support item: a Messenger conversation session (a new
    one after 24 hours of silence), or a public comment or mention (see
    int_support__items for the rules). First response time is wall-clock
    seconds from the customer's first message to the brand's first reply;
    the business-hours variant counts only the seconds inside the configured
    business hours. `is_within_sla` is null while an unanswered item is still
    inside its SLA at build time (business hours: inside its SLA in business
    time). Dates are in the company's time zone.
#}
with

items as (

    select * from {{ ref('int_support__items') }}

),

support as (

    select * from {{ ref('stg_company__support') }}

),

accounts as (

    select * from {{ ref('stg_company__accounts') }}
    where is_own

),

-- Business seconds waited: to the first reply, or until now while unanswered.
business_time as (

    {{ business_seconds(
        'items',
        'support_item_key',
        'first_inbound_at',
        "coalesce(first_reply_at, timezone('UTC', current_timestamp))",
    ) }}

),

timed as (

    select
        items.*,
        support.timezone,
        support.first_response_sla_minutes as sla_minutes,
        extract(epoch from items.first_reply_at) - extract(epoch from items.first_inbound_at)
            as first_response_seconds,
        case
            when items.first_reply_at is not null then business_time.business_seconds
        end as first_response_business_seconds,
        business_time.business_seconds as waited_business_seconds,
        cast(
            timezone(support.timezone, timezone('UTC', items.first_inbound_at)) as date
        ) as first_inbound_date
    from items
    left join business_time
        on items.support_item_key = business_time.support_item_key
    cross join support

),

final as (

    select
        ---------- ids
        timed.support_item_key,
        timed.account_id,
        timed.thread_id,
        timed.first_inbound_id,
        timed.first_reply_id,
        timed.author_id,

        ---------- strings
        timed.channel,
        timed.platform,
        accounts.account_name,
        timed.author_name,
        timed.inbound_text,
        timed.url,
        timed.timezone,

        ---------- numerics
        timed.session_number,
        timed.inbound_messages,
        timed.sla_minutes,
        timed.first_response_seconds,
        timed.first_response_business_seconds,

        ---------- booleans
        timed.is_direct_message,
        timed.is_question,
        timed.is_complaint,
        timed.needs_response,
        timed.first_reply_at is not null as is_answered,
        case
            when timed.first_reply_at is not null
                then timed.first_response_seconds <= timed.sla_minutes * 60
            when
                timezone('UTC', current_timestamp)
                > timed.first_inbound_at + to_minutes(timed.sla_minutes)
                then false
        end as is_within_sla,
        case
            when
                timed.first_reply_at is not null
                or timed.waited_business_seconds > timed.sla_minutes * 60
                then timed.waited_business_seconds <= timed.sla_minutes * 60
        end as is_within_sla_business_hours,
        timed.is_history_incomplete,

        ---------- dates
        timed.first_inbound_date,
        date_trunc('month', timed.first_inbound_date) as first_inbound_month,

        ---------- timestamps
        timed.first_inbound_at,
        timed.first_reply_at

    from timed
    left join accounts
        on
            timed.platform = accounts.platform
            and timed.account_id = accounts.account_id

)

select * from final
