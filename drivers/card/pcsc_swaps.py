"""Same-card checks of :class:`drivers.card.pcsc.PcscCardReader`: a card swapped between
two pcscd polls must never mix two citizens' data. The first citizen ID read in an
insertion is the card's; after a failure the ATR (after a reset) and the citizen ID are
compared again; a change is reported as a removal and a new insertion."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from smartcard import scard

from drivers.card import thai_id
from drivers.card.errors import CardError
from drivers.card.pcsc_link import PROTOCOLS, CardMark, Connection, Swapped, TransmitFailed, u32
from drivers.card.protocol import CardEvent, CardInserted, CardRemoved

log = logging.getLogger("drivers.card.pcsc")


class SwapChecks:
    """The swap half of the PC/SC reader (a base of :class:`~drivers.card.pcsc.
    PcscCardReader`, which owns the state named here and the two hooks below)."""

    _marks: dict[str, CardMark]
    _view_lock: threading.Lock
    _connections: dict[str, Connection]
    _listener: Callable[[CardEvent], None] | None

    def _connect(self, reader: str) -> Connection:
        raise NotImplementedError

    def _drop(self, reader: str) -> None:
        raise NotImplementedError

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
        raise Swapped(atr, cid)

    def _verify_same_card(self, reader: str, *, reconnect: bool) -> None:
        """After a failure: a fresh handle, then the ATR and (when known) the citizen ID
        compared with what this insertion started with. Raises Swapped on a change;
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
            conn.handle, scard.SCARD_SHARE_SHARED, PROTOCOLS, scard.SCARD_RESET_CARD
        )
        if u32(hr) != scard.SCARD_S_SUCCESS:
            self._drop(reader)
            return
        hr, _name, _state, _proto, atr = scard.SCardStatus(conn.handle)
        if u32(hr) != scard.SCARD_S_SUCCESS:
            self._drop(reader)
            return
        conn = Connection(conn.context, conn.handle, protocol, bytes(atr))
        self._connections[reader] = conn
        if conn.atr != known[0]:
            raise Swapped(conn.atr, None)
        if known[1] is None:
            return
        try:
            cid = thai_id.read_cid(conn.session)
        except (CardError, TransmitFailed):
            self._drop(reader)
            return
        if cid != known[1]:
            raise Swapped(conn.atr, cid)

    def _report_swap(self, reader: str, swap: Swapped) -> None:
        """pcscd saw no removal: report it ourselves, then the new card's insertion. Should
        pcscd notice the swap later after all, it reports it again: the session then starts
        once more with the same card - a repeat, never another citizen's data."""
        self._drop(reader)
        with self._view_lock:
            self._marks[reader] = CardMark(swap.atr, swap.cid)
        log.info("card swapped during a read on %s: reported as removal + insertion", reader)
        if self._listener is not None:
            self._listener(CardRemoved(reader))
            self._listener(CardInserted(reader, swap.atr))
