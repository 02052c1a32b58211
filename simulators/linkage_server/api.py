"""What the reference server's route modules share: the typed API error, the JSON answer,
and the run-time policy. ``app`` (the core routes) and the route modules beside it
(``admin``, ``holder_routes``, ``slip_verify``, ``submissions``) all import from here;
none imports ``app``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from kiosk.linkage import errors as E
from kiosk.linkage import models as M

DEFAULT_JOB = "KIOSK-SELF-SERVICE"

ModelT = TypeVar("ModelT", bound=BaseModel)
KioskHandler = Callable[..., Awaitable[Response]]
"""``handler(request, kiosk_id)``: a route behind the kiosk's certificate and token."""
Wrap = Callable[[KioskHandler], Callable[[Request], Awaitable[Response]]]
"""Wraps a :data:`KioskHandler` in the certificate, bearer and request-id checks."""
ReadBody = Callable[[Request, type[ModelT]], Awaitable[ModelT]]
"""Reads and validates a request body into a wire model; bad input raises :class:`ApiError`."""


@dataclass
class ServerPolicy:
    """Run-time switchable rules. Demo default: always open, no quota."""

    service_hours: tuple[dt.time, dt.time] | None = None
    """Bangkok local time window; None = always open."""
    daily_quota: int | None = None
    """Requests per kiosk per Bangkok day (query + card status); None = unlimited."""
    token_ttl_s: float = 3600.0
    consent_max_age_s: float = 600.0
    submission_processing_s: float = 0.0
    """Simulated agency processing time (makes the 409 in-flight window observable)."""
    jobs: dict[str, frozenset[int]] = field(
        default_factory=lambda: {DEFAULT_JOB: frozenset(int(s) for s in M.ServiceId)}
    )

    def as_dict(self) -> dict[str, Any]:
        """The policy as the admin API shows it (JSON types)."""
        data = asdict(self)
        hours = self.service_hours
        data["service_hours"] = None if hours is None else [h.strftime("%H:%M") for h in hours]
        data["jobs"] = {k: sorted(v) for k, v in self.jobs.items()}
        return data


class ApiError(Exception):
    def __init__(self, error: type[E.LinkageError], message: str,
                 retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.error = error
        self.message = message
        self.retry_after_s = retry_after_s


def json_response(model: BaseModel | dict[str, Any], status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    if isinstance(model, BaseModel):
        body = model.model_dump_json(exclude_none=False).encode()
    else:
        body = json.dumps(model, ensure_ascii=False).encode()
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def error_response(err: ApiError) -> Response:
    body = M.ErrorBody(errorNumber=err.error.error_number or 0, errorMessage=err.message)
    headers = {}
    if err.retry_after_s is not None:
        headers["Retry-After"] = str(max(0, int(err.retry_after_s)))
    if err.error.http_status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="linkage"'
    return json_response(body, err.error.http_status, headers)


def invalid_body(exc: ValidationError) -> ApiError:
    """A body that is not the wire model: 400 naming the first field at fault."""
    first = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in first["loc"]) or "body"
    return ApiError(E.InvalidRequest, f"invalid request: {where}: {first['msg']}")
