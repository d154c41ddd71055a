"""Reading a platform's failed responses: a small rule table per platform over one engine.

A platform says how to read its error body (``read`` turns a response into a ``Failure``) and
lists its rules in order. The first rule whose ``when`` holds decides: ``retry`` raises a
TransientError (the HTTP client backs off and tries again), ``fail`` an ExtractError with the
rule's message and hint (the run stops and says what to do). A failure no rule matches fails
with the platform's own label. Airbyte's ``response_filters`` is the model; the table reads
like the platform's error documentation, and the engine is written once.

Messages and hints are ``str.format`` templates over the failure (``label``, ``status``,
``code``, ``message``, ``url``, ``account``) and the policy's context (e.g. ``conn_id``), or
functions of the failure where a template cannot say it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import requests

from extractors.errors import ExtractError, TransientError, Where
from extractors.http import RETRIABLE_STATUS, retry_after_seconds


@dataclass(frozen=True)
class Failure:
    """A response of status 400 or more, as its platform reads it."""

    response: requests.Response
    label: str
    """How every message quotes the failure (status, the platform's code and message)."""
    error: Mapping[str, Any] | None = None
    """The platform's error object; None when the body carries none (a proxy's page, no JSON)."""
    code: int | str | None = None
    message: str = ""

    @property
    def status(self) -> int:
        return self.response.status_code


def json_object(response: requests.Response) -> dict[str, Any] | None:
    """The response body when it is a JSON object, else None."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def error_object(response: requests.Response) -> dict[str, Any] | None:
    """The ``error`` object of a ``{"error": {...}}`` body (Graph's and Google's shape), else None."""
    error = (json_object(response) or {}).get("error")
    return error if isinstance(error, dict) else None


class When:
    """A test of a failure; tests combine with ``|`` and ``&``."""

    def __init__(self, test: Callable[[Failure], Any]):
        self._test = test

    def __call__(self, failure: Failure) -> bool:
        return bool(self._test(failure))

    def __or__(self, other: When) -> When:
        return When(lambda failure: self(failure) or other(failure))

    def __and__(self, other: When) -> When:
        return When(lambda failure: self(failure) and other(failure))


def status(*codes: int) -> When:
    """The HTTP status is one of ``codes``."""
    return When(lambda failure: failure.status in codes)


def code(*codes: int | str) -> When:
    """The platform's error code is one of ``codes``."""
    return When(lambda failure: failure.code in codes)


def says(text: str) -> When:
    """The platform's error message contains ``text``."""
    return When(lambda failure: text in failure.message)


def flag(name: str) -> When:
    """The platform's error object sets ``name`` to a true value."""
    return When(lambda failure: failure.error is not None and failure.error.get(name))


no_error_body = When(lambda failure: failure.error is None)
server_side = When(lambda failure: failure.status in RETRIABLE_STATUS or failure.status >= 500)
"""Throttled (429) or failing on the server's side (5xx): worth another attempt."""
anything = When(lambda failure: True)

Text = str | Callable[[Failure], str]


def retry_after(failure: Failure) -> float | None:
    """The wait the response's ``Retry-After`` asks for (None without one)."""
    return retry_after_seconds(failure.response)


def the_code(failure: Failure) -> int | str | None:
    return failure.code


@dataclass(frozen=True)
class Rule:
    """One row of a platform's table: when it holds, what the failure means."""

    when: When
    action: Literal["retry", "fail"]
    message: Text = "{label}"
    hint: Text = ""
    wait: Callable[[Failure], float | None] = retry_after
    """For ``retry``: the least wait the platform asked for (None: only our own backoff)."""
    platform_code: Callable[[Failure], int | str | None] | None = the_code
    """For ``fail``: the platform code the error carries (None: none)."""

    def error(self, failure: Failure, where: Where, context: Mapping[str, Any]) -> Exception:
        fields = {
            **context,
            "label": failure.label,
            "status": failure.status,
            "code": failure.code,
            "message": failure.message,
            "url": failure.response.url,
            "account": where.account,
        }
        message = _render(self.message, failure, fields)
        if self.action == "retry":
            return TransientError(message, self.wait(failure), failure.status)
        return ExtractError(
            where,
            message,
            hint=_render(self.hint, failure, fields),
            status=failure.status,
            platform_code=self.platform_code(failure) if self.platform_code else None,
        )


def _render(text: Text, failure: Failure, fields: Mapping[str, Any]) -> str:
    return text(failure) if callable(text) else text.format_map(fields)


def without_error_body(platform: str, hint: str, retried: When = server_side) -> tuple[Rule, Rule]:
    """The first rows of a platform that always answers a failure with its error object: a
    body without one (a proxy's page, a load balancer's 502) is retried when ``retried`` holds
    (by default: server-side), and otherwise means the host points somewhere else."""
    return (
        Rule(no_error_body & retried, "retry", "HTTP {status}"),
        Rule(no_error_body, "fail", f"HTTP {{status}} without a {platform} error body", hint=hint),
    )


FALLBACK = Rule(anything, "fail")
"""A failure no rule names: fail, quoting the platform's label and code."""


def no_pause(response: requests.Response) -> float:
    return 0.0


@dataclass
class ResponseRules:
    """A platform's error policy (``extractors.http.ErrorPolicy``) as a table of rules.

    ``pause`` reads the platform's usage headers of a usable response: seconds to rest before
    the next call (0 when there is room). ``context`` fills the rules' templates. ``fallback``
    decides a failure no rule names (None: let it through, for a caller that reads on).
    """

    read: Callable[[requests.Response], Failure]
    rules: Sequence[Rule]
    pause: Callable[[requests.Response], float] = no_pause
    context: Mapping[str, Any] = field(default_factory=dict)
    fallback: Rule | None = FALLBACK

    def check(self, response: requests.Response, where: Where) -> None:
        if response.status_code < 400:
            return
        failure = self.read(response)
        rule = next((rule for rule in self.rules if rule.when(failure)), self.fallback)
        if rule is not None:
            raise rule.error(failure, where, self.context)

    def pause_after(self, response: requests.Response) -> float:
        return self.pause(response)
