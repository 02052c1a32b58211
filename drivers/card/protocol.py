"""The card reader as the rest of the kiosk sees it: one small typed Protocol.

Two implementations of equal standing satisfy it: :class:`drivers.card.pcsc.PcscCardReader`
(pyscard over pcscd: real readers, or the virtual card through vpcd) and
:class:`simulators.vcard.reader.SimulatedCardReader` (in-process, no pcscd: the demo).

Events arrive on the driver's own background thread through the ``listener`` given to
:meth:`CardReader.start`; the driver knows nothing of a UI, so a UI must hop threads itself.
Reads are blocking calls meant for a worker thread, never for the UI thread.

Every failure is a :class:`~drivers.card.errors.CardError` with a ``message_key`` the UI
translates for the citizen and a stable ``reason`` for technicians. No error carries card
data (PDPA).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from drivers.card.errors import (
    CardCommunicationError,
    CardDataInvalid,
    CardError,
    CardMuteError,
    CardRemovedError,
    NotThaiIdCard,
    PhotoUnreadable,
    ReaderUnavailable,
)

if TYPE_CHECKING:
    from drivers.card.nhso import NhsoRights
    from kiosk.domain.identity import CardIdentity

__all__ = [  # the errors are part of the reader's contract: named here as well
    "CardCommunicationError",
    "CardDataInvalid",
    "CardError",
    "CardEvent",
    "CardInserted",
    "CardListener",
    "CardMute",
    "CardMuteError",
    "CardReader",
    "CardRemoved",
    "CardRemovedError",
    "CardState",
    "ChipNumberReader",
    "NotThaiIdCard",
    "PhotoProgress",
    "PhotoUnreadable",
    "ReaderAttached",
    "ReaderDetached",
    "ReaderState",
    "ReaderUnavailable",
]


class ReaderState(Enum):
    """The driver as a whole."""

    STOPPED = "stopped"
    NO_READER = "no_reader"
    READY = "ready"
    """At least one reader is attached (with or without a card)."""
    FAILED = "failed"
    """The PC/SC service is gone; the monitor keeps trying to come back."""


class CardState(Enum):
    """One reader's slot."""

    ABSENT = "absent"
    PRESENT = "present"
    MUTE = "mute"
    """A card is in the slot but does not answer (inserted upside down, dead chip)."""


# ----------------------------------------------------------------------------- events


@dataclass(frozen=True)
class ReaderAttached:
    reader: str


@dataclass(frozen=True)
class ReaderDetached:
    reader: str


@dataclass(frozen=True)
class CardInserted:
    reader: str
    atr: bytes


@dataclass(frozen=True)
class CardRemoved:
    reader: str


@dataclass(frozen=True)
class CardMute:
    """A card is present but gives no ATR: the citizen should turn it around."""

    reader: str


CardEvent = ReaderAttached | ReaderDetached | CardInserted | CardRemoved | CardMute
CardListener = Callable[[CardEvent], None]
PhotoProgress = Callable[[int, int], None]
"""Called as ``progress(bytes_read, bytes_total)`` after each photo chunk."""


# ----------------------------------------------------------------------------- protocol


@runtime_checkable
class CardReader(Protocol):
    """What the session engine uses. Both implementations behave the same way.

    - ``start(listener)``: begin watching readers; events (``ReaderAttached``,
      ``ReaderDetached``, ``CardInserted``, ``CardRemoved``, ``CardMute``) are delivered to
      ``listener`` from a background thread. Readers and cards already present at start are
      reported as attach/insert events too.
    - ``stop()``: stop watching and release every PC/SC handle; idempotent.
    - ``read_identity(reader)``: the MOI identity fields in 7 APDU exchanges, validated by
      the domain core; raises ``CardError`` subclasses, never returns partial data.
    - ``read_photo(reader, progress)``: the full 5 100-byte photo area (20 chunks of 255,
      40 exchanges), untrimmed; ``progress(done, total)`` after each chunk.
    - ``read_nhso(reader)``: NHSO health-insurance rights, or ``None`` if the card has no
      NHSO applet.
    - ``read_laser_id(reader)``: the laser-engraved number on the back, or ``None`` where
      the card does not answer (cards from before about 2015).
    - ``state`` / ``card_state(reader)`` / ``readers()``: current view, thread-safe.
    """

    @property
    def state(self) -> ReaderState: ...

    def readers(self) -> list[str]: ...

    def card_state(self, reader: str) -> CardState: ...

    def start(self, listener: CardListener) -> None: ...

    def stop(self) -> None: ...

    def read_identity(self, reader: str) -> CardIdentity: ...

    def read_photo(self, reader: str, progress: PhotoProgress | None = None) -> bytes: ...

    def read_nhso(self, reader: str) -> NhsoRights | None: ...

    def read_laser_id(self, reader: str) -> str | None: ...


@runtime_checkable
class ChipNumberReader(Protocol):
    """Optional extra a :class:`CardReader` may offer (both of ours do).

    ``read_chip_no(reader)``: the chip number (16 upper-case hex digits: CPLC IC fabricator
    + IC type + IC serial, see :mod:`drivers.card.cplc`) in 1 exchange, or ``None`` where
    the card does not answer GET DATA (the old ``3B 67`` generation). Malformed data raises
    ``CardDataInvalid`` (``reason="chip_no.malformed"``). The session binds consent to it.
    """

    def read_chip_no(self, reader: str) -> str | None: ...
