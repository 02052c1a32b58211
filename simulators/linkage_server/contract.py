"""The contract as an independent oracle: every request and answer of the reference server
checked against the committed docs/linkage-api.yaml by openapi-core, a validator that
knows nothing of our pydantic models (which the server and the client share, so checking
against them would only confirm themselves).

`ContractMiddleware` (outermost ASGI layer of the reference server):
- an answer the document does not allow (undocumented status, a body or a required header
  that does not match its schema) is recorded in `Contract.violations` and replaced by a
  500 that names the violation, so the test that caused it fails at once;
- a request the document does not allow must be refused (4xx); accepting one is recorded
  and answered 500 the same way.
Answers that fault injection made on purpose (`FAULT_SCOPE_KEY` in the scope) are passed
through unchecked. Paths the document does not cover (admin, slip check) are not checked.

`Contract.check_request` is also what tests use on the client's side (an httpx request
hook), so drift of the client and drift of the server both fail.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from werkzeug.datastructures import Headers, ImmutableMultiDict

from kiosk.appliance.data_files import contract_file

log = logging.getLogger(__name__)

# The checkout's docs/linkage-api.yaml, $LINKAGE_CONTRACT_FILE, or the installed copy.
CONTRACT_FILE = contract_file()
FAULT_SCOPE_KEY = "linkage.fault_injected"
"""Set by the fault middleware when it answers (or rewrites an answer) on purpose."""


@dataclass
class WireRequest:
    """A request as openapi-core reads it (its `Request` protocol)."""

    host_url: str
    path: str
    method: str
    parameters: RequestParameters
    body: bytes | None
    content_type: str


@dataclass
class WireResponse:
    """An answer as openapi-core reads it (its `Response` protocol)."""

    status_code: int
    headers: Headers
    data: bytes
    content_type: str


@dataclass(frozen=True)
class Violation:
    side: str  # "request accepted" | "response" | "client request"
    method: str
    path: str
    status: int | None
    errors: tuple[str, ...]

    def __str__(self) -> str:
        status = f" -> {self.status}" if self.status is not None else ""
        return f"{self.side}: {self.method} {self.path}{status}: {'; '.join(self.errors)}"


@dataclass
class Contract:
    path: Path = CONTRACT_FILE
    violations: list[Violation] = field(default_factory=list)
    checked: int = 0
    """How many requests/answers were checked (so a test can see the oracle ran)."""

    def __post_init__(self) -> None:
        self.document: dict[str, Any] = yaml.safe_load(self.path.read_text("utf-8"))
        self._openapi = OpenAPI.from_dict(self.document)
        # Paths are matched against the document's server; the host is not what we check.
        self._host = str(self.document["servers"][0]["url"]).rstrip("/")
        self._lock = threading.Lock()

    def covers(self, method: str, path: str) -> bool:
        operations = self.document.get("paths", {}).get(path)
        return isinstance(operations, dict) and method.lower() in operations

    def request(self, method: str, path: str, query: str, headers: list[tuple[str, str]],
                body: bytes) -> WireRequest:
        head = Headers(headers)
        return WireRequest(
            host_url=self._host, path=path, method=method.lower(),
            parameters=RequestParameters(
                query=ImmutableMultiDict(parse_qsl(query, keep_blank_values=True)),
                header=head, cookie=ImmutableMultiDict(), path={}),
            body=body or None,
            content_type=head.get("content-type", ""),
        )

    def request_errors(self, request: WireRequest) -> tuple[str, ...]:
        return tuple(_describe(e) for e in self._openapi.iter_request_errors(request))

    def response_errors(self, request: WireRequest, status: int,
                        headers: list[tuple[str, str]], body: bytes) -> tuple[str, ...]:
        head = Headers(headers)
        response = WireResponse(status, head, body, head.get("content-type", ""))
        return tuple(_describe(e) for e in self._openapi.iter_response_errors(request, response))

    def record(self, violation: Violation) -> None:
        log.error("contract violation (docs/linkage-api.yaml): %s", violation)
        with self._lock:
            self.violations.append(violation)

    def count(self) -> None:
        with self._lock:
            self.checked += 1

    def assert_kept(self) -> None:
        """Tests: fail with every violation seen (call when the server stops)."""
        with self._lock:
            found = list(self.violations)
        if found:
            raise AssertionError("docs/linkage-api.yaml violated:\n" + "\n".join(
                str(v) for v in found))

    def check_request(self, method: str, path: str, query: str,
                      headers: list[tuple[str, str]], body: bytes) -> tuple[str, ...]:
        """The client's side: a request the document does not allow is a violation."""
        if not self.covers(method, path):
            return ()
        self.count()
        errors = self.request_errors(self.request(method, path, query, headers, body))
        if errors:
            self.record(Violation("client request", method, path, None, errors))
        return errors


def _text(obj: object) -> str:
    try:
        text = str(obj)
    except Exception:  # openapi-core's messages decode the body as UTF-8, which may fail
        return type(obj).__name__
    # Nothing personal in the log: no digit runs (IDs), no Thai (names, addresses).
    text = re.sub(r"\d{5,}", "#", text)
    text = re.sub(r"[^\x00-\x7f]+", "…", text)
    return text if len(text) <= 200 else text[:200] + "…"


def _describe(exc: BaseException) -> str:
    """What is wrong and where (schema keyword and location), without the values."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        schema_errors = getattr(current, "schema_errors", None)
        if schema_errors:
            for error in schema_errors:
                where = "/".join(str(p) for p in getattr(error, "absolute_path", ())) or "<root>"
                keyword = getattr(error, "validator", "?")
                detail = (_text(getattr(error, "message", "")) if keyword in _NAMES_ONLY
                          else f"{keyword} {_text(repr(getattr(error, 'validator_value', '')))}")
                parts.append(f"{where}: {detail}")
        elif "Value " not in _text(current):  # a message that would quote the whole body
            parts.append(f"{type(current).__name__}: {_text(current)}")
        else:
            parts.append(type(current).__name__)
        current = current.__cause__ or current.__context__
    return " | ".join(parts)


_NAMES_ONLY = {"required", "additionalProperties"}
"""Schema keywords whose messages name properties, not values."""


class ContractMiddleware:
    def __init__(self, app: ASGIApp, contract: Contract) -> None:
        self.app = app
        self.contract = contract

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope.get("method", ""), scope.get("path", "")
        if scope["type"] != "http" or not self.contract.covers(method, path):
            await self.app(scope, receive, send)
            return
        body = bytearray()
        chunks: list[Message] = []
        while True:  # read the request body once, then replay it to the app
            message = await receive()
            chunks.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return chunks.pop(0) if chunks else await receive()

        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        request = self.contract.request(method, path, scope.get("query_string", b"").decode(
            "latin-1"), headers, bytes(body))
        request_errors = self.contract.request_errors(request)
        start: Message | None = None
        answer = bytearray()
        passthrough = False

        async def checked_send(message: Message) -> None:
            nonlocal start, passthrough
            if passthrough or scope.get(FAULT_SCOPE_KEY):
                passthrough = True  # a fault on purpose: not the server's answer to check
                if start is not None:
                    await send(start)
                    start = None
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            answer.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            assert start is not None
            await self._finish(send, request, request_errors, start, bytes(answer))

        await self.app(scope, replay, checked_send)

    async def _finish(self, send: Send, request: WireRequest, request_errors: tuple[str, ...],
                      start: Message, body: bytes) -> None:
        status = int(start["status"])
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]]
        self.contract.count()
        violations = []
        if request_errors and status < 400:
            violations.append(Violation("request accepted", request.method.upper(),
                                        request.path, status, request_errors))
        errors = self.contract.response_errors(request, status, headers, body)
        if errors:
            violations.append(Violation("response", request.method.upper(), request.path,
                                        status, errors))
        if not violations:
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        for violation in violations:
            self.contract.record(violation)
        text = json.dumps({"errorNumber": 0, "errorMessage": "contract violation: " + "; ".join(
            str(v) for v in violations)}).encode()
        kept = [(k, v) for k, v in start["headers"]
                if k.lower() not in (b"content-length", b"content-type")]
        await send({"type": "http.response.start", "status": 500, "headers": [
            *kept, (b"content-type", b"application/json"),
            (b"content-length", str(len(text)).encode())]})
        await send({"type": "http.response.body", "body": text})
