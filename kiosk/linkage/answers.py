"""What a Linkage call returns: typed answers (`QueryResult`, `ServiceAnswer`,
`Submitted`), the facts of the last exchange (`Exchange`, for logs, metrics and the
benchmark) and the centre's own account of its time (``Server-Timing``). Plain values, no
I/O: the client (`kiosk.linkage.client`) makes them, the session and the slips read them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from kiosk.linkage import errors as E
from kiosk.linkage import models as M


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
