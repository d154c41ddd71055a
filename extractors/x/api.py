"""X API v2 conventions the streams share: time bounds, the problem documents (errors and rate
limits, read by ``RULES``), payload checks and ``meta.next_token`` paging.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests

from core.config import Account
from core.settings import utc_now
from extractors.core import Window
from extractors.errors import ExtractError, Where
from extractors.http import HttpClient
from extractors.paginators import TokenPaginator
from extractors.responses import (
    Failure,
    ResponseRules,
    Rule,
    When,
    json_object,
    retry_after,
    server_side,
    status,
)

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.x.com"
X_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
END_TIME_MARGIN = timedelta(seconds=10)
"""X refuses an ``end_time`` later than 10 s before the request."""
RESET_MARGIN_SECONDS = 1.0
"""Wait this long past ``x-rate-limit-reset``: the header has whole seconds and clocks drift."""
USAGE_CAP_TYPE = "https://api.twitter.com/2/problems/usage-capped"


def x_time(moment: datetime) -> str:
    """``2026-11-02T00:00:00Z``: the form ``start_time``/``end_time`` take (whole seconds, UTC)."""
    return moment.astimezone(UTC).strftime(X_TIME_FORMAT)


def created_day(created_at: str) -> date:
    """The UTC day of a tweet's ``created_at`` (``2026-11-02T15:02:11.000Z``): X's reporting day."""
    return datetime.fromisoformat(created_at.replace("Z", "+00:00")).astimezone(UTC).date()


def time_bounds(window: Window, now: datetime) -> tuple[datetime, datetime]:
    """``start_time`` and ``end_time`` for the window's UTC days, ``end_time`` clamped to now - 10 s."""
    start = datetime.combine(window.start, datetime.min.time(), UTC)
    after = datetime.combine(window.end + timedelta(days=1), datetime.min.time(), UTC)
    latest = (now - END_TIME_MARGIN).replace(microsecond=0)
    return start, min(after, latest)


def _problem_label(status: int, body: Mapping[str, Any]) -> str:
    parts = [str(body[key]) for key in ("title", "detail") if body.get(key)]
    messages = [str(e.get("message")) for e in body.get("errors") or [] if isinstance(e, dict)]
    text = "; ".join(dict.fromkeys(parts + [m for m in messages if m != "None"]))
    return f"HTTP {status}" + (f" {text}" if text else "")


def _refused_parameters(body: Mapping[str, Any]) -> set[str]:
    """The parameters an invalid-request problem names in ``errors[].parameters``."""
    return {
        str(name)
        for error in body.get("errors") or []
        if isinstance(error, dict) and isinstance(error.get("parameters"), dict)
        for name in error["parameters"]
    }


def _seconds_until_reset(response: requests.Response) -> float | None:
    raw = response.headers.get("x-rate-limit-reset")
    try:
        reset = float(raw) if raw is not None else None
    except ValueError:
        reset = None
    if reset is None:
        return None
    return max(0.0, reset - time.time()) + RESET_MARGIN_SECONDS


def read_problem(response: requests.Response) -> Failure:
    """X's problem document (``title``, ``detail``, ``type``, ``errors``): ``type`` is the code."""
    body = json_object(response) or {}
    code = str(body.get("type") or "") or None
    return Failure(response, _problem_label(response.status_code, body), body, code)


def _usage_capped(failure: Failure) -> bool:
    body = failure.error or {}
    return body.get("type") == USAGE_CAP_TYPE or body.get("title") == "UsageCapExceeded"


def _usage_cap_message(failure: Failure) -> str:
    body = failure.error or {}
    return f"X usage cap reached ({failure.label}; period={body.get('period')}, scope={body.get('scope')})"


def _usage_cap_hint(failure: Failure) -> str:
    period = str((failure.error or {}).get("period") or "").lower() or "billing"
    return (
        f"the X project has used its {period} post-read cap; retrying will not help until "
        "the cap resets at the start of the next billing period. Upgrade the plan (or add "
        "credits) in the X developer portal, or lower sources.x.tweet_lookback_days (and "
        "search_lookback_days) so each run reads fewer posts"
    )


def _refuses(*parameters: str) -> When:
    """An invalid-request problem names one of ``parameters`` in ``errors[].parameters``."""
    return When(lambda failure: _refused_parameters(failure.error or {}) & set(parameters))


RULES = (
    Rule(
        status(429) & When(_usage_capped),
        "fail",
        _usage_cap_message,
        _usage_cap_hint,
        platform_code=lambda failure: "UsageCapExceeded",
    ),
    Rule(
        status(429),
        "retry",
        "rate limited ({label})",
        wait=lambda failure: _seconds_until_reset(failure.response) or retry_after(failure),
    ),
    Rule(server_side, "retry"),
    Rule(
        status(401),
        "fail",
        "X rejected the bearer token ({label})",
        hint="generate a new bearer token for the app in the X developer portal and put it in "
        "the password field of the Airflow connection {conn_id!r}",
        platform_code=None,
    ),
    Rule(
        status(403),
        "fail",
        "X refused access ({label})",
        hint="the app's access level does not include this endpoint, or the app is not "
        "attached to a Project: check the plan and the app in the X developer portal",
        platform_code=None,
    ),
    Rule(
        status(400) & _refuses("start_time", "end_time"),
        "fail",
        "X refused the time bounds ({label})",
        hint="X measures start_time and end_time against its own clock: recent search reaches "
        "back 7 days, and end_time must be 10 s before now. Check that this machine's clock "
        "is right (UTC) and that sources.x.search_lookback_days is at most 6",
    ),
    Rule(
        status(400) & _refuses("query"),
        "fail",
        "X refused the search query ({label})",
        hint="the query is built from the keywords of the brand and the competitors in the "
        "company config: remove the characters or words X names from those keywords",
    ),
    Rule(
        status(400),
        "fail",
        "X refused the request ({label})",
        hint="X no longer accepts a field or parameter the extractor asks for (it renames and "
        "retires fields): compare the message with the field lists in extractors/x/ (timeline.py, "
        "listening.py); a page_size connection extra must be 5-100",
    ),
)


def rest_when_spent(response: requests.Response) -> float:
    """When the window's last request is spent, rest until ``x-rate-limit-reset``."""
    if response.headers.get("x-rate-limit-remaining", "").strip() != "0":
        return 0.0
    return _seconds_until_reset(response) or 0.0


def x_policy(conn_id: str) -> ResponseRules:
    return ResponseRules(read_problem, RULES, pause=rest_when_spent, context={"conn_id": conn_id})


def json_object_of(body: Any, where: Where, client: HttpClient) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ExtractError(
            where,
            f"unexpected payload: expected a JSON object, got {client.redact(str(body)[:200])!r}",
            hint="check that the connection's host points at the X API (https://api.x.com)",
        )
    return body


def check_user_found(body: Mapping[str, Any], account: Account, where: Where) -> None:
    """X answers 200 with only ``errors[]`` for a user it cannot find (wrong id, suspended, deleted)."""
    if "data" in body or "meta" in body:
        return
    details = "; ".join(str(e.get("detail") or e.get("title")) for e in body.get("errors") or [])
    raise ExtractError(
        where,
        f"X did not return user {account.id} ({details or 'no data'})",
        hint="check the account id under accounts.x in the company config (the numeric user id, "
        "not the @handle); the account may be suspended or deleted",
    )


def warn_partial_errors(body: Mapping[str, Any], where: Where, what: str) -> list[str]:
    """Log the ``errors[]`` of a 200 answer and return the ids they name."""
    errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    if not errors:
        return []
    ids = [str(e.get("resource_id") or e.get("value")) for e in errors]
    titles = sorted({str(e.get("title")) for e in errors})
    log.warning(
        "[%s] X left out %d %s (%s): %s; landing the rest",
        where,
        len(errors),
        what,
        ", ".join(titles),
        ", ".join(ids),
    )
    return ids


def _next_token(body: dict[str, Any]) -> str | None:
    return (body.get("meta") or {}).get("next_token")


def _page(client: HttpClient, path: str, query: Mapping[str, Any], where: Where) -> dict[str, Any]:
    return json_object_of(client.get_json(path, where, query), where, client)


class NextTokenPaginator(TokenPaginator):
    """Pass ``meta.next_token`` back until it is absent: as ``pagination_token`` on timelines, as
    ``next_token`` (``token_param``) on recent search."""

    def __init__(
        self, page_size: int = 100, max_pages: int = 1_000, token_param: str = "pagination_token"
    ) -> None:
        super().__init__(
            _next_token,
            token_param,
            "X returned the next_token {token!r} twice; paging loops",
            page_size=page_size,
            size_param="max_results",
            max_pages=max_pages,
            read=_page,
        )


def utc_clock() -> datetime:
    return utc_now()
