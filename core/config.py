"""The company configuration: brand, accounts, competitors, reporting and source settings.

One YAML file describes the company (``config/company.yml`` documents every field). It is parsed
into frozen pydantic models so that a typo or a bad value is refused at start-up with the path of
the offending field, instead of surfacing as a confusing failure halfway through a run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from core.settings import company_config_path
from core.sources import PLATFORMS, SOURCES

# ISO 4217 active codes (the list the standard's maintenance agency publishes).
CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
    GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
    KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD
    NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
    SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES
    VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG""".split()  # noqa: SIM905
)

Platform = Literal[PLATFORMS]  # the social platforms of `core.sources`
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email_addresses(value: tuple[str, ...]) -> tuple[str, ...]:
    bad = [address for address in value if not _EMAIL.match(address)]
    if bad:
        raise ValueError(f"not an email address: {', '.join(bad)}")
    return value


class ConfigError(ValueError):
    """The company configuration is invalid; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Company(_Strict):
    name: str = Field(min_length=1)
    timezone: str
    currency: str

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA timezone {value!r} (e.g. Europe/London)") from None
        return value

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        if value not in CURRENCIES:
            raise ValueError(f"unknown ISO 4217 currency code {value!r} (e.g. EUR, USD, GBP)")
        return value


# A brand's slug (from its name) is the listening streams' account key, a landing folder name.
BRAND_NAME_MAX = 100


class Brand(_Strict):
    name: str = Field(min_length=1, max_length=BRAND_NAME_MAX)
    keywords: tuple[str, ...] = Field(min_length=1)


class Account(_Strict):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)


@dataclass(frozen=True)
class IdFormat:
    """What a platform's account id looks like. Ids become landing folder names and URL path
    segments, so every format is ASCII only (look-alike full-width digits or Cyrillic letters are
    refused) and none allows a character that means something in a path, a glob or a URL
    (``/ ? # * [``, NUL, whitespace) or a name made only of dots."""

    pattern: re.Pattern[str]
    looks_like: str

    def problem(self, value: str) -> str | None:
        """None for a valid id; else what is wrong and what a valid one looks like."""
        if self.pattern.fullmatch(value):
            return None
        shown = repr(value if len(value) <= 60 else value[:60] + "…")
        return f"{shown} is not {self.looks_like}"


def _format(pattern: str, looks_like: str) -> IdFormat:
    return IdFormat(re.compile(pattern, re.ASCII), looks_like)


_GRAPH_ID = r"[0-9]{1,20}"
ID_FORMATS: dict[str, IdFormat] = {
    "facebook_pages": _format(
        _GRAPH_ID, "a Facebook Page id: the Page's numeric Graph API id, 1-20 digits (e.g. '104729381726354')"
    ),
    "instagram": _format(
        _GRAPH_ID,
        "an Instagram professional account id: the numeric Graph API id, 1-20 digits "
        "(e.g. '17841405822304914'; competitors are given by username instead)",
    ),
    "x": _format(
        r"[0-9]{1,20}",
        "an X user id: the numeric id, 1-20 digits, not the @handle (e.g. '1447093205118763008')",
    ),
    "linkedin": _format(
        r"[0-9]{1,20}",
        "a LinkedIn organization id: the number in urn:li:organization:<id>, 1-20 digits (e.g. '10482335')",
    ),
    "youtube": _format(
        r"UC[A-Za-z0-9_-]{22}",
        "a YouTube channel id: 'UC' and 22 letters, digits, '-' or '_' (e.g. 'UCq7Lm0x2bN9dVfK3tYwQe8A')",
    ),
}
# A competitor's Instagram account is read through business_discovery, which takes the username:
# 1-30 letters, digits, '.' and '_', no '.' first or last and never two in a row.
INSTAGRAM_USERNAME = _format(
    r"(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9._]{1,30}",
    "an Instagram username: 1-30 ASCII letters, digits, '.' and '_', not starting or ending with '.' "
    "and without '..' (e.g. 'bramblebaby', no '@')",
)
GA4_PROPERTY_ID = _format(
    r"[0-9]{1,20}", "a GA4 property id: the number under Admin > Property details (e.g. '312345678')"
)


class _PlatformAccount(Account):
    """An account whose id is held to its platform's format (``id_format``)."""

    id_format: ClassVar[IdFormat]

    @field_validator("id")
    @classmethod
    def _platform_id(cls, value: str) -> str:
        if problem := cls.id_format.problem(value):
            raise ValueError(problem)
        return value


class FacebookPageAccount(_PlatformAccount):
    id_format = ID_FORMATS["facebook_pages"]


class InstagramAccount(_PlatformAccount):
    id_format = ID_FORMATS["instagram"]


class InstagramCompetitorAccount(_PlatformAccount):
    id_format = INSTAGRAM_USERNAME


class XAccount(_PlatformAccount):
    id_format = ID_FORMATS["x"]


class LinkedInAccount(_PlatformAccount):
    id_format = ID_FORMATS["linkedin"]


class YouTubeAccount(_PlatformAccount):
    id_format = ID_FORMATS["youtube"]


class Accounts(_Strict):
    facebook_pages: tuple[FacebookPageAccount, ...] = ()
    instagram: tuple[InstagramAccount, ...] = ()
    x: tuple[XAccount, ...] = ()
    linkedin: tuple[LinkedInAccount, ...] = ()
    youtube: tuple[YouTubeAccount, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> Accounts:
        for platform in type(self).model_fields:
            ids = [account.id for account in getattr(self, platform)]
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ValueError(f"{platform}: account id listed twice: {', '.join(duplicates)}")
        return self


class CompetitorAccounts(Accounts):
    """A competitor's public accounts: as the own ones, but Instagram by username."""

    instagram: tuple[InstagramCompetitorAccount, ...] = ()  # type: ignore[assignment]


class Competitor(_Strict):
    name: str = Field(min_length=1, max_length=BRAND_NAME_MAX)
    keywords: tuple[str, ...] = Field(min_length=1)
    accounts: CompetitorAccounts = CompetitorAccounts()

    @field_validator("accounts")
    @classmethod
    def _public_platforms(cls, value: CompetitorAccounts) -> CompetitorAccounts:
        if value.linkedin:
            raise ValueError(
                "linkedin: LinkedIn has no public API for other organizations' pages; remove "
                "the competitor's LinkedIn accounts"
            )
        return value


@dataclass(frozen=True)
class ListeningTarget:
    """A brand the listening sources search for: the company's own or a competitor's."""

    id: str
    """A slug of the brand name (``bramble-baby``): the landing zone's account key for mentions."""
    name: str
    keywords: tuple[str, ...]
    is_own: bool


def brand_slug(name: str) -> str:
    """``Bramble Baby`` -> ``bramble-baby``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "brand"


class BusinessHours(_Strict):
    start: time
    end: time
    days: tuple[Weekday, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _start_before_end(self) -> BusinessHours:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class Support(_Strict):
    first_response_sla_minutes: int = Field(gt=0)
    business_hours: BusinessHours
    # Public comments and mentions that need an answer: questions (they hold a "?") and
    # complaints (they hold one of these words, whole word, any case). Direct messages always do.
    complaint_keywords: tuple[str, ...] = (
        "disappointed", "broke", "broken", "damaged", "faulty", "refund", "awful", "terrible",
        "horrible", "worst", "avoid", "rude", "late", "frustrated", "ripped", "jams", "poor",
        "regret", "failed", "collapsed", "collapsing", "snapped", "dangerous", "shocking",
        "furious", "unacceptable", "recall",
    )  # fmt: skip

    @field_validator("complaint_keywords")
    @classmethod
    def _words(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        blank = [word for word in value if not word.strip()]
        if blank:
            raise ValueError("complaint keywords must not be blank")
        return value


class NegativeSpikeRule(_Strict):
    # Negative mentions of the brand in the last `window_hours`, against the same-length windows
    # of the `baseline_days` before: fires when the count is at least `min_mentions`, its
    # modified z-score (0.6745 * (count - median) / MAD) exceeds `max_z`, and the negative share
    # of the window's brand mentions is at least `min_share_ratio` times the baseline's (a busy
    # day brings more of every kind of mention; a crisis brings mostly negative ones).
    window_hours: int = Field(default=24, ge=1, le=168)
    baseline_days: int = Field(default=28, ge=7, le=90)
    min_mentions: int = Field(default=10, ge=1)
    max_z: float = Field(default=3.5, gt=0)
    min_share_ratio: float = Field(default=2.0, ge=1)


class ViralMentionRule(_Strict):
    # A mention of the brand seen in the last `within_hours` whose author reaches at least
    # `min_reach` people (X followers) or that drew at least `min_engagements` engagements.
    within_hours: int = Field(default=48, ge=1, le=168)
    min_reach: int = Field(default=100_000, ge=1)
    min_engagements: int = Field(default=5_000, ge=1)


class UnansweredRule(_Strict):
    # An inbound item that needs an answer and has waited `after_minutes` without one; items
    # older than `within_hours` are left to the support reports.
    after_minutes: int = Field(default=240, ge=1)
    within_hours: int = Field(default=72, ge=1, le=720)


class StaleSourceRule(_Strict):
    # A source whose last successful load is older than `after_hours`.
    after_hours: int = Field(default=30, ge=1)


class Alerts(_Strict):
    email_to: tuple[str, ...] = ()  # empty: no email alerts
    smtp_conn_id: str = "smtp_default"
    webhook_conn_id: str | None = None  # an Airflow connection holding the webhook URL
    data_url: str | None = None  # where the alert's "see the data" link points (BI)
    negative_spike: NegativeSpikeRule = NegativeSpikeRule()
    viral_mention: ViralMentionRule = ViralMentionRule()
    unanswered: UnansweredRule = UnansweredRule()
    stale_source: StaleSourceRule = StaleSourceRule()

    @field_validator("email_to")
    @classmethod
    def _emails(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _email_addresses(value)

    @field_validator("data_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://\S+$", value):
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value


class VolumeChecks(_Strict):
    # A day's rows (or a metric) against the median of the same series over the days before.
    history_days: int = Field(default=28, ge=7, le=120)
    min_ratio: float = Field(default=0.1, gt=0, lt=1)  # 0.1: a day with 90 % fewer rows
    max_ratio: float = Field(default=10.0, gt=1)  # 10: a metric that jumps tenfold
    min_baseline: float = Field(default=5.0, ge=0)  # smaller baselines are too noisy to judge


class Quality(_Strict):
    volume: VolumeChecks = VolumeChecks()
    notify_warnings: bool = True  # send warnings too (blocking failures are always sent)


class Reporting(_Strict):
    recipients: tuple[str, ...] = Field(min_length=1)
    smtp_conn_id: str = "smtp_default"

    @field_validator("recipients")
    @classmethod
    def _emails(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _email_addresses(value)


class FacebookPagesSettings(_Strict):
    conn_id: str = "facebook_pages_default"
    page_insights_metrics: tuple[str, ...] = Field(min_length=1)
    post_insights_metrics: tuple[str, ...] = Field(min_length=1)
    insights_lookback_days: int = Field(default=2, ge=0, le=30)
    post_lookback_days: int = Field(default=28, ge=0, le=90)
    # Comments on own posts (mentions): re-read comments made this many days before a run.
    comment_lookback_days: int = Field(default=7, ge=0, le=30)
    # Messenger inbox: list conversations updated this many days before a run's first day.
    conversation_lookback_days: int = Field(default=2, ge=0, le=30)


class InstagramSettings(_Strict):
    conn_id: str = "instagram_default"
    # Account insights asked with metric_type=total_value, one request per Pacific day.
    account_total_value_metrics: tuple[str, ...] = Field(
        default=("views", "total_interactions", "likes", "comments", "shares", "saves", "accounts_engaged"),
        min_length=1,
    )
    # Account insights asked as a daily time series (`values` with end_time).
    account_time_series_metrics: tuple[str, ...] = Field(default=("reach", "follower_count"), min_length=1)
    # Lifetime media insights; Meta retired impressions, plays and video_views in 2025.
    media_insights_metrics: tuple[str, ...] = Field(
        default=("views", "reach", "likes", "comments", "shares", "saved", "total_interactions"),
        min_length=1,
    )
    insights_lookback_days: int = Field(default=2, ge=0, le=30)
    media_lookback_days: int = Field(default=28, ge=0, le=90)
    # Comments on own media (mentions): re-read comments made this many days before a run.
    comment_lookback_days: int = Field(default=7, ge=0, le=30)


class XSettings(_Strict):
    conn_id: str = "x_default"
    # Tweets this young are read again each run: public_metrics are live counters.
    tweet_lookback_days: int = Field(default=28, ge=0, le=90)
    # Recent search (brand and competitor keywords) reaches back 7 days at most: re-read this many
    # days before a run; days older than X keeps are never asked for.
    search_lookback_days: int = Field(default=6, ge=0, le=6)


class LinkedInSettings(_Strict):
    conn_id: str = "linkedin_default"
    # Follower and share statistics settle about two days late: re-read this many earlier days.
    statistics_lookback_days: int = Field(default=3, ge=0, le=30)
    post_lookback_days: int = Field(default=28, ge=0, le=90)


class YouTubeSettings(_Strict):
    conn_id: str = "youtube_default"
    # YouTube Analytics day-report metrics for the channel.
    analytics_metrics: tuple[str, ...] = Field(
        default=(
            "views",
            "estimatedMinutesWatched",
            "likes",
            "comments",
            "shares",
            "subscribersGained",
            "subscribersLost",
        ),
        min_length=1,
    )
    # Analytics data arrives two to three days late: re-read this many earlier days.
    report_lookback_days: int = Field(default=3, ge=0, le=30)
    video_lookback_days: int = Field(default=28, ge=0, le=90)


class GoogleAnalyticsSettings(_Strict):
    conn_id: str = "google_analytics_default"
    # The GA4 property (numeric id, Admin > Property details); unset skips the source.
    property_id: str | None = None
    # GA4 data settles over 24-48 hours: re-read this many earlier days on every run.
    lookback_days: int = Field(default=3, ge=0, le=30)

    @field_validator("property_id")
    @classmethod
    def _numeric_property(cls, value: str | None) -> str | None:
        if value is not None and (problem := GA4_PROPERTY_ID.problem(value)):
            raise ValueError(problem)
        return value


class RedditSettings(_Strict):
    # Off unless asked for: Reddit search needs an app registered with Reddit (a script app's
    # client id and secret in the connection).
    enabled: bool = False
    conn_id: str = "reddit_default"
    # Subreddits to search (names without r/); empty searches all of Reddit.
    subreddits: tuple[str, ...] = ()
    # Scores and comment counts keep moving: re-read posts made this many days before a run.
    lookback_days: int = Field(default=3, ge=0, le=30)

    @field_validator("subreddits")
    @classmethod
    def _subreddit_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [name for name in value if not re.fullmatch(r"[A-Za-z0-9_]{2,21}", name)]
        if bad:
            raise ValueError(f"not a subreddit name (letters, digits, _; no r/): {', '.join(bad)}")
        return value


class Feed(_Strict):
    # The feed's account key in the landing zone: lower-case ASCII letters, digits, '_' and '-'.
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
    # An absolute http(s) URL, or a path the rss connection's host is put in front of.
    url: str = Field(min_length=1)


class RssSettings(_Strict):
    conn_id: str = "rss_default"
    feeds: tuple[Feed, ...] = ()

    @field_validator("feeds")
    @classmethod
    def _unique_names(cls, value: tuple[Feed, ...]) -> tuple[Feed, ...]:
        names = [feed.name for feed in value]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"feed name listed twice: {', '.join(duplicates)}")
        return value


class Sources(_Strict):
    facebook_pages: FacebookPagesSettings
    instagram: InstagramSettings = InstagramSettings()
    x: XSettings = XSettings()
    linkedin: LinkedInSettings = LinkedInSettings()
    youtube: YouTubeSettings = YouTubeSettings()
    google_analytics: GoogleAnalyticsSettings = GoogleAnalyticsSettings()
    reddit: RedditSettings = RedditSettings()
    rss: RssSettings = RssSettings()


class CompanyConfig(_Strict):
    company: Company
    brand: Brand
    accounts: Accounts
    competitors: tuple[Competitor, ...] = ()
    support: Support
    reporting: Reporting
    alerts: Alerts = Alerts()
    quality: Quality = Quality()
    sources: Sources

    def max_lookback_days(self) -> int:
        """The furthest back any source re-reads before a run's first day: the largest look-back
        setting of a day-partitioned stream (``core.sources``; a snapshot lands on the run's day)."""
        return max(
            (
                int(getattr(getattr(self.sources, source.name), stream.lookback))
                for source in SOURCES
                for stream in source.streams
                if stream.lookback and stream.partitioned_by == "day"
            ),
            default=0,
        )

    def own_accounts(self, platform: str) -> tuple[Account, ...]:
        """The company's own accounts on ``platform`` (empty when it has none there)."""
        return getattr(self.accounts, platform, ())

    def competitor_accounts(self, platform: str) -> tuple[Account, ...]:
        """Every competitor's accounts on ``platform``, in the order the config lists them."""
        return tuple(a for c in self.competitors for a in getattr(c.accounts, platform, ()))

    def competitor_of(self, platform: str, account_id: str) -> Competitor | None:
        """The competitor owning ``account_id`` on ``platform`` (None for an own account)."""
        for competitor in self.competitors:
            if any(a.id == account_id for a in getattr(competitor.accounts, platform, ())):
                return competitor
        return None

    def listening_targets(self) -> tuple[ListeningTarget, ...]:
        """The brand first, then each competitor, with the keywords that mention them."""
        own = ListeningTarget(brand_slug(self.brand.name), self.brand.name, self.brand.keywords, True)
        return (
            own,
            *(ListeningTarget(brand_slug(c.name), c.name, c.keywords, False) for c in self.competitors),
        )

    def listening_target(self, target_id: str) -> ListeningTarget:
        """The listening target with this id; KeyError naming the known ids otherwise."""
        for target in self.listening_targets():
            if target.id == target_id:
                return target
        known = ", ".join(t.id for t in self.listening_targets())
        raise KeyError(f"unknown listening target {target_id!r}; known: {known}")

    @model_validator(mode="after")
    def _distinct_brands(self) -> CompanyConfig:
        slugs = [brand_slug(self.brand.name)] + [brand_slug(c.name) for c in self.competitors]
        duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
        if duplicates:
            raise ValueError(f"competitors: two brands share the name {', '.join(duplicates)}")
        return self


def _field_path(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "(top level)"


def parse_config(data: object, origin: str = "<config>") -> CompanyConfig:
    """Validate already-parsed YAML; raise ConfigError naming ``origin`` and each bad field."""
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping at the top level, got {type(data).__name__}")
    try:
        return CompanyConfig.model_validate(data)
    except ValidationError as error:
        problems = [
            f"  {_field_path(e['loc'])}: {e['msg'].removeprefix('Value error, ')}" for e in error.errors()
        ]
        raise ConfigError(f"{origin}: invalid company configuration\n" + "\n".join(problems)) from None


def load_config(path: Path | None = None) -> CompanyConfig:
    """Read and validate the company configuration file."""
    path = path or company_config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: company configuration not found; copy config/company.yml and set "
            "WAREHOUSE_COMPANY_CONFIG to its path"
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    return parse_config(data, origin=str(path))
