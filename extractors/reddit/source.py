"""The Reddit source: opt-in (``sources.reddit.enabled``), with a User-Agent in Reddit's form and
the app's client id and secret.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from core.config import Account, CompanyConfig, RedditSettings
from extractors.auth import CredentialsClient
from extractors.connections import ConnectionInfo
from extractors.core import Audience, Source, Stream
from extractors.errors import ExtractError, Where
from extractors.http import HttpClient, RetryPolicy
from extractors.reddit.api import DEFAULT_BASE_URL, NAME, policy, token, utc_clock
from extractors.reddit.search import Search

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


class Reddit(Source):
    name: ClassVar[str] = NAME
    stream_types = (Search,)

    def __init__(
        self,
        config: CompanyConfig,
        connection: ConnectionInfo | None = None,
        clock: Callable[[], datetime] = utc_clock,
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
        auth = token(token_url, connection, user_agent, retry)
        return CredentialsClient(
            auth,
            base_url=host or DEFAULT_BASE_URL,
            policy=policy(auth, connection.conn_id),
            retry=retry,
            headers={"User-Agent": user_agent},
            secrets=[connection.token],
            sleep=sleep,
        )
