"""The demo company's Google Analytics 4 property (the Lumo UK web shop), and its ground truth.

Everything is a pure function of (property, day, traffic source): the same call gives the same
answer in any process, and the HTTP server is only a view over these functions.

Conventions the warehouse must agree with:

* The property reports by its own day (Europe/London); the server's "today" stands for the
  property's today and today is never served.
* Each day has one row per (sessionSource, sessionMedium, sessionCampaignName,
  sessionDefaultChannelGroup) with sessions; the channel group is assigned by
  :func:`channel_group`, a subset of GA4's default channel rules (a social site as source with
  a paid medium is Paid Social, with any other medium Organic Social; youtube.com is Organic
  Video). Rows whose metrics are all zero are not served (``keepEmptyRows: false``).
* The landing-page report (date x landingPagePlusQueryString x sessionSource x sessionMedium)
  is drawn from the same traffic sources with its own seeds, so it is plausible but, like GA4's
  separately computed reports, not an exact breakdown of the traffic report.
* GA4 data settles late: on ``as_of`` the day before is served at ``SETTLING[1]`` (60 %) and two
  days before at ``SETTLING[2]`` (85 %) of the final values (rounded down; revenue to pence);
  older days are final. A run on ``as_of`` that re-reads three days therefore holds final
  values for every day but the last two.
* ``threads.net`` referrals first appear on ``THREADS_FIRST_DAY`` (2026-11-07 in the story's
  calendar: 23 to 29 days before the demo's today), so a "new traffic sources" mart has a
  referrer to find whatever the demo's today.
* ``CAMPAIGN_EFFECTS`` adds utm-tagged campaign traffic on the campaign's days: extra sessions
  a day, a key-event rate and revenue per key event. It holds the campaigns of the demo
  company's registry (config/campaigns.yml, same utm_campaign and dates; a test keeps the two
  in step), three of them with a designed outcome (``CAMPAIGN_OUTCOMES``).
* No data exists before ``EPOCH``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from demo import story
from demo.company import EPOCH
from demo.generator.common import days, poisson, seeded
from demo.story import story_day

PLATFORM = "google_analytics"
SETTLING = {1: 0.60, 2: 0.85}
"""Fraction of a day's final metrics served when the day is 1 or 2 days old."""
THREADS_FIRST_DAY = story_day(story.NEW_TRAFFIC_SOURCE_DAY)


@dataclass(frozen=True)
class Property:
    id: str
    name: str
    time_zone: str
    currency: str
    daily_sessions: float
    """Mean sessions on a weekday at ``EPOCH`` before campaigns; grows ~20 % a year."""


PROPERTIES: tuple[Property, ...] = (
    Property("412345678", "Lumo Strollers UK - GA4", "Europe/London", "GBP", 640.0),
)
PROPERTIES_BY_ID = {p.id: p for p in PROPERTIES}


@dataclass(frozen=True)
class TrafficSource:
    """One steady source of sessions: its share of the property's sessions and its behaviour."""

    source: str
    medium: str
    campaign: str
    share: float
    engaged_rate: float
    key_event_rate: float
    """Key events (purchases, sign-ups) per session."""
    pages: tuple[tuple[str, float], ...]
    first_day: date = EPOCH


@dataclass(frozen=True)
class CampaignEffect:
    """utm-tagged traffic a campaign brings on each of its days (``start``..``end`` inclusive)."""

    utm_campaign: str
    source: str
    medium: str
    start: date
    end: date
    extra_sessions_per_day: float
    key_event_rate: float
    revenue_per_key_event: float


AVERAGE_ORDER_GBP = 329.0
HOME, SHOP = ("/", 0.45), ("/shop", 0.2)
CITY, TRAVEL = ("/strollers/lumo-city", 0.2), ("/strollers/lumo-travel-lite", 0.1)
BLOG = ("/blog/best-strollers-for-city-living", 0.05)
PRODUCT_PAGES = (HOME, SHOP, CITY, TRAVEL, BLOG)

SOURCES: tuple[TrafficSource, ...] = (
    TrafficSource("google", "organic", "(organic)", 0.34, 0.68, 0.018, (BLOG, CITY, TRAVEL, HOME)),
    TrafficSource("(direct)", "(none)", "(direct)", 0.18, 0.62, 0.030, (HOME, SHOP)),
    TrafficSource("bing", "organic", "(organic)", 0.03, 0.66, 0.016, (HOME, CITY)),
    TrafficSource("facebook.com", "referral", "(referral)", 0.05, 0.48, 0.008, PRODUCT_PAGES),
    TrafficSource("l.facebook.com", "referral", "(referral)", 0.04, 0.45, 0.007, PRODUCT_PAGES),
    TrafficSource("m.facebook.com", "referral", "(referral)", 0.05, 0.41, 0.006, PRODUCT_PAGES),
    TrafficSource("instagram.com", "referral", "(referral)", 0.05, 0.44, 0.007, (HOME, CITY, TRAVEL)),
    TrafficSource("t.co", "referral", "(referral)", 0.010, 0.37, 0.004, (HOME, BLOG)),
    TrafficSource("x.com", "referral", "(referral)", 0.006, 0.39, 0.004, (HOME, BLOG)),
    TrafficSource("lnkd.in", "referral", "(referral)", 0.006, 0.52, 0.003, (BLOG, HOME)),
    TrafficSource("linkedin.com", "referral", "(referral)", 0.005, 0.55, 0.003, (BLOG, HOME)),
    TrafficSource("youtube.com", "referral", "(referral)", 0.02, 0.58, 0.010, (CITY, TRAVEL)),
    TrafficSource("reddit.com", "referral", "(referral)", 0.008, 0.61, 0.009, (BLOG, CITY)),
    TrafficSource("pinterest.com", "referral", "(referral)", 0.012, 0.50, 0.006, (BLOG, HOME)),
    TrafficSource("scoop.it", "referral", "(referral)", 0.003, 0.35, 0.002, (BLOG,)),
    TrafficSource("mumsnet.com", "referral", "(referral)", 0.02, 0.72, 0.022, (CITY, TRAVEL)),
    TrafficSource("newsletter", "email", "monthly_newsletter", 0.04, 0.74, 0.035, (SHOP, CITY)),
    TrafficSource("google", "cpc", "brand_search_uk", 0.07, 0.70, 0.032, (HOME, SHOP, CITY)),
    TrafficSource("instagram", "social", "always_on_social", 0.02, 0.47, 0.006, (HOME, CITY)),
    TrafficSource(
        "threads.net", "referral", "(referral)", 0.006, 0.46, 0.005, (HOME, BLOG), first_day=THREADS_FIRST_DAY
    ),
)

# The campaign registry's campaigns (config/campaigns.yml), with the traffic each one brought.
# Three have a designed outcome (CAMPAIGN_OUTCOMES); tests hold the warehouse's verdicts to it.
_REGISTRY_CAMPAIGNS_AS_WRITTEN = (
    # Instagram giveaway: a clear lift in Instagram sessions and orders, far more revenue than cost.
    CampaignEffect(
        "spring_giveaway_2026", "instagram", "social", date(2026, 5, 4), date(2026, 5, 31), 60.0, 0.02, 120.0
    ),
    CampaignEffect(
        "summer_glide_boost_2026",
        "facebook",
        "paid_social",
        date(2026, 6, 8),
        date(2026, 6, 28),
        25.0,
        0.012,
        AVERAGE_ORDER_GBP,
    ),
    # Influencer series: plenty of YouTube visits, but the orders do not pay for the fee.
    CampaignEffect(
        "creator_review_series_2026",
        "youtube",
        "influencer",
        date(2026, 7, 1),
        date(2026, 8, 31),
        45.0,
        0.01,
        AVERAGE_ORDER_GBP,
    ),
    CampaignEffect(
        "retailer_display_contest_2026",
        "lnkd.in",
        "social",
        date(2026, 9, 7),
        date(2026, 10, 2),
        8.0,
        0.004,
        AVERAGE_ORDER_GBP,
    ),
    CampaignEffect(
        "dublin_launch_giveaway_2026",
        "instagram",
        "social",
        date(2026, 9, 14),
        date(2026, 10, 11),
        35.0,
        0.015,
        AVERAGE_ORDER_GBP,
    ),
    # Photo contest on X: a trickle of tagged visits, too few to tell from X's usual traffic.
    CampaignEffect(
        "autumn_walk_contest_2026", "t.co", "social", date(2026, 10, 17), date(2026, 11, 6), 0.5, 0.0, 0.0
    ),
    CampaignEffect(
        "black_friday_2026",
        "facebook",
        "paid_social",
        date(2026, 11, 16),
        date(2026, 11, 30),
        140.0,
        0.03,
        189.0,
    ),
    CampaignEffect(
        "black_friday_2026", "instagram", "cpc", date(2026, 11, 16), date(2026, 11, 30), 110.0, 0.025, 176.0
    ),
    CampaignEffect(
        "black_friday_2026", "newsletter", "email", date(2026, 11, 17), date(2026, 11, 30), 70.0, 0.05, 205.0
    ),
)
REGISTRY_CAMPAIGNS = tuple(
    replace(c, start=story_day(c.start), end=story_day(c.end)) for c in _REGISTRY_CAMPAIGNS_AS_WRITTEN
)
"""The campaigns on this process's calendar (``demo.story``): as written when it is unmoved."""
CAMPAIGN_EFFECTS: tuple[CampaignEffect, ...] = REGISTRY_CAMPAIGNS
"""Campaign traffic included in the daily data; extend it to wire in more known-effect campaigns."""
CAMPAIGN_OUTCOMES = {
    "spring_giveaway_2026": "works",
    "autumn_walk_contest_2026": "does nothing",
    "creator_review_series_2026": "loses money",
}
"""Designed outcomes: "works" lifts the platform's sessions and key events and pays for itself;
"does nothing" lifts nothing detectably; "loses money" lifts sessions but costs more than it earns."""

SOCIAL_SITES = frozenset(
    {
        "facebook", "facebook.com", "l.facebook.com", "m.facebook.com", "lm.facebook.com", "instagram",
        "instagram.com", "l.instagram.com", "t.co", "twitter", "twitter.com", "x.com", "lnkd.in",
        "linkedin", "linkedin.com", "reddit", "reddit.com", "pinterest", "pinterest.com", "scoop.it",
        "threads.net", "tiktok", "tiktok.com",
    }
)  # fmt: skip
VIDEO_SITES = frozenset({"youtube", "youtube.com", "m.youtube.com", "vimeo.com"})
SEARCH_SITES = frozenset({"google", "bing", "duckduckgo", "yahoo", "ecosia.org"})


def channel_group(source: str, medium: str) -> str:
    """GA4's sessionDefaultChannelGroup for a source and medium (the rules the demo needs)."""
    paid = medium in {"cpc", "ppc", "retargeting"} or medium.startswith("paid")
    if source == "(direct)" and medium in {"(none)", "(not set)"}:
        return "Direct"
    if source in SOCIAL_SITES or medium in {"social", "social-network", "social-media", "sm"}:
        return "Paid Social" if paid else "Organic Social"
    if source in VIDEO_SITES:
        return "Paid Video" if paid else "Organic Video"
    if source in SEARCH_SITES:
        return "Paid Search" if paid else "Organic Search"
    if medium == "email" or source == "newsletter":
        return "Email"
    if medium == "referral":
        return "Referral"
    return "Unassigned"


def gbp(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Metrics:
    sessions: int
    engaged_sessions: int
    total_users: int
    key_events: int
    total_revenue: Decimal

    def settled(self, fraction: float) -> Metrics:
        if fraction >= 1:
            return self
        return Metrics(
            math.floor(self.sessions * fraction),
            math.floor(self.engaged_sessions * fraction),
            math.floor(self.total_users * fraction),
            math.floor(self.key_events * fraction),
            gbp(math.floor(self.total_revenue * 100 * Decimal(str(fraction))) / 100),
        )

    def __add__(self, other: Metrics) -> Metrics:
        return Metrics(
            self.sessions + other.sessions,
            self.engaged_sessions + other.engaged_sessions,
            self.total_users + other.total_users,
            self.key_events + other.key_events,
            self.total_revenue + other.total_revenue,
        )

    def is_empty(self) -> bool:
        return not (self.sessions or self.engaged_sessions or self.total_users or self.key_events)


def _draw(
    mean: float, engaged_rate: float, key_event_rate: float, order_value: float, *seed: object
) -> Metrics:
    rng = seeded(PLATFORM, *seed)
    sessions = poisson(rng, mean)
    engaged = min(sessions, round(sessions * engaged_rate * rng.uniform(0.92, 1.08)))
    users = min(sessions, max(1 if sessions else 0, round(sessions * rng.uniform(0.78, 0.94))))
    key_events = min(engaged, poisson(rng, sessions * key_event_rate))
    revenue = gbp(sum(order_value * rng.uniform(0.55, 1.6) for _ in range(key_events)))
    return Metrics(sessions, engaged, users, key_events, revenue)


def _level(prop: Property, day: date) -> float:
    """Mean sessions of the property on ``day``: growth, weekly rhythm and the pre-Christmas lift."""
    growth = 1 + 0.2 * (day - EPOCH).days / 365
    weekly = (1.0, 1.02, 1.0, 0.97, 0.9, 0.78, 0.95)[day.weekday()]
    season = 1.25 if (day.month == 11 and day.day >= 20) or (day.month == 12 and day.day <= 15) else 1.0
    return prop.daily_sessions * growth * weekly * season


def _effects(day: date) -> list[CampaignEffect]:
    return [e for e in CAMPAIGN_EFFECTS if e.start <= day <= e.end]


def property_facts(property_id: str) -> Property:
    try:
        return PROPERTIES_BY_ID[str(property_id)]
    except KeyError:
        raise KeyError(
            f"unknown demo GA4 property {property_id!r}; known: {', '.join(PROPERTIES_BY_ID)}"
        ) from None


TrafficKey = tuple[str, str, str, str]  # source, medium, campaign, channel group
LandingKey = tuple[str, str, str]  # landing page + query string, source, medium


def final_traffic(property_id: str, day: date) -> dict[TrafficKey, Metrics]:
    """The settled traffic report of one day, by its dimensions (empty rows left out)."""
    prop = property_facts(property_id)
    if day < EPOCH:
        return {}
    level = _level(prop, day)
    rows: dict[TrafficKey, Metrics] = {}
    for src in SOURCES:
        if day < src.first_day:
            continue
        metrics = _draw(
            level * src.share, src.engaged_rate, src.key_event_rate, AVERAGE_ORDER_GBP,
            property_id, day, src.source, src.medium, src.campaign,
        )  # fmt: skip
        key = (src.source, src.medium, src.campaign, channel_group(src.source, src.medium))
        rows[key] = rows[key] + metrics if key in rows else metrics
    for effect in _effects(day):
        metrics = _draw(
            effect.extra_sessions_per_day, 0.6, effect.key_event_rate, effect.revenue_per_key_event,
            property_id, day, effect.source, effect.medium, effect.utm_campaign,
        )  # fmt: skip
        key = (effect.source, effect.medium, effect.utm_campaign, channel_group(effect.source, effect.medium))
        rows[key] = rows[key] + metrics if key in rows else metrics
    return {key: m for key, m in rows.items() if not m.is_empty()}


def final_landing_pages(property_id: str, day: date) -> dict[LandingKey, Metrics]:
    """The settled landing-page report of one day (own seeds; see the module docstring)."""
    prop = property_facts(property_id)
    if day < EPOCH:
        return {}
    level = _level(prop, day)
    rows: dict[LandingKey, Metrics] = {}

    def add(key: LandingKey, metrics: Metrics) -> None:
        rows[key] = rows[key] + metrics if key in rows else metrics

    for src in SOURCES:
        if day < src.first_day:
            continue
        total = sum(weight for _, weight in src.pages)
        for page, weight in src.pages:
            query = (
                "" if src.campaign.startswith("(") else f"?utm_source={src.source}&utm_medium={src.medium}"
            )
            metrics = _draw(
                level * src.share * weight / total, src.engaged_rate, src.key_event_rate, AVERAGE_ORDER_GBP,
                "landing", property_id, day, src.source, src.medium, src.campaign, page,
            )  # fmt: skip
            add((page + query, src.source, src.medium), metrics)
    for effect in _effects(day):
        page = "/offers/" + effect.utm_campaign.replace("_", "-")
        query = f"?utm_source={effect.source}&utm_medium={effect.medium}&utm_campaign={effect.utm_campaign}"
        metrics = _draw(
            effect.extra_sessions_per_day, 0.6, effect.key_event_rate, effect.revenue_per_key_event,
            "landing", property_id, day, effect.source, effect.medium, effect.utm_campaign,
        )  # fmt: skip
        add((page + query, effect.source, effect.medium), metrics)
    return {key: m for key, m in rows.items() if not m.is_empty()}


def settling_fraction(day: date, as_of: date) -> float | None:
    """How much of ``day``'s final data is served on ``as_of`` (None: not served at all)."""
    age = (as_of - day).days
    if age < 1:
        return None
    return SETTLING.get(age, 1.0)


def served_traffic(property_id: str, day: date, as_of: date) -> dict[TrafficKey, Metrics]:
    fraction = settling_fraction(day, as_of)
    if fraction is None:
        return {}
    settled = {k: m.settled(fraction) for k, m in final_traffic(property_id, day).items()}
    return {k: m for k, m in settled.items() if not m.is_empty()}


def served_landing_pages(property_id: str, day: date, as_of: date) -> dict[LandingKey, Metrics]:
    fraction = settling_fraction(day, as_of)
    if fraction is None:
        return {}
    settled = {k: m.settled(fraction) for k, m in final_landing_pages(property_id, day).items()}
    return {k: m for k, m in settled.items() if not m.is_empty()}


def _metric_columns(m: Metrics) -> dict[str, Any]:
    return {
        "sessions": m.sessions,
        "engaged_sessions": m.engaged_sessions,
        "total_users": m.total_users,
        "key_events": m.key_events,
        "total_revenue": m.total_revenue,
    }


# Ground truth: exactly the rows the staging models hold after one run on ``as_of``.


def accounts() -> list[dict[str, Any]]:
    return [
        {
            "platform": PLATFORM,
            "account_id": p.id,
            "account_name": f"GA4 property {p.id}",
            "username": p.name,
            "link": f"https://analytics.google.com/analytics/web/#/p{p.id}/reports",
        }
        for p in PROPERTIES
    ]


def traffic(property_id: str, start: date, end: date, as_of: date) -> list[dict[str, Any]]:
    """stg_google_analytics__traffic rows for report dates ``start``..``end`` after a run on ``as_of``."""
    return [
        {
            "property_id": property_id,
            "report_date": day,
            "session_source": key[0],
            "session_medium": key[1],
            "session_campaign_name": key[2],
            "session_default_channel_group": key[3],
            **_metric_columns(m),
        }
        for day in days(start, end)
        for key, m in sorted(served_traffic(property_id, day, as_of).items())
    ]


def landing_pages(property_id: str, start: date, end: date, as_of: date) -> list[dict[str, Any]]:
    """stg_google_analytics__landing_pages rows for ``start``..``end`` after a run on ``as_of``."""
    return [
        {
            "property_id": property_id,
            "report_date": day,
            "landing_page": key[0],
            "session_source": key[1],
            "session_medium": key[2],
            **_metric_columns(m),
        }
        for day in days(start, end)
        for key, m in sorted(served_landing_pages(property_id, day, as_of).items())
    ]


def first_seen(property_id: str, source: str) -> date | None:
    """The first day a session source appears in the data (for a "new traffic sources" check)."""
    starts = [s.first_day for s in SOURCES if s.source == source]
    starts += [e.start for e in CAMPAIGN_EFFECTS if e.source == source]
    return max(min(starts), EPOCH) if starts and property_id in PROPERTIES_BY_ID else None
