"""The bytes a printer sends back, sorted so that no answer is taken for another.

A printer's replies are not a clean one-byte-per-query channel: a late duplicate of an
earlier answer, an unsolicited status byte (seen when a job arrived in two TCP segments),
Automatic Status Back (ASB) frames of four bytes, and answers split across reads all
arrive on the same line. `ReplyStream` is fed everything read (also what is drained
before a query, so ASB framing is never lost) and hands out, per query, only a byte that
fits that query's fixed bits (`drivers.printer.status`). Whatever else was seen is
counted, so the caller can tell a clean round of answers from a noisy one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from drivers.printer.status import ASB_FRAME_LENGTH, is_asb_header


class ReplyStream:
    def __init__(self) -> None:
        self._pending: deque[int] = deque()
        self._asb_left = 0
        self.asb_frames = 0
        self.skipped = 0
        """Bytes read that answered nothing (stale, duplicated, unsolicited)."""

    def feed(self, data: bytes) -> None:
        for value in data:
            if self._asb_left:
                self._asb_left -= 1  # the rest of an ASB frame: bit 4 off, fits no query
            elif is_asb_header(value):
                self._asb_left = ASB_FRAME_LENGTH - 1
                self.asb_frames += 1
            else:
                self._pending.append(value)

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
