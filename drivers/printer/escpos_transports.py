"""Transports over python-escpos printers: USB, serial, network, file, CUPS.

python-escpos opens the device and writes; reading status it leaves to ``_read()`` with
no deadline and no way to tell "no answer" from "disconnected". Each transport here reads
from the underlying device (socket, pyserial port, USB endpoint) with a deadline and maps
failures onto the typed errors of `drivers.printer.protocol`.

A job opens its own connection (`open` ... `close`): a network printer serves one client
at a time, and a fresh connection after a failure starts from a clean state.
"""

from __future__ import annotations

import contextlib
import fcntl
import socket
import termios
import time
from collections.abc import Callable
from typing import Any

from escpos import printer as escpos_printers
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
            if _is_timeout(exc):
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


class _PeerClosed(PrinterDisconnected):
    """The printer closed its side (FIN), as opposed to a reset."""


def _no_rival(drained: list[int], n: int, answer: int) -> bool:
    """No byte drained after the answer to DLE EOT n fits n with a different value (a
    duplicate is harmless; a rival means the byte we took may have been stale)."""
    return all(v == answer or not fits_query(n, v) for v in drained)


def _is_timeout(exc: BaseException) -> bool:
    return "timeout" in type(exc).__name__.lower() or isinstance(exc, TimeoutError)


class NetworkTransport(EscposTransport):
    """Raw TCP, normally port 9100 (JetDirect)."""

    def __init__(self, host: str, port: int, timeout_s: float) -> None:
        super().__init__(f"network {host}:{port}", timeout_s)
        self.host, self.port = host, port

    def _make_printer(self) -> Any:
        return escpos_printers.Network(host=self.host, port=self.port, timeout=self.timeout_s)

    def _after_open(self) -> None:
        # The status query after a job is a small write behind a large one: with Nagle it
        # waits for the printer's (delayed, ~40 ms) ACK before it even leaves.
        sock: socket.socket = self._printer.device
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _read_some(self, timeout_s: float) -> bytes:
        return self._recv(timeout_s, 16)

    def finish_write(self, timeout_s: float) -> bool | None:
        # Half-close, then read to the printer's FIN: a reset (the printer rebooted, the
        # cable was pulled) is an interrupted job; EOF is a link that stayed whole.
        sock: socket.socket = self._require_open().device
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError as exc:
            raise PrinterDisconnected(f"{self.name}: connection lost: {exc}") from None
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                self._replies.feed(self._recv(left, 4096))
            except _PeerClosed:
                return True
        return None

    def _read_waiting(self) -> bytes:
        return self._recv(0, 4096)  # 0: non-blocking (a timeout would wait for data)

    def _unsent(self) -> int | None:
        try:  # SIOCOUTQ: bytes in the send queue the printer has not acknowledged yet
            raw = fcntl.ioctl(self._require_open().device.fileno(), termios.TIOCOUTQ,
                              b"\0\0\0\0")
        except (OSError, PrinterError):
            return None
        return int.from_bytes(raw, "little")

    def _recv(self, timeout_s: float, size: int) -> bytes:
        sock: socket.socket = self._require_open().device
        sock.settimeout(timeout_s)
        try:
            data = sock.recv(size)
        except (TimeoutError, BlockingIOError):
            return b""
        except OSError as exc:
            raise PrinterDisconnected(f"{self.name}: connection lost: {exc}") from None
        finally:
            sock.settimeout(self.timeout_s)
        if not data:
            raise _PeerClosed(f"{self.name}: the printer closed the connection")
        return data


class SerialTransport(EscposTransport):
    """RS-232 via pyserial; flow control RTS/CTS or XON/XOFF keeps big rasters intact."""

    def __init__(self, device: str, baudrate: int, flow_control: str, timeout_s: float,
                 write_timeout_s: float | None = None) -> None:
        super().__init__(f"serial {device} @ {baudrate} ({flow_control})", timeout_s)
        self.device, self.baudrate, self.flow_control = device, baudrate, flow_control
        self.wire_bytes_per_s = baudrate / 10  # 8N1: ten bits per byte
        # A write blocks while the printer holds CTS / sent XOFF; give up after this long.
        self.write_timeout_s = write_timeout_s
        self._keep_output = False

    def _make_printer(self) -> Any:
        return escpos_printers.Serial(
            devfile=self.device, baudrate=self.baudrate, timeout=self.timeout_s,
            xonxoff=self.flow_control == "xonxoff", dsrdtr=False,
        )

    def _after_open(self) -> None:
        port = self._printer.device
        port.rtscts = self.flow_control == "rtscts"
        port.write_timeout = self.write_timeout_s

    def _read_waiting(self) -> bytes:
        import serial

        port = self._require_open().device
        try:
            waiting = port.in_waiting
            return port.read(waiting) if waiting else b""
        except serial.SerialException as exc:
            raise PrinterDisconnected(f"{self.name}: port failed: {exc}") from None

    def _read_some(self, timeout_s: float) -> bytes:
        import serial

        port = self._require_open().device
        port.timeout = min(timeout_s, self.timeout_s)
        try:
            return port.read(1)
        except serial.SerialException as exc:
            raise PrinterDisconnected(f"{self.name}: port failed: {exc}") from None

    def finish_write(self, timeout_s: float) -> bool | None:
        # Nothing comes back on a write-only line; wait until the bytes have left the
        # port (closing would otherwise discard what is still queued), within the deadline.
        import serial

        port = self._require_open().device
        deadline = time.monotonic() + timeout_s
        try:
            while port.out_waiting and time.monotonic() < deadline:
                time.sleep(0.005)
            # Drained (or a pty, whose bytes wait on the other side): close keeps them.
            self._keep_output = not port.out_waiting
        except (serial.SerialException, OSError) as exc:
            raise PrinterDisconnected(f"{self.name}: port failed: {exc}") from None
        return None

    def close(self) -> None:
        printer = self._printer
        if printer is not None and printer.device is not None and not self._keep_output:
            # python-escpos flushes on close; a stuck port would block it forever.
            with contextlib.suppress(Exception):
                printer.device.reset_output_buffer()
        self._keep_output = False
        super().close()


class UsbTransport(EscposTransport):
    """USB printer class via pyusb (needs a udev rule granting the kiosk user access)."""

    def __init__(self, vendor: int, product: int, timeout_s: float) -> None:
        super().__init__(f"usb {vendor:04x}:{product:04x}", timeout_s)
        self.vendor, self.product = vendor, product

    def _make_printer(self) -> Any:
        if not escpos_printers.Usb.is_usable():
            raise PrinterOffline(f"{self.name}: pyusb is not installed", reason="no_pyusb")
        return escpos_printers.Usb(self.vendor, self.product, timeout=int(self.timeout_s * 1000))

    def _read_some(self, timeout_s: float) -> bytes:
        printer = self._require_open()
        try:
            return bytes(printer.device.read(printer.in_ep, 16, int(timeout_s * 1000)))
        except Exception as exc:  # pyusb: USBTimeoutError / USBError
            if _is_timeout(exc):
                return b""
            raise PrinterDisconnected(f"{self.name}: {exc}") from None

    def _read_waiting(self) -> bytes:
        return self._read_some(0.001)


class FileTransport(EscposTransport):
    """A device file (``/dev/usb/lp0``) or a plain file: writes only, no status."""

    reports_status = False

    def __init__(self, path: str, timeout_s: float) -> None:
        super().__init__(f"file {path}", timeout_s)
        self.path = path

    def _make_printer(self) -> Any:
        return escpos_printers.File(devfile=self.path)


class CupsTransport(EscposTransport):
    """A CUPS raw queue (needs pycups). The job is submitted on close; no status."""

    reports_status = False

    def __init__(self, queue: str, timeout_s: float) -> None:
        super().__init__(f"cups {queue}", timeout_s)
        self.queue = queue

    def _make_printer(self) -> Any:
        if not escpos_printers.CupsPrinter.is_usable():
            raise PrinterOffline(f"{self.name}: pycups is not installed", reason="no_cups")
        return escpos_printers.CupsPrinter(printer_name=self.queue)

    def send(self, data: bytes) -> None:
        printer = self._require_open()
        try:
            printer._raw(data)
            printer.send()  # CupsPrinter buffers until send(): one CUPS job per receipt
        except Exception as exc:
            raise PrinterDisconnected(f"{self.name}: submit failed: {exc!r}") from None
