"""Messenger conversations between customers and the demo company's own Facebook Pages, and their
ground truth: the support inbox the first-response-time mart reads.

A **conversation** (thread) is one customer (an app-scoped id and a name) with one Page; it
always opens with a customer message. Every thread is a pure function of its Page, the UTC day
it was born and its number that day, so any process gets the same inbox, and the HTTP routes
are only views over these functions.

**Support sessions.** Customers come back, so a thread holds one or more sessions. The rule the
warehouse applies, and the truth below follows:

    A new support session starts at a *customer* message that comes **24 hours or more** after
    the previous message in the thread (by anyone). The first message of a thread starts one.
    Page messages never start a session.

A session's first response is the first Page message after its first customer message and
before the next session starts; the response time is the difference. A session can stay
unanswered.

How the data is designed around that rule:

* A planned session opens with a question or a complaint; the customer writes 1-3 messages,
  then the Page answers after a lognormal delay (median ``REPLY_MEDIAN_MINUTES`` = 35 minutes,
  about 28% beyond a 60-minute target, capped at ``REPLY_CAP_MINUTES`` = 200 so a 240-minute
  alert never fires in quiet periods); a little back-and-forth may follow.
* About a quarter of the threads come back for 2-3 sessions, days apart; ~5% are **long**
  (25-40 messages in 3-4 sessions over a few days, at most 10 messages a session, so no 24
  hours ever hold more than 20 messages of one thread and a daily extract reads all of them
  while older ones drop out of Graph's 20 readable).
* **Edge gaps**, on purpose: some returns come exactly ``23h30`` after the previous message (by
  the rule: *not* a new session, whatever the customer meant), ``24h30`` after it (a new
  session) or exactly ``24h00`` after it (a new session: the rule says "24 hours or more").
  Some threads end with a Page **follow-up** a day or more after the last message, answered
  quickly by the customer: Page messages never start a session, so that answer does not either.
* Sessions per day: ~12 on ``104729381726354`` (Lumo Strollers) and ~3 on ``187263549910273``.
  Every session of a quiet period is answered, but the designed one below.
* **Incident** (``comments.INCIDENT_DAYS``): extra complaint sessions on 2026-11-17 and
  2026-11-18 (``INCIDENT_SESSIONS``); half are answered late (2-10 hours), some never.
* **One designed unanswered complaint**: 2026-11-12 14:05 UTC on ``104729381726354``, in a quiet
  week, an angry refund demand (and a nudge 26 minutes later) that the Page never answers.
* About one opening message in forty carries HTML or script markup.
* A message is visible on ``as_of`` when created before ``as_of`` 00:00 UTC; a thread is
  visible once its first message is.

Ids: conversations ``t_`` + 15 digits (they encode the Page, the birth day and the number, so a
route finds a thread from its id), messages ``m_`` + URL-safe base64 like Graph's.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from demo import story
from demo.company import EPOCH, FACEBOOK_PAGES, FACEBOOK_PAGES_BY_ID, MAIN_PAGE, UK_PAGE
from demo.generator.comments import FIRST_NAMES, INCIDENT_DAYS, LAST_NAMES
from demo.generator.common import days, poisson, seeded, utc_midnight
from demo.generator.messages import COLOURS
from demo.generator.voices import BRAND_VOICES
from demo.story import story_moment

SESSION_GAP = timedelta(hours=24)
"""A customer message this long (or longer) after the previous message starts a new session."""
SESSIONS_PER_DAY: dict[str, float] = {MAIN_PAGE: 12.0, UK_PAGE: 3.0}
INCIDENT_FIRST_DAY_SESSIONS: dict[str, int] = {MAIN_PAGE: 25, UK_PAGE: 5}
INCIDENT_SESSIONS: dict[str, dict[date, int]] = {
    page: {day: int(count * strength) for day, strength in INCIDENT_DAYS.items()}
    for page, count in INCIDENT_FIRST_DAY_SESSIONS.items()
}
"""Extra complaint sessions (one new thread each) on the incident days: 25 and 12 on the busy Page."""
DESIGNED_UNANSWERED = (MAIN_PAGE, story_moment(story.UNANSWERED_COMPLAINT))
"""The one complaint of a quiet period the Page never answers."""

LONG_SHARE, RETURNING_SHARE = 0.05, 0.22
FOLLOW_UP_SHARE = 0.06
EDGE_GAPS: tuple[tuple[float, timedelta], ...] = (
    (0.12, timedelta(hours=23, minutes=30)),
    (0.12, timedelta(hours=24, minutes=30)),
    (0.05, timedelta(hours=24)),
)
"""(share of returns, silence before the return) for the designed edge cases of the 24-hour rule."""
MEAN_SESSIONS_PER_THREAD = 1.5
"""Roughly what the mix above gives (23h30 returns count as planned sessions); sets thread births."""
MAX_SESSION_MESSAGES = 10
MAX_THREAD_DAYS = 50
"""No thread has messages more than this many days after its birth day."""

REPLY_MEDIAN_MINUTES = 35.0
REPLY_SIGMA = 0.92
REPLY_CAP_MINUTES = 200.0
INCIDENT_LATE_SHARE, INCIDENT_NEVER_SHARE = 0.5, 0.12
HOSTILE_RATE = 1 / 40
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 9, 9, 9, 9, 8, 8, 8, 7, 5, 3, 2)
"""Relative chance of a session opening in each UTC hour."""

PRODUCTS = BRAND_VOICES["lumo"].products
QUESTIONS = (
    "Hi! Does the {product} fit in a small car boot?",
    "Hello, when will the {product} in {colour} be back in stock?",
    "Can I use the {product} from birth or do I need the carrycot?",
    "Hi, is there a rain cover that fits the {product}?",
    "What's the warranty on the {product}? Ours is 14 months old.",
    "Hi there, where is my order #{order}? It said 3 days.",
    "Do you ship to Ireland? Looking at the {product}.",
    "Can I swap the wheels on my {product} for the all-terrain ones?",
)
COMPLAINTS = (
    "My {product} arrived with a broken wheel. Order #{order}. Not happy.",
    "The brake on my {product} keeps slipping. What do I do?",
    "Still waiting for my refund for order #{order}, it's been two weeks!",
    "The canopy clip on the {product} snapped after a month. Is this covered?",
    "Your courier left my {product} out in the rain. The box is soaked, why?",
)
HOSTILE_OPENERS = (
    "<script>alert('lumostrollers')</script> where is my {product}??",
    "<img src=x onerror=alert(1)> is the {product} safe for newborns?",
    'Why does <b>nobody</b> answer about order {order}? <a href="javascript:alert(1)">see here</a>',
)
INCIDENT_OPENERS = (
    "My {product} folded while my baby was in it!! How is this safe?",
    "Just saw the news about the {product} folding. Mine did the same yesterday. What are you doing?",
    "Is my {product} part of the folding problem? I'm scared to use it now.",
    "I want a refund for my {product} after what happened. Please call me.",
)
DESIGNED_TEXTS = (
    "Third time I'm writing. The {product} brake failed AGAIN and I want a full refund, not another "
    "'we're looking into it'. Order #{order}.",
    "Hello?? Is anyone reading these? I want my refund.",
)
CUSTOMER_EXTRAS = (
    "Hello?",
    "Order number is #{order} btw",
    "It's the {colour} one.",
    "Any update?",
    "Thanks in advance!",
    "I can send photos if that helps.",
)
CUSTOMER_BACK = (
    "Thanks, that helps!",
    "Ok, and how long does that take?",
    "Great, I've sent the photos.",
    "Can you confirm the address you have for me?",
    "Perfect 👍",
    "Is there a cheaper option?",
    "Sorry, one more question: does it come with the bag?",
)
RETURN_OPENERS = (
    "Hi again! The part arrived but it doesn't fit the {product}?",
    "Me again 🙈 how do I register the warranty?",
    "Hi, still no tracking number for order #{order}. Can you check?",
    "Quick question about the {product} again: can I buy a second adapter?",
    "Hello, the same problem is back with the brake. What now?",
)
PAGE_FIRST = (
    "Hi {first}, thanks for getting in touch! Let me check that for you.",
    "Hi {first}, sorry about that. Could you send us your order number and a photo?",
    "Hello {first}! Yes: our support team can help. Here is what to do next.",
    "Thanks for your patience, {first}. I've looked into it and here's the answer.",
)
PAGE_LATE = (
    "We're so sorry for the wait, {first}. We're getting a lot of messages about the fold "
    "issue. Please stop using the stroller; our safety team will call you.",
    "{first}, thank you for telling us and sorry for the slow answer. Please send your order "
    "number so we can arrange a free inspection.",
)
PAGE_BACK = (
    "You're welcome! Anything else we can do?",
    "Usually 3-5 working days. We'll email you the tracking link.",
    "Got them, thanks! A replacement is on its way.",
    "Yes, we have your address as the one on the order.",
    "Happy to help, {first} 😊",
)
PAGE_FOLLOW_UPS = (
    "Hi {first}, just checking in: did the replacement part arrive?",
    "Hi {first}, is everything working with your {product} now?",
)
CUSTOMER_FOLLOW_UP_ANSWERS = ("Yes all good, thank you!", "It did, thanks for checking 😊", "Yes, sorted!")


@dataclass(frozen=True)
class Customer:
    id: str
    """App-scoped id (PSID) of the person, as Messenger shows it to the Page."""
    name: str
    first: str


@dataclass(frozen=True)
class Message:
    """One Messenger message, as the truth reports it."""

    page_id: str
    conversation_id: str
    id: str
    seq: int
    """Position in the thread, oldest first (0 = the message that opened it)."""
    created_at: datetime
    is_page: bool
    from_id: str
    from_name: str
    text: str

    def visible_on(self, as_of: date) -> bool:
        return self.created_at < utc_midnight(as_of)


@dataclass(frozen=True)
class Thread:
    page_id: str
    id: str
    customer: Customer
    kind: str
    """regular, returning, long, incident or designed."""
    messages: tuple[Message, ...]

    def visible(self, as_of: date) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.visible_on(as_of))


@dataclass(frozen=True)
class _Draft:
    created_at: datetime
    is_page: bool
    text: str


# ------------------------------------------------------------------------------------- ids


def _page_slot(page_id: str) -> int:
    return next(n for n, page in enumerate(FACEBOOK_PAGES) if page.id == page_id)


def conversation_id(page_id: str, born: date, number: int) -> str:
    """``t_`` + 15 digits: ``10``, the Page's slot, the birth day (days since EPOCH), the number, salt."""
    salt = seeded("conversations", page_id, born.isoformat(), number, "salt").randrange(10_000)
    return f"t_10{_page_slot(page_id)}{(born - EPOCH).days:05d}{number:03d}{salt:04d}"


def parse_conversation_id(value: str) -> tuple[str, date, int] | None:
    """(page id, birth day, number) of a conversation id made here; None for anything else."""
    digits = value.removeprefix("t_")
    if not value.startswith("t_") or len(digits) != 15 or not digits.isdigit() or digits[:2] != "10":
        return None
    slot = int(digits[2])
    if slot >= len(FACEBOOK_PAGES) or not FACEBOOK_PAGES[slot].is_own:
        return None
    return FACEBOOK_PAGES[slot].id, EPOCH + timedelta(days=int(digits[3:8])), int(digits[8:11])


MESSAGE_PREFIX = b"\x9b\x12"


def message_id(conversation: str, seq: int) -> str:
    """``m_`` + URL-safe base64 (Graph's style) of the thread, the position and a digest."""
    raw = f"{conversation.removeprefix('t_')}:{seq:03d}".encode()
    digest = hashlib.sha256(b"mid:" + raw).digest()[:12]
    return "m_" + base64.urlsafe_b64encode(MESSAGE_PREFIX + raw + b":" + digest).decode().rstrip("=")


def parse_message_id(value: str) -> tuple[str, int] | None:
    """(conversation id, position) of a message id made here; None for anything else."""
    if not value.startswith("m_"):
        return None
    text = value.removeprefix("m_")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        return None
    parts = raw.removeprefix(MESSAGE_PREFIX).split(b":", 2)
    if (
        not raw.startswith(MESSAGE_PREFIX)
        or len(parts) != 3
        or not parts[0].isdigit()
        or not parts[1].isdigit()
    ):
        return None
    conversation, seq = f"t_{parts[0].decode()}", int(parts[1])
    return (conversation, seq) if message_id(conversation, seq) == value else None


# ---------------------------------------------------------------------------------- threads


def _fill(rng: random.Random, template: str, first: str = "") -> str:
    return template.format(
        product=rng.choice(PRODUCTS),
        colour=rng.choice(COLOURS),
        order=rng.randrange(100_000, 999_999),
        first=first,
    )


def _reply_delay(rng: random.Random) -> timedelta:
    minutes = min(
        REPLY_CAP_MINUTES, max(1.5, rng.lognormvariate(math.log(REPLY_MEDIAN_MINUTES), REPLY_SIGMA))
    )
    return timedelta(seconds=int(minutes * 60))


def _opening_time(rng: random.Random, day: date) -> datetime:
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    return utc_midnight(day) + timedelta(hours=hour, seconds=rng.randrange(3600))


def _session(
    rng: random.Random,
    start: datetime,
    customer: Customer,
    size: int,
    opener: str,
    delay: timedelta | None,
    late: bool = False,
) -> list[_Draft]:
    """One planned session of about ``size`` messages: the customer's 1-3 opening messages, the Page's
    answer ``delay`` after the first (None: never), then a little back-and-forth."""
    customer_first = min(rng.choice((1, 1, 1, 2, 2, 3)), max(1, size - 1))
    window = delay.total_seconds() - 30 if delay else 3 * 3600
    offsets = sorted(rng.uniform(20, max(25, min(window, 15 * 60))) for _ in range(customer_first - 1))
    drafts = [_Draft(start, False, opener)]
    drafts += [
        _Draft(start + timedelta(seconds=int(o)), False, _fill(rng, rng.choice(CUSTOMER_EXTRAS)))
        for o in offsets
    ]
    if delay is None:
        return drafts
    answer = PAGE_LATE if late else PAGE_FIRST
    moment = start + delay
    drafts.append(_Draft(moment, True, _fill(rng, rng.choice(answer), customer.first)))
    while len(drafts) < size:
        moment += timedelta(seconds=rng.randrange(120, 90 * 60))
        drafts.append(_Draft(moment, False, _fill(rng, rng.choice(CUSTOMER_BACK))))
        if len(drafts) < size:
            moment += timedelta(seconds=rng.randrange(60, 45 * 60))
            drafts.append(_Draft(moment, True, _fill(rng, rng.choice(PAGE_BACK), customer.first)))
    return drafts


def _opener(rng: random.Random, returning: bool = False) -> str:
    if rng.random() < HOSTILE_RATE:
        return _fill(rng, rng.choice(HOSTILE_OPENERS))
    if returning:
        return _fill(rng, rng.choice(RETURN_OPENERS))
    return _fill(rng, rng.choice(QUESTIONS if rng.random() < 0.6 else COMPLAINTS))


def _return_gap(rng: random.Random, long: bool) -> timedelta:
    draw = rng.random()
    for share, gap in EDGE_GAPS:
        if draw < share:
            return gap
        draw -= share
    if long:
        return timedelta(seconds=rng.randrange(26 * 3600, 52 * 3600))
    return timedelta(days=rng.randrange(2, 18), seconds=rng.randrange(23 * 3600))


def _regular_drafts(rng: random.Random, day: date, customer: Customer) -> tuple[str, list[_Draft]]:
    draw = rng.random()
    kind = "long" if draw < LONG_SHARE else "returning" if draw < LONG_SHARE + RETURNING_SHARE else "regular"
    if kind == "long":
        total = rng.randint(25, 40)
        count = -(-total // MAX_SESSION_MESSAGES)
        sizes = [total // count + (1 if n < total % count else 0) for n in range(count)]
    elif kind == "returning":
        sizes = [rng.randint(2, 6) for _ in range(rng.choice((2, 2, 3)))]
    else:
        sizes = [rng.choice((2, 2, 3, 3, 4, 5, 6))]
    drafts: list[_Draft] = []
    start = _opening_time(rng, day)
    for n, size in enumerate(sizes):
        if n:
            start = drafts[-1].created_at + _return_gap(rng, kind == "long")
        drafts += _session(rng, start, customer, size, _opener(rng, returning=n > 0), _reply_delay(rng))
    if rng.random() < FOLLOW_UP_SHARE:
        moment = drafts[-1].created_at + timedelta(seconds=rng.randrange(25 * 3600, 72 * 3600))
        drafts.append(_Draft(moment, True, _fill(rng, rng.choice(PAGE_FOLLOW_UPS), customer.first)))
        moment += timedelta(seconds=rng.randrange(300, 2 * 3600))
        drafts.append(_Draft(moment, False, rng.choice(CUSTOMER_FOLLOW_UP_ANSWERS)))
    return kind, drafts


def _incident_drafts(rng: random.Random, day: date, customer: Customer) -> list[_Draft]:
    start = utc_midnight(day) + timedelta(seconds=rng.randrange(86_400))
    draw = rng.random()
    if draw < INCIDENT_NEVER_SHARE:
        delay, late = None, False
    elif draw < INCIDENT_NEVER_SHARE + INCIDENT_LATE_SHARE:
        delay, late = timedelta(seconds=rng.randrange(2 * 3600, 10 * 3600)), True
    else:
        delay, late = _reply_delay(rng), False
    opener = _fill(rng, rng.choice(INCIDENT_OPENERS))
    return _session(rng, start, customer, rng.randint(2, 4), opener, delay, late)


def _customer(rng: random.Random) -> Customer:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return Customer(str(rng.randrange(2 * 10**15, 10**16)), f"{first} {last}", first)


def _thread(
    page_id: str, day: date, number: int, kind: str, drafts: list[_Draft], customer: Customer
) -> Thread:
    page = FACEBOOK_PAGES_BY_ID[page_id]
    conversation = conversation_id(page_id, day, number)
    ordered = sorted(drafts, key=lambda d: d.created_at)
    messages = tuple(
        Message(
            page_id=page_id,
            conversation_id=conversation,
            id=message_id(conversation, seq),
            seq=seq,
            created_at=draft.created_at,
            is_page=draft.is_page,
            from_id=page.id if draft.is_page else customer.id,
            from_name=page.name if draft.is_page else customer.name,
            text=draft.text,
        )
        for seq, draft in enumerate(ordered)
    )
    return Thread(page_id, conversation, customer, kind, messages)


@lru_cache(maxsize=8_192)
def threads_born(page_id: str, day: date) -> tuple[Thread, ...]:
    """The threads whose first message is on UTC ``day`` (later messages may follow for weeks)."""
    if page_id not in SESSIONS_PER_DAY or day < EPOCH:
        return ()
    rng = seeded("conversations", page_id, day.isoformat())
    found = []
    for number in range(poisson(rng, SESSIONS_PER_DAY[page_id] / MEAN_SESSIONS_PER_THREAD)):
        thread_rng = seeded("conversations", page_id, day.isoformat(), number)
        customer = _customer(thread_rng)
        kind, drafts = _regular_drafts(thread_rng, day, customer)
        found.append(_thread(page_id, day, number, kind, drafts, customer))
    for number in range(500, 500 + INCIDENT_SESSIONS[page_id].get(day, 0)):
        thread_rng = seeded("conversations", page_id, day.isoformat(), number)
        customer = _customer(thread_rng)
        found.append(
            _thread(page_id, day, number, "incident", _incident_drafts(thread_rng, day, customer), customer)
        )
    designed_page, designed_at = DESIGNED_UNANSWERED
    if page_id == designed_page and day == designed_at.date():
        thread_rng = seeded("conversations", page_id, "designed-unanswered")
        customer = _customer(thread_rng)
        drafts = [
            _Draft(designed_at, False, _fill(thread_rng, DESIGNED_TEXTS[0])),
            _Draft(designed_at + timedelta(minutes=26), False, DESIGNED_TEXTS[1]),
        ]
        found.append(_thread(page_id, day, 999, "designed", drafts, customer))
    return tuple(found)


def thread(conversation: str) -> Thread | None:
    """The thread with this id, whether or not it is visible yet."""
    parsed = parse_conversation_id(conversation)
    if parsed is None:
        return None
    page_id, born, _ = parsed
    return next((t for t in threads_born(page_id, born) if t.id == conversation), None)


def message(message_id_: str) -> Message | None:
    parsed = parse_message_id(message_id_)
    found = thread(parsed[0]) if parsed else None
    if parsed is None or found is None or parsed[1] >= len(found.messages):
        return None
    return found.messages[parsed[1]]


@lru_cache(maxsize=16)
def inbox(page_id: str, as_of: date) -> tuple[tuple[datetime, Thread], ...]:
    """Every thread visible on ``as_of`` with its ``updated_time`` (last visible message), newest first."""
    found = []
    for day in days(EPOCH, as_of - timedelta(days=1)):
        for candidate in threads_born(page_id, day):
            visible = candidate.visible(as_of)
            if visible:
                found.append((visible[-1].created_at, candidate))
    found.sort(key=lambda pair: (pair[0], pair[1].id), reverse=True)
    return tuple(found)


# ------------------------------------------------------------------------------------- truth


def split_sessions(messages: tuple[Message, ...] | list[Message]) -> list[list[Message]]:
    """The thread's messages (oldest first) cut into support sessions by the 24-hour rule."""
    sessions: list[list[Message]] = []
    previous: Message | None = None
    for current in messages:
        starts = not current.is_page and (
            previous is None or current.created_at - previous.created_at >= SESSION_GAP
        )
        if starts:
            sessions.append([current])
        elif sessions:
            sessions[-1].append(current)
        previous = current
    return sessions


def _threads_near(page_id: str, start: date, end: date) -> list[Thread]:
    first = max(EPOCH, start - timedelta(days=MAX_THREAD_DAYS))
    return [t for day in days(first, end) for t in threads_born(str(page_id), day)]


def messages_between(page_id: str, start: date, end: date, as_of: date) -> list[dict]:
    """Messages created on a UTC day from ``start`` to ``end`` (both included) in the Page's threads,
    visible on ``as_of`` (created before its 00:00 UTC), oldest first.

    Keys: account_id (the Page), conversation_id, message_id, created_at (aware UTC), from_id,
    from_name, is_page, text, silence_before_seconds (since the thread's previous message; None
    for the first), thread_kind.
    """
    found = []
    for candidate in _threads_near(page_id, start, end):
        previous: Message | None = None
        for current in candidate.visible(as_of):
            if start <= current.created_at.date() <= end:
                found.append(
                    {
                        "account_id": current.page_id,
                        "conversation_id": current.conversation_id,
                        "message_id": current.id,
                        "created_at": current.created_at,
                        "from_id": current.from_id,
                        "from_name": current.from_name,
                        "is_page": current.is_page,
                        "text": current.text,
                        "silence_before_seconds": (
                            None
                            if previous is None
                            else int((current.created_at - previous.created_at).total_seconds())
                        ),
                        "thread_kind": candidate.kind,
                    }
                )
            previous = current
    return sorted(found, key=lambda row: (row["created_at"], row["message_id"]))


def sessions_between(page_id: str, start: date, end: date, as_of: date) -> list[dict]:
    """Support sessions whose first customer message is on a UTC day from ``start`` to ``end``, as
    the 24-hour rule cuts the messages visible on ``as_of``; oldest first.

    Keys: account_id, conversation_id, session_index (0-based within the thread),
    first_inbound_at, first_inbound_message_id, first_reply_at (the first Page message after the
    first inbound within the session, as visible on ``as_of``; None when there is none yet),
    response_seconds (None when unanswered), inbound_messages, messages, silence_before_seconds
    (None for a thread's first session), thread_kind.
    """
    found = []
    for candidate in _threads_near(page_id, start, end):
        visible = candidate.visible(as_of)
        for index, session in enumerate(split_sessions(visible)):
            first = session[0]
            if not start <= first.created_at.date() <= end:
                continue
            reply = next((m for m in session if m.is_page), None)
            before = visible[first.seq - 1] if first.seq else None
            found.append(
                {
                    "account_id": first.page_id,
                    "conversation_id": first.conversation_id,
                    "session_index": index,
                    "first_inbound_at": first.created_at,
                    "first_inbound_message_id": first.id,
                    "first_reply_at": reply.created_at if reply else None,
                    "response_seconds": (
                        int((reply.created_at - first.created_at).total_seconds()) if reply else None
                    ),
                    "inbound_messages": sum(not m.is_page for m in session),
                    "messages": len(session),
                    "silence_before_seconds": (
                        None
                        if before is None
                        else int((first.created_at - before.created_at).total_seconds())
                    ),
                    "thread_kind": candidate.kind,
                }
            )
    return sorted(found, key=lambda row: (row["first_inbound_at"], row["conversation_id"]))
