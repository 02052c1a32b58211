"""The session's card port on top of a `drivers.card.protocol.CardReader`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable

from drivers.card.protocol import (
    CardError,
    CardEvent,
    CardInserted,
    CardMute,
    CardReader,
    CardRemoved,
    ReaderAttached,
    ReaderDetached,
)
from kiosk.domain.errors import DomainError
from kiosk.domain.identity import CardIdentity
from kiosk.session.ports import CardEvent as SessionCardEvent
from kiosk.session.ports import CardEventKind, CardRead, SessionPortError
from kiosk.session.view import IdentitySummary, Text

log = logging.getLogger("kiosk.services.card")

_KINDS: dict[type, CardEventKind] = {
    ReaderAttached: CardEventKind.READER_ATTACHED,
    ReaderDetached: CardEventKind.READER_DETACHED,
    CardInserted: CardEventKind.INSERTED,
    CardRemoved: CardEventKind.REMOVED,
    CardMute: CardEventKind.MUTE,
}


def summarize(identity: CardIdentity, today: dt.date) -> IdentitySummary:
    """Format the card's data for the identity screen."""
    return IdentitySummary(
        cid_display=identity.citizen_id.formatted(),
        cid_masked=identity.citizen_id.masked(),
        name_th=identity.name_th.display(),
        name_en=identity.name_en.display(),
        birth_date=Text(identity.birth_date.display("th"), identity.birth_date.display("en")),
        address=" ".join(identity.address.display_lines()),
        card_expiry=Text(identity.expiry_date.display("th"),
                         identity.expiry_date.display("en")),
        card_expired=identity.is_expired(today),
    )


class CardReaderPort:
    """Tracks which reader holds the card; maps driver events and errors to the session's."""

    def __init__(self, reader: CardReader, *,
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        self._reader = reader
        self._today = today
        self._lock = threading.Lock()
        self._slot: str | None = None
        self._attached: set[str] = set()

    def start(self, listener: Callable[[SessionCardEvent], None]) -> None:
        def on_event(event: CardEvent) -> None:
            kind = _KINDS.get(type(event))
            if kind is None:
                return
            with self._lock:
                if kind is CardEventKind.READER_ATTACHED:
                    self._attached.add(event.reader)
                elif kind in (CardEventKind.INSERTED, CardEventKind.MUTE):
                    self._slot = event.reader
                elif kind is CardEventKind.REMOVED:
                    if self._slot != event.reader:
                        return  # another reader's card: not ours to end the session
                    self._slot = None
                elif kind is CardEventKind.READER_DETACHED:
                    self._attached.discard(event.reader)
                    if self._slot == event.reader:
                        self._slot = None  # the reader left with the card: as if pulled
                    elif self._attached:
                        return  # another reader left; the citizen's is still here
                    # else: no reader at all any more - out of service
            listener(SessionCardEvent(kind, event.reader))

        self._reader.start(on_event)

    def stop(self) -> None:
        self._reader.stop()

    def _current_slot(self) -> str:
        with self._lock:
            slot = self._slot
        if slot is None:
            raise SessionPortError("no card", message_key="card.removed_during_read",
                                   recoverable=False)
        return slot

    def read_identity(self) -> CardRead:
        slot = self._current_slot()
        try:
            identity = self._reader.read_identity(slot)
        except (CardError, DomainError) as exc:
            raise SessionPortError(type(exc).__name__, message_key=exc.message_key,
                                   recoverable=False) from None
        identity = self._with_chip_no(slot, identity)
        return CardRead(
            cid=identity.citizen_id.digits,
            summary=summarize(identity, self._today()),
            identity=identity,
        )

    def _with_chip_no(self, slot: str, identity: CardIdentity) -> CardIdentity:
        """The chip serial binds the citizen's consent (Linkage contract). Readers that can
        read it offer ``read_chip_no(reader)``; the MOI identity file does not hold it."""
        reader_chip = getattr(self._reader, "read_chip_no", None)
        if identity.chip_no or reader_chip is None:
            return identity
        try:
            chip_no = reader_chip(slot)
        except CardError as exc:
            # Consent then binds by the BP1 number alone (the contract allows it); say so,
            # so a technician can see a reader or card that keeps failing this read.
            log.warning("chip number not read (%s): consent bound by request number only",
                        exc.message_key)
            return identity
        return dataclasses.replace(identity, chip_no=chip_no) if chip_no else identity

    def read_photo(self, progress: Callable[[float], None]) -> bytes:
        slot = self._current_slot()
        try:
            return self._reader.read_photo(
                slot, lambda done, total: progress(done / total if total else 0.0))
        except CardError as exc:
            raise SessionPortError(type(exc).__name__, message_key=exc.message_key) from None
