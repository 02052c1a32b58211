"""Card text fields: TIS-620 bytes, right-padded with spaces.

Decoding uses cp874 (Windows Thai), a superset of TIS-620, so a card personalised with a
Windows tool still decodes; encoding writes strict TIS-620 so we never produce bytes a
TIS-620 reader cannot read. Only trailing padding is removed: cards pad with 0x20, 0x00 or
0xFF (by generation and issuing batch), and a text may end early with any mix of them
(``ABC\x00\xff\xff``). Internal spaces are data; a NUL inside the text is not. Never run
photo bytes through this — 0x20 is a valid JPEG byte.
"""

from __future__ import annotations

from kiosk.domain._fields import has_control_chars
from kiosk.domain.errors import InvalidEncoding

PADDING = b" \x00\xff"
"""Every byte a card may pad a field with; none of them is a TIS-620 letter at the end."""


def decode_card_text(raw: bytes) -> str:
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise InvalidEncoding("card text must be bytes")
    trimmed = bytes(raw).rstrip(PADDING)
    try:
        text = trimmed.decode("cp874")
    except UnicodeDecodeError as exc:
        raise InvalidEncoding(
            f"byte 0x{trimmed[exc.start]:02X} is not Thai TIS-620/cp874 text",
            reason="encoding.undecodable",
        ) from None
    if has_control_chars(text):
        raise InvalidEncoding("card text contains a control character", reason="encoding.control")
    return text


def encode_card_text(text: str, length: int) -> bytes:
    """TIS-620 bytes of ``text`` padded with spaces to exactly ``length`` bytes."""
    if not isinstance(text, str):
        raise InvalidEncoding("card text must be a string")
    if has_control_chars(text):
        raise InvalidEncoding("card text contains a control character", reason="encoding.control")
    try:
        raw = text.encode("tis_620")
    except UnicodeEncodeError:
        raise InvalidEncoding(
            "text has characters TIS-620 cannot hold", reason="encoding.unencodable"
        ) from None
    if len(raw) > length:
        raise InvalidEncoding(
            f"text is {len(raw)} bytes, the card field holds {length}", reason="encoding.too_long"
        )
    return raw.ljust(length, b" ")
