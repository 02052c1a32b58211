"""Fault injection for the reference server, switchable at run time.

Set from Python (`FaultInjector.set`) or over HTTP (``PUT /_admin/faults``). A fault may
fire a bounded number of times (``count``) or until cleared (``count=None``). Faults apply
to the contract's paths (``/api/``) only, never to the admin endpoints.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import threading
from dataclasses import asdict, dataclass, replace
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from simulators.linkage_server.contract import FAULT_SCOPE_KEY

TRANSPORT_EXTENSION = "linkage.transport"


class FaultKind(enum.StrEnum):
    LATENCY = "latency"
    """Sleep ``latency_ms`` before handling the request (counted as server time)."""
    ERROR_5XX = "error_5xx"
    """Answer ``status`` (500/502/503/504) with a Linkage error body and ``retry_after_s``."""
    RESET = "reset"
    """Abort the TCP connection without an answer."""
    SLOW_BODY = "slow_body"
    """Send the body in ``chunk_bytes`` pieces with ``latency_ms`` between them."""
    MALFORMED_JSON = "malformed_json"
    """Send the first half of the JSON body only."""
    EXPIRED_TOKEN = "expired_token"
    """Treat the bearer token as expired (401, errorNumber 90001)."""
    OUTAGE = "outage"
    """Every request: connection aborted, as if the centre were down."""
    TRICKLE_HEADERS = "trickle_headers"
    """Write the answer's status line and headers one byte every ``latency_ms`` and never
    finish them (a stuck proxy, or a server under a slow-read attack); the connection
    closes once the client gives up."""
    LINKAGE_ERROR = "linkage_error"
    """Answer with Linkage error ``error_number`` (its HTTP status from the error table),
    e.g. 90012 service timeout or 99994 no face photo, which the seed data never causes."""


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    count: int | None = None
    latency_ms: float = 0.0
    status: int = 503
    retry_after_s: float | None = None
    chunk_bytes: int = 16
    error_number: int = 95099
    path_prefix: str = "/api/"


class FaultInjector:
    """Thread-safe: tests switch faults from their thread while the server runs in another."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[FaultKind, Fault] = {}
        self.fired: dict[FaultKind, int] = {}

    def set(self, kind: FaultKind | str, *, count: int | None = None, **params: Any) -> Fault:
        fault = Fault(kind=FaultKind(kind), count=count, **params)
        with self._lock:
            self._faults[fault.kind] = fault
        return fault

    def clear(self, kind: FaultKind | str | None = None) -> None:
        with self._lock:
            if kind is None:
                self._faults.clear()
            else:
                self._faults.pop(FaultKind(kind), None)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "active": [
                    {**asdict(f), "kind": f.kind.value} for f in self._faults.values()
                ],
                "fired": {k.value: v for k, v in self.fired.items()},
            }

    def take(self, kind: FaultKind, path: str) -> Fault | None:
        """The fault of this kind if it applies to ``path`` now; counts one firing."""
        with self._lock:
            fault = self._faults.get(kind)
            if fault is None or not path.startswith(fault.path_prefix):
                return None
            if fault.count is not None:
                if fault.count <= 1:
                    del self._faults[kind]
                else:
                    self._faults[kind] = replace(fault, count=fault.count - 1)
            self.fired[kind] = self.fired.get(kind, 0) + 1
            return fault


def _abort(scope: Scope) -> None:
    transport = scope.get("extensions", {}).get(TRANSPORT_EXTENSION)
    if transport is None:  # not served by our uvicorn protocol: cannot reset
        raise RuntimeError("connection reset fault needs the linkage TLS protocol")
    transport.abort()


async def _until_disconnected(receive: Receive) -> None:
    """Wait (briefly) for uvicorn to notice the aborted connection.

    Returning earlier looks to uvicorn like an app that forgot to answer, which it logs
    as an ERROR on every simulated outage.
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(1.0):
            while (await receive())["type"] != "http.disconnect":
                pass


class FaultMiddleware:
    def __init__(self, app: ASGIApp, faults: FaultInjector) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        take = self.faults.take
        if take(FaultKind.OUTAGE, path) or take(FaultKind.RESET, path):
            _abort(scope)
            await _until_disconnected(receive)
            return
        trickle = take(FaultKind.TRICKLE_HEADERS, path)
        if trickle:
            scope[FAULT_SCOPE_KEY] = True
            await _trickle_headers(scope, trickle)
            await _until_disconnected(receive)
            return
        latency = take(FaultKind.LATENCY, path)
        if latency:
            await asyncio.sleep(latency.latency_ms / 1000)
        error = take(FaultKind.ERROR_5XX, path)
        if error:
            scope[FAULT_SCOPE_KEY] = True
            await _send_error(send, error)
            return
        linkage_error = take(FaultKind.LINKAGE_ERROR, path)
        if linkage_error:
            scope[FAULT_SCOPE_KEY] = True
            await _send_linkage_error(send, linkage_error)
            return
        malformed = take(FaultKind.MALFORMED_JSON, path)
        slow = take(FaultKind.SLOW_BODY, path)
        if malformed or slow:
            scope[FAULT_SCOPE_KEY] = True
            await self.app(scope, receive, _RewriteBody(send, malformed, slow))
            return
        await self.app(scope, receive, send)


async def _trickle_headers(scope: Scope, fault: Fault) -> None:
    """Straight onto the connection (an ASGI app can only send whole headers)."""
    transport = scope.get("extensions", {}).get(TRANSPORT_EXTENSION)
    if transport is None:
        raise RuntimeError("the header trickle fault needs the linkage TLS protocol")
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"  # then: abort
    for byte in head:
        if transport.is_closing():
            return
        transport.write(bytes([byte]))
        await asyncio.sleep(max(fault.latency_ms, 1.0) / 1000)
    transport.abort()


async def _send_error(send: Send, fault: Fault) -> None:
    body = b'{"errorNumber":95099,"errorMessage":"Linkage Center temporarily unavailable"}'
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if fault.retry_after_s is not None:
        headers.append((b"retry-after", str(int(fault.retry_after_s)).encode()))
    await send({"type": "http.response.start", "status": fault.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _send_linkage_error(send: Send, fault: Fault) -> None:
    from kiosk.linkage.errors import ERROR_CLASSES, ERROR_DESCRIPTIONS

    number = fault.error_number
    cls = ERROR_CLASSES.get(number)
    status = cls.http_status if cls else 502
    message = ERROR_DESCRIPTIONS.get(number, f"provider answered HTTP {number}")
    body = json.dumps({"errorNumber": number, "errorMessage": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if fault.retry_after_s is not None:
        headers.append((b"retry-after", str(int(fault.retry_after_s)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _RewriteBody:
    """Collects the app's response, then sends it truncated and/or slowly."""

    def __init__(self, send: Send, malformed: Fault | None, slow: Fault | None) -> None:
        self.send = send
        self.malformed = malformed
        self.slow = slow
        self.start: Message | None = None
        self.body = bytearray()

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
            return
        if message["type"] != "http.response.body":
            await self.send(message)
            return
        self.body += message.get("body", b"")
        if message.get("more_body", False):
            return
        body = bytes(self.body)
        if self.malformed:
            body = body[: max(1, len(body) // 2)]
        assert self.start is not None
        headers = [(k, v) for k, v in self.start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await self.send({**self.start, "headers": headers})
        if not self.slow:
            await self.send({"type": "http.response.body", "body": body})
            return
        step = max(1, self.slow.chunk_bytes)
        for i in range(0, len(body), step):
            await self.send(
                {"type": "http.response.body", "body": body[i : i + step], "more_body": True}
            )
            await asyncio.sleep(self.slow.latency_ms / 1000)
        await self.send({"type": "http.response.body", "body": b""})
