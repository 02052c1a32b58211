"""What a Linkage call returns: typed answers (`QueryResult`, `ServiceAnswer`,
`Submitted`), the facts of the last exchange (`Exchange`, for logs, metrics and the
benchmark) and the centre's own account of its time (``Server-Timing``). Plain values, no
I/O: the client (`kiosk.linkage.client`) makes them, the session and the slips read them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from kiosk.linkage import errors as E
from kiosk.linkage import models as M
from kiosk.linkage.retry import parse_retry_after


@dataclass(frozen=True)
class Exchange:
    """Facts about the last finished call (for logs, metrics and the benchmark)."""

    request_id: str
    path: str
    status: int
    attempts: int
    wall_ms: float
    server_ms: float | None
    """From ``Server-Timing: total;dur=`` — all of the centre's time for the call (an
    older centre's ``app;dur=`` when it sends no ``total``)."""
    server_timings: dict[str, float] = field(default_factory=dict)
    """Every ``Server-Timing`` metric with a ``dur`` (``total``, ``limits``, ``contract``,
    ``app``, ``wait``…), in ms."""


@dataclass(frozen=True)
class ServiceAnswer:
    service_id: int
    data: BaseModel | None
    error: E.LinkageError | None
    response_time_ms: float
    server_time: Any

    def unwrap(self) -> BaseModel:
        if self.error is not None:
            raise self.error
        assert self.data is not None
        return self.data


@dataclass(frozen=True)
class QueryResult:
    request_id: str
    answers: dict[int, ServiceAnswer]
    execute_time_ms: float
    server_time: Any

    def __getitem__(self, service_id: int) -> ServiceAnswer:
        return self.answers[int(service_id)]

    @property
    def failed(self) -> list[ServiceAnswer]:
        return [a for a in self.answers.values() if a.error is not None]


@dataclass(frozen=True)
class Submitted:
    receipt: M.SubmissionReceipt
    replayed: bool
    """True when the centre answered with the stored response of an earlier try."""


def parse_server_timing(value: str) -> dict[str, float]:
    """``Server-Timing`` (W3C): ``name;dur=1.2;desc="x", other;dur=0.4`` → {name: ms}.
    Metrics without a numeric ``dur`` are left out; the first of a repeated name wins."""
    timings: dict[str, float] = {}
    for part in value.split(","):
        name, *params = (p.strip() for p in part.split(";"))
        for param in params:
            key, _, raw = param.partition("=")
            if key.strip().lower() == "dur" and name and name not in timings:
                with contextlib.suppress(ValueError):
                    timings[name] = float(raw.strip().strip('"'))
    return timings


RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
"""HTTP statuses worth another attempt whatever the body says (a proxy's or the centre's
overload); a Linkage error body can make other answers retryable too (`retryable`)."""


def error_from_answer(status: int, body: bytes, *, request_id: str,
                      retry_after: str | None) -> E.LinkageError:
    """The typed error for a non-2xx answer: the Linkage error body's number when it has
    one, else what the status alone says (unavailable for 5xx, a protocol error else)."""
    retry_after_s = parse_retry_after(retry_after)
    try:
        err = M.ErrorBody.model_validate_json(body)
    except ValidationError:
        if status in RETRYABLE_STATUS:
            return E.Unavailable(f"HTTP {status}", request_id=request_id, status_code=status,
                                 retry_after_s=retry_after_s)
        return E.ProtocolError(f"HTTP {status} without a Linkage error body",
                               request_id=request_id, status_code=status)
    return E.error_for(err.errorNumber, err.errorMessage, request_id=request_id,
                       status_code=status, retry_after_s=retry_after_s)
