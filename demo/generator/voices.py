"""What people write about the brands: the text of mentions and comments, with a known sentiment.

Every text is drawn for a sentiment chosen first, so the generator knows the true label of each
mention (what a careful human reader would say). English texts are written to be unambiguous to
a reader; the scorer does not always agree, and the measured agreement is the point of the
labelled test set. Texts in Spanish, German and French carry the label too, but the warehouse
must leave them unscored: the sentiment scorer only reads English.

``{brand}`` is the name as people write it (a keyword of the brand, so keyword matching finds
it), ``{product}`` a product of that brand. About one text in forty carries hostile markup, as
pasted text does, because everything that renders mentions must escape them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from demo.company import competitor_id

Sentiment = str  # "positive" | "negative" | "neutral"
SENTIMENTS = ("positive", "neutral", "negative")
LANGUAGES = ("en", "es", "de", "fr")


@dataclass(frozen=True)
class BrandVoice:
    """How people name a brand and its products in text."""

    slug: str
    names: tuple[str, ...]
    """Ways the brand is written; each is one of its configured keywords."""
    handle: str
    """The @handle and #hashtag stem (``lumostrollers``)."""
    products: tuple[str, ...]


BRAND_VOICES: dict[str, BrandVoice] = {
    "lumo": BrandVoice(
        "lumo",
        ("Lumo Strollers", "Lumo stroller"),
        "lumostrollers",
        ("Lumo Glide", "Lumo Nova", "Lumo Pocket", "Lumo Twin"),
    ),
    "bramble-baby": BrandVoice(
        "bramble-baby",
        ("Bramble Baby",),
        competitor_id("Bramble Baby", "instagram"),
        ("Bramble Roam", "Bramble Nest", "Bramble Duo"),
    ),
    "kiddo-motion": BrandVoice(
        "kiddo-motion",
        ("Kiddo Motion",),
        competitor_id("Kiddo Motion", "instagram"),
        ("Kiddo Zip", "Kiddo Cruiser", "Kiddo Flex"),
    ),
}

ENGLISH: dict[Sentiment, tuple[str, ...]] = {
    "positive": (
        "Absolutely love our {product} from {brand}! Folds in one hand and the ride is so smooth 😍",
        "{brand} customer service was brilliant today, replacement part arrived in two days. Thank you!",
        "Best buy before the baby arrived. The {product} from {brand} is amazing on cobbles {tag}",
        "Six months with the {product} and still thrilled. Light, sturdy, easy to clean. Great job {brand}",
        "Wow, the new {product} colours from {brand} are gorgeous. Happy mum here 💚",
        "Highly recommend {brand}: the {product} fits in our tiny car boot perfectly. Fantastic design!",
        "Our {product} survived a week of holiday airports and still looks brand new. Excellent, {brand}!",
        "The {product} from {brand} made our first walks so easy and fun. Love it ✨",
    ),
    "neutral": (
        "Does anyone know if the {product} from {brand} fits a standard car seat adapter?",
        "Comparing the {product} by {brand} with other travel strollers this week. Measurements below.",
        "{brand} has announced the {product} will ship in two new colours next month.",
        "Picked up the {product} from {brand} at the store on Saturday. Assembly took ten minutes.",
        "Is the {product} from {brand} allowed as cabin luggage on short flights? Asking for a trip in May.",
        "{brand} opens a pop-up shop in Manchester from Friday {tag}",
        "Spec sheet for the {product} from {brand}: 6.9 kg, one-hand fold, five-point harness.",
    ),
    "negative": (
        "Really disappointed with {brand}. The {product} wheel broke after three weeks and nobody answers.",
        "Terrible experience: the {product} from {brand} arrived damaged and the refund is taking forever 😡",
        "{brand} support is awful. Ten days waiting for a reply about a faulty brake on the {product}.",
        "The {product} from {brand} squeaks constantly and the fold jams. Worst stroller we have owned.",
        "Avoid {brand}. Late delivery, wrong colour, and rude staff on the phone.",
        "So frustrated: the {product} from {brand} canopy ripped on day two. Poor quality {tag}",
    ),
}

INCIDENT: tuple[str, ...] = (
    "The frame of our {product} from {brand} collapsed with the baby in it. Scary and dangerous. {tag}",
    "Horrible: {brand} {product} folding hinge snapped on the street. Is there a recall?? {tag}",
    "Just saw the video of the {product} collapsing. Shocking. {brand} needs to answer this now {tag}",
    "Our {product} did the same thing last week! Broken hinge, terrified child. Furious with {brand} {tag}",
    "Unacceptable from {brand}: a collapsing stroller and a bot reply. Stop selling the {product} {tag}",
)
"""A viral complaint: a stroller folding while in use (the broken baby carriage story)."""

FOREIGN: dict[str, dict[Sentiment, tuple[str, ...]]] = {
    "es": {
        "positive": ("Me encanta el {product} de {brand}, se pliega con una mano y es muy ligero.",),
        "neutral": ("¿Alguien sabe si el {product} de {brand} cabe en un coche pequeño?",),
        "negative": ("Muy decepcionada con {brand}: la rueda del {product} se rompió en un mes.",),
    },
    "de": {
        "positive": ("Wir lieben unseren {product} von {brand}, super leicht und sehr stabil.",),
        "neutral": ("Weiß jemand, ob der {product} von {brand} in den Kofferraum eines Kleinwagens passt?",),
        "negative": ("Sehr enttäuscht von {brand}: das Rad vom {product} ist nach drei Wochen gebrochen.",),
    },
    "fr": {
        "positive": ("Nous adorons notre {product} de {brand}, il se plie d'une main, vraiment génial.",),
        "neutral": ("Quelqu'un sait si la {product} de {brand} passe en cabine dans l'avion ?",),
        "negative": ("Très déçue par {brand} : la roue de la {product} s'est cassée au bout d'un mois.",),
    },
}

COMPARISONS: dict[Sentiment, tuple[str, ...]] = {
    "positive": (
        "Switched from {other} to {brand} and the {product} is so much lighter. Really happy with it!",
        "Tried {brand} and {other} in the shop: both lovely, but we loved the {product} fold best 💚",
    ),
    "neutral": (
        "{brand} vs {other}: which travel stroller should we buy? The {product} is on our list.",
        "Side by side: the {product} from {brand} and the latest from {other}, weights and prices.",
    ),
    "negative": (
        "Went with {brand} over {other} and regret it. The {product} brake failed in a month.",
        "Neither {brand} nor {other} replied to my warranty emails. Awful support from both.",
    ),
}

HOSTILE = (
    "<script>alert('{handle}')</script> {brand} {product} giveaway!!",
    "<img src=x onerror=alert(1)> thoughts on the {product} from {brand}?",
    'Is {brand} <b>really</b> worth it? <a href="javascript:alert(1)">compare here</a>',
)
HOSTILE_RATE = 1 / 40


def _fill(rng: random.Random, template: str, voice: BrandVoice, other: BrandVoice | None = None) -> str:
    name = rng.choice(voice.names)
    tag = rng.choice((f"#{voice.handle}", f"@{voice.handle}", ""))
    return " ".join(
        template.format(
            brand=name,
            product=rng.choice(voice.products),
            tag=tag,
            handle=voice.handle,
            other=rng.choice(other.names) if other else "",
        ).split()
    )


def mention_text(
    rng: random.Random,
    brand: str,
    sentiment: Sentiment,
    language: str = "en",
    other: str | None = None,
    incident: bool = False,
) -> tuple[str, Sentiment]:
    """A text mentioning ``brand`` (and ``other``, a second brand) and its true sentiment label.

    Hostile markup comes with a neutral label: it says nothing about the brand.
    """
    voice = BRAND_VOICES[brand]
    other_voice = BRAND_VOICES[other] if other else None
    if incident:
        return _fill(rng, rng.choice(INCIDENT), voice), "negative"
    if language != "en":
        return _fill(rng, rng.choice(FOREIGN[language][sentiment]), voice), sentiment
    if rng.random() < HOSTILE_RATE:
        return _fill(rng, rng.choice(HOSTILE), voice), "neutral"
    if other_voice is not None:
        return _fill(rng, rng.choice(COMPARISONS[sentiment]), voice, other_voice), sentiment
    return _fill(rng, rng.choice(ENGLISH[sentiment]), voice), sentiment


def draw_sentiment(rng: random.Random, mix: tuple[float, float, float]) -> Sentiment:
    """A sentiment from a (positive, neutral, negative) mix."""
    return rng.choices(SENTIMENTS, weights=mix)[0]


def draw_language(rng: random.Random, foreign_share: float) -> str:
    """``en``, or one of the other languages with total probability ``foreign_share``."""
    if rng.random() >= foreign_share:
        return "en"
    return rng.choice(LANGUAGES[1:])


DIRECT: dict[str, tuple[str, ...]] = {
    "question": (
        "@{handle} does the rain cover for the {product} work with last year's frame?",
        "@{handle} is the {product} allowed as cabin luggage on short flights?",
        "@{handle} where can I buy spare wheels for the {product}?",
        "@{handle} my order hasn't arrived yet, any update?",
        "@{handle} what is the weight limit of the {product} seat?",
        "@{handle} do you deliver the {product} to Ireland and how long does it take?",
        "@{handle} can I change the delivery address on my order for the {product}?",
    ),
    "complaint": (
        "@{handle} the brake on our {product} failed again. Really disappointed and still waiting for help.",
        "@{handle} terrible service, two weeks and no refund for the damaged {product} 😡",
        "@{handle} my order is three weeks late and your chat is useless. Awful.",
        "@{handle} why does nobody answer my emails? The {product} wheel is broken and I am so frustrated.",
        "@{handle} the {product} canopy ripped after a week. Poor quality, very disappointed.",
        "@{handle} is anyone there? Wrong colour delivered, bad experience so far 😞",
    ),
    "praise": (
        "@{handle} thank you for the quick replacement part, brilliant service! 💚",
        "@{handle} love the new {product} colours, great work!",
        "@{handle} our {product} is fantastic on the school run. Happy family here 😍",
        "@{handle} thanks for the help today, the {product} works perfectly now. Excellent support!",
    ),
    "statement": (
        "@{handle} picked up our {product} today from the Camden store.",
        "@{handle} we are collecting our {product} from the Camden store on Saturday.",
    ),
}
"""Tweets addressed to the brand's own account: questions, complaints, praise, plain statements."""
DIRECT_KINDS = (("question", "neutral", 0.40), ("complaint", "negative", 0.30), ("praise", "positive", 0.20),
                ("statement", "neutral", 0.10))  # fmt: skip
"""(kind, true sentiment, probability) of a direct mention."""
DIRECT_INCIDENT: tuple[str, ...] = (
    "@{handle} our {product} folded with our daughter in it. Terrifying. Is there a recall?",
    "@{handle} the hinge on our {product} snapped on the street. Dangerous and scary. What will you do?",
    "@{handle} saw the collapse video. Should we stop using our {product}? Worried and angry parent here.",
)
"""Direct complaints to the brand on the incident days."""


def direct_text(rng: random.Random, brand: str, incident: bool = False) -> tuple[str, Sentiment]:
    """A tweet addressed to ``brand``'s own account (``@handle ...``) and its true sentiment label."""
    voice = BRAND_VOICES[brand]
    if incident:
        template, label = rng.choice(DIRECT_INCIDENT), "negative"
    else:
        kind, label, _ = rng.choices(DIRECT_KINDS, weights=[w for _, _, w in DIRECT_KINDS])[0]
        template = rng.choice(DIRECT[kind])
    return template.format(handle=voice.handle, product=rng.choice(voice.products)), label
