"""``python -m kiosk check-config``: validate the configuration and its secret files."""

from __future__ import annotations

import argparse

from kiosk.config import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("check-config", help="validate the config file and print a summary")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    print(f"{settings.source}: OK")
    print(f"  kiosk {settings.kiosk.id}, office {settings.kiosk.office_code}")
    print(f"  card driver: {settings.card.driver}; printer: {settings.printer.transport}"
          f" ({settings.printer.profile}); linkage: {settings.linkage.base_url}")
    print(f"  state dir: {settings.kiosk.state_dir}")
    return 0
