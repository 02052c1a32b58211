"""``python -m simulators.vcard`` - insert and remove virtual Thai ID cards in a vpcd reader.

    serve  --port P                     keep a card slot for vpcd port P, controlled over
                                        a Unix socket (default /tmp/linkage-kiosk-vcard-P.sock)
    insert --port P --citizen N [--atr nid17|3b67|3b68|other|contactless] [--fault F ...]
           [--framing S ...]
                                        to a running `serve`; without one, hold the card in
                                        this process until Ctrl-C (= removing it)
    remove --port P                     pull the card out (via `serve`)
    status --port P
    list                                seed citizens: index, masked ID, ATR variant

Faults: remove-after=N, wrong-sw, truncated, bad-check-digit, undecodable, latency=MS,
not-thai, no-chip-data. Framings (ISO 7816 answer shapes, simulators/vcard/framing.py):
direct, offer=N, piece=N, read-max=N, strict-le, eof=6282|6c, mute, file-size=N - e.g.
``--framing offer=64 --framing piece=64`` for 64-byte chains.
The vpcd port of the packaged reader config is 35963 (0x8C7B).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import signal
import sys
import time
from pathlib import Path

from kiosk.domain.citizen_id import mask_cid
from simulators.seeds import load_seeds
from simulators.vcard.control import (
    VirtualCardController,
    default_control_path,
    make_card,
    send,
    serve,
)
from simulators.vcard.profile import ATR_VARIANTS, Faults
from simulators.vcard.vpcd import VirtualCard

DEFAULT_PORT = 0x8C7B


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulators.vcard",
        description="Virtual Thai ID card for pcscd's vpcd reader.",
        epilog=f"faults: {', '.join(Faults.NAMES)}; ATR variants: {', '.join(ATR_VARIANTS)}",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--port", type=int, default=DEFAULT_PORT, help="vpcd TCP port")
        p.add_argument("--control", type=Path, help="control socket (default: per port)")

    p = sub.add_parser("serve", help="hold a card slot, controlled over a Unix socket")
    common(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--seeds", type=Path, help="seed file (default seeds/citizens.json)")
    p = sub.add_parser("insert", help="insert a card for a seed citizen")
    common(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--seeds", type=Path)
    p.add_argument("--citizen", required=True, help="index in the seed list or 13-digit ID")
    p.add_argument("--atr", choices=sorted(ATR_VARIANTS), help="ATR variant (default: seed's)")
    p.add_argument("--fault", action="append", default=[], metavar="FAULT")
    p.add_argument("--framing", action="append", default=[], metavar="SPEC")
    for name in ("remove", "status"):
        common(sub.add_parser(name, help=f"{name} the card (via serve)"))
    p = sub.add_parser("list", help="list seed citizens")
    p.add_argument("--seeds", type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "list":
        for citizen in load_seeds(args.seeds).citizens:
            print(citizen.index, mask_cid(citizen.cid), citizen.card.atr)
        return 0
    control = args.control or default_control_path(args.port)
    if args.command == "serve":
        controller = VirtualCardController(args.port, args.host, args.seeds)
        signal.signal(signal.SIGTERM, lambda *_: controller.stopped.set())
        print(f"virtual card slot for vpcd port {args.port}; control socket {control}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            serve(controller, control)
        return 0
    if args.command == "insert":
        request = {"cmd": "insert", "citizen": args.citizen, "atr": args.atr,
                   "faults": args.fault, "framing": args.framing}  # fmt: skip
        try:
            return _reply(send(control, request))
        except ConnectionError:
            return _hold(args)
    try:
        return _reply(send(control, {"cmd": args.command}))
    except ConnectionError as exc:
        print(
            f"error: {exc} (start `python -m simulators.vcard serve --port {args.port}`)",
            file=sys.stderr,
        )
        return 2


def _reply(reply: dict[str, object]) -> int:
    print(json.dumps(reply, ensure_ascii=False))
    return 0 if reply.get("ok") else 1


def _hold(args: argparse.Namespace) -> int:
    """No controller: keep the card inserted in this process until Ctrl-C / SIGTERM."""
    try:
        card = make_card(args.citizen, atr=args.atr, faults=args.fault, seeds_file=args.seeds,
                         framing=args.framing)
    except (KeyError, ValueError) as exc:
        print(f"error: {mask_cid(str(exc))}", file=sys.stderr)
        return 2
    slot = VirtualCard(args.port, args.host)
    try:
        slot.insert(card)
    except ConnectionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"card inserted in vpcd port {args.port}; Ctrl-C removes it", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while slot.inserted:  # ends by itself when a remove-after fault pulls the card
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        slot.remove()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
