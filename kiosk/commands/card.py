"""``python -m kiosk card read``: read the card in a reader and print one JSON object.

A technician's check of a new card or reader: each MOI field parsed or the error for it,
the ATR, exchanges used and time taken (see :mod:`kiosk.maintenance.card_check`). Personal
fields are masked unless ``--reveal``. Exit status 0 only when the identity was read and
validated in full; 1 when the read or a field failed; 3 when no card was found in time.
"""

from __future__ import annotations

import argparse
import json
import threading
import time

from drivers.card.protocol import CardEvent, CardInserted, CardState
from kiosk.config import load_settings
from kiosk.maintenance.card_check import card_report

NO_CARD = 3


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("card", help="technician card tools")
    card_sub = parser.add_subparsers(dest="card_command", required=True, metavar="ACTION")
    read = card_sub.add_parser("read", help="read the card and print its fields as JSON")
    read.add_argument("--reader", default="",
                      help="reader name, or part of it (default: the first with a card)")
    read.add_argument("--reveal", action="store_true",
                      help="show personal fields in full (default: masked)")
    read.add_argument("--photo", action="store_true", help="read the photo too")
    read.add_argument("--wait", type=float, default=10.0,
                      help="seconds to wait for a card (default 10)")
    read.add_argument("--driver", choices=("pcsc", "simulated"),
                      help="override the configured [card] driver")
    read.add_argument("--seed-citizen", type=int, metavar="INDEX",
                      help="simulated driver only: insert this seed citizen's virtual card")
    read.set_defaults(func=run)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    driver = args.driver or settings.card.driver
    from kiosk.app import create_card_reader  # the composition root, only when it is needed

    reader = create_card_reader(driver, reader_filter=settings.card.reader_filter,
                                reader_usb_id=settings.card.reader_usb_id,
                                transmit_retries=settings.card.transmit_retries)  # fmt: skip
    if args.seed_citizen is not None:
        if driver != "simulated":
            print(json.dumps({"ok": False, "error": "--seed-citizen needs the simulated driver"}))
            return 2
        from simulators.seeds import load_seeds
        from simulators.vcard.card import ThaiIdCardEmulator
        from simulators.vcard.profile import CardProfile

        citizen = load_seeds().citizens[args.seed_citizen]
        reader.insert(ThaiIdCardEmulator(CardProfile.from_seed(citizen)))  # type: ignore[attr-defined]
    inserted = threading.Event()

    def on_event(event: CardEvent) -> None:
        if isinstance(event, CardInserted):
            inserted.set()

    reader.start(on_event)
    try:
        name = _wait_for_card(reader, args.reader, args.wait, inserted)
        if name is None:
            print(json.dumps({"ok": False, "error": f"no card in a reader within {args.wait:g} s",
                              "readers": reader.readers()}, ensure_ascii=False))  # fmt: skip
            return NO_CARD
        report = card_report(reader, name, reveal=args.reveal, photo=args.photo)  # type: ignore[arg-type]
    finally:
        reader.stop()
    report["driver"] = driver
    print(json.dumps(report, ensure_ascii=False))
    return 0 if report["ok"] else 1


def _wait_for_card(reader: object, wanted: str, wait_s: float,
                   inserted: threading.Event) -> str | None:  # fmt: skip
    deadline = time.monotonic() + wait_s
    while True:
        names = [n for n in reader.readers() if wanted in n]  # type: ignore[attr-defined]
        for name in names:
            if reader.card_state(name) is CardState.PRESENT:  # type: ignore[attr-defined]
                return name
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        inserted.wait(min(remaining, 0.5))
        inserted.clear()
