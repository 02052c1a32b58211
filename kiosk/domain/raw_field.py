"""A card field the kiosk does not use: kept as the card's bytes, decoded only on demand.

No public source fixes the layout of the unused fields (card version, issuer, issuer code,
photo reference), and real cards differ by generation and issuing batch: the version is
ASCII ``"0003"`` on some cards and binary ``00 03 00 00`` on others. Such a field must never
block a read, so it is not validated at all; :meth:`RawField.text` decodes it when someone
asks and returns ``None`` instead of raising when the bytes are not text.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.domain.errors import DomainError
from kiosk.domain.text import PADDING, decode_card_text


@dataclass(frozen=True, repr=False)
class RawField:
    raw: bytes

    def text(self) -> str | None:
        """The field as TIS-620 text without padding, or None where it is not text."""
        try:
            return decode_card_text(self.raw)
        except DomainError:
            return None

    @property
    def is_blank(self) -> bool:
        return not self.raw.rstrip(PADDING)

    def display(self) -> str:
        """Text when it is text, else ``hex:`` and the bytes (for technicians' tools)."""
        text = self.text()
        if text is not None:
            return text
        return "hex:" + self.raw.rstrip(PADDING).hex().upper()

    def __repr__(self) -> str:
        # Unused fields may still be personal (the issuer names a home district).
        return f"RawField(<{len(self.raw)} bytes>)"

    __str__ = display
