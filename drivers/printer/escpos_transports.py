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
from typing import Any

from escpos import printer as escpos_printers

from drivers.printer.escpos_base import EscposTransport, PeerClosed, is_timeout
from drivers.printer.protocol import PrinterDisconnected, PrinterError, PrinterOffline


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
            except PeerClosed:
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
            raise PeerClosed(f"{self.name}: the printer closed the connection")
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
            if is_timeout(exc):
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
