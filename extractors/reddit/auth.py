"""Reddit's app-only token (the OAuth client-credentials grant), fetched when first needed and
fetched again after a 401, with a client that tells the token which extraction needs it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import requests

from extractors.errors import ExtractError, TransientError, Where
from extractors.http import RETRIABLE_STATUS, HttpClient, Redactor, RetryPolicy, retry_after_seconds
from extractors.reddit.api import (
    NAME,
    RESET_MARGIN_SECONDS,
    RULES,
    error_body,
    header_seconds,
    label_of,
    read_error,
    rest_when_spent,
)
from extractors.responses import ResponseRules

log = logging.getLogger(__name__)


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
            reset = header_seconds(response, "x-ratelimit-reset")
            wait = reset + RESET_MARGIN_SECONDS if reset is not None else retry_after_seconds(response)
            raise TransientError(f"token endpoint throttled ({label_of(response)})", wait, status)
        if status in RETRIABLE_STATUS or status >= 500:
            raise TransientError(f"token endpoint failed ({label_of(response)})", None, status)
        if status in (400, 401, 403):
            raise ExtractError(
                self.where,
                f"Reddit refused the app's client id and secret at {self.token_url} ({label_of(response)})",
                hint=f"put the Reddit app's client id in the login and its secret in the password of "
                f"the Airflow connection {self.conn_id!r} (reddit.com/prefs/apps; a 'script' or "
                "'web app' app can use the client-credentials grant)",
                status=status,
            )
        body = error_body(response)
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


class RedditResponses(ResponseRules):
    """Reddit's rules after the token's own: the first 401 drops the token and retries at once
    with a new one; a 401 right after that fails (``RULES``)."""

    def __init__(self, auth: TokenAuth, conn_id: str):
        super().__init__(read_error, RULES, pause=rest_when_spent, context={"conn_id": conn_id})
        self.auth = auth

    def check(self, response: requests.Response, where: Where) -> None:
        if response.status_code == 401 and not self.auth.refreshing:
            self.auth.refreshing = True
            self.auth.drop()
            raise TransientError(
                f"access token rejected ({label_of(response)}); fetching a new one",
                0.0,
                response.status_code,
            )
        if response.status_code != 401:
            self.auth.refreshing = False
        super().check(response, where)


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
