{#
    Everything someone sent the brand that may want an answer, one row per
    support item, with the brand's first reply:
    - `messenger`: a Facebook Page conversation is split into sessions. A
      customer message starts a new session when it comes 24 hours or more
      after the previous message in the thread (by anyone); the Page's
      messages never start one. The session's first response is the Page's
      first message after the customer's first message in the session.
    - `facebook_comment`, `instagram_comment`: a top-level comment on an own
      post by someone other than the brand; the response is the brand's
      first reply to it.
    - `x_mention`: a tweet mentioning the own account by someone else; the
      response is the own account's first reply to it.
    Direct messages always need an answer; a public item needs one when it
    asks a question (holds a "?") or complains (holds a configured complaint
    keyword as a whole word, any case). All times are UTC.
#}
{%- set complaint_regex -%}
'(^|[^\pL\pN_])(' || string_agg(keyword_regex, '|' order by keyword) || ')([^\pL\pN_]|$)'
{%- endset %}

with

messages as (

    select * from {{ ref('stg_facebook_pages__messages') }}

),

facebook_comments as (

    select * from {{ ref('stg_facebook_pages__comments') }}

),

instagram_comments as (

    select * from {{ ref('int_instagram__comments') }}

),

x_mentions as (

    select * from {{ ref('stg_x__mentions') }}

),

x_replies as (

    select * from {{ ref('stg_x__replies') }}

),

complaint_keywords as (

    select * from {{ ref('stg_company__complaint_keywords') }}

),

-- Messenger: number the sessions of each conversation.
message_gaps as (

    select
        *,
        lag(created_at) over (
            partition by conversation_id order by created_at, message_id
        ) as previous_message_at
    from messages

),

session_starts as (

    select
        *,
        case
            when
                not is_page_message
                and (
                    previous_message_at is null
                    or created_at >= previous_message_at + interval 24 hour
                )
                then 1
            else 0
        end as starts_session
    from message_gaps

),

numbered_messages as (

    select
        *,
        sum(starts_session) over (
            partition by conversation_id
            order by created_at, message_id
            rows between unbounded preceding and current row
        ) as session_number
    from session_starts

),

session_first_inbound as (

    select
        *,
        min(created_at) filter (where not is_page_message) over (
            partition by conversation_id, session_number
        ) as first_inbound_at
    from numbered_messages

),

messenger_sessions as (

    select
        'messenger:' || conversation_id || ':' || session_number as support_item_key,
        'messenger' as channel,
        'facebook_pages' as platform,
        any_value(account_id) as account_id,
        conversation_id as thread_id,
        session_number,
        arg_min(message_id, created_at) filter (where not is_page_message)
            as first_inbound_id,
        arg_min(author_id, created_at) filter (where not is_page_message) as author_id,
        arg_min(author_name, created_at) filter (where not is_page_message) as author_name,
        arg_min(message, created_at) filter (where not is_page_message) as inbound_text,
        cast(null as {{ dbt.type_string() }}) as url,
        count(*) filter (where not is_page_message) as inbound_messages,
        true as is_direct_message,
        false as is_history_incomplete,
        min(first_inbound_at) as first_inbound_at,
        min(created_at) filter (where is_page_message and created_at > first_inbound_at)
            as first_reply_at,
        arg_min(message_id, created_at) filter (
            where is_page_message and created_at > first_inbound_at
        ) as first_reply_id
    from session_first_inbound
    group by conversation_id, session_number  -- noqa: AM06
    having count(*) filter (where not is_page_message) > 0

),

-- Messages Graph reported but that were never landed: they fell out of the
-- 20 readable before an extraction saw them.
incomplete_conversations as (

    select conversation_id
    from messages
    group by 1
    having max(conversation_message_count) > count(*)

),

messenger_items as (

    select
        * replace (
            thread_id in (
                select incomplete.conversation_id from incomplete_conversations as incomplete
            ) as is_history_incomplete
        )
    from messenger_sessions

),

-- Comments: a top-level comment and the brand's first reply under it.
facebook_brand_replies as (

    select
        parent_comment_id,
        min(created_at) as first_reply_at,
        arg_min(comment_id, created_at) as first_reply_id
    from facebook_comments
    where is_page_reply and parent_comment_id is not null
    group by 1

),

facebook_items as (

    select
        'facebook_comment:' || comments.comment_id as support_item_key,
        'facebook_comment' as channel,
        'facebook_pages' as platform,
        comments.account_id,
        comments.post_id as thread_id,
        0 as session_number,
        comments.comment_id as first_inbound_id,
        comments.author_id,
        comments.author_name,
        comments.message as inbound_text,
        'https://www.facebook.com/' || comments.comment_id as url,
        1 as inbound_messages,
        false as is_direct_message,
        false as is_history_incomplete,
        comments.created_at as first_inbound_at,
        replies.first_reply_at,
        replies.first_reply_id
    from facebook_comments as comments
    left join facebook_brand_replies as replies
        on
            comments.comment_id = replies.parent_comment_id
            and comments.created_at <= replies.first_reply_at
    where comments.parent_comment_id is null and not comments.is_page_reply

),

instagram_brand_replies as (

    select
        parent_comment_id,
        min(created_at) as first_reply_at,
        arg_min(comment_id, created_at) as first_reply_id
    from instagram_comments
    where is_account_reply and parent_comment_id is not null
    group by 1

),

instagram_items as (

    select
        'instagram_comment:' || comments.comment_id as support_item_key,
        'instagram_comment' as channel,
        'instagram' as platform,
        comments.account_id,
        comments.media_id as thread_id,
        0 as session_number,
        comments.comment_id as first_inbound_id,
        cast(null as {{ dbt.type_string() }}) as author_id,
        comments.author_username as author_name,
        comments.comment_text as inbound_text,
        cast(null as {{ dbt.type_string() }}) as url,
        1 as inbound_messages,
        false as is_direct_message,
        false as is_history_incomplete,
        comments.created_at as first_inbound_at,
        replies.first_reply_at,
        replies.first_reply_id
    from instagram_comments as comments
    left join instagram_brand_replies as replies
        on
            comments.comment_id = replies.parent_comment_id
            and comments.created_at <= replies.first_reply_at
    where comments.parent_comment_id is null and not comments.is_account_reply

),

-- X: a mention of the own account and the own account's first reply to it.
x_brand_replies as (

    select
        account_id,
        replied_to_tweet_id,
        min(created_at) as first_reply_at,
        arg_min(tweet_id, created_at) as first_reply_id
    from x_replies
    where replied_to_tweet_id is not null
    group by 1, 2

),

x_items as (

    select
        'x_mention:' || mentions.tweet_id as support_item_key,
        'x_mention' as channel,
        'x' as platform,
        mentions.account_id,
        mentions.conversation_id as thread_id,
        0 as session_number,
        mentions.tweet_id as first_inbound_id,
        mentions.author_id,
        mentions.author_username as author_name,
        mentions.text as inbound_text,
        'https://x.com/'
        || coalesce(mentions.author_username, 'i/web')
        || '/status/'
        || mentions.tweet_id as url,
        1 as inbound_messages,
        false as is_direct_message,
        false as is_history_incomplete,
        mentions.created_at as first_inbound_at,
        replies.first_reply_at,
        replies.first_reply_id
    from x_mentions as mentions
    left join x_brand_replies as replies
        on
            mentions.account_id = replies.account_id
            and mentions.tweet_id = replies.replied_to_tweet_id
            and mentions.created_at <= replies.first_reply_at
    where mentions.author_id is distinct from mentions.account_id

),

unioned as (

    select * from messenger_items
    union all
    select * from facebook_items
    union all
    select * from instagram_items
    union all
    select * from x_items

),

complaint_pattern as (

    -- Whole words: a letter, digit or _ on either side rules a match out.
    select {{ complaint_regex }} as pattern
    from complaint_keywords

),

final as (

    select
        ---------- ids
        unioned.support_item_key,
        unioned.account_id,
        unioned.thread_id,
        unioned.first_inbound_id,
        unioned.first_reply_id,
        unioned.author_id,

        ---------- strings
        unioned.channel,
        unioned.platform,
        unioned.author_name,
        unioned.inbound_text,
        unioned.url,

        ---------- numerics
        unioned.session_number,
        unioned.inbound_messages,

        ---------- booleans
        unioned.is_direct_message,
        contains(coalesce(unioned.inbound_text, ''), '?') as is_question,
        coalesce(
            regexp_matches(
                lower(coalesce(unioned.inbound_text, '')),
                -- one constant pattern, compiled once (macros/text.sql)
                {{ constant_pattern(
                    ref('stg_company__complaint_keywords'),
                    complaint_regex,
                    'complaint_pattern.pattern',
                ) }}
            ),
            false
        ) as is_complaint,
        unioned.is_history_incomplete,

        ---------- timestamps
        unioned.first_inbound_at,
        unioned.first_reply_at

    from unioned
    left join complaint_pattern on true

)

select
    *,
    is_direct_message or is_question or is_complaint as needs_response
from final
