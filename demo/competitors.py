"""The demo company's two competitors: who they are, their public accounts and how they write.

These are facts, not data, like ``demo.company``: the ids match ``config/company.yml`` and each
platform's generator keeps the knobs that give a competitor's account its size and rhythm next
to the own accounts' (``demo.generator.x.X_ACCOUNTS``, ``youtube.CHANNELS``...), so a platform
is still read in one place. The benchmark needs clear differences, never ties:

* **Bramble Baby** is the bigger brand on Instagram and Facebook, smaller on YouTube, and posts
  less often than Lumo on X with fewer impressions per follower.
* **Kiddo Motion** is smaller everywhere but posts more often on X (two or three originals a
  day) and gets more impressions per follower there.

Competitors write about their own products and hashtags, never Lumo's, so their posts do not
count as mentions of Lumo.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from demo.company import competitor_id
from demo.generator.messages import COLOURS, EMOJI, HOSTILE, HOSTILE_RATE, PLACES


@dataclass(frozen=True)
class Competitor:
    """One competitor brand and its account ids on each platform (as in ``config/company.yml``)."""

    name: str
    slug: str
    """The listening target id (``core.config.brand_slug`` of the name)."""
    handle: str
    """The username used on every platform."""
    website: str
    products: tuple[str, ...]
    hashtags: tuple[str, ...]
    facebook_page_id: str
    instagram_user_id: str
    """The IG user id business_discovery answers with (the config names the account by username)."""
    x_user_id: str
    youtube_channel_id: str

    def caption(self, rng: random.Random, status_type: str) -> str:
        """A caption in the brand's voice for a post of ``status_type`` (as ``messages.caption``)."""
        hostile = rng.random() < HOSTILE_RATE
        template = rng.choice(HOSTILE if hostile else TEMPLATES[status_type])
        return template.format(
            brand=self.name,
            product=rng.choice(self.products),
            colour=rng.choice(COLOURS),
            place=rng.choice(PLACES),
            emoji=rng.choice(EMOJI),
            emoji2=rng.choice(EMOJI),
            tag=rng.choice(self.hashtags),
        )


TEMPLATES: dict[str, tuple[str, ...]] = {
    "added_photos": (
        "The {product} in {colour}: made for little explorers {emoji} {tag}",
        "Weekend plans? The {product} is ready for {place} {emoji}",
        "You asked, we listened: the {product} now comes in {colour} {emoji}{emoji2} {tag}",
        "Spotted at {place}: a very happy {product} family {emoji}",
    ),
    "added_video": (
        "30 seconds to set up the {product} {emoji} {tag}",
        "How we test the {product} for a thousand kerbs {emoji2}",
        "The {product} on a rainy morning at {place} {emoji}",
    ),
    "mobile_status_update": (
        "What should we call our next colour? Best answer wins a {product} {emoji}",
        "Our customer team is here until 5pm if you have {product} questions.",
        "Thank you for a brilliant year, {brand} families {emoji} {tag}",
    ),
    "shared_story": (
        "The {product} is in this month's best-buys list {emoji} {tag}",
        "Five tips for travelling with a toddler, from the {brand} team {emoji}",
    ),
}

BRAMBLE_BABY = Competitor(
    name="Bramble Baby",
    slug="bramble-baby",
    handle=competitor_id("Bramble Baby", "instagram"),  # the Instagram username, its handle everywhere
    website="https://bramblebaby.example",
    products=("Bramble Nest", "Bramble Roam", "Bramble Duo", "Bramble Cocoon"),
    hashtags=("#bramblebaby", "#babygear", "#newparents"),
    facebook_page_id=competitor_id("Bramble Baby", "facebook_pages"),
    instagram_user_id="17841402938475610",
    x_user_id=competitor_id("Bramble Baby", "x"),
    youtube_channel_id=competitor_id("Bramble Baby", "youtube"),
)
KIDDO_MOTION = Competitor(
    name="Kiddo Motion",
    slug="kiddo-motion",
    handle=competitor_id("Kiddo Motion", "instagram"),  # the Instagram username, its handle everywhere
    website="https://kiddomotion.example",
    products=("Kiddo Zip", "Kiddo Flex", "Kiddo Jog"),
    hashtags=("#kiddomotion", "#strollerlife", "#runningparents"),
    facebook_page_id=competitor_id("Kiddo Motion", "facebook_pages"),
    instagram_user_id="17841461029384756",
    x_user_id=competitor_id("Kiddo Motion", "x"),
    youtube_channel_id=competitor_id("Kiddo Motion", "youtube"),
)

COMPETITORS: tuple[Competitor, ...] = (BRAMBLE_BABY, KIDDO_MOTION)


def competitor_with(platform_id: str) -> Competitor:
    """The competitor owning an account id (or Instagram username) on any platform."""
    for competitor in COMPETITORS:
        ids = (
            competitor.facebook_page_id,
            competitor.instagram_user_id,
            competitor.handle,
            competitor.x_user_id,
            competitor.youtube_channel_id,
        )
        if platform_id in ids:
            return competitor
    raise KeyError(f"no demo competitor has the account {platform_id!r}")
