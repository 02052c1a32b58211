"""Pure domain core of the kiosk: citizen IDs, Thai dates, names, addresses, card text.

No I/O here. Every parser raises only :class:`DomainError` subclasses.
"""

from kiosk.domain.address import Address
from kiosk.domain.citizen_id import CitizenId, check_digit, generate, is_valid, mask_cid
from kiosk.domain.errors import (
    DomainError,
    InvalidAddress,
    InvalidCitizenId,
    InvalidEncoding,
    InvalidName,
    InvalidThaiDate,
)
from kiosk.domain.identity import CARD_FIELD_LENGTHS, CardIdentity, Gender
from kiosk.domain.names import PersonName
from kiosk.domain.raw_field import RawField
from kiosk.domain.text import decode_card_text, encode_card_text
from kiosk.domain.thai_date import LIFELONG, ThaiDate, age_on, is_expired, statutory_age_on

__all__ = [
    "CARD_FIELD_LENGTHS",
    "LIFELONG",
    "Address",
    "CardIdentity",
    "CitizenId",
    "DomainError",
    "Gender",
    "InvalidAddress",
    "InvalidCitizenId",
    "InvalidEncoding",
    "InvalidName",
    "InvalidThaiDate",
    "PersonName",
    "RawField",
    "ThaiDate",
    "age_on",
    "check_digit",
    "decode_card_text",
    "encode_card_text",
    "generate",
    "is_expired",
    "is_valid",
    "mask_cid",
    "statutory_age_on",
]
