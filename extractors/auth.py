"""How sources authenticate.

* A **bearer token** from the connection's password (``bearer_client``): Graph, Google, X,
  LinkedIn.
* An **app-only token from the OAuth client-credentials grant** (``ClientCredentials``), fetched
  when first needed and again after a 401, on the shared client's retries: Reddit. The platform
  says in its own rule table what its token endpoint's refusals mean.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import requests

from extractors.connections import ConnectionInfo
from extractors.errors import ExtractError, TransientError, Where
from extractors.http import ErrorPolicy, HttpClient, Redactor, RetryPolicy
from extractors.responses import Failure, ResponseRules, Rule, json_object

log = logging.getLogger(__name__)


def require_token(source: str, connection: ConnectionInfo, hint: str, kind: str = "access token") -> str:
    """The connection's token (its password); a clear error naming the connection without one."""
    if not connection.token:
        raise ExtractError(Where(source), f"connection {connection.conn_id!r} has no {kind}", hint=hint)
    return connection.token


def bearer_client(
    source: str,
    connection: ConnectionInfo,
    *,
    default_url: str,
    policy: ErrorPolicy,
    hint: str,
    kind: str = "access token",
    headers: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> HttpClient:
    """The shared HTTP client for a platform that takes ``Authorization: Bearer <token>``.

    The host defaults to ``default_url``, the retries come from the connection's extras, and the
    token is kept out of every log line and error. ``hint`` says where the token comes from.
    """
    token = require_token(source, connection, hint, kind)
    return HttpClient(
        base_url=connection.host or default_url,
        policy=policy,
        retry=RetryPolicy.from_extra(connection.extra),
        headers={"Authorization": f"Bearer {token}", **(headers or {})},
        secrets=[token],
        sleep=sleep,
    )


class ClientCredentials(requests.auth.AuthBase):
    """``Authorization: bearer <token>`` with an app-only token from the client-credentials grant.

    The token is fetched when a request first needs it. Failures to get one surface from the API
    call that needed it: a throttled or failing token endpoint is a TransientError (the shared
    client retries that call), and what ``refusals`` (the platform's rules for its token
    endpoint; ``{token_url}`` and ``context`` fill their templates) call fatal is an ExtractError
    naming the call's ``where``. A usable answer without a token fails with ``no_token_hint``.
    Every token fetched joins the client's redactor (``attach``).
    """

    def __init__(
        self,
        platform: str,
        token_url: str,
        credentials: tuple[str, str],
        *,
        read: Callable[[requests.Response], Failure],
        refusals: Sequence[Rule],
        no_token_hint: str,
        retry: RetryPolicy,
        headers: Mapping[str, str] | None = None,
        context: Mapping[str, Any] | None = None,
    ):
        self.platform = platform
        self.token_url = token_url
        self.where = Where(platform.lower())
        """The extraction the next request belongs to (set by ``CredentialsClient``)."""
        self.redact = Redactor([credentials[1]])
        self.refusals = ResponseRules(
            read, refusals, context={"token_url": token_url, **(context or {})}, fallback=None
        )
        self.no_token_hint = no_token_hint
        self.refreshing = False
        """True after a 401 made us drop the token, until an answer other than 401 comes."""
        self._credentials = credentials
        self._retry = retry
        self._session = requests.Session()
        self._session.headers.update(headers or {})
        self._token: str | None = None

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self._token is None:
            self._token = self._fetch()
        request.headers["Authorization"] = f"bearer {self._token}"
        return request

    def attach(self, client: HttpClient) -> None:
        """Share ``client``'s redactor, so the tokens fetched stay out of its logs and errors."""
        self.redact = client.redact

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
        except requests.exceptions.ChunkedEncodingError as error:
            raise TransientError(
                f"token request dropped mid-body ({type(error).__name__}: {error})"
            ) from None
        self.refusals.check(response, self.where)
        body = json_object(response) or {}
        token = body.get("access_token")
        if response.status_code != 200 or not isinstance(token, str) or not token:
            detail = body.get("error") or self.redact(response.text[:200])
            raise ExtractError(
                self.where,
                f"no access token from {self.token_url} (HTTP {response.status_code}: {detail})",
                hint=self.no_token_hint,
                status=response.status_code,
            )
        self.redact.add(token)
        log.info(
            "[%s] new %s access token (expires in %s s)", self.where, self.platform, body.get("expires_in")
        )
        return token


class RefreshOnce:
    """An error policy that answers the first 401 by fetching a new token and trying again at
    once; a 401 right after that goes to the platform's ``rules`` (its "rejected a fresh token")."""

    def __init__(self, auth: ClientCredentials, rules: ResponseRules):
        self.auth = auth
        self.rules = rules

    def check(self, response: requests.Response, where: Where) -> None:
        if response.status_code == 401 and not self.auth.refreshing:
            self.auth.refreshing = True
            self.auth.drop()
            raise TransientError(
                f"access token rejected ({self.rules.read(response).label}); fetching a new one",
                0.0,
                response.status_code,
            )
        if response.status_code != 401:
            self.auth.refreshing = False
        self.rules.check(response, where)

    def pause_after(self, response: requests.Response) -> float:
        return self.rules.pause_after(response)


class CredentialsClient(HttpClient):
    """The shared HTTP client on a client-credentials token: each call tells the token which
    extraction it belongs to, and closing the client closes the token's session."""

    def __init__(self, auth: ClientCredentials, **kwargs: Any):
        session = requests.Session()
        session.auth = auth
        super().__init__(session=session, **kwargs)
        self.auth = auth
        auth.attach(self)

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
