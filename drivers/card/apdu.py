"""APDU framing for the Thai ID card: command builders and response parsing.

Everything that turns card bytes into a decision lives here or in
:mod:`drivers.card.transport` (the 7816 framing rules) so it can be fuzzed: for any byte
string, :func:`parse_response` and :func:`expect_selected` either return a value or raise
one of the driver's own :class:`~drivers.card.errors.CardError` subclasses.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.card.errors import CardCommunicationError, NotThaiIdCard

MOI_AID = bytes.fromhex("A000000054480001")
NHSO_AID = bytes.fromhex("A000000054480083")
CARD_AID = bytes.fromhex("A000000084060002")
"""The card-management applet that answers the laser ID."""

ATR_PREFIX_GET_RESPONSE_P2_01 = bytes.fromhex("3B67")
MAX_LE = 0xFF
MAX_RESPONSE = 256 + 2
"""Short APDUs only: at most 256 data bytes plus SW1 SW2."""

SW_OK = 0x9000


@dataclass(frozen=True)
class Response:
    data: bytes
    sw1: int
    sw2: int

    @property
    def sw(self) -> int:
        return (self.sw1 << 8) | self.sw2

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK

    @property
    def more_data(self) -> bool:
        """``61 xx``: xx bytes wait for GET RESPONSE."""
        return self.sw1 == 0x61

    def sw_text(self) -> str:
        return f"{self.sw1:02X}{self.sw2:02X}"


def parse_response(raw: bytes | bytearray | list[int]) -> Response:
    """Split a raw R-APDU into data and status word."""
    try:
        body = bytes(raw)
    except (TypeError, ValueError) as exc:
        raise CardCommunicationError("response is not a byte string", reason="bad_frame") from exc
    if len(body) < 2:
        raise CardCommunicationError("response shorter than a status word", reason="short_frame")
    if len(body) > MAX_RESPONSE:
        raise CardCommunicationError("response longer than a short APDU", reason="long_frame")
    return Response(body[:-2], body[-2], body[-1])


def get_response_p2(atr: bytes) -> int:
    """Cards whose ATR starts ``3B 67`` want GET RESPONSE with P2 = 01, all others 00."""
    return 0x01 if bytes(atr[:2]) == ATR_PREFIX_GET_RESPONSE_P2_01 else 0x00


# ----------------------------------------------------------------------------- commands


def select(aid: bytes) -> bytes:
    return bytes([0x00, 0xA4, 0x04, 0x00, len(aid)]) + aid


def read_binary(offset: int, length: int) -> bytes:
    """The MOI read: ``80 B0 P1 P2 02 00 Le`` - offset in P1P2, length in the data bytes."""
    if not 0 <= offset <= 0xFFFF:
        raise ValueError("offset out of range")
    if not 1 <= length <= MAX_LE:
        raise ValueError("length must be 1..255")
    return bytes([0x80, 0xB0, offset >> 8, offset & 0xFF, 0x02, 0x00, length])


LASER_ID_COMMAND = bytes([0x80, 0x00, 0x00, 0x00, 0x07])


# ----------------------------------------------------------------------------- checks


def expect_selected(resp: Response, *, required: bool) -> bool:
    """SELECT succeeded with ``61 xx`` or ``90 00``. A failed required SELECT means the
    card is not a Thai ID card; a failed optional one (NHSO, laser) returns False."""
    if resp.ok or resp.more_data:
        return True
    if required:
        raise NotThaiIdCard(f"SELECT answered {resp.sw_text()}", reason="select_refused")
    return False


__all__ = [
    "CARD_AID",
    "LASER_ID_COMMAND",
    "MOI_AID",
    "NHSO_AID",
    "Response",
    "expect_selected",
    "get_response_p2",
    "parse_response",
    "read_binary",
    "select",
]
