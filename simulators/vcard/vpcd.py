"""The virtual card's link to pcscd through the vsmartcard ``vpcd`` reader driver.

vpcd listens on a TCP port per slot; a virtual card *is* a TCP client. Connecting is
inserting the card, closing the connection is pulling it out. Frames are a 2-byte
big-endian length and a body; 1-byte bodies are control codes (0 power off, 1 power on,
2 reset, 4 get ATR, answered with the ATR), anything longer is a C-APDU answered with an
R-APDU.

vpcd writes the length and the body in two writes, so without ``TCP_NODELAY`` and a
re-armed ``TCP_QUICKACK`` before every receive each exchange waits ~40 ms for delayed ACKs
(measured: 44 ms vs 0.12 ms per SELECT) and any benchmark would measure TCP, not the card.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading

from simulators.vcard.card import CardPulled, ThaiIdCardEmulator
from simulators.vcard.netns import pcscd_for_vpcd_port, socket_in_netns_of

log = logging.getLogger(__name__)

CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0, 1, 2, 4
MUTE_ATR = b"\x00" * 40
"""What a mute card (no ATR) answers vpcd: vpcd's presence check wants *some* answer, and
its power-up refuses one longer than an ATR can be (33 bytes, ISO 7816-3 §8.2.1), so
pcscd sees a card that is present but gives no ATR - ``SCARD_STATE_MUTE``."""


class VirtualCard:
    """One vpcd slot with a card that can be inserted and removed from Python.

    ``VirtualCard(port).insert(ThaiIdCardEmulator(profile))`` / ``.remove()``. The
    emulator's fault ``remove-after`` pulls the card by itself mid-conversation.
    """

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._card: ThaiIdCardEmulator | None = None

    @property
    def card(self) -> ThaiIdCardEmulator | None:
        return self._card if self.inserted else None

    @property
    def inserted(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def insert(
        self, card: ThaiIdCardEmulator, *, swap_to: ThaiIdCardEmulator | None = None
    ) -> None:
        """Slide ``card`` into the slot (pulling out whatever was there first).

        ``swap_to``: when ``card`` pulls itself out (fault ``remove-after``), this other card
        goes in at once - a citizen swapping cards faster than pcscd polls the reader.
        """
        self.remove()
        sock = self._connect()
        with self._lock:
            self._sock, self._card = sock, card
            self._thread = threading.Thread(
                target=self._serve, args=(sock, card, swap_to), name=f"vcard-{self.port}",
                daemon=True,
            )
            self._thread.start()

    def _connect(self) -> socket.socket:
        try:
            pcscd = pcscd_for_vpcd_port(self.port) if self.host == "127.0.0.1" else None
            if pcscd is not None:  # the test stack's pcscd, in its own network namespace
                sock = socket_in_netns_of(pcscd)
                sock.settimeout(5)
                try:
                    sock.connect((self.host, self.port))
                except OSError:
                    sock.close()
                    raise
            else:
                sock = socket.create_connection((self.host, self.port), timeout=5)
        except OSError as exc:
            raise ConnectionError(
                f"no vpcd reader on {self.host}:{self.port} (is pcscd running with vpcd?)"
            ) from exc
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def remove(self) -> None:
        """Pull the card out: vpcd sees the connection close on its next presence poll."""
        with self._lock:
            sock, thread = self._sock, self._thread
            self._sock = self._thread = None
        if sock is not None:
            _close(sock)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def close(self) -> None:
        self.remove()

    def __enter__(self) -> VirtualCard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the card's side of the wire ---------------------------------------------------
    def _serve(
        self, sock: socket.socket, card: ThaiIdCardEmulator, swap_to: ThaiIdCardEmulator | None
    ) -> None:
        pulled = self._serve_card(sock, card)
        if not pulled or swap_to is None:
            return
        try:
            sock = self._connect()
        except ConnectionError:
            log.warning("virtual card on port %d: the swapped-in card found no reader", self.port)
            return
        with self._lock:
            if self._thread is not threading.current_thread():  # removed meanwhile
                _close(sock)
                return
            self._sock, self._card = sock, swap_to
        log.info("virtual card on port %d swapped for another card", self.port)
        self._serve_card(sock, swap_to)

    def _serve_card(self, sock: socket.socket, card: ThaiIdCardEmulator) -> bool:
        """Answer until the connection ends; True when the card pulled itself out."""
        try:
            while True:
                body = _recv_frame(sock)
                if body is None:
                    return False
                if len(body) == 1:
                    if body[0] == CTRL_ATR:
                        _send_frame(sock, card.atr or MUTE_ATR)
                    elif body[0] in (CTRL_ON, CTRL_RESET, CTRL_OFF):
                        card.reset()
                    continue
                try:
                    answer = card.process(body)
                except CardPulled:
                    log.info("virtual card on port %d pulled out (fault)", self.port)
                    return True
                _send_frame(sock, answer)
        except OSError:
            return False  # pcscd went away or remove() closed the socket
        finally:
            _close(sock)


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        # Delayed ACKs: re-arm quick ACK before every receive (Linux clears it again).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        part = sock.recv(size - len(data))
        if not part:
            return None
        data += part
    return data


def _recv_frame(sock: socket.socket) -> bytes | None:
    header = _recv_exact(sock, 2)
    if header is None:
        return None
    (length,) = struct.unpack(">H", header)
    return _recv_exact(sock, length) if length else b""


def _send_frame(sock: socket.socket, body: bytes) -> None:
    sock.sendall(struct.pack(">H", len(body)) + body)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
