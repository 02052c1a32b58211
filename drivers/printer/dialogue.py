"""The bytes a printer sends back, sorted so that no answer is taken for another.

A printer's replies are not a clean one-byte-per-query channel: a late duplicate of an
earlier answer, an unsolicited status byte (seen when a job arrived in two TCP segments),
Automatic Status Back (ASB) frames of four bytes, and answers split across reads all
arrive on the same line. `ReplyStream` is fed everything read (also what is drained
before a query, so ASB framing is never lost) and hands out, per query, only a byte that
fits that query's fixed bits (`drivers.printer.status`). Whatever else was seen is
counted, so the caller can tell a clean round of answers from a noisy one.

Two framed answers are kept whole: the 4-byte ASB frame (the last one is `last_asb`, the
printer's latest state in ``asb`` mode) and the ``GS ( H`` process ID response
``37 22 d1 d2 d3 d4 00`` (its IDs in `process_ids`), which is answered in order, after
the data before it has been printed: the fence that ends a job (`drivers.printer.capability`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from drivers.printer.status import ASB_FRAME_LENGTH, is_asb_header

PROCESS_ID_HEADER = b"\x37\x22"
"""First two bytes of the ``GS ( H`` fn 48 answer; it ends with NUL."""


class ReplyStream:
    def __init__(self) -> None:
        self._pending: deque[int] = deque()
        self._asb_left = 0
        self._asb = bytearray()
        self.asb_frames = 0
        self.last_asb: bytes | None = None
        self._pid: bytearray | None = None
        self.process_ids: list[bytes] = []
        self.skipped = 0
        """Bytes read that answered nothing (stale, duplicated, unsolicited)."""

    def feed(self, data: bytes) -> None:
        for value in data:
            if self._asb_left:
                self._asb_left -= 1  # the rest of an ASB frame: bit 4 off, fits no query
                self._asb.append(value)
                if not self._asb_left:
                    self.last_asb = bytes(self._asb)
            elif self._pid is not None:
                self._process_id_byte(value)
            elif is_asb_header(value):
                self._asb_left = ASB_FRAME_LENGTH - 1
                self._asb = bytearray((value,))
                self.asb_frames += 1
            elif value == PROCESS_ID_HEADER[0]:
                self._pid = bytearray((value,))  # 0x37 fits no status answer (bit 0 on)
            else:
                self._pending.append(value)

    def _process_id_byte(self, value: int) -> None:
        assert self._pid is not None
        if len(self._pid) == 1 and value != PROCESS_ID_HEADER[1]:
            self._pid = None  # not a process ID block after all: 0x37 was noise
            self.skipped += 1
            self.feed(bytes((value,)))
            return
        if value == 0 and len(self._pid) >= 2:
            self.process_ids.append(bytes(self._pid[2:]))
            self._pid = None
        elif len(self._pid) > 8:
            self._pid = None  # runaway block: noise
            self.skipped += 1
        else:
            self._pid.append(value)

    @property
    def in_frame(self) -> bool:
        """An ASB frame has started and not all four bytes have come."""
        return self._asb_left > 0

    def discard(self) -> list[int]:
        """Forget every byte not yet taken (a query is about to be asked); return them."""
        dropped = list(self._pending)
        self.skipped += len(dropped)
        self._pending.clear()
        return dropped

    def take(self, fits: Callable[[int], bool]) -> int | None:
        """The first pending byte that fits, dropping the ones before it; None if none."""
        while self._pending:
            value = self._pending.popleft()
            if fits(value):
                return value
            self.skipped += 1
        return None
