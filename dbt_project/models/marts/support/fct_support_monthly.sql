{#
    First-response statistics per month (company time zone) of the items'
    first inbound message, by channel and account, plus an 'all' row per
    month.
#}
with

stats as (

    {{ support_response_stats('first_inbound_month') }}

)

select * from stats
