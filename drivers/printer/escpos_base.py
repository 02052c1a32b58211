"""The shared half of every python-escpos transport (`escpos_transports`): opening, sending
with typed failures, and the status dialogue - DLE EOT 1-4, GS r, ASB and process ids -
read with a deadline from whatever bytes the link delivers. A subclass says only how to
make its python-escpos device and read from it."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from escpos.exceptions import DeviceNotFoundError

from drivers.printer.dialogue import ReplyStream
from drivers.printer.protocol import (
    PrinterDisconnected,
    PrinterError,
    PrinterOffline,
    PrinterTimeout,
    StatusUnknown,
    StatusUnsupported,
)
from drivers.printer.status import (
    GS_R_PAPER,
    PrinterStatus,
    fits_paper_reply,
    fits_query,
    query,
)

MAX_STATUS_ROUNDS = 8
"""Rounds of DLE EOT 1-4 before the status is called unknown (see `status`)."""


class EscposTransport:
    """Common part: python-escpos does open/write; status reading has a deadline."""

    reports_status = True
    wire_bytes_per_s: float | None = None
    """Line speed when it limits a job (serial), so job deadlines grow with job size."""

    def __init__(self, name: str, timeout_s: float) -> None:
        self.name = name
        self.timeout_s = timeout_s
        self._printer: Any = None
        self._replies = ReplyStream()
        self.settle_s = 0.002
        """Quiet time that ends a round of answers: a printer's burst of bytes (answer,
        duplicate, ASB) is written within it; the next round starts on a quiet line."""

    # -- to override -------------------------------------------------------------------

    def _make_printer(self) -> Any:
        raise NotImplementedError

    def _read_some(self, timeout_s: float) -> bytes:
        """Up to a few bytes; b"" if none arrived in time. Raise PrinterDisconnected."""
        raise StatusUnsupported(f"{self.name}: this transport cannot read printer status")

    def _after_open(self) -> None:
        """Hook: configure the opened device."""

    def _read_waiting(self) -> bytes:
        """Whatever has already arrived, without waiting. Raise PrinterDisconnected."""
        return b""

    def _unsent(self) -> int | None:
        """Bytes written but not yet taken by the printer (None: cannot tell). A wait
        for an answer is extended while this keeps falling."""
        return None

    # -- PrinterTransport -----------------------------------------------------------------

    def open(self) -> None:
        self.close()
        printer = self._make_printer()
        try:
            printer.open()
        except DeviceNotFoundError as exc:
            raise PrinterOffline(f"{self.name}: {exc}".strip(), reason="not_found") from None
        except Exception as exc:  # OSError, USBError (access denied: no udev rule), ...
            raise PrinterOffline(f"{self.name}: {exc!r}", reason="open_failed") from None
        self._printer = printer
        self._replies = ReplyStream()
        self._after_open()

    def send(self, data: bytes) -> None:
        printer = self._require_open()
        try:
            printer._raw(data)
        except PrinterError:
            raise
        except TimeoutError as exc:
            raise PrinterTimeout(f"{self.name}: write timed out ({exc})") from None
        except Exception as exc:  # each backend raises its own family (OSError, USBError...)
            if is_timeout(exc):
                raise PrinterTimeout(f"{self.name}: write timed out ({exc})") from None
            raise PrinterDisconnected(f"{self.name}: write failed: {exc!r}") from None

    def status(self, timeout_s: float | None = None) -> PrinterStatus:
        """DLE EOT 1-4, asked in rounds until two rounds agree and one of them is clean.

        A stale or unsolicited byte that fits a query shifts the answers after it by one.
        So: after each answer the line is read until it has been quiet for `settle_s`
        (the rest of the printer's burst) and dropped before the next query; and a round
        is clean only if no byte dropped after an answer fits the same query with another
        value (a late real answer behind a stale byte). Rounds that never settle give
        `StatusUnknown`: an answer we cannot match is never read as a fault."""
        self._drain()
        previous: tuple[int, ...] | None = None
        previous_clean = False
        for _ in range(MAX_STATUS_ROUNDS):
            answers, clean = self._status_round(timeout_s or self.timeout_s)
            if answers == previous and (clean or previous_clean):
                return PrinterStatus.parse(*answers)
            previous, previous_clean = answers, clean
        raise StatusUnknown(
            f"{self.name}: status answers did not settle in {MAX_STATUS_ROUNDS} rounds "
            f"(last {bytes(previous or ()).hex()})", reason="status_unsettled")

    def _status_round(self, timeout_s: float) -> tuple[tuple[int, ...], bool]:
        answers: list[int] = []
        clean = True
        for n in (1, 2, 3, 4):
            if n > 1:
                clean &= _no_rival(self._settle(), n - 1, answers[-1])
            self.send(query(n))
            answers.append(self._await(lambda v, n=n: fits_query(n, v), timeout_s,
                                       f"DLE EOT {n}"))
        clean &= _no_rival(self._settle(), 4, answers[-1])
        return tuple(answers), clean

    def wait_processed(self, timeout_s: float) -> PrinterStatus:
        # GS r is answered only after all data sent before it has been handled.
        self._drain()
        self.send(GS_R_PAPER)
        self._await(fits_paper_reply, timeout_s, "GS r 1 (job processed)")
        return self.status()

    # -- the dialogue of `drivers.printer.capability` (status modes) ----------------------

    def ask(self, request: bytes, fits: Callable[[int], bool], timeout_s: float,
            what: str) -> int:
        """Drop what is waiting, send ``request``, return the first byte that ``fits``."""
        self._drain()
        self.send(request)
        return self._await(fits, timeout_s, what)

    def ask_asb(self, request: bytes, timeout_s: float) -> bytes:
        """Send ``request`` (``GS a n``) and return the next whole ASB frame."""
        self._drain()
        frames = self._replies.asb_frames
        self.send(request)
        deadline = time.monotonic() + timeout_s
        while self._replies.asb_frames == frames or self._replies.in_frame:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PrinterTimeout(f"{self.name}: no ASB frame within {timeout_s:.1f} s")
            self._replies.feed(self._read_some(left))
        assert self._replies.last_asb is not None
        return self._replies.last_asb

    def latest_asb(self) -> bytes | None:
        """The last ASB frame the printer sent (read what is waiting first)."""
        self._drain()
        return self._replies.last_asb

    def await_process_id(self, request: bytes, process_id: bytes, timeout_s: float) -> None:
        """Send ``GS ( H`` fn 48 and wait for its answer carrying ``process_id``."""
        self._drain()
        self.send(request)
        deadline = time.monotonic() + timeout_s
        while process_id not in self._replies.process_ids:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PrinterTimeout(
                    f"{self.name}: no GS ( H answer {process_id!r} within {timeout_s:.1f} s")
            self._replies.feed(self._read_some(left))

    def finish_write(self, timeout_s: float) -> bool | None:
        """After a job to a printer that reports nothing: did the link stay whole?

        True: the printer ended the job cleanly (TCP: it closed after our FIN); None: the
        link cannot tell (serial, USB). Raise `PrinterDisconnected` when it broke (reset)."""
        return None

    def close(self) -> None:
        printer, self._printer = self._printer, None
        if printer is not None:
            with contextlib.suppress(Exception):
                printer.close()

    # -- helpers --------------------------------------------------------------------------

    def _require_open(self) -> Any:
        if self._printer is None:
            raise PrinterOffline(f"{self.name}: not open", reason="not_open")
        return self._printer

    def _drain(self) -> list[int]:
        """Read what is waiting (ASB framing is kept), then drop the unanswered bytes."""
        while data := self._read_waiting():
            self._replies.feed(data)
        return self._replies.discard()

    def _settle(self) -> list[int]:
        """Read until the line has been quiet for `settle_s`; drop and return the bytes."""
        while data := self._read_some(self.settle_s):
            self._replies.feed(data)
        return self._drain()

    def _await(self, fits: Callable[[int], bool], timeout_s: float, what: str) -> int:
        """The first byte that fits; other bytes are skipped. No fitting byte in time:
        `StatusUnknown` if something else came (noise, wrong baud rate), else a timeout."""
        skipped_before = self._replies.skipped
        deadline = time.monotonic() + timeout_s
        unsent = self._unsent()
        while True:
            value = self._replies.take(fits)
            if value is not None:
                return value
            left = deadline - time.monotonic()
            if left <= 0:
                if (now := self._unsent()) is not None and unsent is not None and now < unsent:
                    # Still taking the job (a slow or throttled printer): wait on.
                    unsent, deadline = now, time.monotonic() + timeout_s
                    continue
                break
            self._replies.feed(self._read_some(left))
        if self._replies.skipped > skipped_before:
            raise StatusUnknown(
                f"{self.name}: no byte fitting {what} within {timeout_s:.1f} s, only "
                "others; check the baud rate", reason="garbled")
        raise PrinterTimeout(f"{self.name}: no answer to {what} within {timeout_s:.1f} s")


class PeerClosed(PrinterDisconnected):
    """The printer closed its side (FIN), as opposed to a reset."""


def _no_rival(drained: list[int], n: int, answer: int) -> bool:
    """No byte drained after the answer to DLE EOT n fits n with a different value (a
    duplicate is harmless; a rival means the byte we took may have been stale)."""
    return all(v == answer or not fits_query(n, v) for v in drained)


def is_timeout(exc: BaseException) -> bool:
    return "timeout" in type(exc).__name__.lower() or isinstance(exc, TimeoutError)
