"""``python -m kiosk busy``: is a citizen's session open or the outbox delivering?

Exit 0 and ``idle`` when neither; exit 1 and the reasons when busy. The fleet updater
(linkage-kiosk-update.service) installs a release only when this says idle."""

from __future__ import annotations

import argparse
import json

from kiosk.config import load_settings
from kiosk.fleet.busy import busy_reasons


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("busy", help="exit 1 while a session is open or an item in flight")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    reasons = busy_reasons(settings.kiosk.state_dir, settings.outbox.database)
    if args.json:
        print(json.dumps({"busy": bool(reasons), "reasons": reasons}))
    else:
        print("; ".join(reasons) if reasons else "idle")
    return 1 if reasons else 0
