"""The virtual ESC/POS printer: TCP (JetDirect, port 9100) and a serial pseudo-terminal.

It is reached by the kiosk's real transports (`NetworkTransport`, `SerialTransport`), reads
the stream with `Interpreter`, answers status and writes every cut receipt to
``out_dir/receipt-NNNN.png`` (``-incomplete`` when a fault cut it short).

The serial side models the wire: it reads no faster than the host's baud rate (8N1, ten
bits a byte, taken from the pty's termios as the host set it), so print time over serial
is real. Faults are injected through methods (`open_cover`, `set_paper`, ...):

* paper near end / out, cover open, cutter error, offline;
* ``disconnect_after(n)``: after n more bytes the TCP connection is reset; on the pty the
  printer goes dead (swallows input, answers nothing), as a printer switched off with its
  cable still in, until `reconnect()`;
* ``paper_out_after(n)``: the roll runs out in the middle of a job;
* ``set_baud(b)``: the printer's own baud rate; a host at another rate produces garbage
  and gets no status answers;
* ``set_answers(kind)``: which status commands the firmware answers: ``all``, only
  ``dle_eot``, only ``gs_r``, only ``asb`` (ASB frames after ``GS a`` and ``GS ( H``),
  ``silent`` (answers nothing) or ``write_only`` (no line back at all);
* ``set_realtime_in_data(True)``: real-time commands are found in the received bytes,
  wherever they are (image data too), and each ``10 04 n`` is answered at once, as Epson's
  notes say a printer does; the interpreter then leaves DLE EOT alone;
* ``paper_out_after(n, withhold=True)``: the roll runs out and the printer answers
  nothing more (status withheld) until the paper is reloaded;
* ``throttle(bytes_per_s)``: the printer takes no more than that (TCP and serial);
* ``set_chatty(seed)``: the line is noisy the way real firmware is: answers duplicated,
  extra status bytes of other queries before or after an answer and after data chunks,
  Automatic Status Back frames (on connect, on every status change, at random), each reply
  written in pieces (separate TCP segments). The printed paper is unaffected.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import struct
import termios
import threading
import tty
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from drivers.printer.status import PaperLevel
from simulators.vprinter.interpreter import Interpreter
from simulators.vprinter.panel import Faults, PrinterPanel
from simulators.vprinter.paper import Paper
from simulators.vprinter.sources import Disconnect, PtySource, Source, TcpSource

log = logging.getLogger(__name__)

_SPEEDS = {getattr(termios, f"B{b}"): b for b in
           (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)}


@dataclass(frozen=True)
class Receipt:
    path: Path
    complete: bool
    transport: str
    text: tuple[str, ...] = ()
    """Native text lines as the printer decoded them (raster content is only in the PNG)."""


class VirtualPrinter(PrinterPanel):
    """The printer on its links (TCP, pty); its panel and firmware state are `PrinterPanel`."""

    def __init__(self, out_dir: Path, *, width: int = 576, dpi: int = 203,
                 tcp_bytes_per_s: float | None = None, tcp_nodelay: bool = True) -> None:
        self.out_dir = Path(out_dir)
        # Receipts show citizens' IDs and names: the folder 0700, each picture 0600.
        self.out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.out_dir, 0o700)
        self.width, self.dpi = width, dpi
        self.tcp_bytes_per_s = tcp_bytes_per_s
        # Status answers are one-byte writes: without NODELAY they can wait for an ACK.
        # False models firmware that leaves Nagle on (the benchmark's baseline).
        self.tcp_nodelay = tcp_nodelay
        super().__init__()
        self.stray_answers = 0
        """Answers to real-time patterns found inside other commands' data."""
        self.bytes_received = 0
        self.receipts: list[Receipt] = []
        self.connections_done = 0
        self._seq = 0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: socket.socket | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self.tcp_port: int | None = None
        self.pty_path: str | None = None

    def reconnect(self) -> None:
        """Power back on after a serial 'disconnect': stale input is dropped."""
        if self._master is not None:
            with contextlib.suppress(termios.error):
                termios.tcflush(self._master, termios.TCIOFLUSH)
        self.dead = False

    def clear_faults(self) -> None:
        self.faults = Faults()
        self.withheld = False
        self.reconnect()

    # -- receipts -----------------------------------------------------------------------------

    def _save(self, paper: Paper, *, complete: bool, transport: str) -> None:
        text = tuple(paper.text)
        page = paper.take()
        if page is None:
            return
        with self._cond:
            self._seq += 1
            suffix = "" if complete else "-incomplete"
            path = self.out_dir / f"receipt-{self._seq:04d}{suffix}.png"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                page.save(out, format="PNG", optimize=True)
            self.receipts.append(Receipt(path, complete, transport, text))
            self._cond.notify_all()
        log.info("virtual printer: %s", path.name)

    def wait_for_receipts(self, count: int, timeout_s: float = 10.0) -> list[Receipt]:
        with self._cond:
            self._cond.wait_for(lambda: len(self.receipts) >= count, timeout=timeout_s)
            return list(self.receipts)

    def wait_for_connections(self, count: int, timeout_s: float = 10.0) -> int:
        """Wait until ``count`` connections (TCP clients / pty sessions) have ended."""
        with self._cond:
            self._cond.wait_for(lambda: self.connections_done >= count, timeout=timeout_s)
            return self.connections_done

    # -- byte accounting shared by both transports ----------------------------------------------

    def account(self, chunk: bytes) -> tuple[bytes, str | None]:
        """Apply armed faults to an incoming chunk; return what the firmware sees."""
        f = self.faults
        limits = [(f.disconnect_after, "disconnect"), (f.paper_out_after, "paper_out")]
        armed = [(n - self._armed_count, what) for n, what in limits if n is not None]
        if armed:
            left, what = min(armed)
            if left <= len(chunk):
                self._armed_count += max(left, 0)
                self.bytes_received += max(left, 0)
                if what == "disconnect":
                    f.disconnect_after = None
                else:
                    f.paper_out_after = None
                return chunk[: max(left, 0)], what
            self._armed_count += len(chunk)
        self.bytes_received += len(chunk)
        return chunk, None

    def _run(self, source: Source, paper: Paper, transport: str,
             reply_fn: Callable[[bytes], object]) -> None:
        def write(data: bytes) -> None:
            if not (self.dead or self.withheld
                    or self.faults.answers in ("silent", "write_only")):
                reply_fn(data)

        self.asb_on = False
        watch = self._chatty_state_watch(write)
        tail = bytearray()

        def on_received(data: bytes) -> None:
            # Real-time commands are acted on as they arrive, wherever they are.
            if not self.faults.realtime_in_data:
                return
            buf = tail + data
            for i in range(len(buf) - 2):
                if buf[i] == 0x10 and buf[i + 1] == 0x04 and buf[i + 2] in (1, 2, 3, 4) \
                        and self.answers("dle_eot"):
                    self.stray_answers += 1
                    reply(bytes((self.status_byte(buf[i + 2]),)))
            tail[:] = buf[-2:]

        def on_asb(n: int) -> None:
            self.asb_on = bool(n) and self.answers("asb")
            if self.asb_on:
                write(self.asb_frame())  # the first frame at once (Epson: GS a)

        def interpreter_answers(kind: str) -> bool:
            if kind == "dle_eot" and self.faults.realtime_in_data:
                return False  # already answered on receipt
            return self.answers(kind)

        def reply(data: bytes) -> None:
            watch()
            self._chatter(data, write)

        def on_chunk() -> None:
            watch()
            if self._chatty is not None and self._chatty.random() < 0.2:
                self._chatter(b"", write)  # unsolicited bytes after a data chunk

        if self._chatty is not None:
            write(self.asb_frame())  # ASB enabled: the first frame on connect

        interpreter = Interpreter(
            source, paper, reply=reply, status_byte=self.status_byte,
            paper_status_byte=self.paper_status_byte,
            on_cut=lambda: self._save(paper, complete=True, transport=transport),
            can_print=self.can_print, dpi=self.dpi, answers=interpreter_answers,
            on_asb=on_asb,
        )
        source.on_fault = lambda what: self._fault_hit(what, paper, transport)
        source.on_chunk = on_chunk
        source.on_received = on_received
        try:
            interpreter.run()
        except (EOFError, Disconnect, OSError):
            pass
        finally:
            self._save(paper, complete=False, transport=transport)
            with self._cond:
                self.connections_done += 1
                self._cond.notify_all()

    def _fault_hit(self, what: str, paper: Paper, transport: str) -> None:
        if what == "paper_out":
            self.faults.paper = PaperLevel.OUT
            self.withheld = self.faults.withhold_on_paper_out
            self._save(paper, complete=False, transport=transport)
        elif transport == "serial":
            self.dead = True
            self._save(paper, complete=False, transport=transport)
        else:
            raise Disconnect()

    # -- TCP ---------------------------------------------------------------------------------

    def start_tcp(self, host: str = "127.0.0.1", port: int = 0) -> int:
        server = socket.create_server((host, port), reuse_port=False)
        server.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, int(self.tcp_nodelay))
        server.settimeout(0.2)
        self._server = server
        self.tcp_port = server.getsockname()[1]
        self._spawn(self._accept_loop, "vprinter-tcp")
        return self.tcp_port

    def _accept_loop(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:  # one client at a time, like a real JetDirect port
                conn.settimeout(None)
                # Set on the accepted socket itself: inheritance from the listener is
                # platform-specific.
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, int(self.tcp_nodelay))
                source = TcpSource(self, conn)
                self._run(source, Paper(self.width), "network", conn.sendall)
                if source.reset:
                    # RST, not FIN: the host sees the connection break, as with a pulled cable.
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    struct.pack("ii", 1, 0))

    # -- serial pty ----------------------------------------------------------------------------

    def start_pty(self) -> str:
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no newline translation: a plain 8-bit line
        self._master, self._slave = master, slave
        self.pty_path = os.ttyname(slave)
        self._spawn(self._pty_loop, "vprinter-pty")
        return self.pty_path

    def stopping(self) -> bool:
        return self._stop.is_set()

    def host_baud(self) -> int:
        assert self._slave is not None
        return _SPEEDS.get(termios.tcgetattr(self._slave)[5], 9600)

    def _pty_loop(self) -> None:
        assert self._master is not None
        master = self._master
        paper = Paper(self.width)
        while not self._stop.is_set():
            source = PtySource(self, master)
            self._run(source, paper, "serial", lambda data: os.write(master, data))

    # -- lifecycle -----------------------------------------------------------------------------

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.close()
        for thread in self._threads:
            thread.join(timeout=5)
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None

    def __enter__(self) -> VirtualPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
