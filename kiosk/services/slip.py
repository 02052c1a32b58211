"""Signed verification QR for printed registry slips (Ed25519).

An agency officer scans the QR on a slip and learns whether this kiosk issued it, whether
the slip's fields were altered, and whether it has expired.

The QR text (about 170 ASCII characters, fits the receipt model's 300-character limit);
the normative description, for independent verifiers, is docs/slip-format.md::

    LKS2.<kiosk id>.<serial>.<issued>.<expires>.<masked id>.<fields hash>.<signature>

- ``serial``: random 10-character base32 number of the slip (also printed on the slip).
- ``issued`` / ``expires``: Unix seconds, base 10.
- ``masked id``: ``1-1017-xxxxx-xx-0`` — lets the officer match the slip to the person's
  card without the QR itself carrying a full citizen ID or any name (PDPA: minimisation).
- ``fields hash``: SHA-256 (first 16 bytes, base64url) of the slip's serial and its
  printed fields in a canonical form (`fields_digest`): the fields stay on paper, not in
  the QR; a verifier given the printed fields recomputes it, so a changed name, date or
  member shows up. Salted with the serial, so two slips of one person never share it
  (LKS1 hashed the fields alone: one person's slips were linkable by the hash).
- ``signature``: Ed25519 (base64url) over everything before it, by the kiosk's receipt key
  (`[linkage] receipt_signing_key_file`); public keys per kiosk id in a registry file.

The text is read exactly as given (nothing trimmed or normalised) and every part is parsed
strictly: base64url without padding and in its one canonical form
(unused trailing bits zero), decimal numbers without sign or leading zeros. Otherwise one
signed slip would have many valid QR texts.

Verdicts: ``valid``, ``altered`` (bad signature, or fields that do not match the hash),
``unknown_kiosk`` (no key for that kiosk id), ``expired`` (signature fine, too old),
``malformed`` (not a slip QR at all).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

PREFIX = "LKS2"
RECEIPT_KEYS_FILE = "receipt-keys.json"
"""Registry of kiosk id -> base64 raw Ed25519 receipt public key (public data)."""

SlipFields = Sequence[tuple[str, str]]
"""The printed fields, in order: (label, value)."""


class Verdict(StrEnum):
    VALID = "valid"
    ALTERED = "altered"
    UNKNOWN_KIOSK = "unknown_kiosk"
    EXPIRED = "expired"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class SlipStamp:
    """What the QR says (after parsing)."""

    kiosk_id: str
    serial: str
    issued: dt.datetime
    expires: dt.datetime
    masked_id: str
    fields_hash: str
    qr: str


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    stamp: SlipStamp | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, str | None]:
        s = self.stamp
        return {
            "result": self.verdict.value,
            "detail": self.detail,
            "kioskID": s.kiosk_id if s else None,
            "serial": s.serial if s else None,
            "issuedAt": s.issued.isoformat() if s else None,
            "expiresAt": s.expires.isoformat() if s else None,
            "maskedID": s.masked_id if s else None,
        }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def _unb64(text: str, length: int) -> bytes:
    """Strict base64url: the alphabet only, no padding, exactly ``length`` bytes, and the
    canonical encoding of them (a non-zero unused trailing bit is rejected)."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if len(data) != length or _b64(data) != text:
        raise ValueError("not the canonical base64url of the expected length")
    return data


def fields_digest(fields: SlipFields, serial: str) -> str:
    """Hash of the slip's serial and printed fields (whitespace-normalised, order kept)."""
    canonical = json.dumps([[" ".join(k.split()), " ".join(v.split())] for k, v in fields],
                           ensure_ascii=False, separators=(",", ":"))
    salted = f"{PREFIX}.{serial}.{canonical}"
    return _b64(hashlib.sha256(salted.encode("utf-8")).digest()[:16])


def new_serial() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii")[:10]


class SlipSigner:
    def __init__(self, private_key: ed25519.Ed25519PrivateKey, kiosk_id: str,
                 validity: dt.timedelta = dt.timedelta(days=90)) -> None:
        if "." in kiosk_id:
            raise ValueError("kiosk id must not contain '.'")
        self._key = private_key
        self.kiosk_id = kiosk_id
        self.validity = validity

    @classmethod
    def from_pem(cls, pem: bytes, kiosk_id: str, **kwargs: dt.timedelta) -> SlipSigner:
        key = serialization.load_pem_private_key(pem, None)
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise ValueError("the receipt signing key is not an Ed25519 private key")
        return cls(key, kiosk_id, **kwargs)

    def public_key_b64(self) -> str:
        raw = self._key.public_key().public_bytes(serialization.Encoding.Raw,
                                                  serialization.PublicFormat.Raw)
        return base64.b64encode(raw).decode("ascii")

    def sign(self, fields: SlipFields, masked_id: str, issued: dt.datetime,
             serial: str | None = None) -> SlipStamp:
        serial = serial or new_serial()
        issued = issued.astimezone(dt.UTC).replace(microsecond=0)
        expires = issued + self.validity
        digest = fields_digest(fields, serial)
        body = ".".join((PREFIX, self.kiosk_id, serial, str(int(issued.timestamp())),
                         str(int(expires.timestamp())), masked_id, digest))
        qr = f"{body}.{_b64(self._key.sign(body.encode('ascii')))}"
        return SlipStamp(self.kiosk_id, serial, issued, expires, masked_id, digest, qr)


_SEGMENTS = {
    "kiosk_id": re.compile(r"[\x21-\x2d\x2f-\x7e]{1,64}"),  # printable ASCII, no "."
    "serial": re.compile(r"[A-Z2-7]{10}"),
    "time": re.compile(r"0|[1-9][0-9]{0,11}"),
    "masked_id": re.compile(r"[0-9]-[0-9]{4}-x{5}-x{2}-[0-9]"),
}


def parse(qr: str) -> SlipStamp:
    """The QR's parts, each checked against docs/slip-format.md (ValueError if not).

    The text is taken exactly as given: nothing is trimmed or normalised (docs/slip-format.md,
    "One rule"), so white space, a line ending or a byte-order mark around it is malformed,
    as the server's checker says too."""
    if not isinstance(qr, str):
        raise ValueError("a slip QR is text")
    parts = qr.split(".")
    if len(parts) != 8 or parts[0] != PREFIX:
        raise ValueError("not a slip QR")
    _, kiosk_id, serial, issued, expires, masked_id, digest, signature = parts
    checks = [("kiosk_id", kiosk_id), ("serial", serial), ("time", issued),
              ("time", expires), ("masked_id", masked_id)]
    for kind, value in checks:
        if not _SEGMENTS[kind].fullmatch(value):
            raise ValueError(f"bad {kind} in a slip QR")
    _unb64(digest, 16)
    _unb64(signature, 64)
    return SlipStamp(
        kiosk_id, serial,
        dt.datetime.fromtimestamp(int(issued), dt.UTC),
        dt.datetime.fromtimestamp(int(expires), dt.UTC),
        masked_id, digest, qr,
    )


def verify(qr: str, public_keys: Mapping[str, str], *, fields: SlipFields | None = None,
           now: dt.datetime | None = None) -> Verification:
    """Check a scanned QR (and, when given, the printed fields) against the kiosk keys."""
    try:
        stamp = parse(qr)
    except (ValueError, OverflowError, OSError):
        return Verification(Verdict.MALFORMED, detail="not a slip QR code")
    key_b64 = public_keys.get(stamp.kiosk_id)
    if key_b64 is None:
        return Verification(Verdict.UNKNOWN_KIOSK, stamp, "no key for this kiosk id")
    body, _, signature = stamp.qr.rpartition(".")
    try:
        key = ed25519.Ed25519PublicKey.from_public_bytes(base64.b64decode(key_b64))
        key.verify(_unb64(signature, 64), body.encode("ascii"))
    except (InvalidSignature, ValueError):
        return Verification(Verdict.ALTERED, stamp, "signature does not match")
    if fields is not None and fields_digest(fields, stamp.serial) != stamp.fields_hash:
        return Verification(Verdict.ALTERED, stamp, "printed fields do not match the QR")
    if (now or dt.datetime.now(dt.UTC)) > stamp.expires:
        return Verification(Verdict.EXPIRED, stamp, "slip is past its validity")
    return Verification(Verdict.VALID, stamp, "issued by this kiosk, unaltered")


def read_receipt_keys(path: Path) -> dict[str, str]:
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        return {}
    return {str(k): str(v) for k, v in data.items()}


def register_receipt_key(path: Path, kiosk_id: str, public_key_b64: str) -> None:
    """Publish a kiosk's receipt public key (demo/tests: next to the server's registry)."""
    keys = read_receipt_keys(path)
    if keys.get(kiosk_id) == public_key_b64:
        return
    keys[kiosk_id] = public_key_b64
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(keys, indent=2, sort_keys=True), "utf-8")
    tmp.replace(path)


def fields_from_json(raw: str) -> list[tuple[str, str]]:
    """The printed fields as a JSON list of [label, value] pairs (the verifier's input)."""
    data = json.loads(raw)
    if not isinstance(data, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)
            for p in data):
        raise ValueError("fields must be a JSON list of [label, value] pairs")
    return [(k, v) for k, v in data]
