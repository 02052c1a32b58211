"""Issue 16: the virtual printer's receipts show citizens' IDs and names, so its folder is
0700 and every receipt picture 0600 whatever the umask."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

from kiosk.receipts.render import render_receipt
from simulators.vprinter.server import VirtualPrinter

from .test_vprinter_and_paths import record_slip


def test_receipts_and_their_folder_are_private(tmp_path: Path, profiles) -> None:  # type: ignore[no-untyped-def]
    old = os.umask(0o022)
    printer = VirtualPrinter(tmp_path / "receipts")
    try:
        printer.start_tcp("127.0.0.1", 0)
        data = render_receipt(record_slip(), profiles["epson-tm-t82-thai"], "native")
        with socket.create_connection(("127.0.0.1", printer.tcp_port)) as conn:
            conn.sendall(data)
        (receipt,) = printer.wait_for_receipts(1)
    finally:
        printer.stop()
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "receipts").stat().st_mode) == 0o700
    assert stat.S_IMODE(receipt.path.stat().st_mode) == 0o600
    assert receipt.path.read_bytes().startswith(b"\x89PNG")
