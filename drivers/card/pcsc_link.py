"""PC/SC's vocabulary for :mod:`drivers.card.pcsc`: the result codes the reader acts on,
one connected card (:class:`Connection`), and the signals of its bounded recovery."""

from __future__ import annotations

from dataclasses import dataclass, field

from smartcard import scard

from drivers.card.protocol import CardState
from drivers.card.thai_id import CardSession

PNP_READER = "\\\\?PnP?\\Notification"
PROTOCOLS = scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
STATE_MASK = 0xFFFF  # pcsc-lite keeps an event counter in the high 16 bits


SERVICE_RETRY_S = 0.1
"""How often a lost PC/SC service is looked for again. Connecting to a missing socket costs
microseconds; this bounds how long after pcscd is back the kiosk is ready (issue 24: a
fixed 1 s wait, plus 0.5 s on the dead context, plus a retry on a stale read context)."""


def u32(hr: int) -> int:
    return hr & 0xFFFFFFFF


RESET = u32(scard.SCARD_W_RESET_CARD)  # 0x80100068
REMOVED = u32(scard.SCARD_W_REMOVED_CARD)  # 0x80100069
NO_CARD = u32(scard.SCARD_E_NO_SMARTCARD)  # 0x8010000C
SHARING = u32(scard.SCARD_E_SHARING_VIOLATION)  # 0x8010000B
UNPOWERED = u32(scard.SCARD_W_UNPOWERED_CARD)
UNRESPONSIVE = u32(scard.SCARD_W_UNRESPONSIVE_CARD)
TIMEOUT = u32(scard.SCARD_E_TIMEOUT)
COMM_ERROR = u32(scard.SCARD_F_COMM_ERROR)
CANCELLED = u32(scard.SCARD_E_CANCELLED)
NO_READERS = u32(scard.SCARD_E_NO_READERS_AVAILABLE)
INVALID_HANDLE = u32(scard.SCARD_E_INVALID_HANDLE)
PROTO_MISMATCH = u32(scard.SCARD_E_PROTO_MISMATCH)
"""The card speaks neither T=0 nor T=1: a memory or contactless-only card, not a Thai ID."""
NO_SERVICE = {u32(scard.SCARD_E_NO_SERVICE), u32(scard.SCARD_E_SERVICE_STOPPED)}
CONTEXT_LOST = {*NO_SERVICE, COMM_ERROR, INVALID_HANDLE}
"""What a context answers once the pcscd it belonged to is gone (seen: 0x80100013 from
SCardGetStatusChange, 0x8010001D from the rest)."""
READER_GONE = {
    u32(scard.SCARD_E_UNKNOWN_READER),
    u32(scard.SCARD_E_READER_UNAVAILABLE),
    NO_READERS,
}


@dataclass
class CardMark:
    """What the card in a slot was when it went in: how a swap is told from a glitch."""

    atr: bytes
    cid: bytes | None = None


class Swapped(Exception):
    def __init__(self, atr: bytes, cid: bytes | None) -> None:
        super().__init__("another card is in the slot")
        self.atr, self.cid = atr, cid


class Retry(Exception):
    """A transient condition: drop the handle, back off, run the read plan again."""


def error_text(hr: int) -> str:
    return f"0x{u32(hr):08X}"


@dataclass
class Connection:
    context: int
    handle: int
    protocol: int
    atr: bytes
    session: CardSession = field(init=False)
    stale: bool = False
    """Set by the monitor when the card left while a read held the handle."""
    in_transaction: bool = False

    def __post_init__(self) -> None:
        self.session = CardSession(self)

    def transmit(self, command: bytes) -> bytes:
        hr, response = scard.SCardTransmit(self.handle, self.protocol, list(command))
        if hr != scard.SCARD_S_SUCCESS:
            raise TransmitFailed(u32(hr))
        if len(response) < 2:
            # No status word at all: the reader lost the card mid-exchange (vpcd reports a
            # dropped card this way), not a card answer - check presence before blaming data.
            raise TransmitFailed(COMM_ERROR)
        return bytes(response)


class TransmitFailed(Exception):
    def __init__(self, hr: int) -> None:
        super().__init__(error_text(hr))
        self.hr = hr


def card_state_of(event_state: int) -> CardState:
    if event_state & scard.SCARD_STATE_MUTE:
        return CardState.MUTE
    if event_state & scard.SCARD_STATE_PRESENT:
        return CardState.PRESENT
    return CardState.ABSENT
