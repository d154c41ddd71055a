{#
    Words that mark a public comment or mention as a complaint needing an
    answer (config `support.complaint_keywords`), lower-cased, each with its
    RE2 pattern (metacharacters escaped; boundaries are added where matched).
#}
with

source as (

    select * from {{ source('company', 'complaint_keywords') }}

),

renamed as (

    select
        ---------- strings
        lower(trim(keyword)) as keyword,
        lower({{ keyword_regex('keyword') }}) as keyword_regex

    from source

)

select * from renamed
