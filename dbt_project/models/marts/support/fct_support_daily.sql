{#
    First-response statistics per day (company time zone) of the items'
    first inbound message, by channel and account, plus an 'all' row per day.
#}
with

stats as (

    {{ support_response_stats('first_inbound_date') }}

)

select * from stats
