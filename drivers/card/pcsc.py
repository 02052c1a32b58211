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
from dataclasses import dataclass, field
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
from drivers.card.protocol import (
    CardEvent,
    CardInserted,
    CardListener,
    CardMute,
    CardRemoved,
    CardState,
    ReaderAttached,
    ReaderDetached,
    ReaderState,
)
from drivers.card.readers import ReaderMatch, usb_id_for_channel
from drivers.card.thai_id import CardSession

log = logging.getLogger(__name__)
T = TypeVar("T")

PNP_READER = "\\\\?PnP?\\Notification"
_PROTOCOLS = scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
_STATE_MASK = 0xFFFF  # pcsc-lite keeps an event counter in the high 16 bits


SERVICE_RETRY_S = 0.1
"""How often a lost PC/SC service is looked for again. Connecting to a missing socket costs
microseconds; this bounds how long after pcscd is back the kiosk is ready (issue 24: a
fixed 1 s wait, plus 0.5 s on the dead context, plus a retry on a stale read context)."""


def _u32(hr: int) -> int:
    return hr & 0xFFFFFFFF


RESET = _u32(scard.SCARD_W_RESET_CARD)  # 0x80100068
REMOVED = _u32(scard.SCARD_W_REMOVED_CARD)  # 0x80100069
NO_CARD = _u32(scard.SCARD_E_NO_SMARTCARD)  # 0x8010000C
SHARING = _u32(scard.SCARD_E_SHARING_VIOLATION)  # 0x8010000B
UNPOWERED = _u32(scard.SCARD_W_UNPOWERED_CARD)
UNRESPONSIVE = _u32(scard.SCARD_W_UNRESPONSIVE_CARD)
TIMEOUT = _u32(scard.SCARD_E_TIMEOUT)
COMM_ERROR = _u32(scard.SCARD_F_COMM_ERROR)
CANCELLED = _u32(scard.SCARD_E_CANCELLED)
NO_READERS = _u32(scard.SCARD_E_NO_READERS_AVAILABLE)
INVALID_HANDLE = _u32(scard.SCARD_E_INVALID_HANDLE)
PROTO_MISMATCH = _u32(scard.SCARD_E_PROTO_MISMATCH)
"""The card speaks neither T=0 nor T=1: a memory or contactless-only card, not a Thai ID."""
NO_SERVICE = {_u32(scard.SCARD_E_NO_SERVICE), _u32(scard.SCARD_E_SERVICE_STOPPED)}
CONTEXT_LOST = {*NO_SERVICE, COMM_ERROR, INVALID_HANDLE}
"""What a context answers once the pcscd it belonged to is gone (seen: 0x80100013 from
SCardGetStatusChange, 0x8010001D from the rest)."""
READER_GONE = {
    _u32(scard.SCARD_E_UNKNOWN_READER),
    _u32(scard.SCARD_E_READER_UNAVAILABLE),
    NO_READERS,
}


@dataclass
class _CardMark:
    """What the card in a slot was when it went in: how a swap is told from a glitch."""

    atr: bytes
    cid: bytes | None = None


class _Swapped(Exception):
    def __init__(self, atr: bytes, cid: bytes | None) -> None:
        super().__init__("another card is in the slot")
        self.atr, self.cid = atr, cid


class _Retry(Exception):
    """A transient condition: drop the handle, back off, run the read plan again."""


def _error_text(hr: int) -> str:
    return f"0x{_u32(hr):08X}"


@dataclass
class _Connection:
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
            raise _TransmitFailed(_u32(hr))
        if len(response) < 2:
            # No status word at all: the reader lost the card mid-exchange (vpcd reports a
            # dropped card this way), not a card answer - check presence before blaming data.
            raise _TransmitFailed(COMM_ERROR)
        return bytes(response)


class _TransmitFailed(Exception):
    def __init__(self, hr: int) -> None:
        super().__init__(_error_text(hr))
        self.hr = hr


class PcscCardReader(thai_id.ReadPlans):
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
        self._connections: dict[str, _Connection] = {}
        self._reader_locks: dict[str, threading.Lock] = {}
        self._read_context: int | None = None
        self._monitor: threading.Thread | None = None
        self._monitor_context: int | None = None
        self._stopping = threading.Event()
        self._marks: dict[str, _CardMark] = {}
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
        return _card_state(self._reader_status(reader)[0])

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

    def _watch(self, listener: CardListener, ready: threading.Event) -> None:
        def emit(event: CardEvent) -> None:
            try:
                listener(event)
            except Exception:  # a listener bug must not kill card monitoring
                log.exception("card event listener failed on %s", type(event).__name__)

        self._listener = emit

        known: dict[str, int] = {}  # reader -> last event state (with counter)
        while not self._stopping.is_set():
            hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hr != scard.SCARD_S_SUCCESS:
                self._state = ReaderState.FAILED
                ready.set()
                self._stopping.wait(SERVICE_RETRY_S)
                continue
            self._monitor_context = ctx
            try:
                self._watch_context(ctx, known, emit, ready)
            finally:
                self._monitor_context = None
                scard.SCardReleaseContext(ctx)
            if not self._stopping.is_set():  # the service went away: report and retry
                self._state = ReaderState.FAILED
                for reader in list(known):
                    self._forget_reader(reader, known, emit)
                self._drop_read_context()
                self._stopping.wait(SERVICE_RETRY_S)
        ready.set()

    def _watch_context(
        self,
        ctx: int,
        known: dict[str, int],
        emit: Callable[[CardEvent], None],
        ready: threading.Event,
    ) -> None:
        pnp_state = 0
        while not self._stopping.is_set():
            readers = self._list_readers(ctx, strict=False)
            if readers is None:
                return
            for reader in [r for r in known if r not in readers]:
                self._forget_reader(reader, known, emit)
            for reader in readers:
                if reader not in known:
                    known[reader] = scard.SCARD_STATE_UNAWARE
                    with self._view_lock:
                        self._cards[reader] = CardState.ABSENT
                    emit(ReaderAttached(reader))
            self._state = ReaderState.READY if readers else ReaderState.NO_READER
            states = [(r, known[r]) for r in readers] + [(PNP_READER, pnp_state)]
            timeout = 0 if any(known[r] == scard.SCARD_STATE_UNAWARE for r in readers) else 2000
            hr, changes = scard.SCardGetStatusChange(ctx, timeout, states)
            hr = _u32(hr)
            if hr == CANCELLED or self._stopping.is_set():
                return
            if hr in NO_SERVICE:
                return
            if hr == TIMEOUT:
                ready.set()
                continue
            if hr == NO_READERS or hr in READER_GONE:
                ready.set()
                self._stopping.wait(0.2)
                continue
            if hr in CONTEXT_LOST:
                return  # pcscd went away under this context (or restarted): a new one
            if hr != scard.SCARD_S_SUCCESS:
                log.warning("SCardGetStatusChange failed: %s", _error_text(hr))
                self._stopping.wait(0.5)
                continue
            for reader, event_state, atr in changes:
                if reader == PNP_READER:
                    pnp_state = event_state & ~scard.SCARD_STATE_CHANGED
                    continue
                if reader in known:
                    self._reader_changed(reader, known, event_state, bytes(atr), emit)
            ready.set()

    def _reader_changed(
        self,
        reader: str,
        known: dict[str, int],
        new: int,
        atr: bytes,
        emit: Callable[[CardEvent], None],
    ) -> None:
        old = known[reader]
        known[reader] = new & ~scard.SCARD_STATE_CHANGED
        if new & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_IGNORE):
            return  # gone; the next reader listing reports the detach
        before = self._cards.get(reader, CardState.ABSENT)
        after = _card_state(new)
        # Same state but a new event count: removed and re-inserted between two waits.
        swapped = (
            old != scard.SCARD_STATE_UNAWARE
            and before is not CardState.ABSENT
            and after is not CardState.ABSENT
            and (old >> 16) != (new >> 16)
            and (new >> 16) - (old >> 16) >= 2
        )
        if after is before and not swapped:
            return
        with self._view_lock:
            self._cards[reader] = after
            if after is CardState.PRESENT:
                self._marks[reader] = _CardMark(atr)
            else:
                self._marks.pop(reader, None)
        if before is not CardState.ABSENT:
            self._invalidate(reader)
            emit(CardRemoved(reader))
        if after is CardState.PRESENT:
            emit(CardInserted(reader, atr))
        elif after is CardState.MUTE:
            emit(CardMute(reader))

    def _forget_reader(
        self, reader: str, known: dict[str, int], emit: Callable[[CardEvent], None]
    ) -> None:
        known.pop(reader, None)
        with self._view_lock:
            had_card = self._cards.pop(reader, CardState.ABSENT) is not CardState.ABSENT
            self._marks.pop(reader, None)
        self._invalidate(reader)
        if had_card:
            emit(CardRemoved(reader))
        emit(ReaderDetached(reader))

    def _list_readers(self, ctx: int, *, strict: bool = True) -> list[str]:
        hr, readers = scard.SCardListReaders(ctx, [])
        hr = _u32(hr)
        if hr == NO_READERS:
            return []
        if hr != scard.SCARD_S_SUCCESS:
            if strict:
                raise ReaderUnavailable(f"cannot list readers ({_error_text(hr)})")
            return None  # type: ignore[return-value]
        for gone in [r for r in self._usb_ids if r not in readers]:
            del self._usb_ids[gone]  # a name can come back on another device
        return [r for r in readers if self._wanted(ctx, r)]

    def _wanted(self, ctx: int, reader: str) -> bool:
        if not self.match.needs_usb_id:
            return self.match.matches(reader)
        if reader not in self._usb_ids:
            self._usb_ids[reader] = self._usb_id(ctx, reader)
        return self.match.matches(reader, self._usb_ids[reader])

    @staticmethod
    def _usb_id(ctx: int, reader: str) -> tuple[int, int] | None:
        """The reader's USB vendor:product from its CCID channel ID (a direct connection,
        no card needed), or None where the driver does not say (vpcd, serial readers)."""
        hr, handle, _ = scard.SCardConnect(ctx, reader, scard.SCARD_SHARE_DIRECT, 0)
        if _u32(hr) != scard.SCARD_S_SUCCESS:
            return None
        try:
            hr, value = scard.SCardGetAttrib(handle, scard.SCARD_ATTR_CHANNEL_ID)
        finally:
            scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
        if _u32(hr) != scard.SCARD_S_SUCCESS or len(value) < 4:
            return None
        return usb_id_for_channel(int.from_bytes(bytes(value[:4]), "little"))

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
                except _Swapped as swap:
                    self._report_swap(reader, swap)
                    raise CardRemovedError(
                        "another card was inserted during the read",
                        message_key="card.swapped", reason="swapped",
                    ) from None
                except _Retry as why:
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
        hr = _u32(scard.SCardBeginTransaction(conn.handle))
        if hr == RESET:
            # Another client reset the card: a fresh handle, and the applet must be selected.
            raise _Retry(f"card reset ({_error_text(RESET)})")
        if hr != scard.SCARD_S_SUCCESS:
            self._raise_for(reader, hr, "begin transaction")
        conn.in_transaction = True
        start = conn.session.exchanges
        failed: int | None = None
        try:
            result = plan(conn.session)
        except _TransmitFailed as exc:
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

    def _end_transaction(self, conn: _Connection) -> None:
        if conn.in_transaction:
            conn.in_transaction = False
            end = _u32(scard.SCardEndTransaction(conn.handle, scard.SCARD_LEAVE_CARD))
            if end not in (scard.SCARD_S_SUCCESS, RESET, REMOVED, NO_CARD, INVALID_HANDLE):
                log.warning("SCardEndTransaction: %s", _error_text(end))

    # --- swaps ---------------------------------------------------------------------------
    def _note_cid(self, reader: str, cid: bytes | None) -> None:
        """The first citizen ID read from this insertion is the card's; another is a swap."""
        if cid is None:
            return
        with self._view_lock:
            mark = self._marks.get(reader)
            if mark is None:
                return
            if mark.cid is None:
                mark.cid = cid
                return
            if mark.cid == cid:
                return
            atr = mark.atr
        raise _Swapped(atr, cid)

    def _verify_same_card(self, reader: str, *, reconnect: bool) -> None:
        """After a failure: a fresh handle, then the ATR and (when known) the citizen ID
        compared with what this insertion started with. Raises _Swapped on a change;
        returns quietly when it is the same card or no card answers at all."""
        with self._view_lock:
            mark = self._marks.get(reader)
            known = None if mark is None else (mark.atr, mark.cid)
        if known is None:
            return
        if reconnect:
            self._drop(reader)
        try:
            conn = self._connect(reader)
        except CardError:
            return  # no card, or the reader is gone: the caller's own checks say which
        # pcscd keeps the ATR of the card it powered; a card swapped in behind its back is
        # only seen after a reset (which also powers it: the applet is selected anew).
        hr, protocol = scard.SCardReconnect(
            conn.handle, scard.SCARD_SHARE_SHARED, _PROTOCOLS, scard.SCARD_RESET_CARD
        )
        if _u32(hr) != scard.SCARD_S_SUCCESS:
            self._drop(reader)
            return
        hr, _name, _state, _proto, atr = scard.SCardStatus(conn.handle)
        if _u32(hr) != scard.SCARD_S_SUCCESS:
            self._drop(reader)
            return
        conn = _Connection(conn.context, conn.handle, protocol, bytes(atr))
        self._connections[reader] = conn
        if conn.atr != known[0]:
            raise _Swapped(conn.atr, None)
        if known[1] is None:
            return
        try:
            cid = thai_id.read_cid(conn.session)
        except (CardError, _TransmitFailed):
            self._drop(reader)
            return
        if cid != known[1]:
            raise _Swapped(conn.atr, cid)

    def _report_swap(self, reader: str, swap: _Swapped) -> None:
        """pcscd saw no removal: report it ourselves, then the new card's insertion. Should
        pcscd notice the swap later after all, it reports it again: the session then starts
        once more with the same card - a repeat, never another citizen's data."""
        self._drop(reader)
        with self._view_lock:
            self._marks[reader] = _CardMark(swap.atr, swap.cid)
        log.info("card swapped during a read on %s: reported as removal + insertion", reader)
        if self._listener is not None:
            self._listener(CardRemoved(reader))
            self._listener(CardInserted(reader, swap.atr))

    def _raise_for(self, reader: str, hr: int, what: str) -> None:
        """Turn a PC/SC failure into _Retry or a CardError. Always raises."""
        self._drop(reader)
        if hr == RESET:
            raise _Retry(f"card reset during {what}")
        if hr in NO_SERVICE or hr in READER_GONE:
            if hr in NO_SERVICE:
                self._drop_read_context()  # the next read starts on a fresh one
            raise ReaderUnavailable(f"{what}: reader unavailable ({_error_text(hr)})")
        if not self._card_still_there(reader):
            raise CardRemovedError(f"card removed during {what}")
        if what == "transmit":
            # Still a card, but vpcd (and a fast hand) can swap cards between two pcscd
            # polls: check it is ours. Only now - resetting an empty vpcd slot wedges it.
            self._verify_same_card(reader, reconnect=False)
        if hr in (SHARING, REMOVED, NO_CARD, UNPOWERED, UNRESPONSIVE, INVALID_HANDLE):
            raise _Retry(f"{what}: {_error_text(hr)}")
        raise CardCommunicationError(f"{what} failed ({_error_text(hr)})", reason="pcsc")

    def _card_still_there(self, reader: str) -> bool:
        """After a failure pcscd may not have noticed a removal yet: wait briefly for it."""
        state, _ = self._reader_status(reader)
        deadline = time.monotonic() + self.removal_grace_s
        while state & scard.SCARD_STATE_PRESENT and time.monotonic() < deadline:
            remaining = max(1, int((deadline - time.monotonic()) * 1000))
            hr, changes = scard.SCardGetStatusChange(
                self._context(), remaining, [(reader, state & ~scard.SCARD_STATE_CHANGED)]
            )
            if _u32(hr) != scard.SCARD_S_SUCCESS:
                log.info("status wait after failure: %s", _error_text(hr))
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
        hr = _u32(hr)
        if hr in CONTEXT_LOST:
            self._drop_read_context()  # a pcscd that is gone: the next call starts afresh
        if hr in CONTEXT_LOST or hr in READER_GONE:
            raise ReaderUnavailable(f"reader unavailable ({_error_text(hr)})")
        if hr != scard.SCARD_S_SUCCESS:
            raise CardCommunicationError(f"reader status failed ({_error_text(hr)})")
        _, state, atr = changes[0]
        if state & scard.SCARD_STATE_UNKNOWN:
            raise ReaderUnavailable("no such reader")
        return state, bytes(atr)

    def _context(self) -> int:
        if self._read_context is None:
            hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hr != scard.SCARD_S_SUCCESS:
                raise ReaderUnavailable(f"PC/SC service unavailable ({_error_text(hr)})")
            self._read_context = ctx
        return self._read_context

    def _drop_read_context(self) -> None:
        """Forget the read context of a pcscd that is gone (its handles went with it)."""
        ctx, self._read_context = self._read_context, None
        self._connections.clear()
        if ctx is not None:
            with contextlib.suppress(Exception):
                scard.SCardReleaseContext(ctx)

    def _connect(self, reader: str) -> _Connection:
        conn = self._connections.get(reader)
        if conn is not None and not conn.stale:
            return conn
        self._drop(reader)
        ctx = self._context()
        hr, handle, protocol = scard.SCardConnect(ctx, reader, scard.SCARD_SHARE_SHARED, _PROTOCOLS)
        hr = _u32(hr)
        if hr in CONTEXT_LOST:
            # The service restarted under us (a stale context answers NO_SERVICE or
            # INVALID_HANDLE): a fresh context may work.
            self._drop_read_context()
            raise _Retry(f"connect: {_error_text(hr)}")
        if hr != scard.SCARD_S_SUCCESS:
            self._refuse_unreadable(reader, hr)
            if hr == NO_CARD and not self._card_still_there(reader):
                raise CardRemovedError("no card in the reader")
            self._raise_for(reader, hr, "connect")
        hr, _name, _state, _proto, atr = scard.SCardStatus(handle)
        if _u32(hr) != scard.SCARD_S_SUCCESS:
            scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
            self._raise_for(reader, _u32(hr), "status")
        conn = _Connection(ctx, handle, protocol, bytes(atr))
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


def _card_state(event_state: int) -> CardState:
    if event_state & scard.SCARD_STATE_MUTE:
        return CardState.MUTE
    if event_state & scard.SCARD_STATE_PRESENT:
        return CardState.PRESENT
    return CardState.ABSENT


__all__ = ["CardError", "PcscCardReader"]
