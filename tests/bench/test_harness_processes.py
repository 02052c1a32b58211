"""The soak's harness processes (bench/kit/processes.py): the virtual printer started as
its own process prints what a real ESC/POS client sends it over TCP, is measured from its
pid, and is gone after stop; a helper that dies at start is a clear error."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from kit.processes import HelperProcess, PrinterProcess  # bench/kit/processes.py

INIT, CUT = b"\x1b@", b"\x1dV\x00"  # ESC @ (initialise), GS V 0 (full cut)


def _wait_for(path_glob: Path, pattern: str, timeout_s: float = 20.0) -> list[Path]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = sorted(path_glob.glob(pattern))
        if found:
            return found
        time.sleep(0.05)
    return []


def test_printer_process_prints_over_tcp_and_stops(tmp_path: Path) -> None:
    printer = PrinterProcess(tmp_path / "receipts")
    try:
        assert printer.host == "127.0.0.1" and printer.port > 0
        with socket.create_connection((printer.host, printer.port), timeout=10) as conn:
            conn.sendall(INIT + b"soak harness\n\n\n" + CUT)
        receipts = _wait_for(tmp_path / "receipts", "receipt-*.png")
        assert [p.name for p in receipts] == ["receipt-0001.png"]
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
