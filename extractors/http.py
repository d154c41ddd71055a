"""The HTTP client every extractor shares: timeouts, retries, rate limits and secret hygiene.

Which responses are retriable and which are fatal is a per-platform decision, made in one place
(the platform's ``ErrorPolicy``); everything else — connect/read timeouts, exponential backoff with
jitter (tenacity), ``Retry-After``, giving up with a clear message, and keeping tokens out of logs
and error messages — is decided here once for all platforms.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urljoin

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from extractors.errors import ExtractError, TransientError, Where

log = logging.getLogger(__name__)

RETRIABLE_STATUS = frozenset({429, 500, 502, 503, 504})
T = TypeVar("T")


class ErrorPolicy(Protocol):
    """A platform's reading of its own responses."""

    def check(self, response: requests.Response, where: Where) -> None:
        """Return for a usable response; raise TransientError or ExtractError otherwise."""

    def pause_after(self, response: requests.Response) -> float:
        """Seconds to rest before the next call, from the platform's usage headers (0 if none)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How persistent the client is. Connection extras can override each field."""

    max_attempts: int = 6
    backoff_base_seconds: float = 2.0
    backoff_max_seconds: float = 120.0
    max_wait_seconds: float = 900.0  # longest server-requested wait we sit through
    connect_timeout_seconds: float = 10.0
    read_timeout_seconds: float = 60.0

    @classmethod
    def from_extra(cls, extra: Mapping[str, Any]) -> RetryPolicy:
        known = {name: float(extra[name]) for name in cls.__dataclass_fields__ if name in extra}
        if "max_attempts" in known:
            known["max_attempts"] = int(known["max_attempts"])
        return cls(**known)


def retry_after_seconds(response: requests.Response) -> float | None:
    """Parse a ``Retry-After`` header given as seconds or as an HTTP date."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class UnsafeSegment(ValueError):
    """An id that cannot be one URL path segment; the extractor names where it came from."""


def segment(value: object) -> str:
    """``value`` as one URL path segment, so an id from the config or from a platform's answer
    names exactly one resource: every character that could end the path (``?``, ``#``) or add a
    segment (``/``) is percent-encoded, and a value that would climb or vanish (``..``, ``.``,
    empty) is refused with UnsafeSegment (an encoded dot is decoded again before sending)."""
    text = str(value)
    if text in ("", ".", ".."):
        raise UnsafeSegment(f"the id {text!r} cannot be a URL path segment, so no request was sent")
    return quote(text, safe="")


SHORT_SECRET = 5
"""Secrets shorter than this (Airflow's ``[logging] min_length_masked_secret`` default) are masked
only where they stand as a whole word: masked inside words, a one-letter password would turn
``Max retries exceeded`` into ``Ma*** retries e***ceeded`` and garble the very error a user needs."""


class Redactor:
    """Replaces known secrets in any text before it is logged or raised."""

    def __init__(self, secrets: Iterable[str]):
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def add(self, secret: str) -> None:
        """Also hide ``secret``: a token fetched while the client runs."""
        self._secrets = sorted({*self._secrets, secret} - {""}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if len(secret) >= SHORT_SECRET:
                text = text.replace(secret, "***")
            else:
                text = re.sub(rf"(?<![^\W_]){re.escape(secret)}(?![^\W_])", "***", text)
        return text


class HttpClient:
    """GET/POST JSON (or GET raw bytes) from one platform with retries; ExtractError when it gives up."""

    def __init__(
        self,
        base_url: str,
        policy: ErrorPolicy,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.rstrip("/") + "/"
        self.policy = policy
        self.retry = retry or RetryPolicy()
        self.redact = Redactor(secrets)
        self._session = session or requests.Session()
        self._session.headers.update(headers or {})
        self._sleep = sleep
        self.calls = 0

    def close(self) -> None:
        self._session.close()

    def get_json(self, path: str, where: Where, params: Mapping[str, Any] | None = None) -> Any:
        return self.request_json("GET", path, where, params=params)

    def post_json(self, path: str, where: Where, body: Mapping[str, Any]) -> Any:
        return self.request_json("POST", path, where, json_body=body)

    def request_json(
        self,
        method: str,
        path: str,
        where: Where,
        params: Mapping[str, Any] | None = None,
        json_body: Mapping[str, Any] | None = None,
    ) -> Any:
        url = urljoin(self.base_url, path.lstrip("/"))
        return self._with_retries(method, url, where, self._read_json, params, json_body)

    def get_raw(
        self,
        path: str,
        where: Where,
        read: Callable[[requests.Response], T],
        headers: Mapping[str, str] | None = None,
    ) -> T:
        """GET a non-JSON resource (a feed, a file) with the same retries, reading it with ``read``.

        ``read`` sees every usable response, including ``304 Not Modified``, and may raise
        TransientError for a body worth fetching again (a cut transfer) or ExtractError.
        ``path`` may be an absolute URL.
        """
        url = urljoin(self.base_url, path.lstrip("/"))
        return self._with_retries("GET", url, where, read, headers=headers)

    def _with_retries(
        self,
        method: str,
        url: str,
        where: Where,
        read: Callable[[requests.Response], T],
        params: Mapping[str, Any] | None = None,
        json_body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        retrying = Retrying(
            stop=stop_after_attempt(self.retry.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(TransientError),
            sleep=self._sleep,
            before_sleep=lambda state: self._log_retry(state, method, url, where),
            reraise=True,
        )
        try:
            return retrying(self._attempt, method, url, where, read, params, json_body, headers)
        except TransientError as error:
            raise ExtractError(
                where,
                f"{method} {url} still failing after {self.retry.max_attempts} attempts: "
                f"{self.redact(str(error))}",
                hint="the platform is throttling or unavailable; re-run this day later "
                "(runs are idempotent) or raise max_attempts in the connection extras",
                status=error.status,
                retriable=True,
            ) from None

    def _attempt(
        self,
        method: str,
        url: str,
        where: Where,
        read: Callable[[requests.Response], T],
        params: Mapping[str, Any] | None,
        json_body: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        self.calls += 1
        try:
            response = self._session.request(
                method,
                url,
                params=params,
                json=json_body,
                headers=headers,
                timeout=(self.retry.connect_timeout_seconds, self.retry.read_timeout_seconds),
            )
        except requests.Timeout as error:
            raise TransientError(f"timed out ({type(error).__name__})") from None
        except requests.ConnectionError as error:
            raise TransientError(f"connection failed ({type(error).__name__}: {error})") from None
        except requests.exceptions.ChunkedEncodingError as error:
            # The connection dropped while the body streamed (urllib3's IncompleteRead).
            raise TransientError(f"connection dropped mid-body ({type(error).__name__}: {error})") from None
        try:
            self.policy.check(response, where)
        except TransientError as error:
            if (error.wait_seconds or 0.0) > self.retry.max_wait_seconds:
                raise ExtractError(
                    where,
                    f"{self.redact(str(error))}; the platform asks for a {error.wait_seconds:.0f} s "
                    f"wait, longer than max_wait_seconds={self.retry.max_wait_seconds:.0f}",
                    hint="re-run this day after the quota resets, or raise max_wait_seconds "
                    "in the connection extras",
                    status=error.status,
                ) from None
            raise
        body = read(response)
        pause = self.policy.pause_after(response)
        if pause > 0:
            self._rest(pause, where, "usage headers report the quota nearly spent")
        return body

    def _read_json(self, response: requests.Response) -> Any:
        """The JSON body, decoded strictly as UTF-8 (RFC 8259): ``requests`` would replace bad
        bytes with U+FFFD, and a mangled id or text would land silently."""
        try:
            text = response.content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            around = response.content[max(0, error.start - 40) : error.start + 40]
            snippet = self.redact(around.decode("utf-8", "backslashreplace"))
            raise TransientError(
                f"invalid UTF-8 in HTTP {response.status_code} response at byte {error.start}: {snippet}",
                status=response.status_code,
            ) from None
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            snippet = self.redact(text[:200])
            raise TransientError(
                f"malformed JSON in HTTP {response.status_code} response: {snippet!r}",
                status=response.status_code,
            ) from None

    def _rest(self, seconds: float, where: Where, reason: str) -> None:
        if seconds > self.retry.max_wait_seconds:
            raise ExtractError(
                where,
                f"the platform asks us to wait {seconds:.0f} s ({reason}), longer than "
                f"max_wait_seconds={self.retry.max_wait_seconds:.0f}",
                hint="re-run this day after the quota resets",
            )
        log.warning("[%s] resting %.1f s: %s", where, seconds, reason)
        self._sleep(seconds)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        backoff = wait_exponential_jitter(
            initial=self.retry.backoff_base_seconds,
            max=self.retry.backoff_max_seconds,
            jitter=self.retry.backoff_base_seconds,
        )(state)
        return max(backoff, getattr(error, "wait_seconds", None) or 0.0)

    def _log_retry(self, state: RetryCallState, method: str, url: str, where: Where) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "[%s] %s %s attempt %d failed (%s); retrying in %.2f s",
            where,
            method,
            url,
            state.attempt_number,
            self.redact(str(error)),
            state.next_action.sleep if state.next_action else 0.0,
        )
