"""Comments on the demo company's own Facebook posts and Instagram media, and their ground truth.

People comment on the brand's own posts; the brand answers some of them. Every comment is a pure
function of its post (and, for the incident burst, of its day), so any process gets the same
threads, and the HTTP routes are only views over these functions.

Conventions the warehouse must agree with:

* A comment belongs to the **UTC** day of its creation time (the landing partition). Top-level
  comments arrive within ``COMMENT_DAYS`` (3) days of their post, most in the first hours;
  replies come within a day of the comment they answer.
* **Counts.** The posts' lifetime ``comments`` numbers are kept as they were, so the threads are
  built around them: on Facebook the post's final ``comments`` count is its number of regular
  top-level comments (Graph's ``comments.summary`` counts top-level comments; replies are on
  top). On Instagram the media's final ``comments`` count is its regular comments *including*
  other people's replies, as ``comments_count`` counts them; the brand's own replies are on top
  (so that every comment that needs an answer gets one however the count falls). The lifetime
  counters grow over a week while the comments themselves arrive within three days, so they
  agree once a post is a week old.
  Incident comments (below) and their replies are extra: they are not in those counters.
* **Brand replies.** The brand answers every top-level comment that needs an answer (a question,
  with a "?", or a complaint: a negative comment) and some others: on Facebook as the Page itself
  (``from`` = the Page), on Instagram as the own username. Outside the incident, delays run from
  minutes to ``QUIET_REPLY_MAX_MINUTES`` (about a third beyond a 60-minute response target, none
  long enough for a 240-minute unanswered alert); on the incident days only half the incident
  complaints are answered, late. Replies are comments too (``is_brand_reply`` in the truth),
  landed like any other and left out of mentions downstream. ``needs_reply`` in the truth marks
  the top-level comments that needed an answer, by design.
* **Incident.** On 2026-11-17 and 2026-11-18 a viral complaint (a stroller folding while in use)
  brings a burst of negative comments on the posts each account published in the three days
  before each comment.
* Facebook omits ``from`` for people who have not authorised the app: about one comment in five
  comes without an author (``is_author_visible`` is false in the truth). The Page's own replies
  always carry it.
* Language: about 88% English, the rest Spanish, German or French; texts and their true
  sentiment labels come from ``demo.generator.voices``. Like counts are final from the start.
* A comment is visible on ``as_of`` when created before ``as_of`` 00:00 UTC, like a post.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from demo import story
from demo.company import EPOCH, FACEBOOK_PAGES_BY_ID, INSTAGRAM_ACCOUNT, MAIN_PAGE, UK_PAGE
from demo.generator import facebook_pages, instagram
from demo.generator.common import days, poisson, seeded, utc_midnight
from demo.generator.voices import draw_language, draw_sentiment, mention_text
from demo.story import story_day

PLATFORMS = ("facebook_pages", "instagram")
BRAND = "lumo"

COMMENT_DAYS = 3
"""Top-level comments arrive within this many days of their post."""
REPLY_MAX_MINUTES = 24 * 60
"""Replies (the brand's and other people's) arrive within a day of the comment they answer."""
FIRST_HOURS_MEAN = 9.0
"""Mean hours from a post to a comment, before truncation at ``COMMENT_DAYS``."""

SENTIMENT_MIX = (0.55, 0.30, 0.15)
"""Probabilities of positive, neutral, negative for regular comments."""
FOREIGN_SHARE = 0.12
HIDDEN_AUTHOR_SHARE = 0.2
"""Facebook comments whose author has not authorised the app: ``from`` is omitted."""

BRAND_REPLY_RATE = {"positive": 0.25, "neutral": 0.3}
"""How often the brand answers a comment that needs no answer (praise, a statement)."""
INCIDENT_BRAND_REPLY_RATE = 0.5
USER_REPLY_RATE = 0.12
"""Share of top-level comments other people answer (one or two replies)."""
REPLY_MEDIAN_MINUTES = 40.0
QUIET_REPLY_MAX_MINUTES = 200
"""Outside the incident the brand answers within this many minutes."""
INCIDENT_REPLY_MEDIAN_MINUTES = 110.0
REPLY_SIGMA = 1.2

INCIDENT_DAYS: dict[date, float] = {
    story_day(story.INCIDENT_DAYS[0]): 1.0,
    story_day(story.INCIDENT_DAYS[1]): 0.5,
}
"""Incident days and the burst's strength on each (a multiple of the account's ``INCIDENT_MEAN``)."""
INCIDENT_MEAN: dict[str, float] = {
    MAIN_PAGE: 60.0,
    UK_PAGE: 8.0,
    INSTAGRAM_ACCOUNT: 40.0,
}
"""Mean incident comments per account on the first incident day."""

FIRST_NAMES = (
    "Amelia", "Olivia", "Priya", "Sofia", "Hannah", "Chloe", "Grace", "Emily", "Aisha", "Lucy",
    "Jack", "Oliver", "Noah", "Liam", "Mateo", "Lukas", "Hugo", "Tom", "Arjun", "Daniel",
    "Marta", "Lena", "Camille", "Zoe", "Isla", "Freya", "Ben", "Sam", "Yusuf", "Elena",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Jones", "Patel", "Garcia", "Müller", "Martin", "Brown", "Taylor", "Wilson", "Khan",
    "Davies", "Evans", "Schmidt", "Dubois", "Rossi", "Clarke", "Walker", "Hughes", "Lopez", "Novak",
)  # fmt: skip
PEOPLE = 500

BRAND_REPLIES: dict[str, tuple[str, ...]] = {
    "positive": (
        "Thank you so much, {first}! 💚 Enjoy every walk.",
        "We love hearing this, {first}! Thanks for sharing 😊",
        "That made our day, {first}. Happy strolling!",
    ),
    "neutral": (
        "Hi {first}, great question! Our team has sent you the details in a private message.",
        "Hi {first}, thanks for asking. You'll find the full specs at lumo.example/support, or DM us.",
        "Hi {first}! Yes, our support team can help with that: please send us a DM.",
    ),
    "negative": (
        "We're so sorry, {first}. Please send us a DM with your order number and we'll make this right.",
        "Sorry to hear this, {first}. Our support team has messaged you to sort it out today.",
        "That's not the experience we want for you, {first}. Please DM us so we can help.",
    ),
    "incident": (
        "We're taking this extremely seriously, {first}. Please DM us your order number; our safety "
        "team is looking into every report.",
        "{first}, thank you for telling us. Please stop using the stroller and DM us: we'll be in touch "
        "within 24 hours.",
    ),
}


@dataclass(frozen=True)
class Person:
    """Someone who comments: an app-scoped Facebook user or an Instagram user."""

    id: str
    name: str
    """Full name on Facebook, username on Instagram."""
    first: str


@dataclass(frozen=True)
class Comment:
    """One comment or reply on an own post, as the truth reports it (ids assigned by time)."""

    platform: str
    account_id: str
    post_id: str
    id: str
    parent_id: str | None
    created_at: datetime
    author: Person
    is_author_visible: bool
    text: str
    language: str
    sentiment: str
    like_count: int
    is_brand_reply: bool
    is_incident: bool

    def visible_on(self, as_of: date) -> bool:
        return self.created_at < utc_midnight(as_of)


@dataclass(frozen=True)
class OwnPost:
    """What the threads need of a Facebook post or an Instagram media."""

    platform: str
    account_id: str
    id: str
    created_at: datetime
    counted_comments: int
    """The post's final lifetime comment count (see the module docstring for what it counts)."""


# ------------------------------------------------------------------------------------ people


@lru_cache(maxsize=len(PLATFORMS))
def people(platform: str) -> tuple[Person, ...]:
    """The people who comment on one platform (some comment often)."""
    rng = seeded("comments", platform, "people")
    found = []
    for n in range(PEOPLE):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if platform == "facebook_pages":
            found.append(Person(f"7{rng.randrange(10**14, 10**15)}{n % 10}", f"{first} {last}", first))
        else:
            handle = rng.choice((f"{first}.{last}", f"{first}_{last}{rng.randint(1, 99)}", f"{first}mum"))
            username = handle.lower().replace("ü", "u")
            found.append(Person(f"178414{rng.randrange(10**10, 10**11)}", username, first))
    return tuple(found)


def brand_person(platform: str, account_id: str) -> Person:
    """Who the brand replies as: the Page on Facebook, the own username on Instagram."""
    if platform == "facebook_pages":
        page = FACEBOOK_PAGES_BY_ID[account_id]
        return Person(page.id, page.name, page.name)
    owner = instagram.account(account_id)
    return Person(owner.id, owner.username, owner.name)


def _person(rng: random.Random, platform: str) -> Person:
    # A few regulars write a lot: a skewed draw over the pool.
    pool = people(platform)
    return pool[min(len(pool) - 1, int(len(pool) * rng.random() ** 1.6))]


# ------------------------------------------------------------------------------------- posts


def _facebook_post(post: facebook_pages.Post) -> OwnPost:
    return OwnPost("facebook_pages", post.account_id, post.id, post.created_time, post.final_comments)


def _instagram_post(media: instagram.Media) -> OwnPost:
    return OwnPost("instagram", media.account_id, media.id, media.timestamp, media.final.comments)


def own_posts_on(platform: str, account_id: str, day: date) -> tuple[OwnPost, ...]:
    """The own posts (media) an account published on one UTC day, oldest first."""
    if platform == "facebook_pages":
        return tuple(_facebook_post(p) for p in facebook_pages.posts_on(str(account_id), day))
    if platform == "instagram":
        return tuple(_instagram_post(m) for m in instagram.media_on_utc_day(str(account_id), day))
    raise KeyError(f"no comments on demo platform {platform!r}; known: {', '.join(PLATFORMS)}")


def facebook_post(post_id: str) -> facebook_pages.Post | None:
    """The own Facebook post with this id (``<page id>_<digits>``), found from the day in its digits."""
    page_id, _, digits = post_id.partition("_")
    if page_id not in FACEBOOK_PAGES_BY_ID or len(digits) != 18 or not digits.isdigit():
        return None
    day = EPOCH + timedelta(days=int(digits[1:6]))
    return next((p for p in facebook_pages.posts_on(page_id, day) if p.id == post_id), None)


def own_post(platform: str, post_id: str) -> OwnPost | None:
    """The own post or media with this id, whether or not it exists yet on a given day."""
    if platform == "facebook_pages":
        post = facebook_post(post_id)
        return _facebook_post(post) if post else None
    media = instagram.media_by_id(post_id)
    return _instagram_post(media) if media and media.account_id in instagram.ACCOUNTS_BY_ID else None


# ----------------------------------------------------------------------------------- threads


@dataclass(frozen=True)
class _Draft:
    """A comment before ids are assigned; ``parent`` indexes the draft it answers."""

    created_at: datetime
    author: Person
    is_author_visible: bool
    text: str
    language: str
    sentiment: str
    like_count: int
    is_brand_reply: bool
    is_incident: bool
    parent: int | None = None


def _arrival(rng: random.Random, post: OwnPost) -> datetime:
    """A top-level comment time: truncated exponential after the post, within ``COMMENT_DAYS``."""
    limit = COMMENT_DAYS * 24.0
    hours = -FIRST_HOURS_MEAN * math.log(1 - rng.random() * (1 - math.exp(-limit / FIRST_HOURS_MEAN)))
    return post.created_at + timedelta(seconds=max(30, min(int(hours * 3600), int(limit * 3600) - 1)))


def _reply_delay(rng: random.Random, incident: bool) -> timedelta:
    median = INCIDENT_REPLY_MEDIAN_MINUTES if incident else REPLY_MEDIAN_MINUTES
    longest = REPLY_MAX_MINUTES - 1 if incident else QUIET_REPLY_MAX_MINUTES
    minutes = min(longest, max(2.0, rng.lognormvariate(math.log(median), REPLY_SIGMA)))
    return timedelta(seconds=int(minutes * 60))


def needs_reply(text: str, sentiment: str, is_incident: bool) -> bool:
    """Whether a top-level comment asks for an answer, by design: a question or a complaint."""
    return is_incident or sentiment == "negative" or "?" in text


def _top_level(rng: random.Random, post: OwnPost, created: datetime, incident: bool) -> _Draft:
    if incident:
        language, (text, label) = "en", mention_text(rng, BRAND, "negative", "en", incident=True)
    else:
        language = draw_language(rng, FOREIGN_SHARE)
        text, label = mention_text(rng, BRAND, draw_sentiment(rng, SENTIMENT_MIX), language)
    visible = post.platform != "facebook_pages" or rng.random() >= HIDDEN_AUTHOR_SHARE
    likes = poisson(rng, 5.0 if incident else 1.4)
    return _Draft(
        created, _person(rng, post.platform), visible, text, language, label, likes, False, incident
    )


def _replies(rng: random.Random, post: OwnPost, parent: _Draft, index: int) -> list[_Draft]:
    """The replies one top-level comment gets: other people's first, then maybe the brand's."""
    found: list[_Draft] = []
    if rng.random() < USER_REPLY_RATE:
        for _ in range(rng.choice((1, 1, 2))):
            created = parent.created_at + timedelta(minutes=rng.randrange(5, 12 * 60))
            text, label = mention_text(rng, BRAND, draw_sentiment(rng, SENTIMENT_MIX))
            visible = post.platform != "facebook_pages" or rng.random() >= HIDDEN_AUTHOR_SHARE
            author = _person(rng, post.platform)
            found.append(
                _Draft(created, author, visible, text, "en", label, poisson(rng, 0.8), False, False, index)
            )
    if parent.is_incident:
        rate = INCIDENT_BRAND_REPLY_RATE
    elif needs_reply(parent.text, parent.sentiment, parent.is_incident):
        rate = 1.0
    else:
        rate = BRAND_REPLY_RATE[parent.sentiment]
    if rng.random() < rate:
        tone = "incident" if parent.is_incident else parent.sentiment
        created = parent.created_at + _reply_delay(rng, parent.is_incident)
        text = rng.choice(BRAND_REPLIES[tone]).format(first=parent.author.first)
        brand = brand_person(post.platform, post.account_id)
        found.append(
            _Draft(created, brand, True, text, "en", "neutral", poisson(rng, 0.6), True, False, index)
        )
    return found


def _regular_drafts(post: OwnPost) -> list[_Draft]:
    """The post's regular comments: ``counted_comments`` of them as the module docstring says."""
    rng = seeded("comments", post.platform, post.id)
    drafts: list[_Draft] = []
    if post.platform == "facebook_pages":
        for _ in range(post.counted_comments):
            index = len(drafts)
            drafts.append(_top_level(rng, post, _arrival(rng, post), False))
            drafts.extend(_replies(rng, post, drafts[index], index))
        return drafts
    remaining = post.counted_comments  # Instagram counts other people's replies too
    while remaining > 0:
        index = len(drafts)
        drafts.append(_top_level(rng, post, _arrival(rng, post), False))
        replies = _replies(rng, post, drafts[index], index)
        people = [r for r in replies if not r.is_brand_reply][: remaining - 1]
        drafts.extend([*people, *(r for r in replies if r.is_brand_reply)])
        remaining -= 1 + len(people)
    return drafts


@lru_cache(maxsize=256)
def _incident_drafts(platform: str, account_id: str, day: date) -> tuple[tuple[str, tuple[_Draft, ...]], ...]:
    """The incident burst of one account on one day: (post id, a comment and its replies)."""
    strength = INCIDENT_DAYS.get(day)
    if strength is None:
        return ()
    rng = seeded("comments", platform, account_id, "incident", day.isoformat())
    count = poisson(rng, INCIDENT_MEAN.get(account_id, 0.0) * strength)
    recent = [
        p
        for d in days(day - timedelta(days=COMMENT_DAYS), day)
        for p in own_posts_on(platform, account_id, d)
    ]
    found = []
    for _ in range(count):
        created = utc_midnight(day) + timedelta(seconds=rng.randrange(86_400))
        live = [p for p in recent if created - timedelta(days=COMMENT_DAYS) < p.created_at < created]
        if not live:
            continue
        post = rng.choice(live)
        comment = _top_level(rng, post, created, True)
        found.append((post.id, (comment, *_replies(rng, post, comment, 0))))
    return tuple(found)


def _comment_id(post: OwnPost, seq: int, rng: random.Random) -> str:
    """Facebook: ``<post digits>_<15 digits>``; Instagram: 18 digits starting 178, unique by media."""
    if post.platform == "facebook_pages":
        return f"{post.id.split('_', 1)[1]}_{1000 + seq}{rng.randrange(10**11):011d}"
    return f"178{post.id[3:9]}{seq:04d}{rng.randrange(10**5):05d}"


@lru_cache(maxsize=4_096)
def thread(platform: str, post_id: str) -> tuple[Comment, ...]:
    """Every comment and reply a post ever gets, oldest first (ids grow with time)."""
    post = own_post(platform, post_id)
    if post is None:
        return ()
    drafts = _regular_drafts(post)
    first_day = post.created_at.date()
    for day in days(first_day, first_day + timedelta(days=COMMENT_DAYS)):
        for target, group in _incident_drafts(platform, post.account_id, day):
            if target == post.id:
                offset = len(drafts)
                drafts.extend(d if d.parent is None else replace(d, parent=d.parent + offset) for d in group)
    order = sorted(range(len(drafts)), key=lambda i: (drafts[i].created_at, i))
    rng = seeded("comments", platform, post.id, "ids")
    ids = {index: _comment_id(post, seq, rng) for seq, index in enumerate(order)}
    return tuple(
        Comment(
            platform=platform,
            account_id=post.account_id,
            post_id=post.id,
            id=ids[index],
            parent_id=None if drafts[index].parent is None else ids[drafts[index].parent],
            created_at=drafts[index].created_at,
            author=drafts[index].author,
            is_author_visible=drafts[index].is_author_visible,
            text=drafts[index].text,
            language=drafts[index].language,
            sentiment=drafts[index].sentiment,
            like_count=drafts[index].like_count,
            is_brand_reply=drafts[index].is_brand_reply,
            is_incident=drafts[index].is_incident,
        )
        for index in order
    )


def visible_thread(platform: str, post_id: str, as_of: date) -> list[Comment]:
    """The comments of a post the API serves on ``as_of``, oldest first."""
    return [comment for comment in thread(platform, post_id) if comment.visible_on(as_of)]


def reply_count(comment: Comment, as_of: date) -> int:
    """Replies to ``comment`` visible on ``as_of`` (Facebook's ``comment_count``)."""
    return sum(
        1
        for c in thread(comment.platform, comment.post_id)
        if c.parent_id == comment.id and c.visible_on(as_of)
    )


# ------------------------------------------------------------------------------------- truth


def record(comment: Comment, as_of: date) -> dict:
    """The ground-truth row of one comment, as of ``as_of``."""
    return {
        "platform": comment.platform,
        "account_id": comment.account_id,
        "post_id": comment.post_id,
        "comment_id": comment.id,
        "parent_id": comment.parent_id,
        "created_at": comment.created_at,
        "author_id": comment.author.id,
        "author_name": comment.author.name,
        "is_author_visible": comment.is_author_visible,
        "text": comment.text,
        "language": comment.language,
        "sentiment": comment.sentiment,
        "like_count": comment.like_count,
        "reply_count": reply_count(comment, as_of),
        "is_brand_reply": comment.is_brand_reply,
        "is_incident": comment.is_incident,
        "needs_reply": comment.parent_id is None
        and not comment.is_brand_reply
        and needs_reply(comment.text, comment.sentiment, comment.is_incident),
    }


def comments_between(platform: str, account_id: str, start: date, end: date, as_of: date) -> list[dict]:
    """Comments and replies created on a UTC day from ``start`` to ``end`` (both included) on an
    account's own posts, visible on ``as_of`` (created before its 00:00 UTC), oldest first.

    Keys: platform, account_id, post_id, comment_id, parent_id (None for a top-level comment),
    created_at (aware UTC), author_id, author_name, is_author_visible (False where Facebook omits
    ``from``), text, language, sentiment (the true label; the brand's replies are neutral),
    like_count, reply_count (replies visible on ``as_of``), is_brand_reply, is_incident,
    needs_reply (a top-level comment that asked for an answer, by design).
    """
    account_id = str(account_id)
    reach = timedelta(days=COMMENT_DAYS, minutes=REPLY_MAX_MINUTES)
    first_post_day = max(EPOCH, start - timedelta(days=reach.days + 1))
    found = [
        record(comment, as_of)
        for day in days(first_post_day, end)
        for post in own_posts_on(platform, account_id, day)
        for comment in thread(platform, post.id)
        if comment.visible_on(as_of) and start <= comment.created_at.astimezone(UTC).date() <= end
    ]
    return sorted(found, key=lambda row: (row["created_at"], row["comment_id"]))
