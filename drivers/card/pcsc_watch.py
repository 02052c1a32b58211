"""The card monitor of :class:`drivers.card.pcsc.PcscCardReader`: one thread waiting in
``SCardGetStatusChange`` (woken by pcscd; the ``\\\\?PnP?\\Notification`` pseudo-reader for
attach/detach), turning what changed into card events. Cancelled with ``SCardCancel``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from smartcard import scard

from drivers.card.errors import ReaderUnavailable
from drivers.card.pcsc_link import (
    CANCELLED,
    CONTEXT_LOST,
    NO_READERS,
    NO_SERVICE,
    PNP_READER,
    READER_GONE,
    SERVICE_RETRY_S,
    TIMEOUT,
    CardMark,
    card_state_of,
    error_text,
    u32,
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

log = logging.getLogger("drivers.card.pcsc")


class ReaderWatch:
    """The monitoring half of the PC/SC reader (a base of :class:`~drivers.card.pcsc.
    PcscCardReader`, which owns the state named here and the two hooks at the end)."""

    match: ReaderMatch
    _state: ReaderState
    _cards: dict[str, CardState]
    _marks: dict[str, CardMark]
    _usb_ids: dict[str, tuple[int, int] | None]
    _view_lock: threading.Lock
    _stopping: threading.Event
    _monitor_context: int | None
    _listener: Callable[[CardEvent], None] | None

    def _invalidate(self, reader: str) -> None:
        raise NotImplementedError

    def _drop_read_context(self) -> None:
        raise NotImplementedError

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
            hr = u32(hr)
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
                log.warning("SCardGetStatusChange failed: %s", error_text(hr))
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
        after = card_state_of(new)
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
                self._marks[reader] = CardMark(atr)
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
        hr = u32(hr)
        if hr == NO_READERS:
            return []
        if hr != scard.SCARD_S_SUCCESS:
            if strict:
                raise ReaderUnavailable(f"cannot list readers ({error_text(hr)})")
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
        if u32(hr) != scard.SCARD_S_SUCCESS:
            return None
        try:
            hr, value = scard.SCardGetAttrib(handle, scard.SCARD_ATTR_CHANNEL_ID)
        finally:
            scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
        if u32(hr) != scard.SCARD_S_SUCCESS or len(value) < 4:
            return None
        return usb_id_for_channel(int.from_bytes(bytes(value[:4]), "little"))
