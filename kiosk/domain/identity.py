"""The validated identity read from a Thai national ID card.

:meth:`CardIdentity.from_card_fields` is the one place raw card bytes become domain
values. Strict only where it matters:

* the fields the kiosk uses (citizen ID, both names, birth/issue/expiry dates, the request
  number sent to the card-status check, the address) are decoded (TIS-620) and validated;
  any problem is a :class:`DomainError` labelled with the field name — never the value;
* the fields it does not use (card version, issuer, issuer code, photo reference, gender
  beyond ``1``/``2``) are kept as :class:`RawField` bytes and decoded lazily, so a card
  generation that fills them differently (binary version ``00 03 00 00``) still reads.

``repr``/``str`` show only the masked citizen ID: dataclass reprs end up in logs and
tracebacks, and the card's contents are personal data (PDPA).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from kiosk.domain.address import Address
from kiosk.domain.citizen_id import CitizenId
from kiosk.domain.errors import DomainError, InvalidThaiDate
from kiosk.domain.names import PersonName
from kiosk.domain.raw_field import RawField
from kiosk.domain.text import decode_card_text
from kiosk.domain.thai_date import ThaiDate, age_on, is_expired

# Field name -> length in bytes in the MOI applet file (address: the full 160-byte read).
CARD_FIELD_LENGTHS: dict[str, int] = {
    "version": 4,
    "cid": 13,
    "th_name": 100,
    "en_name": 100,
    "birth": 8,
    "gender": 1,
    "request_no": 20,
    "issuer": 100,
    "issuer_code": 13,
    "issue": 8,
    "expiry": 8,
    "address": 160,
    "photo_ref": 14,
}
REQUIRED_FIELDS = tuple(k for k in CARD_FIELD_LENGTHS if k != "photo_ref")
OPTIONAL_FIELDS = ("photo_ref", "laser_id", "chip_no")
UNUSED_FIELDS = ("version", "issuer", "issuer_code", "photo_ref")
"""Kept raw, never validated: no public source fixes their content (see RawField)."""

_PRINTABLE_TOKEN = re.compile(r"[0-9A-Za-z\-/ ]*")
T = TypeVar("T")


class Gender(enum.Enum):
    MALE = "1"
    FEMALE = "2"
    UNKNOWN = "0"

    @classmethod
    def from_card(cls, value: str | bytes) -> Gender:
        """``1`` male, ``2`` female; anything else (blank, padding, other bytes) is unknown."""
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        text = text.strip()
        if text == "1":
            return cls.MALE
        if text == "2":
            return cls.FEMALE
        return cls.UNKNOWN


@dataclass(frozen=True, repr=False)
class CardIdentity:
    citizen_id: CitizenId
    name_th: PersonName
    name_en: PersonName
    birth_date: ThaiDate
    gender: Gender
    request_no: str
    issuer: RawField
    issuer_code: RawField
    issue_date: ThaiDate
    expiry_date: ThaiDate
    address: Address
    card_version: RawField
    photo_ref: RawField | None = None
    laser_id: str | None = None
    chip_no: str | None = None

    @classmethod
    def from_card_fields(cls, fields: Mapping[str, bytes | str]) -> CardIdentity:
        """Decode and validate the raw fields the card driver read (keys: CARD_FIELD_LENGTHS)."""
        missing = [name for name in REQUIRED_FIELDS if name not in fields]
        if missing:
            raise DomainError(
                f"card fields missing: {', '.join(missing)}", reason="card.fields_missing"
            )
        used = [n for n in (*REQUIRED_FIELDS, *OPTIONAL_FIELDS) if n in fields]
        used = [n for n in used if n not in UNUSED_FIELDS and n != "gender"]
        # Only the fields we use are decoded: the driver may pass more (the photo's bytes).
        text = {name: _field(name, lambda n=name: _decode(fields[n])) for name in used}

        def parsed(name: str, parser: Callable[[str], T]) -> T:
            return _field(name, lambda: parser(text[name]))

        birth = parsed("birth", ThaiDate.parse_be)
        issue = parsed("issue", ThaiDate.parse_be)
        expiry = parsed("expiry", ThaiDate.parse_be)
        _check_chronology(birth, issue, expiry)
        return cls(
            citizen_id=parsed("cid", CitizenId.parse),
            name_th=parsed("th_name", PersonName.parse),
            name_en=parsed("en_name", PersonName.parse),
            birth_date=birth,
            gender=Gender.from_card(fields["gender"]),
            request_no=parsed("request_no", _token),
            issuer=_raw(fields["issuer"]),
            issuer_code=_raw(fields["issuer_code"]),
            issue_date=issue,
            expiry_date=expiry,
            address=parsed("address", Address.parse),
            card_version=_raw(fields["version"]),
            photo_ref=_raw(fields["photo_ref"]) if "photo_ref" in fields else None,
            laser_id=_optional(text, "laser_id"),
            chip_no=_optional(text, "chip_no"),
        )

    def age_on(self, on: date) -> int:
        """Conservative age (see :func:`kiosk.domain.thai_date.age_on`)."""
        return age_on(self.birth_date, on)

    def is_expired(self, on: date) -> bool:
        return is_expired(self.expiry_date, on)

    def __repr__(self) -> str:
        return f"CardIdentity(citizen_id={self.citizen_id.masked()}, <redacted>)"

    __str__ = __repr__


def _check_chronology(birth: ThaiDate, issue: ThaiDate, expiry: ThaiDate) -> None:
    """Impossible orders mean a corrupted read; partial dates get the benefit of the doubt."""
    if birth.lifelong:
        raise InvalidThaiDate("a birth date cannot be 99999999").with_field("birth")
    if issue.lifelong:
        raise InvalidThaiDate("an issue date cannot be 99999999").with_field("issue")
    born, issued_from, issued_to = birth.earliest(), issue.earliest(), issue.latest()
    assert born is not None and issued_from is not None and issued_to is not None
    if born > issued_to:
        raise InvalidThaiDate(
            "the card was issued before the birth date", reason="thai_date.order"
        ).with_field("issue")
    expires = expiry.latest()
    if expires is not None and expires < issued_from:
        raise InvalidThaiDate(
            "the card expires before it was issued", reason="thai_date.order"
        ).with_field("expiry")


def _decode(value: bytes | str) -> str:
    # Values from other applets (laser ID, chip number) may already be text.
    return value.strip() if isinstance(value, str) else decode_card_text(value)


def _field(name: str, produce: Callable[[], T]) -> T:
    try:
        return produce()
    except DomainError as exc:
        raise exc.with_field(name) from None


def _raw(value: bytes | str) -> RawField:
    return RawField(value.encode("tis_620", "replace") if isinstance(value, str) else bytes(value))


def _token(text: str) -> str:
    """Numbers/codes on the card: ASCII letters, digits, dashes, slashes."""
    text = text.strip()
    if not _PRINTABLE_TOKEN.fullmatch(text):
        raise DomainError("expected ASCII letters and digits", reason="card.token")
    return text


def _optional(text: Mapping[str, str], name: str) -> str | None:
    if name not in text:
        return None
    value = _field(name, lambda: _token(text[name]))
    return value or None
