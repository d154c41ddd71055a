"""Mentions of the company's own X account, and the account's replies to them: the support inbox.

A **mention** of an account is any tweet in the listening corpus (``demo.generator.mentions``) whose
text names ``@<username>`` (case-insensitive): the brand tweets that carry ``@lumostrollers`` as
their tag, and the tweets addressed to the brand (questions, complaints, praise). Recent search for
``@lumostrollers`` and ``GET /2/users/:id/mentions`` therefore agree, tweet for tweet.

The own account **replies** (``in_reply_to_user_id`` = the mention's author, ``referenced_tweets``
``replied_to`` the mention, ``conversation_id`` the mention's conversation):

* to every mention that needs it by design: a question (its text has a ``?``) or a complaint (true
  sentiment negative, or part of the incident). Delays are lognormal, median 30 minutes, capped at
  200 minutes: about 30 % take longer than a 60-minute target;
* on the incident days (2026-11-17/18), of the incident complaints, half are answered 2-10 hours
  late and ``INCIDENT_NEVER`` never; the rest as usual;
* to one in five of the other mentions (praise, plain statements), with the same delays;
* sometimes twice (a follow-up), so "first reply" is a choice the warehouse must make.

Replies are tweets of kind ``reply`` on the account's timeline, left out by ``exclude=replies``
(so the own-post truth in ``demo.generator.x`` is unchanged) and not counted in the user object's
``tweet_count``. They are created up to about 13 hours after their mention, possibly on the next
UTC day, and exist on ``as_of`` when created before as_of 00:00 UTC; none is ever deleted. Only own
accounts (``is_own``) reply; competitors' mentions are served but never answered here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from demo.generator import mentions as listening
from demo.generator import x as data
from demo.generator.common import days, seeded, utc_midnight

MEDIAN_DELAY_MINUTES = 30.0
DELAY_SIGMA = 1.25
"""Lognormal spread of reply delays: P(delay > 60 min) = P(Z > ln 2 / 1.25), about 0.29."""
MAX_DELAY_MINUTES = 200.0
LATE_MINUTES = (120.0, 600.0)
"""Late incident answers: 2 to 10 hours."""
INCIDENT_LATE = 0.5
INCIDENT_NEVER = 0.15
OPTIONAL_REPLY_RATE = 0.2
"""Share of mentions that need no reply (praise, statements) that get one anyway."""
FOLLOW_UP_RATE = 0.12
FOLLOW_UP_MINUTES = (20.0, 180.0)
REPLY_DAYS = 1
"""Replies come at most this many UTC days after their mention's day."""

REPLIES = {
    "complaint": (
        "So sorry to hear that! Please DM us your order number and we'll sort it today.",
        "We're really sorry. Our team is on it and will email you within the hour.",
        "That's not the experience we want for you. Could you DM us your postcode and order number?",
    ),
    "incident": (
        "We're so sorry. Please stop using the stroller and DM us: our safety team will call you today.",
        "Thank you for telling us. We are investigating urgently; please DM us your order number.",
    ),
    "question": (
        "Great question! Our help centre has the details, and we've sent you a DM with the link.",
        "Yes, it does! Happy to help with anything else.",
        "Thanks for asking: we've DMed you the details.",
    ),
    "other": (
        "Thank you, that's lovely to hear 💚",
        "Love this, thanks for sharing!",
        "Enjoy it, and give us a shout if you need anything.",
    ),
}
FOLLOW_UPS = (
    "Just checking in: did our DM reach you?",
    "Following up here: you should have an email from us now.",
)


@dataclass(frozen=True)
class Thread:
    """One mention of an own account and the account's replies to it, as designed."""

    mention: listening.Sighting
    account_id: str
    needs_reply: bool
    replies: tuple[data.Tweet, ...]
    """Oldest first; empty when the mention is never answered."""


def _mention_pattern(username: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)@{re.escape(username)}(?!\w)", re.IGNORECASE)


def needs_reply(mention: listening.Sighting) -> bool:
    """By design a mention needs a reply when it asks (``?``) or complains (negative, incident)."""
    return "?" in mention.text or mention.sentiment == "negative" or mention.incident


def mentions_on(account_id: str, day: date) -> tuple[listening.Sighting, ...]:
    """The corpus tweets created on UTC ``day`` that name ``@<username>`` of the account, oldest first."""
    pattern = _mention_pattern(data.x_account(account_id).username)
    found = [s for s in listening.sightings_on(day) if s.source == "x" and pattern.search(s.text)]
    return tuple(sorted(found, key=lambda s: (s.created_at, int(s.id))))


def _minutes(rng_minutes: float) -> timedelta:
    return timedelta(seconds=round(rng_minutes * 60))


def _kind(mention: listening.Sighting) -> str:
    if mention.incident:
        return "incident"
    if mention.sentiment == "negative":
        return "complaint"
    return "question" if "?" in mention.text else "other"


@lru_cache(maxsize=16_384)
def _thread(account_id: str, mention: listening.Sighting) -> Thread:
    account = data.x_account(account_id)
    needs = needs_reply(mention)
    rng = seeded("x-support", account.id, "reply", mention.id)
    usual = min(MAX_DELAY_MINUTES, max(1.0, rng.lognormvariate(math.log(MEDIAN_DELAY_MINUTES), DELAY_SIGMA)))
    draw, late, follow = rng.random(), rng.uniform(*LATE_MINUTES), rng.random()
    if not account.is_own:
        delay = None
    elif needs and mention.incident:
        delay = None if draw < INCIDENT_NEVER else late if draw < INCIDENT_NEVER + INCIDENT_LATE else usual
    elif needs:
        delay = usual
    else:
        delay = usual if draw < OPTIONAL_REPLY_RATE else None
    if delay is None:
        return Thread(mention, account.id, needs, ())
    author = mention.author
    assert author is not None, "mention tweets have authors"
    moments = [mention.created_at + _minutes(delay)]
    texts = [rng.choice(REPLIES[_kind(mention)])]
    if needs and follow < FOLLOW_UP_RATE:
        moments.append(moments[0] + _minutes(rng.uniform(*FOLLOW_UP_MINUTES)))
        texts.append(rng.choice(FOLLOW_UPS))
    replies = []
    for moment, text in zip(moments, texts, strict=True):
        tweet_id = data.snowflake(moment, rng.getrandbits(22))
        impressions = int(rng.uniform(20, 260))
        likes = int(impressions * rng.uniform(0.0, 0.03))
        replies.append(
            data.Tweet(
                id=tweet_id,
                account_id=account.id,
                created_at=moment,
                kind="reply",
                text=f"@{author.username} {text}",
                media=(),
                urls=(),
                referenced=(("replied_to", mention.id),),
                in_reply_to_user_id=author.id,
                conversation_id=mention.id,  # a mention starts its own conversation in the demo
                final=data.Metrics(impressions, likes, 0, int(likes * 0.3), 0, 0),
                deleted_on=None,
            )
        )
    return Thread(mention, account.id, needs, tuple(replies))


def threads_on(account_id: str, day: date) -> tuple[Thread, ...]:
    """The threads of the mentions created on UTC ``day``, oldest mention first."""
    return tuple(_thread(account_id, m) for m in mentions_on(account_id, day))


@lru_cache(maxsize=8_192)
def replies_on(account_id: str, day: date) -> tuple[data.Tweet, ...]:
    """The account's replies to mentions created on UTC ``day`` (whatever the mention's day), oldest first."""
    found = [
        reply
        for mention_day in days(day - timedelta(days=REPLY_DAYS), day)
        for thread in threads_on(account_id, mention_day)
        for reply in thread.replies
        if reply.created_date == day
    ]
    return tuple(sorted(found, key=lambda t: (t.created_at, int(t.id))))


def replies_between(account_id: str, since: datetime, until: datetime) -> list[data.Tweet]:
    """Replies with ``since <= created_at < until``, oldest first (the timeline's raw material)."""
    first = max(since.astimezone(UTC).date(), listening.MENTIONS_EPOCH)
    last = (until.astimezone(UTC) - timedelta(microseconds=1)).date()
    return [
        reply
        for day in (days(first, last) if first <= last else ())
        for reply in replies_on(account_id, day)
        if since <= reply.created_at < until
    ]


def mentions_between(
    account_id: str, since: datetime, until: datetime, as_of: date
) -> list[listening.Sighting]:
    """Mentions with ``since <= created_at < until`` served on ``as_of``, newest first."""
    first = max(since.astimezone(UTC).date(), listening.MENTIONS_EPOCH)
    last = (until.astimezone(UTC) - timedelta(microseconds=1)).date()
    cutoff = utc_midnight(as_of)
    found = [
        s
        for day in (days(first, last) if first <= last else ())
        for s in mentions_on(account_id, day)
        if since <= s.created_at < until and s.created_at < cutoff
    ]
    return sorted(found, key=lambda s: int(s.id), reverse=True)


def find_reply(tweet_id: str) -> data.Tweet | None:
    """A support reply of any own account with this id (the id tells its day)."""
    try:
        day = data.snowflake_time(tweet_id).date()
    except (ValueError, OverflowError, OSError):
        return None
    for account in data.X_ACCOUNTS:
        if account.is_own:
            for reply in replies_on(account.id, day):
                if reply.id == tweet_id:
                    return reply
    return None


# Ground truth.


def mention_threads(user_id: str, start: date, end: date, as_of: date) -> list[dict]:
    """One row per mention of ``user_id`` created on a UTC day ``start``..``end`` and visible on
    ``as_of`` (created before as_of 00:00 UTC; the API's 7-day reach is not applied: the warehouse
    keeps what earlier runs landed), oldest first, with the first reply visible on ``as_of``.

    ``needs_reply_by_design``: a question or a complaint (see :func:`needs_reply`).
    ``first_reply_at``/``reply_tweet_id``: the earliest own reply created before as_of 00:00 UTC,
    or None (never answered, or not yet by then).
    """
    account = data.x_account(user_id)
    cutoff = utc_midnight(as_of)
    rows = []
    for day in days(max(start, listening.MENTIONS_EPOCH), end):
        for thread in threads_on(account.id, day):
            mention = thread.mention
            if mention.created_at >= cutoff:
                continue
            seen = [r for r in thread.replies if r.created_at < cutoff]
            first = seen[0] if seen else None
            author = mention.author
            rows.append(
                {
                    "tweet_id": mention.id,
                    "account_id": account.id,
                    "created_at": mention.created_at,
                    "author_id": author.id if author else None,
                    "author_username": author.username if author else None,
                    "text": mention.text,
                    "sentiment": mention.sentiment,
                    "is_incident": mention.incident,
                    "needs_reply_by_design": thread.needs_reply,
                    "first_reply_at": first.created_at if first else None,
                    "reply_tweet_id": first.id if first else None,
                }
            )
    return rows
