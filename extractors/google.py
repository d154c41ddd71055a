"""Google APIs' conventions, shared by Google Analytics 4 and YouTube.

Both take the connection's OAuth access token as ``Authorization: Bearer`` and answer a failure
with ``{"error": {"code", "status", "message", "errors": [{"reason"}], "details": [...]}}``.
The v1 APIs (GA4's Data API) always name the ``status``; YouTube's v3 Data API often names only
the ``reason`` of each error. A per-day quota never comes back by retrying; a per-minute
limit does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import requests

from extractors.responses import Failure, When, error_object


def reasons(error: Mapping[str, Any] | None) -> frozenset[str]:
    """The ``reason`` of each entry of the error's ``errors`` list."""
    details = (error or {}).get("errors")
    return (
        frozenset(str(d.get("reason")) for d in details if isinstance(d, dict))
        if isinstance(details, list)
        else frozenset()
    )


def google_reader(
    product: str, code_of: Callable[[Mapping[str, Any], int], str]
) -> Callable[[requests.Response], Failure]:
    """Read a failure as ``<product> error <status> <code>: <message>``; ``code_of`` picks the code."""

    def read(response: requests.Response) -> Failure:
        error = error_object(response)
        if error is None:
            return Failure(response, f"HTTP {response.status_code}")
        message = str(error.get("message", ""))
        code = code_of(error, response.status_code)
        return Failure(
            response, f"{product} error {response.status_code} {code}: {message}", error, code, message
        )

    return read


def any_reason(*names: str) -> When:
    """One of the error's reasons is among ``names``."""
    return When(lambda failure: reasons(failure.error) & set(names))


says_per_day = When(lambda failure: "per day" in failure.message.lower())
"""The message names a per-day limit (GA4's "tokens per day", YouTube's "queries per day")."""
