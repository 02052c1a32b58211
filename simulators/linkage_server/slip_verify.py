"""``POST /api/slips/verify``: an officer's check of a kiosk slip's QR code.

Written from docs/slip-format.md, not from the kiosk's code: it imports nothing from
``kiosk/``, so a kiosk that signs something other than the documented bytes fails here
(an independent oracle, not the signer checking itself).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

MAX_BODY = 16 * 1024
KEYS_FILE = "receipt-keys.json"


# docs/slip-format.md, "Text": the grammar of each part (the whole part must match).
PREFIX = "LKS2"
PART_GRAMMAR = (
    re.compile(r"LKS2"),
    re.compile(r"[\x21-\x2d\x2f-\x7e]{1,64}"),  # kiosk id
    re.compile(r"[A-Z2-7]{10}"),  # serial
    re.compile(r"0|[1-9][0-9]{0,11}"),  # issued
    re.compile(r"0|[1-9][0-9]{0,11}"),  # expires
    re.compile(r"[0-9]-[0-9]{4}-x{5}-x{2}-[0-9]"),  # masked id
    re.compile(r"[A-Za-z0-9_-]{22}"),  # fields hash, 16 bytes
    re.compile(r"[A-Za-z0-9_-]{86}"),  # signature, 64 bytes
)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _canonical_unb64url(text: str) -> bytes:
    """Decode unpadded base64url, refusing any text that is not the canonical encoding."""
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64url(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def fields_hash(fields: list[list[str]], serial: str) -> str:
    """docs/slip-format.md, "Fields hash": salted with the slip's serial."""
    canonical = json.dumps([[" ".join(label.split()), " ".join(value.split())]
                            for label, value in fields], ensure_ascii=False,
                           separators=(",", ":"))
    salted = f"{PREFIX}.{serial}.{canonical}".encode()
    return _b64url(hashlib.sha256(salted).digest()[:16])


def check_slip(qr: str, keys: dict[str, str], fields: list[list[str]] | None,
               now: dt.datetime) -> dict[str, Any]:
    """The verdict for a QR text (docs/slip-format.md, "Verdicts, in this order")."""
    parts = qr.split(".")
    answer: dict[str, Any] = {"kioskID": None, "serial": None, "issuedAt": None,
                              "expiresAt": None, "maskedID": None}
    try:
        if len(parts) != len(PART_GRAMMAR) or not all(
                grammar.fullmatch(part) for grammar, part in zip(PART_GRAMMAR, parts,
                                                                 strict=True)):
            raise ValueError("a part is outside its grammar")
        _canonical_unb64url(parts[6])
        signature = _canonical_unb64url(parts[7])
        issued = dt.datetime.fromtimestamp(int(parts[3]), dt.UTC)
        expires = dt.datetime.fromtimestamp(int(parts[4]), dt.UTC)
    except (ValueError, OverflowError, OSError, binascii.Error):
        return {"result": "malformed", "detail": "not a slip QR code", **answer}
    answer = {"kioskID": parts[1], "serial": parts[2], "issuedAt": issued.isoformat(),
              "expiresAt": expires.isoformat(), "maskedID": parts[5]}
    key = keys.get(parts[1])
    if key is None:
        return {"result": "unknown_kiosk", "detail": "no key for this kiosk id", **answer}
    signed = ".".join(parts[:7]).encode("ascii")
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(key)).verify(signature, signed)
    except (InvalidSignature, ValueError, binascii.Error):
        return {"result": "altered", "detail": "signature does not match", **answer}
    if fields is not None and fields_hash(fields, parts[2]) != parts[6]:
        return {"result": "altered", "detail": "printed fields do not match the QR", **answer}
    if now > expires:
        return {"result": "expired", "detail": "slip is past its validity", **answer}
    return {"result": "valid", "detail": "issued by this kiosk, unaltered", **answer}


def _read_keys(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    return {str(k): str(v) for k, v in data.items()}


def _fields(raw: object) -> list[list[str]] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)
            for p in raw):
        raise ValueError("fields must be a list of [label, value] pairs")
    return raw


def slip_routes(keys_dir: Path) -> list[Route]:
    """The officers' check; the kiosks' receipt keys are read from ``keys_dir``."""
    keys_file = keys_dir / KEYS_FILE

    async def verify_slip(request: Request) -> JSONResponse:
        raw = await request.body()
        try:
            if len(raw) > MAX_BODY:
                raise ValueError("request too large")
            body = json.loads(raw)
            if not isinstance(body, dict) or not isinstance(body.get("qr"), str):
                raise ValueError("qr must be a string")
            fields = _fields(body.get("fields"))
        except (ValueError, TypeError) as exc:
            return JSONResponse({"errorNumber": 0, "errorMessage": f"invalid request: {exc}"},
                                status_code=400)
        verdict = check_slip(body["qr"], _read_keys(keys_file), fields, dt.datetime.now(dt.UTC))
        return JSONResponse(verdict)

    return [Route("/api/slips/verify", verify_slip, methods=["POST"])]
