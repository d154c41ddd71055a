"""The rule engine every platform's error table runs on (``extractors.responses``).

The platforms' own tables are exercised by each platform's tests against its demo server; these
cases pin what the engine itself promises: the first rule that holds decides, a failure no rule
names fails with the platform's label and code, templates are filled from the failure and the
policy's context, and a usable response passes.
"""

from __future__ import annotations

import json

import pytest
import requests

from extractors.errors import ExtractError, TransientError, Where
from extractors.responses import (
    Failure,
    ResponseRules,
    Rule,
    code,
    json_object,
    says,
    server_side,
    status,
    without_error_body,
)

WHERE = Where("src", "posts", "acct-1", "2026-11-01")


def response(
    status_code: int, body: object = None, headers: dict[str, str] | None = None
) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status_code
    answer.url = "https://api.example/v1/posts?page=2"
    answer._content = json.dumps(body).encode() if body is not None else b"<html>proxy</html>"
    answer.headers.update(headers or {})
    return answer


def read(answer: requests.Response) -> Failure:
    body = json_object(answer)
    error = body.get("error") if body else None
    if not isinstance(error, dict):
        return Failure(answer, f"HTTP {answer.status_code}")
    message = str(error.get("message", ""))
    return Failure(answer, f"Example {error.get('code')}: {message}", error, error.get("code"), message)


RULES = (
    *without_error_body("Example", hint="point the host at the Example API"),
    Rule(code("QUOTA"), "fail", "quota spent ({label})", hint="wait for {conn_id!r} to reset"),
    Rule(status(429) | code("SLOW"), "retry", "throttled ({label})"),
    Rule(server_side, "retry"),
    Rule(status(400) & says("metric"), "fail", "a metric is refused ({label})", platform_code=None),
    Rule(status(400), "fail", lambda failure: f"refused at {failure.response.url.split('?')[0]}"),
)
POLICY = ResponseRules(
    read, RULES, pause=lambda answer: float(answer.headers.get("rest", 0)), context={"conn_id": "ex"}
)


def check(answer: requests.Response) -> Exception:
    with pytest.raises((ExtractError, TransientError)) as caught:
        POLICY.check(answer, WHERE)
    return caught.value


def test_a_usable_response_passes_and_the_pause_reads_its_headers() -> None:
    assert POLICY.check(response(200, {"data": []}), WHERE) is None
    assert POLICY.check(response(304), WHERE) is None
    assert POLICY.pause_after(response(200, {}, {"rest": "12"})) == 12.0


def test_the_first_rule_that_holds_decides() -> None:
    # A 429 naming QUOTA matches both the quota row and the throttle row: the quota row comes first.
    error = check(response(429, {"error": {"code": "QUOTA", "message": "daily"}}))
    assert isinstance(error, ExtractError)
    assert error.message == "quota spent (Example QUOTA: daily)"
    assert error.hint == "wait for 'ex' to reset" and error.platform_code == "QUOTA" and error.status == 429
    throttled = check(
        response(429, {"error": {"code": "OTHER", "message": "slow down"}}, {"Retry-After": "7"})
    )
    assert isinstance(throttled, TransientError)
    assert str(throttled) == "throttled (Example OTHER: slow down)" and throttled.wait_seconds == 7.0


def test_tests_combine_with_or_and_and() -> None:
    assert isinstance(check(response(400, {"error": {"code": "SLOW", "message": "x"}})), TransientError)
    metric = check(response(400, {"error": {"code": 100, "message": "unknown metric"}}))
    assert isinstance(metric, ExtractError) and metric.message.startswith("a metric is refused")
    assert metric.platform_code is None, "the row says the error carries no platform code"
    other = check(response(400, {"error": {"code": 101, "message": "bad field"}}))
    assert isinstance(other, ExtractError) and other.message == "refused at https://api.example/v1/posts"


def test_a_failure_no_rule_names_fails_with_the_label_and_code() -> None:
    error = check(response(403, {"error": {"code": 10, "message": "no permission"}}))
    assert isinstance(error, ExtractError) and not isinstance(error, TransientError)
    assert error.message == "Example 10: no permission" and error.platform_code == 10 and error.hint == ""
    assert str(error) == "[source=src stream=posts account=acct-1 day=2026-11-01] Example 10: no permission"


def test_a_body_without_the_platforms_error_is_retried_when_server_side_and_else_fails() -> None:
    retried = check(response(502))
    assert isinstance(retried, TransientError) and str(retried) == "HTTP 502" and retried.status == 502
    refused = check(response(404))
    assert isinstance(refused, ExtractError)
    assert refused.message == "HTTP 404 without a Example error body"
    assert refused.hint == "point the host at the Example API"
