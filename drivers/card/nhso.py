"""The NHSO applet's health-insurance rights: where each field lies and how its bytes
become values. The read itself is :func:`drivers.card.thai_id.read_nhso`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from drivers.card.errors import CardDataInvalid
from kiosk.domain.errors import DomainError
from kiosk.domain.text import decode_card_text
from kiosk.domain.thai_date import ThaiDate

NHSO_LAYOUT: dict[str, tuple[int, int]] = {
    "main_rights": (0x0004, 0x3C),
    "sub_rights": (0x0040, 0x64),
    "main_hospital": (0x00A4, 0x50),
    "sub_hospital": (0x00F4, 0x50),
    "paid_type": (0x0144, 1),
    "issue": (0x0145, 8),
    "expiry": (0x014D, 8),
    "update": (0x0155, 8),
    "change_count": (0x015D, 1),
}
NHSO_FILE_SIZE = 0x015E


@dataclass(frozen=True, repr=False)
class NhsoRights:
    """Health-insurance rights from the NHSO applet (text decoded, dates validated)."""

    main_rights: str
    sub_rights: str
    main_hospital: str
    sub_hospital: str
    paid_type: str
    issue_date: ThaiDate | None
    expiry_date: ThaiDate | None
    update_date: ThaiDate | None
    change_count: int

    def __repr__(self) -> str:  # health data: never in logs
        return "NhsoRights(<redacted>)"


def nhso_from_fields(fields: Mapping[str, bytes]) -> NhsoRights:
    missing = [name for name in NHSO_LAYOUT if not fields.get(name)]
    if missing:
        raise CardDataInvalid(f"NHSO fields missing: {', '.join(missing)}",
                              field=f"nhso.{missing[0]}", reason="nhso.fields_missing")
    name = ""
    try:
        text: dict[str, str] = {}
        for name, raw in fields.items():
            text[name] = decode_card_text(raw) if name != "change_count" else ""
        dates: dict[str, ThaiDate | None] = {}
        for name in ("issue", "expiry", "update"):
            dates[name] = ThaiDate.parse_be(text[name]) if text[name].strip() else None
    except DomainError as exc:
        raise CardDataInvalid(
            exc.message, field=f"nhso.{name}", message_key=exc.message_key, reason=exc.reason
        ) from None
    return NhsoRights(
        main_rights=text["main_rights"],
        sub_rights=text["sub_rights"],
        main_hospital=text["main_hospital"],
        sub_hospital=text["sub_hospital"],
        paid_type=text["paid_type"],
        issue_date=dates["issue"],
        expiry_date=dates["expiry"],
        update_date=dates["update"],
        change_count=fields["change_count"][0],
    )
