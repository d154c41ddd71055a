"""The demo company, Lumo Strollers: who it is and which accounts it owns on each platform.

These are facts, not data: the numbers each account produces come from ``demo.generator``.
Its name, brand and account ids are written once, in the company configuration the repository
ships (``config/company.yml``, which ``make demo`` runs on unchanged): the demo reads them here.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.config import CompanyConfig, load_config
from core.settings import PROJECT_ROOT
from demo import story
from demo.story import story_day

SHIPPED_CONFIG_PATH = PROJECT_ROOT / "config" / "company.yml"
SHIPPED: CompanyConfig = load_config(SHIPPED_CONFIG_PATH)
"""The shipped company configuration: the demo company's accounts and its competitors'."""


def _missing(what: str) -> LookupError:
    return LookupError(
        f"{SHIPPED_CONFIG_PATH}: the demo company needs {what}; restore the shipped file (git checkout "
        "config/company.yml) and keep your own company in a copy named by WAREHOUSE_COMPANY_CONFIG"
    )


def own_id(platform: str, index: int = 0) -> str:
    """The id of the demo company's ``index``-th own account on ``platform``."""
    accounts = SHIPPED.own_accounts(platform)
    if len(accounts) <= index:
        raise _missing(f"own {platform} account number {index + 1}")
    return accounts[index].id


def competitor_id(competitor: str, platform: str) -> str:
    """The id of a competitor's account on ``platform`` (the Instagram username for Instagram)."""
    found = [c for c in SHIPPED.competitors if c.name == competitor]
    accounts = getattr(found[0].accounts, platform) if found else ()
    if len(accounts) != 1:
        raise _missing(f"the competitor {competitor} with one {platform} account")
    return accounts[0].id


BRAND = SHIPPED.brand.name
MAIN_PAGE, UK_PAGE = own_id("facebook_pages", 0), own_id("facebook_pages", 1)
INSTAGRAM_ACCOUNT = own_id("instagram")
X_ACCOUNT = own_id("x")
LINKEDIN_ORGANIZATION = own_id("linkedin")
YOUTUBE_CHANNEL = own_id("youtube")

EPOCH = story_day(story.EPOCH)
"""First day the demo accounts have data (2024-01-01 in the story's calendar, ``demo.story``);
follower totals accumulate from here."""


@dataclass(frozen=True)
class FacebookPage:
    """One Facebook Page (own, or a competitor's) and the knobs that give it its size and rhythm."""

    id: str
    name: str
    username: str
    category: str
    about: str
    website: str
    base_followers: int
    """Followers at the end of the day before ``EPOCH``."""
    daily_follows: float
    """Mean new follows on a weekday at ``EPOCH``; grows slowly with time."""
    daily_unfollows: float
    """Mean unfollows on a day."""
    daily_views: float
    """Mean page media views on a weekday at ``EPOCH``."""
    posts_per_day_weekday: tuple[float, float, float, float]
    """Probabilities of 0, 1, 2, 3 posts on a weekday (UTC)."""
    posts_per_day_weekend: tuple[float, float, float, float]
    post_views: float
    """Typical lifetime views of a post."""
    is_own: bool = True
    """False for a competitor's Page (``demo.generator.facebook_pages.COMPETITOR_PAGES``)."""

    @property
    def link(self) -> str:
        return f"https://www.facebook.com/{self.username}"


FACEBOOK_PAGES: tuple[FacebookPage, ...] = (
    FacebookPage(
        id=MAIN_PAGE,
        name=SHIPPED.own_accounts("facebook_pages")[0].name,
        username="lumostrollers",
        category="Baby Goods/Kids Goods",
        about="Light, foldable strollers for city families. Designed to go where you go.",
        website="https://lumo.example",
        base_followers=31_850,
        daily_follows=34.0,
        daily_unfollows=9.0,
        daily_views=21_000.0,
        posts_per_day_weekday=(0.15, 0.40, 0.30, 0.15),
        posts_per_day_weekend=(0.35, 0.40, 0.20, 0.05),
        post_views=6_500.0,
    ),
    FacebookPage(
        id=UK_PAGE,
        name=SHIPPED.own_accounts("facebook_pages")[1].name,
        username="lumostrollersuk",
        category="Baby Goods/Kids Goods",
        about="Lumo Strollers in the UK and Ireland: stockists, events and offers.",
        website="https://lumo.example/uk",
        base_followers=2_430,
        daily_follows=4.2,
        daily_unfollows=1.3,
        daily_views=1_900.0,
        posts_per_day_weekday=(0.40, 0.40, 0.15, 0.05),
        posts_per_day_weekend=(0.60, 0.30, 0.08, 0.02),
        post_views=700.0,
    ),
)

FACEBOOK_PAGES_BY_ID: dict[str, FacebookPage] = {page.id: page for page in FACEBOOK_PAGES}


def facebook_page(account_id: str) -> FacebookPage:
    """The own Facebook Page with this id; ``KeyError`` names the known ids otherwise."""
    try:
        return FACEBOOK_PAGES_BY_ID[str(account_id)]
    except KeyError:
        known = ", ".join(FACEBOOK_PAGES_BY_ID)
        raise KeyError(f"unknown demo Facebook Page {account_id!r}; known pages: {known}") from None
