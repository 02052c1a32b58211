"""The HTTP faces of the ThaID gateway (`holder.HolderGateway`, which holds the logic).

- kiosk-facing, on the Linkage server's mutual-TLS listener (kiosk certificate + bearer):
  ``POST /api/holder/verifications`` {personalID} starts an authorization request and
  returns the URL the kiosk shows as a QR; ``GET /api/holder/verifications/{id}`` answers
  ``{verified, pid_matches, ial, verified_at}``; with ``?wait=S`` (a long-poll, at most
  ``MAX_WAIT_S``) it answers as soon as the verification is decided, or with ``pending``
  after S seconds.
- phone-facing, on its own TLS listener without client certificates (a phone has none):
  ``GET /thaid/code?code=NNNNNN`` opens the request of a short code typed in the ThaID
  app (for a citizen who cannot aim the camera at the QR: a 302 to the same authorization
  URL, single use), and ``GET /thaid/callback?code&state``, the registered redirect URI.
  The phone is answered with a short JSON outcome and a message to read, never a token.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kiosk.linkage import errors as E
from kiosk.linkage.holder import MAX_WAIT_S, VERIFICATIONS_PATH, StartVerification
from simulators.linkage_server.api import ApiError, ReadBody, Wrap, json_response
from simulators.linkage_server.holder import HolderGateway
from simulators.linkage_server.timing import record

CALLBACK_PATH = "/thaid/callback"
CODE_PATH = "/thaid/code"

_TO_PHONE = {
    "done": (200, "Confirmed. Please return to the kiosk."),
    "mismatch": (200, "This ThaID account does not match the card in the kiosk."),
    "expired": (400, "This request has expired. Please start again at the kiosk."),
    "refused": (400, "This request could not be confirmed. Please ask at the counter."),
    "unknown_code": (404, "No kiosk request has this code. Please check the code on the "
                          "kiosk, or start again there."),
    "provider_down": (502, "ThaID is not answering. Please ask at the counter."),
}
"""The gateway's phone outcome → the HTTP status and the message the citizen reads."""


def phone_app(gateway: HolderGateway) -> Starlette:
    """The phone-facing listener's routes (the short code and the redirect URI)."""

    async def by_code(request: Request) -> Response:
        url = gateway.open_code(request.query_params.get("code", ""))
        if url is None:
            return _to_phone("unknown_code")
        return Response(status_code=302, headers={"Location": url,
                                                  "Cache-Control": "no-store"})

    async def callback(request: Request) -> Response:
        params = request.query_params
        return _to_phone(await gateway.complete(params.get("state", ""), params.get("code")))

    return Starlette(routes=[
        Route(CALLBACK_PATH, callback, methods=["GET"]),
        Route(CODE_PATH, by_code, methods=["GET"]),
    ])


def _to_phone(outcome: str) -> Response:
    status, message = _TO_PHONE[outcome]
    return JSONResponse({"outcome": outcome, "message": message}, status_code=status,
                        headers={"Cache-Control": "no-store"})


def kiosk_routes(gateway: HolderGateway, *, wrap: Wrap, read_body: ReadBody[Any]
                 ) -> list[Route]:
    """The mutual-TLS routes, wrapped like every other kiosk call (certificate + bearer)."""

    async def start(request: Request, kiosk_id: str) -> Response:
        body = await read_body(request, StartVerification)
        return json_response(await gateway.start(kiosk_id, body.personalID), status=201)

    async def poll(request: Request, kiosk_id: str) -> Response:
        wait_s = _wait_param(request.query_params.get("wait"))
        started = time.perf_counter()
        answer = await gateway.wait_decided(kiosk_id, request.path_params["vid"], wait_s)
        if wait_s:
            record(request.scope, "wait", (time.perf_counter() - started) * 1000)
        if answer is None:
            raise ApiError(E.NotFound, "no such verification")
        return json_response(answer)

    return [
        Route(VERIFICATIONS_PATH, wrap(start), methods=["POST"]),
        Route(VERIFICATIONS_PATH + "/{vid}", wrap(poll), methods=["GET"]),
    ]


def _wait_param(raw: str | None) -> float:
    if raw is None:
        return 0.0
    try:
        wait_s = float(raw)
    except ValueError:
        wait_s = -1.0
    if not 0 <= wait_s <= MAX_WAIT_S:  # also NaN
        raise ApiError(E.InvalidRequest,
                       f"invalid request: wait must be 0 to {MAX_WAIT_S:g} seconds")
    return wait_s
