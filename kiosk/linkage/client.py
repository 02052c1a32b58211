"""The kiosk's Linkage Center client: httpx over mutual TLS, one pooled keep-alive connection
per base URL, bounded in time and size, typed answers and typed errors.

Blocking by design: the session calls it on a worker thread, never on the UI thread.
Only queries, card-status checks, audit batches and submissions that carry an
Idempotency-Key are retried (all are safe to repeat); a 401 leads to one fresh login and
one more try, never a loop. Logs carry request IDs, paths, status and timings — never a
citizen ID (masked where one must be named) and never a body.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import ssl
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from kiosk.config.loader import read_secret
from kiosk.config.settings import Settings
from kiosk.domain import mask_cid
from kiosk.linkage import coalesce
from kiosk.linkage import deadline as call_deadline
from kiosk.linkage import errors as E
from kiosk.linkage import models as M
from kiosk.linkage.answers import (
    RETRYABLE_STATUS,
    Exchange,
    QueryResult,
    ServiceAnswer,
    Submitted,
    error_from_answer,
    parse_server_timing,
)
from kiosk.linkage.auth import TokenManager, load_device_key
from kiosk.linkage.retry import RetryPolicy
from kiosk.linkage.tls_diagnosis import classify_tls, closed_without_answer, probe_refusal

log = logging.getLogger("kiosk.linkage")

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class Timeouts:
    connect_s: float = 3.0
    read_s: float = 10.0
    total_s: float = 20.0


def tls_context(ca_file: Path, client_cert_file: Path, client_key_file: Path) -> ssl.SSLContext:
    """Verification always on (CA pinned to the Linkage CA, hostname checked), TLS ≥ 1.2,
    and our client certificate for mutual TLS. The key file must be private (0600)."""
    read_secret(Path(client_key_file), what="linkage.client_key_file")
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(ca_file))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_cert_chain(str(client_cert_file), str(client_key_file))
    return ctx


@dataclass
class _Attempt:
    status: int
    headers: httpx.Headers
    body: bytes
    request_id: str


@dataclass
class LinkageClient:
    base_url: str
    kiosk_id: str
    ssl_context: ssl.SSLContext
    device_key_pem: bytes = field(repr=False)
    job_id: str = "KIOSK-SELF-SERVICE"
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_response_bytes: int = 2 * 1024 * 1024
    pooled: bool = True
    """False opens a new TLS connection per call (the benchmark's baseline only)."""
    max_connections: int = 1
    """Pooled connections, so calls at once from several threads (each on its own keep-alive
    connection): the outbox's concurrent drain (`OutboxSettings.delivery_concurrency`) opens
    up to this many; the holder's client has 2, so a poll of a session that was just
    cancelled does not hold up the next one's."""
    coalesce_writes: bool = True
    """Send each request's headers and body as one TLS record (see `coalesce.py`)."""
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: Callable[[], float] = random.random
    report_error: Callable[..., None] = field(default=lambda *_, **__: None, repr=False)
    """Called once per failed call as ``(errorNumber | None, transport=bool)`` (the fleet
    metrics, `kiosk.appliance.metrics.record_linkage_error`): a port, so the client does
    not depend on the appliance."""

    def __post_init__(self) -> None:
        if not self.base_url.startswith("https://"):
            raise ValueError("the Linkage base URL must be https")
        if not 1 <= self.max_connections <= 64:
            raise ValueError("max_connections must be 1-64")
        limits = httpx.Limits(
            max_connections=self.max_connections,
            max_keepalive_connections=self.max_connections if self.pooled else 0,
            # Below the server's idle timeout (uvicorn: 30 s), so we never reuse a connection
            # the server is closing at that moment.
            keepalive_expiry=20.0,
        )
        transport = httpx.HTTPTransport(
            verify=self.ssl_context,
            limits=limits,
            # Without NODELAY a write following an unacknowledged one (e.g. headers then
            # body when coalescing is off) waits for the peer's delayed ACK: ~40 ms a call.
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        )
        self.coalesced_writes = coalesce.install(transport) if self.coalesce_writes else False
        # One deadline per call over connect, TLS, request, headers and body (`deadline`).
        self.deadline_enforced = call_deadline.install(transport)
        if not self.deadline_enforced:
            log.warning("linkage: cannot bound whole calls (httpcore changed); only "
                        "per-operation timeouts hold")
        self._transport = transport
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(connect=self.timeouts.connect_s, read=self.timeouts.read_s,
                                  write=self.timeouts.read_s, pool=self.timeouts.total_s),
            follow_redirects=False,
            trust_env=False,
        )
        self._default_headers = {"Accept": "application/json",
                                 "User-Agent": "linkage-kiosk/0.1"}
        self._urls: dict[str, httpx.URL] = {}
        self.auth = TokenManager(self.kiosk_id, load_device_key(self.device_key_pem),
                                 self._post_for_auth, clock=self.clock)
        self.last: Exchange | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> LinkageClient:
        link = settings.linkage
        kwargs: dict[str, Any] = {
            "base_url": link.base_url,
            "kiosk_id": settings.kiosk.id,
            "ssl_context": tls_context(link.ca_file, link.client_cert_file,
                                       link.client_key_file),
            "device_key_pem": read_secret(link.device_key_file, what="linkage.device_key_file"),
            "job_id": link.job_id,
            "timeouts": Timeouts(link.connect_timeout_s, link.read_timeout_s,
                                 link.total_timeout_s),
            "retry": RetryPolicy(max_attempts=link.max_attempts, total_s=link.total_timeout_s),
            "max_response_bytes": link.max_response_bytes,
        }
        kwargs.update(overrides)
        return cls(**kwargs)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LinkageClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- the API ------------------------------------------------------------------------------
    def login(self) -> None:
        """Log in now (otherwise the first call does)."""
        self.auth.forget()
        self.auth.current()

    def services(self) -> M.ServiceList:
        return self._call_model("GET", "/api/center/services", None, M.ServiceList)

    def query(self, consent: M.Consent, service_ids: Sequence[int],
              personal_id: str | None = None) -> QueryResult:
        """Several services in one call; each answer may succeed or fail on its own."""
        pid = personal_id or consent.personalID
        request = M.QueryRequest(
            jobID=self.job_id, consent=consent,
            data=[M.ServiceRequest(serviceID=int(s), query=M.PersonQuery(personalID=pid))
                  for s in service_ids],
        )
        response, request_id = self._call(
            "POST", "/api/center/query", request, M.QueryResponse, log_subject=mask_cid(pid))
        answers: dict[int, ServiceAnswer] = {}
        for item in response.data:
            answers[item.serviceID] = self._answer(item, request_id)
        missing = {int(s) for s in service_ids} - answers.keys()
        if missing:
            raise E.ProtocolError(f"no answer for services {sorted(missing)}",
                                  request_id=request_id)
        return QueryResult(request_id, answers, response.executeTimeMs, response.serverTime)

    def card_status(self, personal_id: str, request_no: str,
                    chip_no: str | None = None) -> M.CardStatusResponse:
        body = M.CardStatusRequest(personalID=personal_id, requestNo=request_no, chipNo=chip_no)
        return self._call_model("POST", "/api/center/card-status", body,
                                M.CardStatusResponse, log_subject=mask_cid(personal_id))

    def submit(self, request: M.SubmissionRequest, idempotency_key: str) -> Submitted:
        """Send a service request to the agency. The same key with the same payload is safe
        to send again: the centre replays its first answer (IETF Idempotency-Key)."""
        if not idempotency_key:
            raise ValueError("an Idempotency-Key is required")
        attempt_holder: list[_Attempt] = []
        receipt, _ = self._call(
            "POST", "/api/agency/submissions", request, M.SubmissionReceipt,
            headers={M.IDEMPOTENCY_HEADER: idempotency_key},
            log_subject=mask_cid(request.personalID), keep=attempt_holder)
        replayed = attempt_holder[-1].headers.get("idempotency-replayed") == "true"
        return Submitted(receipt, replayed)

    def send_audit_events(self, events: Sequence[M.AuditEvent]) -> M.AuditAck:
        """A batch of audit events; event IDs make a repeated batch harmless."""
        body = M.AuditBatch(events=list(events))
        return self._call_model("POST", "/api/center/audit-events", body, M.AuditAck)

    # -- plumbing -----------------------------------------------------------------------------
    def _answer(self, item: M.ServiceResult, request_id: str) -> ServiceAnswer:
        if item.responseStatus == "error" or item.responseError is not None:
            err = item.responseError or M.ErrorBody(errorNumber=0, errorMessage="unknown")
            self.report_error(err.errorNumber)
            return ServiceAnswer(item.serviceID, None,
                                 E.error_for(err.errorNumber, err.errorMessage,
                                             request_id=request_id),
                                 item.responseTimeMs, item.serverTime)
        model = M.SERVICE_MODELS.get(item.serviceID)
        if model is None or item.responseData is None:
            error: E.LinkageError = E.ProtocolError(
                f"service {item.serviceID}: no data or unknown service", request_id=request_id)
            return ServiceAnswer(item.serviceID, None, error, item.responseTimeMs,
                                 item.serverTime)
        try:
            data = model.model_validate(item.responseData)
        except ValidationError as exc:
            error = E.ProtocolError(
                f"service {item.serviceID}: data does not match the contract "
                f"({exc.error_count()} problems)", request_id=request_id)
            return ServiceAnswer(item.serviceID, None, error, item.responseTimeMs,
                                 item.serverTime)
        return ServiceAnswer(item.serviceID, data, None, item.responseTimeMs, item.serverTime)

    def _call_model(self, method: str, path: str, body: BaseModel | None,
                    model: type[ModelT], **kwargs: Any) -> ModelT:
        return self._call(method, path, body, model, **kwargs)[0]

    def _call(self, method: str, path: str, body: BaseModel | None, model: type[ModelT],
              *, headers: dict[str, str] | None = None, log_subject: str = "",
              keep: list[_Attempt] | None = None) -> tuple[ModelT, str]:
        content = None if body is None else body.model_dump_json().encode()
        attempt = self._exchange(method, path, content, token=True, headers=headers,
                                 log_subject=log_subject)
        if keep is not None:
            keep.append(attempt)
        try:
            return model.model_validate_json(attempt.body), attempt.request_id
        except ValidationError as exc:
            raise E.ProtocolError(
                f"{path}: answer does not match the contract ({exc.error_count()} problems)",
                request_id=attempt.request_id, status_code=attempt.status) from None

    def _post_for_auth(self, path: str, body: dict[str, object], token: str | None) -> bytes:
        content = json.dumps(body).encode()
        return self._exchange("POST", path, content, token=token or False).body

    def _exchange(self, method: str, path: str, content: bytes | None, *,
                  token: bool | str, headers: dict[str, str] | None = None,
                  log_subject: str = "") -> _Attempt:
        """One logical call: bounded retries of safe failures, one re-login after a 401;
        all of it, whatever the server does, within ``timeouts.total_s`` (`deadline`)."""
        with call_deadline.deadline(time.monotonic() + self.timeouts.total_s):
            return self._exchange_within(method, path, content, token=token,
                                         headers=headers, log_subject=log_subject)

    def _exchange_within(self, method: str, path: str, content: bytes | None, *,
                         token: bool | str, headers: dict[str, str] | None,
                         log_subject: str) -> _Attempt:
        started = self.clock()
        deadline = started + self.retry.total_s
        attempts = 0
        relogged = False
        while True:
            attempts += 1
            bearer = self.auth.current() if token is True else (token or None)
            try:
                result = self._send_once(method, path, content, bearer, headers, deadline)
            except E.TransportError as exc:
                if exc.retryable and self._may_retry(attempts, deadline, None):
                    self._wait(attempts, None, deadline, path, exc)
                    continue
                log.warning("linkage %s %s failed after %d attempt(s): %s (%s)", method, path,
                            attempts, type(exc).__name__, log_subject or "-")
                self.report_error(exc.error_number, transport=True)
                raise
            if result.status == 401 and token is True and not relogged and bearer:
                relogged = True
                attempts -= 1  # the re-login is not a retry of the call itself
                self.auth.relogin(bearer)
                continue
            timings = parse_server_timing(result.headers.get("server-timing", ""))
            server_ms = timings.get("total", timings.get("app"))
            if 200 <= result.status < 300:
                self.last = Exchange(result.request_id, path, result.status, attempts,
                                     (self.clock() - started) * 1000, server_ms, timings)
                log.debug("linkage %s %s -> %d in %.1f ms (server %.1f ms) request %s", method,
                          path, result.status, self.last.wall_ms, server_ms or 0.0,
                          result.request_id)
                return result
            error = error_from_answer(result.status, result.body, request_id=result.request_id,
                                      retry_after=result.headers.get("retry-after"))
            retryable = error.retryable or result.status in RETRYABLE_STATUS
            if retryable and self._may_retry(attempts, deadline, error.retry_after_s):
                self._wait(attempts, error.retry_after_s, deadline, path, error)
                continue
            log.info("linkage %s %s -> %d errorNumber %s after %d attempt(s), request %s (%s)",
                     method, path, result.status, error.error_number, attempts,
                     result.request_id, log_subject or "-")
            self.report_error(error.error_number)
            raise error

    def _may_retry(self, attempts: int, deadline: float, retry_after_s: float | None) -> bool:
        if attempts >= self.retry.max_attempts:
            return False
        remaining = deadline - self.clock()
        # A Retry-After longer than the time we have left means: not now (e.g. quota).
        return remaining > 0 and (retry_after_s is None or retry_after_s < remaining)

    def _wait(self, attempts: int, retry_after_s: float | None, deadline: float, path: str,
              cause: Exception) -> None:
        delay = self.retry.delay(attempts - 1, retry_after_s, self.rng)
        delay = min(delay, max(0.0, deadline - self.clock()))
        log.info("linkage %s: %s, retry %d in %.2f s", path, type(cause).__name__, attempts,
                 delay)
        self.sleep(delay)

    def _send_once(self, method: str, path: str, content: bytes | None, bearer: str | None,
                   headers: dict[str, str] | None, deadline: float) -> _Attempt:
        request_id = str(uuid.uuid4())
        all_headers = {M.REQUEST_ID_HEADER: request_id, **(headers or {})}
        if content is not None:
            all_headers["Content-Type"] = "application/json"
        if bearer:
            all_headers["Authorization"] = f"Bearer {bearer}"
        # A ready URL and a plain Request: build_request's merging costs ~0.1 ms a call.
        url = self._urls.get(path)
        if url is None:
            url = httpx.URL(self.base_url.rstrip("/") + path)
            if len(self._urls) < 64:  # fixed paths; not one entry per verification ID
                self._urls[path] = url
        # No single wait may outlast the call's total budget.
        remaining = max(0.001, deadline - self.clock())
        timeouts = self.timeouts
        request = httpx.Request(
            method, url, content=content, headers={**self._default_headers, **all_headers},
            extensions={"timeout": {
                "connect": min(timeouts.connect_s, remaining),
                "read": min(timeouts.read_s, remaining),
                "write": min(timeouts.read_s, remaining),
                "pool": remaining,
            }},
        )
        try:
            # Straight to our transport: Client.send's auth, cookie and redirect layers do
            # nothing here (no redirects are ever followed) and cost ~0.1 ms a call.
            response = self._transport.handle_request(request)
            response.request = request
            try:
                body = self._read_bounded(response, deadline, request_id)
            finally:
                response.close()
        except httpx.TimeoutException as exc:
            raise E.LinkageTimeout(f"{path}: {type(exc).__name__}",
                                   request_id=request_id) from None
        except httpx.DecodingError:
            raise E.ProtocolError(f"{path}: answer body cannot be decoded",
                                  request_id=request_id) from None
        except httpx.TransportError as exc:
            refusal = classify_tls(exc)
            if refusal is None and closed_without_answer(exc):
                refusal = probe_refusal(self.base_url, self.ssl_context,
                                        min(self.timeouts.connect_s, remaining))
            if refusal is not None:
                refusal.request_id = request_id
                log.error("linkage %s: TLS refused, not retrying: %s", path, refusal.in_words())
                raise refusal from None
            raise E.Unavailable(f"{path}: {type(exc).__name__}: {exc}",
                                request_id=request_id) from None
        echoed = response.headers.get(M.REQUEST_ID_HEADER)
        if echoed != request_id:
            raise E.ProtocolError(f"{path}: request ID not echoed", request_id=request_id,
                                  status_code=response.status_code)
        return _Attempt(response.status_code, response.headers, body, request_id)

    def _read_bounded(self, response: httpx.Response, deadline: float, request_id: str) -> bytes:
        limit = self.max_response_bytes
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise E.ProtocolError(f"answer of {declared} bytes exceeds {limit}",
                                  request_id=request_id, status_code=response.status_code)
        chunks = bytearray()
        for chunk in response.iter_bytes():
            chunks += chunk
            if len(chunks) > limit:
                raise E.ProtocolError(f"answer exceeds {limit} bytes", request_id=request_id,
                                      status_code=response.status_code)
            if self.clock() > deadline:
                raise E.LinkageTimeout("total time for the call ran out while reading",
                                       request_id=request_id)
        return bytes(chunks)
