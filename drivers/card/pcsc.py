"""The PC/SC card reader: pyscard's ``smartcard.scard`` layer over pcscd.

Why the low-level layer and not pyscard's ``CardMonitor``/``ReaderMonitor``: those are
process-wide singletons that poll on their own schedule and cannot be stopped per
instance. Here one monitor thread per :class:`PcscCardReader` waits in
``SCardGetStatusChange`` (woken by pcscd, with the ``\\\\?PnP?\\Notification`` pseudo-reader
for attach/detach) and ``stop()`` cancels it with ``SCardCancel`` - same events, no
polling, clean shutdown. Events reach the listener on that thread.

Reads connect in SHARED mode (EXCLUSIVE causes "Card was reset" for the next client) and
run inside ``SCardBeginTransaction``/``SCardEndTransaction`` so no other client can
interleave APDUs. Recovery is bounded (``transmit_retries``): card reset
(0x80100068) -> reconnect and restart the read; sharing violation (0x8010000B) or
"removed" (0x80100069) right after insertion while the reader still sees a card -> back off
and retry. A card that is really gone gives :class:`CardRemovedError`, never partial data.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from smartcard import scard

from drivers.card import thai_id
from drivers.card.errors import (
    CardCommunicationError,
    CardError,
    CardMuteError,
    CardRemovedError,
    NotThaiIdCard,
    ReaderUnavailable,
)
from drivers.card.pcsc_link import (
    CONTEXT_LOST,
    INVALID_HANDLE,
    NO_CARD,
    NO_SERVICE,
    PROTO_MISMATCH,
    PROTOCOLS,
    READER_GONE,
    REMOVED,
    RESET,
    SHARING,
    UNPOWERED,
    UNRESPONSIVE,
    CardMark,
    Connection,
    Retry,
    Swapped,
    TransmitFailed,
    card_state_of,
    error_text,
    u32,
)
from drivers.card.pcsc_swaps import SwapChecks
from drivers.card.pcsc_watch import ReaderWatch
from drivers.card.protocol import (
    CardEvent,
    CardListener,
    CardState,
    ReaderState,
)
from drivers.card.readers import ReaderMatch
from drivers.card.thai_id import CardSession

log = logging.getLogger(__name__)
T = TypeVar("T")

class PcscCardReader(ReaderWatch, SwapChecks, thai_id.ReadPlans):
    """:class:`~drivers.card.protocol.CardReader` over pcscd. See the module docstring."""

    def __init__(
        self,
        *,
        reader_filter: str = "",
        reader_usb_id: str = "",
        transmit_retries: int = 2,
        retry_backoff_s: float = 0.05,
        removal_grace_s: float = 1.0,
    ) -> None:
        self.reader_filter = reader_filter
        self.match = ReaderMatch.from_config(reader_filter, reader_usb_id)
        """Which readers are the citizen's: the others are never listed, watched or read."""
        self._usb_ids: dict[str, tuple[int, int] | None] = {}
        self.transmit_retries = transmit_retries
        self.retry_backoff_s = retry_backoff_s
        self.removal_grace_s = removal_grace_s
        """How long to wait for pcscd to notice a removal after a failed exchange."""
        self.last_exchanges = 0
        """APDU exchanges of the last completed read (for benchmarks and tests)."""
        self._state = ReaderState.STOPPED
        self._cards: dict[str, CardState] = {}
        self._view_lock = threading.Lock()
        self._connections: dict[str, Connection] = {}
        self._reader_locks: dict[str, threading.Lock] = {}
        self._read_context: int | None = None
        self._monitor: threading.Thread | None = None
        self._monitor_context: int | None = None
        self._stopping = threading.Event()
        self._marks: dict[str, CardMark] = {}
        self._listener: Callable[[CardEvent], None] | None = None

    # --- view ----------------------------------------------------------------------------
    @property
    def state(self) -> ReaderState:
        return self._state

    def readers(self) -> list[str]:
        if self._monitor is not None:
            with self._view_lock:
                return list(self._cards)
        return self._list_readers(self._context())

    def card_state(self, reader: str) -> CardState:
        with self._view_lock:
            if reader in self._cards:
                return self._cards[reader]
        return card_state_of(self._reader_status(reader)[0])

    # --- monitoring ----------------------------------------------------------------------
    def start(self, listener: CardListener) -> None:
        if self._monitor is not None:
            raise RuntimeError("card reader already started")
        self._stopping.clear()
        self._state = ReaderState.NO_READER
        ready = threading.Event()
        self._monitor = threading.Thread(
            target=self._watch, args=(listener, ready), name="card-monitor", daemon=True
        )
        self._monitor.start()
        ready.wait(timeout=5)  # first snapshot delivered (or the service is missing)

    def stop(self) -> None:
        self._stopping.set()
        ctx = self._monitor_context
        if ctx is not None:
            scard.SCardCancel(ctx)
        if self._monitor is not None:
            self._monitor.join(timeout=5)
            self._monitor = None
        for reader in list(self._connections):
            self._drop(reader)
        if self._read_context is not None:
            scard.SCardReleaseContext(self._read_context)
            self._read_context = None
        self._state = ReaderState.STOPPED
        with self._view_lock:
            self._cards.clear()

    # --- reads ---------------------------------------------------------------------------
    def run(self, reader: str, plan: Callable[[CardSession], T]) -> T:
        """Run a read plan on the card in ``reader`` inside one PC/SC transaction, with the
        bounded recovery described in the module docstring. Plans must be re-runnable."""
        if not self._wanted(self._context(), reader):
            raise ReaderUnavailable("not the citizen's reader (see [card] reader_filter)",
                                    reason="reader_not_configured")
        lock = self._reader_locks.setdefault(reader, threading.Lock())
        with lock:
            attempts = 0
            while True:
                try:
                    return self._run_once(reader, plan)
                except Swapped as swap:
                    self._report_swap(reader, swap)
                    raise CardRemovedError(
                        "another card was inserted during the read",
                        message_key="card.swapped", reason="swapped",
                    ) from None
                except Retry as why:
                    attempts += 1
                    self._drop(reader)
                    if attempts > self.transmit_retries:
                        raise CardCommunicationError(
                            f"card kept failing after {attempts} attempts ({why})",
                            reason="retries_exhausted",
                        ) from None
                    log.info("card read retry %d on %s: %s", attempts, reader, why)
                    time.sleep(self.retry_backoff_s * attempts)

    def _run_once(self, reader: str, plan: Callable[[CardSession], T]) -> T:
        conn = self._connect(reader)
        hr = u32(scard.SCardBeginTransaction(conn.handle))
        if hr == RESET:
            # Another client reset the card: a fresh handle, and the applet must be selected.
            raise Retry(f"card reset ({error_text(RESET)})")
        if hr != scard.SCARD_S_SUCCESS:
            self._raise_for(reader, hr, "begin transaction")
        conn.in_transaction = True
        start = conn.session.exchanges
        failed: int | None = None
        try:
            result = plan(conn.session)
        except TransmitFailed as exc:
            failed = exc.hr
        except CardCommunicationError:
            # The card answered out of turn ("no file selected"...): it may be another card
            # that went in between two pcscd polls. Same card: the error stands.
            self._end_transaction(conn)
            self._verify_same_card(reader, reconnect=True)
            raise
        finally:
            self.last_exchanges = conn.session.exchanges - start
            self._end_transaction(conn)
            self._note_cid(reader, conn.session.cid)
        if failed is not None:
            self._raise_for(reader, failed, "transmit")
        return result

    def _end_transaction(self, conn: Connection) -> None:
        if conn.in_transaction:
            conn.in_transaction = False
            end = u32(scard.SCardEndTransaction(conn.handle, scard.SCARD_LEAVE_CARD))
            if end not in (scard.SCARD_S_SUCCESS, RESET, REMOVED, NO_CARD, INVALID_HANDLE):
                log.warning("SCardEndTransaction: %s", error_text(end))

    def _raise_for(self, reader: str, hr: int, what: str) -> None:
        """Turn a PC/SC failure into Retry or a CardError. Always raises."""
        self._drop(reader)
        if hr == RESET:
            raise Retry(f"card reset during {what}")
        if hr in NO_SERVICE or hr in READER_GONE:
            if hr in NO_SERVICE:
                self._drop_read_context()  # the next read starts on a fresh one
            raise ReaderUnavailable(f"{what}: reader unavailable ({error_text(hr)})")
        if not self._card_still_there(reader):
            raise CardRemovedError(f"card removed during {what}")
        if what == "transmit":
            # Still a card, but vpcd (and a fast hand) can swap cards between two pcscd
            # polls: check it is ours. Only now - resetting an empty vpcd slot wedges it.
            self._verify_same_card(reader, reconnect=False)
        if hr in (SHARING, REMOVED, NO_CARD, UNPOWERED, UNRESPONSIVE, INVALID_HANDLE):
            raise Retry(f"{what}: {error_text(hr)}")
        raise CardCommunicationError(f"{what} failed ({error_text(hr)})", reason="pcsc")

    def _card_still_there(self, reader: str) -> bool:
        """After a failure pcscd may not have noticed a removal yet: wait briefly for it."""
        state, _ = self._reader_status(reader)
        deadline = time.monotonic() + self.removal_grace_s
        while state & scard.SCARD_STATE_PRESENT and time.monotonic() < deadline:
            remaining = max(1, int((deadline - time.monotonic()) * 1000))
            hr, changes = scard.SCardGetStatusChange(
                self._context(), remaining, [(reader, state & ~scard.SCARD_STATE_CHANGED)]
            )
            if u32(hr) != scard.SCARD_S_SUCCESS:
                log.info("status wait after failure: %s", error_text(hr))
                break
            new = changes[0][1]
            if not new & scard.SCARD_STATE_PRESENT:
                return False
            if (new >> 16) != (state >> 16):  # removed and re-inserted: not our card
                return False
            state = new
        return bool(state & scard.SCARD_STATE_PRESENT) and not state & scard.SCARD_STATE_MUTE

    def _reader_status(self, reader: str) -> tuple[int, bytes]:
        hr, changes = scard.SCardGetStatusChange(
            self._context(), 0, [(reader, scard.SCARD_STATE_UNAWARE)]
        )
        hr = u32(hr)
        if hr in CONTEXT_LOST:
            self._drop_read_context()  # a pcscd that is gone: the next call starts afresh
        if hr in CONTEXT_LOST or hr in READER_GONE:
            raise ReaderUnavailable(f"reader unavailable ({error_text(hr)})")
        if hr != scard.SCARD_S_SUCCESS:
            raise CardCommunicationError(f"reader status failed ({error_text(hr)})")
        _, state, atr = changes[0]
        if state & scard.SCARD_STATE_UNKNOWN:
            raise ReaderUnavailable("no such reader")
        return state, bytes(atr)

    def _context(self) -> int:
        if self._read_context is None:
            hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hr != scard.SCARD_S_SUCCESS:
                raise ReaderUnavailable(f"PC/SC service unavailable ({error_text(hr)})")
            self._read_context = ctx
        return self._read_context

    def _drop_read_context(self) -> None:
        """Forget the read context of a pcscd that is gone (its handles went with it)."""
        ctx, self._read_context = self._read_context, None
        self._connections.clear()
        if ctx is not None:
            with contextlib.suppress(Exception):
                scard.SCardReleaseContext(ctx)

    def _connect(self, reader: str) -> Connection:
        conn = self._connections.get(reader)
        if conn is not None and not conn.stale:
            return conn
        self._drop(reader)
        ctx = self._context()
        hr, handle, protocol = scard.SCardConnect(ctx, reader, scard.SCARD_SHARE_SHARED, PROTOCOLS)
        hr = u32(hr)
        if hr in CONTEXT_LOST:
            # The service restarted under us (a stale context answers NO_SERVICE or
            # INVALID_HANDLE): a fresh context may work.
            self._drop_read_context()
            raise Retry(f"connect: {error_text(hr)}")
        if hr != scard.SCARD_S_SUCCESS:
            self._refuse_unreadable(reader, hr)
            if hr == NO_CARD and not self._card_still_there(reader):
                raise CardRemovedError("no card in the reader")
            self._raise_for(reader, hr, "connect")
        hr, _name, _state, _proto, atr = scard.SCardStatus(handle)
        if u32(hr) != scard.SCARD_S_SUCCESS:
            scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
            self._raise_for(reader, u32(hr), "status")
        conn = Connection(ctx, handle, protocol, bytes(atr))
        self._connections[reader] = conn
        return conn

    def _refuse_unreadable(self, reader: str, hr: int) -> None:
        """A connect that failed because of the card itself: say what the citizen can do."""
        if hr == PROTO_MISMATCH:
            raise NotThaiIdCard("the card speaks neither T=0 nor T=1", reason="protocol")
        state = 0
        with contextlib.suppress(CardError):
            state, _ = self._reader_status(reader)
        if state & scard.SCARD_STATE_MUTE:
            raise CardMuteError("the card gives no ATR", reason="mute")

    def _invalidate(self, reader: str) -> None:
        """From the monitor thread: never pull a handle from under a running read."""
        lock = self._reader_locks.setdefault(reader, threading.Lock())
        if lock.acquire(blocking=False):
            try:
                self._drop(reader)
            finally:
                lock.release()
        elif (conn := self._connections.get(reader)) is not None:
            conn.stale = True

    def _drop(self, reader: str) -> None:
        conn = self._connections.pop(reader, None)
        if conn is not None:
            scard.SCardDisconnect(conn.handle, scard.SCARD_LEAVE_CARD)


__all__ = ["CardError", "PcscCardReader"]
