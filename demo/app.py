"""The demo API server's FastAPI app: platform routers, the shared fault and request-log middleware,
and the ``/_demo`` control routes tests and ``make demo`` steer it with.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from demo.platforms import Platform, discover_platforms
from demo.state import FAULTS, DemoState, slow_seconds

PLATFORMS: tuple[Platform, ...] = discover_platforms()

HIDDEN_PARAMS = frozenset({"access_token", "key"})


class FaultRequest(BaseModel):
    """Body of ``POST /_demo/faults``."""

    match: str = Field("", description="substring or regex of the request path; empty matches every request")
    faults: list[str] = Field(..., description=f"any of {', '.join(FAULTS)}, or slow:<seconds>")


def _platform_for(path: str) -> Platform | None:
    return next((platform for platform in PLATFORMS if platform.claims(path)), None)


async def _body(response: Response) -> bytes:
    body = getattr(response, "body", None)
    if body is None:
        body = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
    return bytes(body)


def _headers(response: Response) -> dict[str, str]:
    return {key: value for key, value in response.headers.items() if key.lower() != "content-length"}


async def _truncated(response: Response) -> Response:
    """The same answer cut in half: HTTP 200, JSON content type, body that will not parse."""
    body = await _body(response)
    return Response(
        body[: max(1, len(body) // 2)],
        status_code=200,
        headers=_headers(response),
        media_type="application/json",
    )


class ResetMidBody(Response):
    """The status line and headers with the full ``Content-Length``, half the body, then the
    connection closes: the app returns without finishing, so uvicorn drops the socket (and logs
    "ASGI callable returned without completing response")."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send(
            {"type": "http.response.body", "body": self.body[: len(self.body) // 2], "more_body": True}
        )


async def _reset_mid_body(response: Response) -> Response:
    body = await _body(response)
    return ResetMidBody(body, status_code=response.status_code, headers=_headers(response))


NOT_UTF8 = b"\xc3\x28\xff"
"""A UTF-8 lead byte followed by one that cannot continue it, and a byte UTF-8 never uses."""


async def _invalid_utf8(response: Response) -> Response:
    """The same answer with ``NOT_UTF8`` inside its first text value (a JSON string after a key,
    or an XML ``<title>``); the JSON or XML stays well formed, only its encoding is broken."""
    body = await _body(response)
    found = [(at, len(mark)) for mark in (b'":"', b'": "', b"<title>") if (at := body.find(mark)) >= 0]
    at, width = min(found) if found else (0, 0)
    cut = at + width
    return Response(
        body[:cut] + NOT_UTF8 + body[cut:], status_code=response.status_code, headers=_headers(response)
    )


async def _shifted(response: Response, carried: Any) -> Response:
    """The answer with ``carried`` (the previous page's last item) put first in its ``data``."""
    body = await _body(response)
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        return Response(body, status_code=response.status_code, headers=_headers(response))
    payload["data"].insert(0, carried)
    if isinstance(payload.get("meta"), dict) and "result_count" in payload["meta"]:
        payload["meta"]["result_count"] += 1
    return Response(
        json.dumps(payload).encode(), status_code=response.status_code, headers=_headers(response)
    )


async def _remember_last_item(response: Response, path: str, state: DemoState) -> Response:
    """Serve the answer as is, keeping its last ``data`` item for the next answer on ``path``."""
    body = await _body(response)
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("data"), list) and payload["data"]:
        state.faults.carry(path, payload["data"][-1])
    return Response(body, status_code=response.status_code, headers=_headers(response))


def create_app(today: date | None = None, chaos_rate: float = 0.0, chaos_seed: int = 0) -> FastAPI:
    """A demo server app.

    ``today`` fixes the server's date (default: the real current UTC date, read per request);
    ``chaos_rate`` is the fraction of API requests that get a random throttle or 500, decided by
    ``chaos_seed`` and the request counter.
    """
    app = FastAPI(
        title="Lumo Strollers demo APIs",
        docs_url="/_demo/docs",
        openapi_url="/_demo/openapi.json",
        redoc_url=None,
    )
    state = DemoState(today=today, chaos_rate=chaos_rate, chaos_seed=chaos_seed)
    app.state.demo = state

    @app.middleware("http")
    async def faults_and_log(request: Request, call_next: Any) -> Response:
        platform = _platform_for(request.url.path)
        if platform is None:
            return await call_next(request)
        number = state.next_request_number()
        request.state.request_number = number
        fault = state.faults.take(request.url.path) or state.chaos.decide(number, platform.chaos_faults)
        carried = state.faults.take_carried(request.url.path)
        if delay := slow_seconds(fault):
            await asyncio.sleep(delay)
        response = platform.fault_response(request, fault) if fault else None
        if response is None:
            response = await call_next(request)
        if carried is not None:
            response = await _shifted(response, carried)
        if fault == "malformed_json":
            response = await _truncated(response)
        elif fault == "reset_mid_body":
            response = await _reset_mid_body(response)
        elif fault == "invalid_utf8":
            response = await _invalid_utf8(response)
        elif fault == "shift_page":
            response = await _remember_last_item(response, request.url.path, state)
        platform.finish(request, response, fault)
        state.log.append(
            {
                "method": request.method,
                "path": request.url.path,
                "query": {k: v for k, v in request.query_params.items() if k not in HIDDEN_PARAMS},
                "status": response.status_code,
                "fault": fault,
            }
        )
        return response

    @app.get("/_demo/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "today": state.today().isoformat()}

    @app.get("/_demo/faults")
    def pending_faults() -> list[dict[str, str]]:
        return state.faults.pending()

    @app.post("/_demo/faults")
    def add_faults(body: FaultRequest) -> dict[str, Any]:
        try:
            state.faults.add(body.match, body.faults)
        except ValueError as error:
            raise HTTPException(400, str(error)) from None
        return {"queued": state.faults.pending()}

    @app.delete("/_demo/faults")
    def clear_faults() -> dict[str, str]:
        state.faults.clear()
        return {"status": "cleared"}

    @app.get("/_demo/requests")
    def request_log() -> list[dict[str, Any]]:
        return state.log.entries()

    @app.delete("/_demo/requests")
    def clear_request_log() -> dict[str, str]:
        state.log.clear()
        return {"status": "cleared"}

    # A Slack-compatible webhook receiver for the alerts the warehouse sends in the demo: it
    # keeps what it was posted so `make demo` (and a person) can see the alerts that fired.
    webhook_posts: list[Any] = []

    @app.post("/_demo/webhook", status_code=200)
    async def receive_webhook(request: Request) -> dict[str, str]:
        try:
            webhook_posts.append(await request.json())
        except ValueError:
            raise HTTPException(400, "expected a JSON body") from None
        return {"status": "ok"}

    @app.get("/_demo/webhook")
    def received_webhooks() -> list[Any]:
        return list(webhook_posts)

    for platform in PLATFORMS:
        app.include_router(platform.truth_router, prefix=f"/_demo/truth/{platform.name}", tags=["truth"])
        app.include_router(platform.api_router, tags=[platform.name])
        for exception, handler in platform.exception_handlers.items():
            app.add_exception_handler(exception, handler)
    return app
