"""Where the virtual printer's firmware reads from: a TCP connection or the serial pty.

Each source applies the printer's armed faults to a chunk as it arrives
(`Firmware.account`), hands the received bytes to the real-time scanner
(``on_received``: real-time commands are acted on at receipt, wherever they are), and
paces the line: the TCP side to a throttle, the pty side to the host's baud rate (8N1).
"""

from __future__ import annotations

import os
import select
import socket
import time
from collections.abc import Callable
from typing import Protocol


class LineFaults(Protocol):
    """The armed faults a source applies to the line itself."""

    throttle_bytes_per_s: float | None
    baud: int | None


class Firmware(Protocol):
    """What a source needs of the printer it feeds (:class:`~simulators.vprinter.server.
    VirtualPrinter`)."""

    dead: bool
    tcp_bytes_per_s: float | None

    @property
    def faults(self) -> LineFaults: ...

    def account(self, chunk: bytes) -> tuple[bytes, str | None]:
        """The part of ``chunk`` taken before an armed fault strikes, and that fault."""
        ...

    def host_baud(self) -> int: ...

    def stopping(self) -> bool: ...


class Disconnect(Exception):
    """Injected fault: drop the connection now."""


class Source:
    """Buffered exact reads; faults are applied to each chunk as it arrives."""

    def __init__(self, printer: Firmware) -> None:
        self.printer = printer
        self.buffer = bytearray()
        self.pending_fault: str | None = None
        self.after_fault = b""
        self.on_fault: Callable[[str], None] = lambda what: None
        self.on_chunk: Callable[[], None] = lambda: None
        self.on_received: Callable[[bytes], None] = lambda data: None

    def _fetch(self) -> bytes:
        raise NotImplementedError

    def read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            if self.pending_fault is not None:
                # The bytes before the fault's position have been handled: strike now.
                fault, self.pending_fault = self.pending_fault, None
                self.on_fault(fault)
                if self.printer.dead:
                    self.buffer.clear()
                    raise Disconnect()
                self.buffer += self.after_fault  # paper out: the stream goes on
                continue
            chunk = self._fetch()
            if self.printer.dead:
                continue  # switched off: the line is drained but nothing is processed
            self.on_chunk()
            seen, self.pending_fault = self.printer.account(chunk)
            self.after_fault = chunk[len(seen):]
            self.on_received(seen)
            self.buffer += seen
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data


class TcpSource(Source):
    def __init__(self, printer: Firmware, conn: socket.socket) -> None:
        super().__init__(printer)
        self.conn = conn
        self.reset = False
        self._due = time.monotonic()

    def _fetch(self) -> bytes:
        chunk = self.conn.recv(4096)
        if not chunk:
            raise EOFError
        rate = self.printer.faults.throttle_bytes_per_s or self.printer.tcp_bytes_per_s
        if rate:
            self._due = max(self._due, time.monotonic()) + len(chunk) / rate
            time.sleep(max(0.0, self._due - time.monotonic()))
        return chunk

    def read(self, n: int) -> bytes:
        try:
            return super().read(n)
        except Disconnect:
            self.reset = True
            raise


class PtySource(Source):
    def __init__(self, printer: Firmware, master: int) -> None:
        super().__init__(printer)
        self.master = master
        self._due = time.monotonic()

    def _fetch(self) -> bytes:
        printer = self.printer
        while not printer.stopping():
            baud = printer.host_baud()
            # Read about 10 ms of line time at once: smooth throttling, few wake-ups.
            want = max(1, baud // 1000)
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, want)
            except OSError:
                time.sleep(0.05)  # no host has the port open (EIO): wait for one
                continue
            # The wire carries 10 bits per byte (8N1); hold the pace of the host's baud.
            # While data keeps flowing the schedule is continuous, so a late wake-up (busy
            # machine) is caught up instead of slowing the line; after a pause it restarts.
            now = time.monotonic()
            if now - self._due > 0.1:
                self._due = now
            rate = baud / 10
            if printer.faults.throttle_bytes_per_s:
                rate = min(rate, printer.faults.throttle_bytes_per_s)
            self._due += len(chunk) / rate
            time.sleep(max(0.0, self._due - time.monotonic()))
            fixed = printer.faults.baud
            if fixed is not None and fixed != baud:
                return b"?" * len(chunk)  # framing errors: the firmware sees junk
            return chunk
        raise EOFError
