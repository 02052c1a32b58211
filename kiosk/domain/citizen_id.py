"""The 13-digit Thai citizen identification number.

Layout: digit 1 is the person category (1–8), digits 2–5 the registry office, 6–12 the
book and sequence numbers, 13 a mod-11 check digit over the first twelve.

The number is personal data: ``str()`` and ``repr()`` give the masked form
``1-1017-xxxxx-xx-0`` so a log line or a traceback never leaks it. Ask explicitly for
``.digits`` or ``.formatted()`` where the full number is really needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiosk.domain.errors import InvalidCitizenId

_SEPARATORS = re.compile(r"[\s\-]+")
_THIRTEEN_DIGITS = re.compile(r"[0-9]{13}")

# Any 13-digit run (plain or grouped 1-4-5-2-1 with dashes/spaces) not part of a longer number.
# Masking ignores the check digit on purpose: a mistyped ID is still personal data.
# Thai digits (๐-๙) count too: a number typed on a Thai keyboard is just as personal.
_D = "[0-9\u0e50-\u0e59]"
_CID_IN_TEXT = re.compile(
    rf"(?<!{_D})({_D})[- ]?({_D}{{4}})[- ]?{_D}{{5}}[- ]?{_D}{{2}}[- ]?({_D})(?!{_D})"
)


def check_digit(first12: str) -> str:
    """The check digit for the first twelve digits: (11 - Σ d[i]·(13-i) mod 11) mod 10."""
    if len(first12) != 12 or not first12.isascii() or not first12.isdigit():
        raise InvalidCitizenId("need exactly 12 digits to compute a check digit")
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return str((11 - total % 11) % 10)


@dataclass(frozen=True, repr=False)
class CitizenId:
    digits: str

    def __post_init__(self) -> None:
        _validate(self.digits)

    @classmethod
    def parse(cls, text: str) -> CitizenId:
        """Accept the number with optional dashes/spaces, e.g. ``1-1017-00207-03-0``."""
        if not isinstance(text, str):
            raise InvalidCitizenId("citizen ID must be text")
        return cls(_SEPARATORS.sub("", text))

    @property
    def category(self) -> int:
        return int(self.digits[0])

    @property
    def office(self) -> str:
        return self.digits[1:5]

    def formatted(self) -> str:
        d = self.digits
        return f"{d[0]}-{d[1:5]}-{d[5:10]}-{d[10:12]}-{d[12]}"

    def masked(self) -> str:
        d = self.digits
        return f"{d[0]}-{d[1:5]}-xxxxx-xx-{d[12]}"

    def __str__(self) -> str:
        return self.masked()

    def __repr__(self) -> str:
        return f"CitizenId({self.masked()!r})"


def _validate(digits: object) -> None:
    if not isinstance(digits, str) or not _THIRTEEN_DIGITS.fullmatch(digits):
        raise InvalidCitizenId("a citizen ID has exactly 13 digits", reason="citizen_id.format")
    if digits[0] in "09":
        raise InvalidCitizenId(
            "a citizen ID starts with a category digit 1-8", reason="citizen_id.category"
        )
    if check_digit(digits[:12]) != digits[12]:
        raise InvalidCitizenId(
            "the citizen ID check digit does not match", reason="citizen_id.check_digit"
        )


def is_valid(text: str) -> bool:
    """True if ``text`` parses as a citizen ID (format, category and check digit)."""
    try:
        CitizenId.parse(text)
    except InvalidCitizenId:
        return False
    return True


def mask_cid(text: str) -> str:
    """Mask every citizen-ID-looking 13-digit run in free text (log lines, messages)."""
    return _CID_IN_TEXT.sub(r"\1-\2-xxxxx-xx-\3", text)


def generate(category: int, office: str, serial: int) -> CitizenId:
    """A valid ID from its parts: category 1–8, 4-digit office, serial 0–9 999 999."""
    if not 1 <= category <= 8:
        raise InvalidCitizenId("category must be 1-8", reason="citizen_id.category")
    if len(office) != 4 or not office.isascii() or not office.isdigit():
        raise InvalidCitizenId("office must be 4 digits", reason="citizen_id.format")
    if not 0 <= serial <= 9_999_999:
        raise InvalidCitizenId("serial must be 0-9999999", reason="citizen_id.format")
    first12 = f"{category}{office}{serial:07d}"
    return CitizenId(first12 + check_digit(first12))
