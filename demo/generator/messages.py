"""Post captions for the demo company: realistic copy, emoji, and the odd hostile markup.

About one caption in forty carries HTML or script markup, because real pages get pasted
content like that and everything downstream (reports, dashboards) must escape it.
"""

from __future__ import annotations

import random

PRODUCTS = ("Lumo Glide", "Lumo Nova", "Lumo Pocket", "Lumo Twin", "Lumo Trail")
COLOURS = ("Sage", "Sand", "Midnight", "Terracotta", "Cloud Grey", "Ocean")
PLACES = ("the park", "the city", "the beach", "the farmers' market", "Grandma's", "the airport")
EMOJI = ("👶", "🌿", "☀️", "🚶‍♀️", "💚", "✨", "🎉", "🧸", "🌧️", "📦")
HASHTAGS = ("#lumostrollers", "#strollerlife", "#newparents", "#babygear", "#citywalks")

TEMPLATES: dict[str, tuple[str, ...]] = {
    "added_photos": (
        "Meet the {product} in {colour} {emoji} Folds in one hand, fits in every boot. {tag}",
        "Sunday stroll to {place} with the {product}. Where are you heading this week? {emoji}",
        "Your photos, our favourite thing {emoji} Thanks for sharing your {product} adventures! {tag}",
        "New colour alert: {colour} is here for the {product}. {emoji}{emoji2}",
        "Rain cover on, coffee in hand, off to {place}. The {product} doesn't mind the weather {emoji}",
    ),
    "added_video": (
        "Watch the {product} fold in 2 seconds flat {emoji} {tag}",
        "Behind the scenes: how we crash-test every {product} before it reaches you.",
        "60 seconds with our designers on the new {product} {colour} edition {emoji}",
        "Kerb, cobbles, gravel: the {product} on a morning run to {place} {emoji2}",
    ),
    "mobile_status_update": (
        "Question for the parents: what's the one thing your stroller has to do? Tell us below {emoji}",
        "Our support team is online 9-6 today if you need help with your {product}.",
        "Thank you for 5 stars, Priya! Reviews like yours keep us going {emoji}",
        "Heads up: deliveries are running a day late this week. Sorry, and thanks for your patience {emoji2}",
    ),
    "shared_story": (
        "Proud to see the {product} in this year's travel-gear round-up {emoji}",
        "Great read on walking with babies in winter. Tip 4 is our favourite {emoji} {tag}",
        "The {product} made the shortlist for Parent Product of the Year {emoji}{emoji2}",
    ),
}

HOSTILE = (
    "Flash sale on the {product} <script>alert(1)</script> ends tonight!",
    "<b>bold</b> new look for the {product} in {colour}",
    "Win a {product}! Click <a href=\"javascript:alert('x')\">here</a> {emoji}",
    "Tag a friend who needs a {product} <img src=x onerror=alert(1)> {emoji}",
    '"Best buggy ever" & <i>lighter than it looks</i>: the {product}',
)

HOSTILE_RATE = 1 / 40


def caption(rng: random.Random, status_type: str) -> str:
    """A caption for a post of ``status_type``, drawn from ``rng``."""
    hostile = rng.random() < HOSTILE_RATE
    template = rng.choice(HOSTILE if hostile else TEMPLATES[status_type])
    return template.format(
        product=rng.choice(PRODUCTS),
        colour=rng.choice(COLOURS),
        place=rng.choice(PLACES),
        emoji=rng.choice(EMOJI),
        emoji2=rng.choice(EMOJI),
        tag=rng.choice(HASHTAGS),
    )
