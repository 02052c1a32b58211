"""``Server-Timing`` for the whole of the reference server's work, set by its outermost layer.

`ServerTiming` wraps everything else; each layer inside it is wrapped in `Timed`, which
records how long that layer took, inclusively, from the moment the request reached it to
the moment its answer's head left it (``http.response.start`` passing outwards). The
outermost layer turns those marks into one W3C Server-Timing header
(https://www.w3.org/TR/server-timing/, RFC 8941-style list of metrics with ``dur``):

    Server-Timing: total;dur=1.234, limits;dur=0.101, contract;dur=0.402, app;dur=0.700

- ``total``: everything the server did for this request until the answer's head was sent
  (ASGI entry to ``http.response.start``): what a client subtracts to get its own overhead;
- ``limits``, ``contract``: each layer's own share (its inclusive time minus the inner
  layer's), so the sub-timings add up to at most ``total``;
- ``app``: the routes (request ID, faults, handler);
- ``wait``, when a handler records one (a holder long-poll's bounded wait): part of ``app``.

A layer that answered by itself (a refusal of `RequestLimits`) shows only the layers it
passed. Not covered: writing the answer's body after its head (the contract check holds
the head until the body is complete, so for covered paths the body is ready by then).

`with_header` is how a layer puts a header on the answer's head (here Server-Timing, in
``limits`` X-Request-ID).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

clock = time.perf_counter
"""The layers' clock (seconds), looked up at each reading so a test can inject a layer's
cost without sleeping."""
SCOPE_KEY = "linkage.server_timing"
"""The per-request dict of marks (layer name → inclusive ms) in the ASGI scope."""
LAYERS = ("limits", "contract", "app")
"""Outermost first: the order the marks nest in."""


def record(scope: Scope, name: str, ms: float) -> None:
    """A handler's own sub-timing (e.g. ``wait``); ignored outside `ServerTiming`."""
    marks = scope.get(SCOPE_KEY)
    if marks is not None:
        marks[name] = ms


def header_value(total_ms: float, marks: dict[str, float]) -> str:
    parts = [f"total;dur={total_ms:.3f}"]
    present = [name for name in LAYERS if name in marks]
    for outer, inner in zip(present, [*present[1:], None], strict=True):
        own = marks[outer] - (marks[inner] if inner is not None else 0.0)
        parts.append(f"{outer};dur={max(0.0, own):.3f}")
    parts += [f"{name};dur={ms:.3f}" for name, ms in marks.items() if name not in LAYERS]
    return ", ".join(parts)


def with_header(send: Send, name: bytes, value: Callable[[], bytes]) -> Send:
    """`send`, but the answer's head carries header `name` (lower case) = ``value()``,
    read as the head goes out, in place of any copy an inner layer set."""

    async def send_with_header(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != name]
            message = {**message, "headers": [*headers, (name, value())]}
        await send(message)

    return send_with_header


class ServerTiming:
    """The outermost layer: one Server-Timing header covering everything inside it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = clock()
        marks: dict[str, float] = {}
        scope[SCOPE_KEY] = marks

        def value() -> bytes:
            return header_value((clock() - started) * 1000, marks).encode()

        await self.app(scope, receive, with_header(send, b"server-timing", value))


class Timed:
    """Records layer `name`'s inclusive time (entry → its answer's head going out)."""

    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app = app
        self.name = name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        marks: dict[str, float] | None = scope.get(SCOPE_KEY)
        if scope["type"] != "http" or marks is None:
            await self.app(scope, receive, send)
            return
        started = clock()
        name = self.name

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start" and name not in marks:
                marks[name] = (clock() - started) * 1000
            await send(message)

        await self.app(scope, receive, send_marked)
