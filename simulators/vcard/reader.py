"""The in-process card reader: the virtual card's APDU engine without pcscd.

A :class:`drivers.card.protocol.CardReader` of equal standing with the PC/SC one; it lives
beside the emulator it drives, so ``drivers/`` never imports ``simulators/``. Chosen only
by the composition root (``[card] driver = "simulated"``, :func:`kiosk.app.create_card_reader`).
Used by ``make demo`` on machines without pcscd and by fast tests. It runs the very same
read plan (:mod:`drivers.card.thai_id`) against the very same emulator the vpcd virtual card
uses (:class:`simulators.vcard.card.ThaiIdCardEmulator`), so faults behave alike. Events
are delivered from a background thread, as with PC/SC, so callers cannot come to rely on
being called on their own thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from drivers.card import thai_id
from drivers.card.errors import CardRemovedError, ReaderUnavailable
from drivers.card.protocol import (
    CardEvent,
    CardInserted,
    CardListener,
    CardRemoved,
    CardState,
    ReaderAttached,
    ReaderDetached,
    ReaderState,
)
from drivers.card.thai_id import CardSession
from simulators.vcard.card import CardPulled, ThaiIdCardEmulator

log = logging.getLogger(__name__)
T = TypeVar("T")
DEFAULT_READER = "Simulated Thai ID Reader 0"


class _EmulatorChannel:
    def __init__(self, owner: SimulatedCardReader, reader: str, card: ThaiIdCardEmulator):
        self._owner, self._reader, self._card = owner, reader, card

    @property
    def atr(self) -> bytes:
        return self._card.atr

    def transmit(self, command: bytes) -> bytes:
        if self._owner._cards.get(self._reader) is not self._card:
            raise CardRemovedError("card removed during read")
        try:
            return self._card.process(command)
        except CardPulled:
            self._owner.remove(self._reader)
            raise CardRemovedError("card removed during read") from None


class SimulatedCardReader(thai_id.ReadPlans):
    """:class:`~drivers.card.protocol.CardReader` backed by in-process emulated cards."""

    def __init__(self, readers: Sequence[str] = (DEFAULT_READER,)) -> None:
        self._readers = list(readers)
        self._cards: dict[str, ThaiIdCardEmulator] = {}
        self._sessions: dict[str, CardSession] = {}
        self._lock = threading.RLock()
        self._reader_locks = {r: threading.Lock() for r in self._readers}
        self._events: queue.Queue[CardEvent | None] = queue.Queue()
        self._dispatcher: threading.Thread | None = None
        self._state = ReaderState.STOPPED
        self.last_exchanges = 0

    # --- the demo's hands ----------------------------------------------------------------
    def insert(self, card: ThaiIdCardEmulator, reader: str | None = None) -> None:
        reader = self._reader(reader)
        with self._lock:
            if reader in self._cards:
                self.remove(reader)
            self._cards[reader] = card
            self._sessions[reader] = CardSession(_EmulatorChannel(self, reader, card))
            self._post(CardInserted(reader, card.atr))

    def remove(self, reader: str | None = None) -> None:
        reader = self._reader(reader)
        with self._lock:
            if self._cards.pop(reader, None) is not None:
                self._sessions.pop(reader, None)
                self._post(CardRemoved(reader))

    def card(self, reader: str | None = None) -> ThaiIdCardEmulator | None:
        return self._cards.get(self._reader(reader))

    # --- CardReader ----------------------------------------------------------------------
    @property
    def state(self) -> ReaderState:
        return self._state

    def readers(self) -> list[str]:
        return list(self._readers)

    def card_state(self, reader: str) -> CardState:
        return CardState.PRESENT if self._reader(reader) in self._cards else CardState.ABSENT

    def start(self, listener: CardListener) -> None:
        if self._dispatcher is not None:
            raise RuntimeError("card reader already started")
        self._events = queue.Queue()
        self._dispatcher = threading.Thread(
            target=self._dispatch, args=(listener, self._events), name="card-sim", daemon=True
        )
        self._dispatcher.start()
        with self._lock:
            self._state = ReaderState.READY if self._readers else ReaderState.NO_READER
            for reader in self._readers:
                self._events.put(ReaderAttached(reader))
                if reader in self._cards:
                    self._events.put(CardInserted(reader, self._cards[reader].atr))

    def stop(self) -> None:
        dispatcher, self._dispatcher = self._dispatcher, None
        if dispatcher is not None:
            for reader in self._readers:
                self._events.put(ReaderDetached(reader))
            self._events.put(None)
            dispatcher.join(timeout=5)
        self._state = ReaderState.STOPPED

    def run(self, reader: str, plan: Callable[[CardSession], T]) -> T:
        reader = self._reader(reader)
        with self._reader_locks[reader]:
            session = self._sessions.get(reader)
            if session is None:
                raise CardRemovedError("no card in the reader")
            start = session.exchanges
            try:
                return plan(session)
            finally:
                self.last_exchanges = session.exchanges - start

    # --- internals -----------------------------------------------------------------------
    def _reader(self, reader: str | None) -> str:
        if reader is None:
            if not self._readers:
                raise ReaderUnavailable("no simulated reader")
            return self._readers[0]
        if reader not in self._readers:
            raise ReaderUnavailable("no such reader")
        return reader

    def _post(self, event: CardEvent) -> None:
        if self._dispatcher is not None:
            self._events.put(event)

    @staticmethod
    def _dispatch(listener: CardListener, events: queue.Queue[CardEvent | None]) -> None:
        while (event := events.get()) is not None:
            try:
                listener(event)
            except Exception:
                log.exception("card event listener failed on %s", type(event).__name__)
