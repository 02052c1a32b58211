"""``python -m kiosk run-script FILE``: drive one or more sessions from a script, headless.

The kiosk is built from the configuration exactly as for the touch UI (card driver,
Linkage client over TLS, outbox, printer) and driven by the script's events instead of
touches. Script format: `kiosk.services.scripted`; examples in ``docs/scripts/``.
Prints one line per screen change, then one JSON summary line. Exit 0 when every step
did what it expected, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.config import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("run-script", help="run scripted citizen sessions (headless demo)")
    parser.add_argument("file", type=Path, help="the script (see docs/scripts/*.kiosk)")
    parser.add_argument("--vpcd-port", type=int,
                        help="insert cards as a virtual card through vpcd on this port "
                             "(with [card] driver = \"pcsc\")")
    parser.add_argument("--quiet", action="store_true", help="print only the JSON summary")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kiosk.app import build_kiosk
    from kiosk.services.scripted import ScriptError, ScriptRunner, parse_script
    from simulators.kiosk_devices import KioskDevices

    try:
        steps = parse_script(args.file.read_text("utf-8"), str(args.file))
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    except ScriptError as exc:
        print(f"script error: {exc}", file=sys.stderr)
        return 2
    settings = load_settings(args.config)
    kiosk = build_kiosk(settings)
    devices = KioskDevices(kiosk, seeds_file=settings.demo.seeds_file,
                           vpcd_port=args.vpcd_port)
    try:
        kiosk.engine.start()
        runner = ScriptRunner(kiosk.engine, devices, out=None if args.quiet else sys.stdout)
        try:
            report = runner.run(steps)
        except ScriptError as exc:
            print(f"script failed: {exc}", file=sys.stderr)
            return 1
        print(report.as_json())
        return 0
    finally:
        devices.close()
        kiosk.close()
