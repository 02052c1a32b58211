"""The soak's harness processes (bench/kit/processes.py): the virtual printer started as
its own process prints what a real ESC/POS client sends it over TCP, is measured from its
pid, and is gone after stop; a helper that dies at start is a clear error."""

from __future__ import annotations

import ctypes
import os
import select
import socket
import struct
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from kit.processes import HelperProcess, PrinterProcess  # bench/kit/processes.py

INIT, CUT = b"\x1b@", b"\x1dV\x00"  # ESC @ (initialise), GS V 0 (full cut)
IN_CLOSE_WRITE = 0x8  # <sys/inotify.h>
_LIBC = ctypes.CDLL("libc.so.6", use_errno=True)


def _watch(directory: Path) -> int:
    """An inotify descriptor that reports files closed after writing in ``directory``."""
    fd = _LIBC.inotify_init1(os.O_CLOEXEC)
    assert fd >= 0, os.strerror(ctypes.get_errno())
    assert _LIBC.inotify_add_watch(fd, str(directory).encode(), IN_CLOSE_WRITE) >= 0
    return fd


def _next_written(fd: int, timeout_s: float = 20.0) -> str | None:
    """The next file written, or None when none is within ``timeout_s``: a wait on the
    kernel's event with a deadline, not a poll."""
    if not select.select([fd], [], [], timeout_s)[0]:
        return None
    event = os.read(fd, 4096)
    _wd, _mask, _cookie, size = struct.unpack_from("iIII", event)
    return event[16:16 + size].rstrip(b"\0").decode()


def test_printer_process_prints_over_tcp_and_stops(tmp_path: Path) -> None:
    printer = PrinterProcess(tmp_path / "receipts")
    try:
        assert printer.host == "127.0.0.1" and printer.port > 0
        watch = _watch(tmp_path / "receipts")  # made by the printer before it listens
        try:
            with socket.create_connection((printer.host, printer.port), timeout=10) as conn:
                conn.sendall(INIT + b"soak harness\n\n\n" + CUT)
            assert _next_written(watch) == "receipt-0001.png"
        finally:
            os.close(watch)
        figures = printer.figures()
        assert figures["rss_mb"] > 1 and figures["threads"] >= 1 and figures["open_fds"] >= 3
    finally:
        printer.stop()
    assert printer.proc.poll() is not None
    assert not Path(f"/proc/{printer.pid}/status").exists() or \
        "zombie" not in Path(f"/proc/{printer.pid}/status").read_text()


def test_a_helper_that_exits_at_start_is_named(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="helper process did not start"):
        HelperProcess(["simulators.vprinter", "--port", "not-a-port"], r"never")
