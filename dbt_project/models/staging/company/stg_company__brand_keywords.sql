{#
    Keywords become whole-word, case-insensitive RE2 patterns: metacharacters
    are escaped and whitespace runs match any whitespace. A word character on
    either side of the match rules it out, so `Lumo Strollers` does not match
    inside `Lumo Stroller`, and `#lumo` does not match `#lumostrollers`.
#}
with

source as (

    select * from {{ source('company', 'brand_keywords') }}

),

renamed as (

    select
        ---------- ids
        brand_id,

        ---------- strings
        brand,
        trim(keyword) as keyword,
        '(^|[^[:alnum:]_])'
        || {{ keyword_regex('keyword') }}
        || '($|[^[:alnum:]_])' as keyword_pattern,

        ---------- booleans
        cast(is_own as {{ dbt.type_boolean() }}) as is_own

    from source

)

select * from renamed
