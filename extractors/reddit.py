"""Reddit through its Data API, with an app-only token: posts that name a brand or a competitor.

Stream:

* ``search`` — for each listening target (the brand and each competitor, account = the brand's
  slug), the link and self posts whose title or text holds one of its keywords, created on the
  window's UTC days plus ``lookback_days`` before (scores and comment counts keep moving, so
  recent days are re-read). Query: the keywords OR'ed, multi-word ones in double quotes
  (``"Lumo Strollers" OR #lumostrollers``; Reddit takes at most 512 characters). With
  ``sources.reddit.subreddits`` set, each subreddit is searched on its own
  (``/r/{sub}/search?restrict_sr=1``), otherwise all of Reddit (``/search``). Reddit has no date
  filter, so the extractor asks for ``sort=new`` with the smallest ``t`` (hour, day, week, month,
  year, all) reaching back to the window's first midnight, pages ``limit=100`` with
  ``after=<data.after>``, and stops at the first post older than the window (or when
  ``data.after`` is null). One record per post: the listing child's ``data`` as Reddit sent it
  plus ``_query``, under the UTC day of ``created_utc``; a post seen twice in one run (a new post
  shifts the pages) is landed once. Reddit lists only about 1,000 posts per search: when a listing
  ends there before reaching the window's start, older posts cannot be reached by search; the
  extractor warns and leaves those days, and the day it stopped in, unwritten rather than
  writing them incomplete.

Auth: the client-credentials grant (``POST /api/v1/access_token`` with HTTP Basic client id and
secret, the connection's login and password) gives a bearer token for an hour; it is fetched when
first needed and fetched again once when the API answers 401. Requests go to the connection's
host (default ``https://oauth.reddit.com``); the token to ``extra.token_url``, else
``{host}/api/v1/access_token`` when the connection has a host, else
``https://www.reddit.com/api/v1/access_token``. Reddit throttles generic User-Agents, so
``extra.user_agent`` is required, in Reddit's form ``<platform>:<app ID>:<version> (by
/u/<username>)``.

Reddit's signals, read in ``RedditErrorPolicy``: every API answer carries ``X-Ratelimit-Used``,
``X-Ratelimit-Remaining`` (a float) and ``X-Ratelimit-Reset`` (seconds to the end of the current
10-minute window). When the remaining requests drop below one, the client rests until the reset;
a 429 waits for the reset and retries; 5xx (and the CDN's HTML 503 pages) are retried with
backoff. Errors are ``{"message", "error"}``: 401 (token), 403 (a private or banned subreddit),
404 (no such subreddit).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

import requests

from core.config import Account, CompanyConfig, RedditSettings
from core.settings import utc_now
from extractors.connections import ConnectionInfo
from extractors.core import Audience, Record, Source, Stream, Window
from extractors.errors import ExtractError, TransientError, Where
from extractors.http import RETRIABLE_STATUS, HttpClient, Redactor, RetryPolicy, retry_after_seconds
from extractors.paginators import TokenPaginator

log = logging.getLogger(__name__)

NAME = "reddit"
DEFAULT_BASE_URL = "https://oauth.reddit.com"
DEFAULT_TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
TOKEN_PATH = "api/v1/access_token"
USER_AGENT_RULE = "<platform>:<app ID>:<version> (by /u/<username>)"
GENERIC_AGENTS = (
    "python-requests/",
    "python-urllib3/",
    "curl/",
    "python-urllib/",
    "go-http-client/",
    "okhttp/",
    "wget/",
)
"""Library defaults Reddit throttles as unidentified clients."""
MAX_QUERY_CHARS = 512
PAGE_SIZE = 100
MAX_PAGES = 50
LISTING_CAP = 1_000
"""Reddit ends any listing after about this many items, however far back the matches go."""
CAP_SUSPECTED_AT = 900
"""A listing that ends after this many items without reaching the window start hit the cap."""
RESET_MARGIN_SECONDS = 1.0
"""Wait this long past ``X-Ratelimit-Reset``: the header has whole seconds and clocks drift."""
TIME_FILTERS: tuple[tuple[str, timedelta], ...] = (
    ("hour", timedelta(hours=1)),
    ("day", timedelta(days=1)),
    ("week", timedelta(days=7)),
    ("month", timedelta(days=28)),  # a calendar month: at least 28 days
    ("year", timedelta(days=365)),
)
TIME_FILTER_MARGIN = timedelta(hours=1)


def search_query(keywords: tuple[str, ...], where: Where) -> str:
    """The keywords OR'ed, multi-word ones in double quotes: ``"Lumo Strollers" OR #lumostrollers``."""
    terms = []
    for keyword in keywords:
        word = " ".join(keyword.replace('"', " ").split())
        if word:
            terms.append(f'"{word}"' if " " in word else word)
    query = " OR ".join(dict.fromkeys(terms))
    if not query:
        raise ExtractError(
            where, "the brand has no keywords to search for", hint="add keywords in the company config"
        )
    if len(query) > MAX_QUERY_CHARS:
        raise ExtractError(
            where,
            f"the search query is {len(query)} characters; Reddit takes at most {MAX_QUERY_CHARS}",
            hint="use fewer or shorter keywords for this brand in the company config",
        )
    return query


def time_filter(oldest: datetime, now: datetime) -> str:
    """The smallest ``t`` whose period, counted back from ``now``, still reaches ``oldest``."""
    span = now - oldest + TIME_FILTER_MARGIN
    return next((name for name, length in TIME_FILTERS if span <= length), "all")


def created_at(post: Mapping[str, Any]) -> datetime:
    """A post's ``created_utc`` (unix seconds, a float) as a UTC time."""
    return datetime.fromtimestamp(float(post["created_utc"]), UTC)


def _error_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _label(response: requests.Response) -> str:
    body = _error_body(response)
    # ``error`` repeats the status in API errors and names the problem in OAuth ones.
    parts = [body.get("message"), body.get("reason"), body.get("error")]
    text = " ".join(str(p) for p in parts if p is not None and str(p) != str(response.status_code))
    return f"HTTP {response.status_code}" + (f" {text}" if text else "")


def _header_seconds(response: requests.Response, name: str) -> float | None:
    try:
        return max(0.0, float(response.headers[name]))
    except (KeyError, ValueError):
        return None


class GrowingRedactor(Redactor):
    """A Redactor that also learns the tokens fetched while the client runs."""

    def __init__(self, secrets: list[str]):
        self._known = [s for s in secrets if s]
        super().__init__(self._known)

    def add(self, secret: str) -> None:
        self._known.append(secret)
        super().__init__(self._known)


class TokenAuth(requests.auth.AuthBase):
    """Bearer auth with an app-only token from the client-credentials grant, fetched when first needed.

    Failures to get a token surface from the API call that needed it: a throttled or failing token
    endpoint is a TransientError (the call is retried), refused credentials an ExtractError naming
    that call's ``where``.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        user_agent: str,
        conn_id: str,
        retry: RetryPolicy,
        redact: GrowingRedactor,
    ):
        self.token_url = token_url
        self.conn_id = conn_id
        self.where = Where(NAME)
        self.redact = redact
        self._credentials = (client_id, client_secret)
        self._retry = retry
        self._session = requests.Session()
        self._session.headers["User-Agent"] = user_agent
        self._token: str | None = None
        self.refreshing = False
        """True after a 401 made us drop the token, until an answer other than 401 comes."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self._token is None:
            self._token = self._fetch()
        request.headers["Authorization"] = f"bearer {self._token}"
        return request

    def drop(self) -> None:
        self._token = None

    def close(self) -> None:
        self._session.close()

    def _fetch(self) -> str:
        try:
            response = self._session.post(
                self.token_url,
                auth=self._credentials,
                data={"grant_type": "client_credentials"},
                timeout=(self._retry.connect_timeout_seconds, self._retry.read_timeout_seconds),
            )
        except requests.Timeout as error:
            raise TransientError(f"token request timed out ({type(error).__name__})") from None
        except requests.ConnectionError as error:
            raise TransientError(f"token request failed ({type(error).__name__}: {error})") from None
        status = response.status_code
        if status == 429:
            reset = _header_seconds(response, "x-ratelimit-reset")
            wait = reset + RESET_MARGIN_SECONDS if reset is not None else retry_after_seconds(response)
            raise TransientError(f"token endpoint throttled ({_label(response)})", wait, status)
        if status in RETRIABLE_STATUS or status >= 500:
            raise TransientError(f"token endpoint failed ({_label(response)})", None, status)
        if status in (400, 401, 403):
            raise ExtractError(
                self.where,
                f"Reddit refused the app's client id and secret at {self.token_url} ({_label(response)})",
                hint=f"put the Reddit app's client id in the login and its secret in the password of "
                f"the Airflow connection {self.conn_id!r} (reddit.com/prefs/apps; a 'script' or "
                "'web app' app can use the client-credentials grant)",
                status=status,
            )
        body = _error_body(response)
        token = body.get("access_token")
        if status != 200 or not isinstance(token, str) or not token:
            detail = body.get("error") or self.redact(response.text[:200])
            raise ExtractError(
                self.where,
                f"no access token from {self.token_url} (HTTP {status}: {detail})",
                hint="check extra.token_url in the connection; it must be Reddit's "
                "/api/v1/access_token endpoint",
                status=status,
            )
        self.redact.add(token)
        log.info("[%s] new Reddit access token (expires in %s s)", self.where, body.get("expires_in"))
        return token


class RedditErrorPolicy:
    """Which Reddit answers are retried, which are fatal, and when to rest."""

    def __init__(self, auth: TokenAuth, conn_id: str):
        self.auth = auth
        self.conn_id = conn_id

    def check(self, response: requests.Response, where: Where) -> None:
        status = response.status_code
        if status == 401:
            if self.auth.refreshing:
                raise ExtractError(
                    where,
                    f"Reddit rejected a freshly issued access token ({_label(response)})",
                    hint=f"check the client id (login) and secret (password) of the Airflow connection "
                    f"{self.conn_id!r}, and that the app still exists at reddit.com/prefs/apps",
                    status=status,
                )
            self.auth.refreshing = True
            self.auth.drop()
            raise TransientError(
                f"access token rejected ({_label(response)}); fetching a new one", 0.0, status
            )
        self.auth.refreshing = False
        if status < 400:
            return
        if status == 429:
            reset = _header_seconds(response, "x-ratelimit-reset")
            wait = reset + RESET_MARGIN_SECONDS if reset is not None else retry_after_seconds(response)
            raise TransientError(f"rate limited ({_label(response)})", wait, status)
        if status in RETRIABLE_STATUS or status >= 500:
            raise TransientError(_label(response), retry_after_seconds(response), status)
        if status == 403:
            raise ExtractError(
                where,
                f"Reddit refused access ({_label(response)})",
                hint="a configured subreddit is private, quarantined or banned: remove it from "
                "sources.reddit.subreddits in the company config",
                status=status,
            )
        if status == 404:
            raise ExtractError(
                where,
                f"Reddit found nothing at {response.url.split('?')[0]} ({_label(response)})",
                hint="check the names in sources.reddit.subreddits (without r/) and the connection's host",
                status=status,
            )
        raise ExtractError(where, f"Reddit refused the request ({_label(response)})", status=status)

    def pause_after(self, response: requests.Response) -> float:
        """When less than one request is left in the window, rest until ``X-Ratelimit-Reset``."""
        remaining = _header_seconds(response, "x-ratelimit-remaining")
        if remaining is None or remaining >= 1:
            return 0.0
        return (_header_seconds(response, "x-ratelimit-reset") or 0.0) + RESET_MARGIN_SECONDS


class RedditClient(HttpClient):
    """The shared HTTP client, with the token auth told which extraction each call belongs to."""

    def __init__(self, auth: TokenAuth, **kwargs: Any):
        session = requests.Session()
        session.auth = auth
        super().__init__(session=session, **kwargs)
        self.auth = auth

    def request_json(
        self,
        method: str,
        path: str,
        where: Where,
        params: Mapping[str, Any] | None = None,
        json_body: Mapping[str, Any] | None = None,
    ) -> Any:
        self.auth.where = where
        return super().request_json(method, path, where, params=params, json_body=json_body)

    def close(self) -> None:
        self.auth.close()
        super().close()


def _listing(client: HttpClient, path: str, query: Mapping[str, Any], where: Where) -> dict[str, Any]:
    """A page's Listing ``data`` (children and the ``after`` cursor)."""
    body = client.get_json(path, where, query)
    data = body.get("data") if isinstance(body, dict) and body.get("kind") == "Listing" else None
    if not isinstance(data, dict):
        raise ExtractError(
            where,
            f"expected a Listing, got {client.redact(str(body)[:200])!r}",
            hint="check that the connection's host points at Reddit's OAuth API (https://oauth.reddit.com)",
        )
    return data


LISTING = TokenPaginator(
    lambda data: data.get("after"),
    "after",
    "Reddit returned the cursor {token!r} twice; paging loops",
    page_size=PAGE_SIZE,
    size_param="limit",
    max_pages=MAX_PAGES,
    read=_listing,
)


def listing_pages(
    client: HttpClient, path: str, params: Mapping[str, Any], where: Where
) -> Iterator[list[dict[str, Any]]]:
    """The ``data`` objects of each page's ``t3`` children, passing ``data.after`` on until it is null."""
    for data in LISTING.pages(client, path, params, where):
        yield [c["data"] for c in data.get("children") or [] if c.get("kind") == "t3" and c.get("data")]


def _utc_now() -> datetime:
    return utc_now()


class Search(Stream):
    name = "search"

    def __init__(
        self, settings: RedditSettings, config: CompanyConfig, clock: Callable[[], datetime] = _utc_now
    ):
        self.lookback_days = self.lookback_from(settings)
        self.subreddits = settings.subreddits
        self.config = config
        self.clock = clock
        self._unreachable: dict[str, date] = {}
        """Per account: the last day a capped listing left incomplete (it and older days are not written)."""

    def scopes(self) -> list[tuple[str, dict[str, Any]]]:
        """(path, extra params) per search: each configured subreddit, or all of Reddit."""
        if not self.subreddits:
            return [("search", {})]
        return [(f"r/{sub}/search", {"restrict_sr": 1}) for sub in self.subreddits]

    def extract(
        self, client: HttpClient, account: Account, window: Window, where: Where
    ) -> Iterator[tuple[date, Record]]:
        target = self.config.listening_target(account.id)
        query = search_query(target.keywords, where)
        start = datetime.combine(window.start, datetime.min.time(), UTC)
        after = datetime.combine(window.end + timedelta(days=1), datetime.min.time(), UTC)
        params = {
            "q": query,
            "sort": "new",
            "t": time_filter(start, self.clock()),
            "type": "link",
            "raw_json": 1,
        }
        self._unreachable.pop(account.id, None)
        seen: set[str] = set()
        for path, scope in self.scopes():
            listed, oldest, reached = 0, None, False
            for page in listing_pages(client, path, {**params, **scope}, where):
                for post in page:
                    listed += 1
                    created = created_at(post)
                    if created < start:
                        reached = True  # sort=new: everything after this is older still
                        break
                    oldest = created
                    if created >= after or post["id"] in seen:
                        continue
                    seen.add(post["id"])
                    yield created.date(), {**post, "_query": query}
                if reached:
                    break
            if not reached and listed >= CAP_SUSPECTED_AT and oldest is not None:
                self._capped(account, target.name, path, listed, oldest.date(), window, where)

    def _capped(
        self, account: Account, brand: str, path: str, listed: int, day: date, window: Window, where: Where
    ) -> None:
        log.warning(
            "[%s] Reddit's listing for %s (/%s) ended after %d posts on %s, before the window start %s: "
            "Reddit lists only about %d posts per search, so older posts cannot be reached by search. "
            "Days up to %s are left unwritten; narrow the keywords or search per subreddit "
            "(sources.reddit.subreddits) to reach further back",
            where,
            brand,
            path,
            listed,
            day,
            window.start,
            LISTING_CAP,
            day,
        )
        self._unreachable[account.id] = max(day, self._unreachable.get(account.id, day))

    def partition_days(self, window: Window, found: set[date], today: date, where: Where) -> list[date]:
        days = super().partition_days(window, found, today, where)
        unreachable = self._unreachable.get(where.account)
        return days if unreachable is None else [day for day in days if day > unreachable]


class Reddit(Source):
    name: ClassVar[str] = NAME
    stream_types = (Search,)

    def __init__(
        self,
        config: CompanyConfig,
        connection: ConnectionInfo | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ):
        super().__init__(config, connection)
        self.clock = clock

    @property
    def settings(self) -> RedditSettings:
        return self.config.sources.reddit

    @property
    def conn_id(self) -> str:
        return self.settings.conn_id

    def streams(self) -> list[Stream]:
        return [Search(self.settings, self.config, self.clock)]

    def audience_accounts(self, audience: Audience) -> tuple[Account, ...]:
        """Reddit is opt-in (``sources.reddit.enabled``): it needs an app registered with Reddit."""
        return super().audience_accounts(audience) if self.settings.enabled else ()

    def client(self, connection: ConnectionInfo, sleep: Callable[[float], None] = time.sleep) -> HttpClient:
        where = Where(self.name)
        user_agent = str(connection.extra.get("user_agent") or "").strip()
        if not user_agent or user_agent.lower().startswith(GENERIC_AGENTS):
            raise ExtractError(
                where,
                f"connection {connection.conn_id!r} has "
                + (f"the generic User-Agent {user_agent!r}" if user_agent else "no extra.user_agent"),
                hint="Reddit throttles generic clients: set extra.user_agent to a unique string in "
                f"Reddit's form {USER_AGENT_RULE}, e.g. 'python:lumo-listening:1.0 (by /u/lumo_data)'",
            )
        if not connection.login or not connection.token:
            raise ExtractError(
                where,
                f"connection {connection.conn_id!r} lacks the Reddit app's client id or secret",
                hint="create an app at reddit.com/prefs/apps and put its client id in the connection's "
                "login and its secret in the password",
            )
        host = (connection.host or "").rstrip("/")
        token_url = str(connection.extra.get("token_url") or "") or (
            f"{host}/{TOKEN_PATH}" if host else DEFAULT_TOKEN_URL
        )
        retry = RetryPolicy.from_extra(connection.extra)
        redact = GrowingRedactor([connection.token])
        auth = TokenAuth(
            token_url, connection.login, connection.token, user_agent, connection.conn_id, retry, redact
        )
        client = RedditClient(
            auth,
            base_url=host or DEFAULT_BASE_URL,
            policy=RedditErrorPolicy(auth, connection.conn_id),
            retry=retry,
            headers={"User-Agent": user_agent},
            secrets=[connection.token],
            sleep=sleep,
        )
        client.redact = redact
        return client
