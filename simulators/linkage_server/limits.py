"""What the reference centre refuses before any handler runs, as a real centre would.

`RequestLimits` is one ASGI middleware in front of the routes:

- the body is read as it streams in, and the request is answered 413 (Linkage 95015) as
  soon as it passes 64 KB — a declared Content-Length over the limit is refused before a
  byte of body is read — so a 300 MB chunked body costs 64 KB of memory, not 300 MB;
- the whole body must arrive within ``body_timeout_s`` (408), so a slow sender cannot
  hold a worker forever; both answers close the connection;
- a JSON body must be UTF-8, nested at most ``MAX_JSON_DEPTH`` deep (checked by a scan
  before parsing, so 1,000 levels give 400, not a RecursionError and a 500), without
  ``NaN``/``Infinity`` and without duplicate keys (JSON parsers disagree on which copy
  wins: RFC 8259 §4) — 400 (95020);
- ``/_admin/*`` needs its own token (``X-Admin-Token``), not just a kiosk certificate;
- every answer echoes X-Request-ID (`RequestIdMiddleware` for the routes' answers); a
  missing or invalid one is refused by the route, after its token check;
- before any of that, `HeaderGuard` (on uvicorn's HTTP protocol, see ``tls.py``) closes a
  connection whose request head is not complete ``HEADER_TIMEOUT_S`` after it began (408;
  slowloris) and refuses a head over 16 KB or 100 fields (431).

The checks here do not use the kiosk's code: the oracle stays independent of what it tests.
`citizen_id_problem` and `consent_time_problem` are the content checks the handlers call.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import json
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from simulators.linkage_server.timing import with_header

MAX_REQUEST_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32
BODY_TIMEOUT_S = 10.0
ADMIN_TOKEN_HEADER = b"x-admin-token"
CONSENT_MAX_AGE = dt.timedelta(days=90)
"""A queued submission may arrive days after its consent; not months."""
CONSENT_FUTURE_SKEW = dt.timedelta(minutes=2)
REQUEST_ID_VALID = "linkage.request_id_valid"
"""Scope key: whether the request carried a valid X-Request-ID (`RequestIdMiddleware`)."""

_TOO_LARGE, _INVALID, _NOT_LOGGED_IN = 95015, 95020, 90001


class RequestLimits:
    def __init__(self, app: ASGIApp, *, admin_token: str, max_bytes: int = MAX_REQUEST_BYTES,
                 max_depth: int = MAX_JSON_DEPTH, body_timeout_s: float = BODY_TIMEOUT_S
                 ) -> None:
        self.app = app
        self.admin_token = admin_token.encode()
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        app_send = send
        send = _with_request_id(scope, send)  # our own refusals echo X-Request-ID too
        admin = scope["path"].startswith("/_admin")
        if admin and not hmac.compare_digest(headers.get(ADMIN_TOKEN_HEADER, b""),
                                             self.admin_token):
            await _reply(send, 401, _NOT_LOGGED_IN, "admin token required (X-Admin-Token)")
            return
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _reply(send, 400, _INVALID, "Content-Length is not a number", close=True)
                return
            if int(declared) > self.max_bytes:
                await _reply(send, 413, _TOO_LARGE, "request larger than 64 KB", close=True)
                return
        raw = await self._read_body(receive, send)
        if raw is None:
            return  # already answered (413/408) or the client went away
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if raw and (admin or content_type == b"application/json"):
            problem = json_problem(raw, self.max_depth)
            if problem:
                await _reply(send, 400, _INVALID, f"invalid request: {problem}")
                return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as usual

        await self.app(scope, replay, app_send)

    async def _read_body(self, receive: Receive, send: Send) -> bytes | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout_s
        chunks: list[bytes] = []
        size = 0
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                await _reply(send, 408, _INVALID,
                             f"request body not received within {self.body_timeout_s:g} s",
                             close=True)
                return None
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _reply(send, 413, _TOO_LARGE, "request larger than 64 KB", close=True)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def request_id_echo(scope: Scope) -> tuple[bytes, bool]:
    """The X-Request-ID to answer with (the client's when it is a lower-case UUID, else a
    fresh one) and whether the client's was valid."""
    raw_id = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
    try:
        request_id = str(uuid.UUID(raw_id)) if raw_id else ""
    except ValueError:
        request_id = ""
    valid = bool(request_id) and request_id == raw_id.lower()
    return (request_id if valid else str(uuid.uuid4())).encode(), valid


def _with_request_id(scope: Scope, send: Send) -> Send:
    echo, _ = request_id_echo(scope)
    return with_header(send, b"x-request-id", lambda: echo)


class RequestIdMiddleware:
    """Echo X-Request-ID on every answer of the routes (a fresh one when the request had
    none valid), and mark in the scope (`REQUEST_ID_VALID`) whether it had a valid one:
    the endpoint refuses it then, after the token check, so a missing token is still a 401."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            echo, scope[REQUEST_ID_VALID] = request_id_echo(scope)
            send = with_header(send, b"x-request-id", lambda: echo)
        await self.app(scope, receive, send)


async def _reply(send: Send, status: int, number: int, message: str, *,
                 close: bool = False) -> None:
    body = json.dumps({"errorNumber": number, "errorMessage": message}).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    if close:  # the rest of the body is never read: end the connection after this answer
        headers.append((b"connection", b"close"))
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="linkage-admin"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _nesting(text: str) -> int:
    """Deepest nesting of arrays/objects, counted outside strings (no parser recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def json_problem(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why ``raw`` is not acceptable JSON for the centre, or None."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    if _nesting(text) > max_depth:
        return f"JSON nested deeper than {max_depth} levels"
    try:
        json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_no_duplicates)
    except ValueError as exc:  # JSONDecodeError is a ValueError
        return f"malformed JSON ({str(exc)[:120]})"
    return None


def citizen_id_problem(cid: str) -> str | None:
    """The 13-digit ID's own rule (DOPA): the last digit is a mod-11 check digit."""
    if len(cid) != 13 or not cid.isascii() or not cid.isdigit():
        return "personalID must be 13 digits"
    total = sum(int(d) * (13 - i) for i, d in enumerate(cid[:12]))
    if (11 - total % 11) % 10 != int(cid[12]):
        return "personalID check digit is wrong"
    return None


def consent_time_problem(at: dt.datetime, now: dt.datetime) -> str | None:
    if at.tzinfo is None:
        return "consentedAt needs a time zone"
    if at > now + CONSENT_FUTURE_SKEW:
        return "consentedAt is in the future"
    if at < now - CONSENT_MAX_AGE:
        return f"consentedAt is older than {CONSENT_MAX_AGE.days} days"
    return None


# -- before the ASGI app: the request head (a layer on uvicorn's HTTP protocol) ----------

HEADER_TIMEOUT_S = 10.0
"""From the connection's start (or a later request's first byte) to the end of its head."""
MAX_HEADER_BYTES = 16 * 1024
"""The whole request head; uvicorn/h11's own default, and nginx's per-buffer size."""
MAX_HEADER_COUNT = 100
"""Apache's ``LimitRequestFields``."""
LINGER_S = 1.0
"""After a refusal, read and drop for this long before closing, so the client can read the
answer instead of getting a reset for the data it was still sending (nginx: lingering close)."""


class _HeadRefused(Exception):
    pass


class HeaderGuard:
    """Mixin for uvicorn's httptools protocol (uvicorn has no header timeout and no header
    size limit there): a head that is not complete ``header_timeout_s`` after it began is
    closed (408), one over ``max_header_bytes`` or ``max_header_count`` is refused (431).
    Idle keep-alive connections are uvicorn's ``timeout_keep_alive``."""

    header_timeout_s: float = HEADER_TIMEOUT_S
    max_header_bytes: int = MAX_HEADER_BYTES
    max_header_count: int = MAX_HEADER_COUNT
    # What uvicorn's protocol provides:
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    headers: list[tuple[bytes, bytes]]

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._head_bytes = 0
        self._in_head = True
        self._refused = False
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_timeout_s, self._timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _timed_out(self) -> None:
        self._head_timer = None
        if self._in_head and not self.transport.is_closing():
            self._refuse(408, b"Request Timeout", b"request head not complete in time",
                         linger=False)  # a slow client gets no more time

    def _refuse(self, status: int, reason: bytes, text: bytes, *, linger: bool = True
                ) -> None:
        self._refused = True
        self._disarm()
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-type: text/plain\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n%s" % (status, reason, len(text), text))
        if linger:
            self.loop.call_later(LINGER_S, self.transport.close)
        else:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # lingering: drop what the client still sends
        if self._in_head:
            self._arm()  # a later request's first byte starts its head's clock
            self._head_bytes += len(data)
        super().data_received(data)  # type: ignore[misc]
        if self._in_head and not self._refused and self._head_bytes > self.max_header_bytes:
            self._refuse(431, b"Request Header Fields Too Large",
                         b"request head over %d bytes" % self.max_header_bytes)

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)  # type: ignore[misc]
        if len(self.headers) > self.max_header_count:
            self._refuse(431, b"Request Header Fields Too Large",
                         b"more than %d header fields" % self.max_header_count)
            raise _HeadRefused  # stops the parser; `send_400_response` stays quiet

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._disarm()
        super().on_headers_complete()  # type: ignore[misc]

    def on_message_complete(self) -> None:
        super().on_message_complete()  # type: ignore[misc]
        self._in_head = True
        self._head_bytes = 0

    def send_400_response(self, msg: str) -> None:
        if not self._refused:
            super().send_400_response(msg)  # type: ignore[misc]

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]
