"""Test/demo control endpoints (``/_admin/...``): not part of the contract.

They sit behind mutual TLS and need their own ``X-Admin-Token`` (`limits.RequestLimits`).
Input they cannot use is a 400, never a 500. The Python handle (`runner.RunningServer`)
offers the same without HTTP.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from simulators.linkage_server.api import ServerPolicy
from simulators.linkage_server.faults import FaultInjector
from simulators.linkage_server.store import Store

_POLICY_NUMBERS = {"daily_quota": int, "token_ttl_s": float, "consent_max_age_s": float,
                   "submission_processing_s": float}
Handler = Callable[[Request], Awaitable[JSONResponse]]


def _bad_input_is_400(handler: Handler) -> Handler:
    async def guarded(request: Request) -> JSONResponse:
        try:
            return await handler(request)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            return JSONResponse({"error": f"bad request: {type(exc).__name__}: {exc}"[:200]},
                                status_code=400)
    return guarded


def _checked_policy_value(key: str, value: Any) -> Any:
    kind = _POLICY_NUMBERS[key]
    if value is None and key == "daily_quota":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{key} must be a non-negative number")
    if kind is int and not isinstance(value, int):
        raise ValueError(f"{key} must be a whole number")
    return kind(value)


def admin_routes(faults: FaultInjector, store: Store, policy: ServerPolicy) -> list[Route]:
    async def get_faults(request: Request) -> JSONResponse:
        return JSONResponse(faults.snapshot())

    async def put_faults(request: Request) -> JSONResponse:
        """Body: {"kind": "latency", "count": 3, "latency_ms": 200} (or a list of those)."""
        body = await request.json()
        items = body if isinstance(body, list) else [body]
        try:
            for item in items:
                params: dict[str, Any] = dict(item)
                faults.set(params.pop("kind"), **params)
        except (KeyError, TypeError, ValueError) as exc:
            return JSONResponse({"error": f"bad fault: {exc}"}, status_code=400)
        return JSONResponse(faults.snapshot())

    async def delete_faults(request: Request) -> JSONResponse:
        faults.clear(request.query_params.get("kind"))
        return JSONResponse(faults.snapshot())

    async def submissions(request: Request) -> JSONResponse:
        return JSONResponse([asdict(s) for s in store.submission_stats()])

    async def audit(request: Request) -> JSONResponse:
        return JSONResponse(store.audit_events_for_admin())

    async def put_policy(request: Request) -> JSONResponse:
        body = await request.json()
        if not isinstance(body, dict):
            raise TypeError("policy must be a JSON object")
        values = {k: _checked_policy_value(k, body[k]) for k in _POLICY_NUMBERS if k in body}
        if "service_hours" in body:
            hours = body["service_hours"]
            policy.service_hours = (
                None if hours is None
                else (dt.time.fromisoformat(hours[0]), dt.time.fromisoformat(hours[1]))
            )
        for key, value in values.items():
            setattr(policy, key, value)
        if body.get("reset_quota"):
            store.reset_quota()
        return JSONResponse(policy.as_dict())

    async def get_policy(request: Request) -> JSONResponse:
        return JSONResponse(policy.as_dict())

    return [
        Route(path, _bad_input_is_400(handler), methods=[method])
        for path, handler, method in (
            ("/_admin/faults", get_faults, "GET"),
            ("/_admin/faults", put_faults, "PUT"),
            ("/_admin/faults", delete_faults, "DELETE"),
            ("/_admin/submissions", submissions, "GET"),
            ("/_admin/audit-events", audit, "GET"),
            ("/_admin/policy", get_policy, "GET"),
            ("/_admin/policy", put_policy, "PUT"),
        )
    ]
