"""Person names as the card holds them: ``prefix#first#middle#last``.

Display convention (decided here): the Thai title abbreviations that end in a dot
(``ด.ช.``, ``ด.ญ.``, ``น.ส.``, ``พ.ต.อ.`` …) are written attached to the first name, as Thai
documents do (``ด.ช.สมชาย ใจดี``); whole-word titles (``นาย``, ``นาง``, ``นางสาว``) and all
English titles (``Mr.``, ``Miss``) are followed by a space (``นาย สมชาย ใจดี``) for
legibility on a kiosk screen and a receipt.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.domain._fields import clean_part, has_control_chars
from kiosk.domain.errors import InvalidName
from kiosk.domain.thai_words import has_thai

_SLOTS = 4


@dataclass(frozen=True, repr=False)
class PersonName:
    prefix: str
    first: str
    middle: str = ""
    last: str = ""

    def __post_init__(self) -> None:
        for part in (self.prefix, self.first, self.middle, self.last):
            if not isinstance(part, str):
                raise InvalidName("name parts must be text")
            if "#" in part or has_control_chars(part):
                raise InvalidName("a name part contains '#' or a control character")
            if part != clean_part(part):
                raise InvalidName("a name part has stray whitespace; use PersonName.parse")
        if not self.first:
            raise InvalidName("the first name is empty", reason="name.first_missing")

    @classmethod
    def parse(cls, text: str) -> PersonName:
        """Parse the card form; missing trailing parts are empty, spaces are tidied."""
        if not isinstance(text, str):
            raise InvalidName("a name must be text")
        if has_control_chars(text):
            raise InvalidName("a name contains a control character")
        parts = [clean_part(p) for p in text.split("#")]
        if len(parts) > _SLOTS:
            if any(parts[_SLOTS:]):
                raise InvalidName("a name has at most 4 '#' parts", reason="name.format")
            parts = parts[:_SLOTS]
        parts += [""] * (_SLOTS - len(parts))
        return cls(*parts)

    def to_card(self) -> str:
        return "#".join((self.prefix, self.first, self.middle, self.last))

    def full_name(self) -> str:
        """First, middle and last name without the title."""
        return " ".join(p for p in (self.first, self.middle, self.last) if p)

    def display(self) -> str:
        """Title and name for the screen/receipt, e.g. ``นาย สมชาย ใจดี`` or ``ด.ช.สมชาย ใจดี``."""
        if not self.prefix:
            return self.full_name()
        glue = "" if has_thai(self.prefix) and self.prefix.endswith(".") else " "
        return f"{self.prefix}{glue}{self.full_name()}"

    def __repr__(self) -> str:
        # Names are personal data and reprs end up in logs and tracebacks.
        return "PersonName(<redacted>)"
