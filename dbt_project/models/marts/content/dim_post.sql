with

posts as (

    select * from {{ ref('int_posts__unioned') }}

),

final as (

    select
        ---------- ids
        post_key,
        account_key,
        platform,
        post_id,
        account_id,

        ---------- strings
        post_format,
        platform_post_type,
        message,
        permalink_url,

        ---------- dates
        created_date,

        ---------- timestamps
        created_at

    from posts

)

select * from final
