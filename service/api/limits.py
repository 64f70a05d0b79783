"""Refuse what the service cannot take before anything parses it: oversized
bodies, and scoring requests while the worker is saturated."""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.pipeline.admission import Admission


class BodyTooLargeError(Exception):
    pass


class BodySizeLimit:
    """Pure ASGI middleware: checks Content-Length up front, and counts the
    streamed bytes for chunked bodies that carry no length."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLargeError
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLargeError:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        msg = f"request body exceeds {self.max_bytes} bytes (HARMLABEL_MAX_BODY_BYTES)"
        await send_json(send, 413, {"detail": [{"loc": ["body"], "msg": msg, "type": "body_too_large"}]})


async def send_json(
    send: Send, status: int, body: dict[str, object], headers: dict[str, str] | None = None
) -> None:
    """A whole JSON response, sent from ASGI middleware (no Response object there)."""
    data = json.dumps(body).encode()
    extra = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


class _Route:
    """What MetricsMiddleware reads from scope["route"] for a shed request."""

    def __init__(self, path: str) -> None:
        self.path = path


class SaturationGate:
    """Pure ASGI middleware: while the worker is at capacity, a scoring
    request is answered 503 before its body is read or validated.

    The routes admit by tweet count (`Admission.admit`), but reaching them
    costs the request's parsing, validation and routing; under 4× overload
    that work alone saturated the event loop and every answer, 503s
    included, took seconds. This check costs a comparison.
    """

    def __init__(self, app: ASGIApp, admission: Admission, on_shed: Callable[[str], None]) -> None:
        self.app = app
        self.admission = admission
        self.on_shed = on_shed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] not in SCORING_PATHS
            or self.admission.in_flight < self.admission.capacity
        ):
            await self.app(scope, receive, send)
            return
        scope["route"] = _Route(scope["path"])
        self.on_shed("capacity")
        refusal = self.admission.refusal()
        await send_json(send, 503, refusal.body(), {"Retry-After": str(refusal.retry_after_s)})


SCORING_PATHS = frozenset({"/v1/assess", "/v1/assess/multipart", "/v1/rank", "/v1/cases"})
