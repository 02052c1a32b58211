"""Test/demo control endpoints (``/_admin/...``): not part of the contract.

They still sit behind mutual TLS, so only holders of a certificate from the test CA reach
them. The Python handle (`runner.RunningServer`) offers the same without HTTP.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

if TYPE_CHECKING:
    from simulators.linkage_server.app import LinkageServer


def admin_routes(server: LinkageServer) -> list[Route]:
    async def get_faults(request: Request) -> JSONResponse:
        return JSONResponse(server.faults.snapshot())

    async def put_faults(request: Request) -> JSONResponse:
        """Body: {"kind": "latency", "count": 3, "latency_ms": 200} (or a list of those)."""
        body = await request.json()
        items = body if isinstance(body, list) else [body]
        try:
            for item in items:
                params: dict[str, Any] = dict(item)
                server.faults.set(params.pop("kind"), **params)
        except (KeyError, TypeError, ValueError) as exc:
            return JSONResponse({"error": f"bad fault: {exc}"}, status_code=400)
        return JSONResponse(server.faults.snapshot())

    async def delete_faults(request: Request) -> JSONResponse:
        server.faults.clear(request.query_params.get("kind"))
        return JSONResponse(server.faults.snapshot())

    async def submissions(request: Request) -> JSONResponse:
        return JSONResponse([asdict(s) for s in server.store.submission_stats()])

    async def audit(request: Request) -> JSONResponse:
        return JSONResponse(server.store.audit_events_for_admin())

    async def put_policy(request: Request) -> JSONResponse:
        body = await request.json()
        policy = server.policy
        if "service_hours" in body:
            hours = body["service_hours"]
            policy.service_hours = (
                None if hours is None
                else (dt.time.fromisoformat(hours[0]), dt.time.fromisoformat(hours[1]))
            )
        for key in ("daily_quota", "token_ttl_s", "consent_max_age_s",
                    "submission_processing_s"):
            if key in body:
                setattr(policy, key, body[key])
        if body.get("reset_quota"):
            server.store.reset_quota()
        return JSONResponse(server.policy_dict())

    async def get_policy(request: Request) -> JSONResponse:
        return JSONResponse(server.policy_dict())

    return [
        Route("/_admin/faults", get_faults, methods=["GET"]),
        Route("/_admin/faults", put_faults, methods=["PUT"]),
        Route("/_admin/faults", delete_faults, methods=["DELETE"]),
        Route("/_admin/submissions", submissions, methods=["GET"]),
        Route("/_admin/audit-events", audit, methods=["GET"]),
        Route("/_admin/policy", get_policy, methods=["GET"]),
        Route("/_admin/policy", put_policy, methods=["PUT"]),
    ]
