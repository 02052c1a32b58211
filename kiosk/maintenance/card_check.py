"""What a technician sees of one card: every MOI field parsed on its own, or its error.

The session reads a card all or nothing; a technician checking a new card generation or a
new reader wants to see *which* field fails and why, the ATR, how many exchanges the read
took and how long. Personal fields are masked unless ``reveal`` is asked for (PDPA: a
terminal's scrollback is a log too).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from drivers.card import thai_id
from drivers.card.protocol import CardDataInvalid, CardError
from kiosk.domain.address import Address
from kiosk.domain.citizen_id import CitizenId
from kiosk.domain.errors import DomainError
from kiosk.domain.identity import Gender
from kiosk.domain.names import PersonName
from kiosk.domain.raw_field import RawField
from kiosk.domain.text import PADDING, decode_card_text
from kiosk.domain.thai_date import ThaiDate


def _masked(text: str) -> str:
    return f"<masked: {len(text)} characters>" if text else ""


def _parsers(reveal: bool) -> dict[str, Callable[[bytes], Any]]:
    def text(raw: bytes) -> str:
        return decode_card_text(raw)

    def personal(value: str) -> str:
        return value if reveal else _masked(value)

    def raw_field(*, private: bool) -> Callable[[bytes], Any]:
        def show(raw: bytes) -> dict[str, Any]:
            field = RawField(raw)
            if private and not reveal:
                return {"bytes": len(raw), "text": _masked(field.text() or "")}
            return {"hex": raw.rstrip(PADDING).hex(" ").upper(), "text": field.text()}

        return show

    def cid(raw: bytes) -> str:
        parsed = CitizenId.parse(text(raw))
        return parsed.digits if reveal else parsed.masked()

    return {
        "version": raw_field(private=False),
        "cid": cid,
        "th_name": lambda raw: personal(PersonName.parse(text(raw)).to_card()),
        "en_name": lambda raw: personal(PersonName.parse(text(raw)).to_card()),
        "birth": lambda raw: personal(ThaiDate.parse_be(text(raw)).to_card()),
        "gender": lambda raw: personal(Gender.from_card(raw).name.lower()),
        "request_no": lambda raw: personal(text(raw).strip()),
        "issuer": raw_field(private=True),
        "issuer_code": raw_field(private=False),
        "issue": lambda raw: ThaiDate.parse_be(text(raw)).to_card(),
        "expiry": lambda raw: ThaiDate.parse_be(text(raw)).to_card(),
        "address": lambda raw: personal(Address.parse(text(raw)).to_card()),
        "photo_ref": raw_field(private=True),
    }


def field_report(fields: Mapping[str, bytes], *, reveal: bool) -> dict[str, Any]:
    """Each field on its own: ``{"ok": true, "value": ...}`` or its typed error."""
    report: dict[str, Any] = {}
    for name, parse in _parsers(reveal).items():
        raw = fields[name]
        try:
            report[name] = {"ok": True, "value": parse(raw)}
        except DomainError as exc:
            report[name] = {"ok": False, "reason": exc.reason, "error": exc.message}
        report[name]["bytes"] = len(raw)
    return report


def card_report(
    reader: thai_id.ReadPlans, name: str, *, reveal: bool = False, photo: bool = False
) -> dict[str, Any]:
    """Read the card in ``name`` and describe it; ``report["ok"]`` is True only when the
    identity was read and validated in full (and the photo, when asked for, is a JPEG)."""
    report: dict[str, Any] = {"reader": name, "ok": False}

    def plan(session: thai_id.CardSession) -> tuple[bytes, dict[str, bytes], int]:
        start = session.exchanges
        fields = thai_id.read_identity_fields(session)
        return bytes(session.channel.atr), fields, session.exchanges - start

    began = time.perf_counter()
    try:
        atr, fields, exchanges = reader.run(name, plan)
    except CardError as exc:
        report["read"] = {"ok": False, "reason": exc.reason, "message_key": exc.message_key,
                          "error": str(exc)}  # fmt: skip
        report["time_ms"] = round((time.perf_counter() - began) * 1000, 1)
        return report
    report["time_ms"] = round((time.perf_counter() - began) * 1000, 1)
    report["atr"] = atr.hex(" ").upper()
    report["exchanges"] = exchanges
    report["fields"] = field_report(fields, reveal=reveal)
    try:
        thai_id.identity_from_fields(fields)
        report["identity"] = {"ok": True}
    except CardDataInvalid as exc:
        report["identity"] = {"ok": False, "field": exc.field, "reason": exc.reason}
    report["ok"] = report["identity"]["ok"]
    if photo:
        began = time.perf_counter()
        try:
            jpeg = reader.run(name, thai_id.read_photo)
            report["photo"] = {"ok": True, "bytes": len(jpeg),
                               "exchanges": getattr(reader, "last_exchanges", None),
                               "time_ms": round((time.perf_counter() - began) * 1000, 1)}
        except CardError as exc:
            report["photo"] = {"ok": False, "reason": exc.reason}
            report["ok"] = False
    return report
