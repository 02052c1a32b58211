"""``python -m kiosk check-config``: validate the configuration and everything it names.

Exit 0 when the kiosk can open all it needs; exit 2 with one line per problem (setting,
file, reason) otherwise — the same code the kiosk itself stops with on a bad config.
"""

from __future__ import annotations

import argparse
import sys

from kiosk.config import load_settings
from kiosk.config.preflight import preflight


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "check-config", help="validate the config file, its secret files, folders and devices")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    problems = preflight(settings)
    if problems:
        print(f"{settings.source}: {len(problems)} problem(s)", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    print(f"{settings.source}: OK")
    print(f"  kiosk {settings.kiosk.id}, office {settings.kiosk.office_code}")
    print(f"  card driver: {settings.card.driver}; printer: {settings.printer.transport}"
          f" ({settings.printer.profile}); linkage: {settings.linkage.base_url}")
    print(f"  state dir: {settings.kiosk.state_dir}")
    return 0
