"""``POST /api/slips/verify``: an officer's check of a kiosk slip's QR code.

Body ``{"qr": "LKS1....", "fields": [[label, value], ...]}`` (``fields`` optional) →
``{"result": "valid" | "altered" | "unknown_kiosk" | "expired" | "malformed", ...}``.
Kiosk receipt public keys come from ``receipt-keys.json`` next to the server's kiosk
registry. Same logic as ``python -m kiosk verify-slip`` (`kiosk.services.slip.verify`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kiosk.services.slip import RECEIPT_KEYS_FILE, fields_from_json, read_receipt_keys, verify

if TYPE_CHECKING:
    from simulators.linkage_server.app import LinkageServer

MAX_BODY = 16 * 1024


def slip_routes(server: LinkageServer) -> list[Route]:
    keys_file = server.registry_file.parent / RECEIPT_KEYS_FILE

    async def verify_slip(request: Request) -> JSONResponse:
        raw = await request.body()
        try:
            if len(raw) > MAX_BODY:
                raise ValueError("request too large")
            body = json.loads(raw)
            qr = body["qr"]
            if not isinstance(qr, str):
                raise ValueError("qr must be a string")
            fields = body.get("fields")
            parsed = fields_from_json(json.dumps(fields)) if fields is not None else None
        except (ValueError, KeyError, TypeError) as exc:
            return JSONResponse({"errorNumber": 0, "errorMessage": f"invalid request: {exc}"},
                                status_code=400)
        result = verify(qr, read_receipt_keys(keys_file), fields=parsed)
        return JSONResponse(result.as_dict())

    return [Route("/api/slips/verify", verify_slip, methods=["POST"])]
