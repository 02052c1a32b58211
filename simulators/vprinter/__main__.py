"""``python -m simulators.vprinter --port 9100 --pty --out DIR``: run the virtual printer.

Prints where it listens; every cut receipt becomes ``DIR/receipt-NNNN.png``. Faults can
be injected at start (``--paper-out``, ``--cover-open``, ``--baud``...) to try the kiosk's
error screens against a printer that misbehaves on purpose.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from pathlib import Path

from drivers.printer.status import PaperLevel
from simulators.vprinter.server import VirtualPrinter


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulators.vprinter", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100, help="TCP port (0: any free port)")
    parser.add_argument("--no-tcp", action="store_true", help="do not listen on TCP")
    parser.add_argument("--pty", action="store_true", help="also open a serial pseudo-terminal")
    parser.add_argument("--out", type=Path, default=Path(".state/receipts"))
    parser.add_argument("--width", type=int, default=576, help="dots per line")
    parser.add_argument("--dpi", type=int, default=203)
    parser.add_argument("--paper", choices=[p.value for p in PaperLevel], default="ok")
    parser.add_argument("--cover-open", action="store_true")
    parser.add_argument("--cutter-error", action="store_true")
    parser.add_argument("--baud", type=int, help="the printer's fixed baud rate (serial)")
    parser.add_argument("--disconnect-after", type=int, metavar="BYTES")
    parser.add_argument("--chatty", type=int, metavar="SEED",
                        help="noisy replies: duplicated/extra/split status bytes, ASB on")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    printer = VirtualPrinter(args.out, width=args.width, dpi=args.dpi)
    printer.set_paper(PaperLevel(args.paper))
    printer.open_cover(args.cover_open)
    printer.set_cutter_error(args.cutter_error)
    printer.set_baud(args.baud)
    printer.set_chatty(args.chatty)
    if args.disconnect_after is not None:
        printer.disconnect_after(args.disconnect_after)
    if not args.no_tcp:
        port = printer.start_tcp(args.host, args.port)
        print(f"virtual printer: tcp {args.host}:{port}", flush=True)
    if args.pty:
        print(f"virtual printer: serial {printer.start_pty()}", flush=True)
    print(f"virtual printer: receipts in {args.out.resolve()}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    printer.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
