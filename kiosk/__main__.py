"""``python -m kiosk COMMAND``: the kiosk's command line.

Each module in ``kiosk/commands/`` adds one sub-command through ``register(subparsers)``
and sets ``func`` on its parser; this file only wires them up and turns the kiosk's own
errors into a message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

import kiosk.commands
from kiosk.config import ConfigError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kiosk", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config",
        help="config file (default: $KIOSK_CONFIG, else config/kiosk.toml, the demo)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(kiosk.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"kiosk.commands.{info.name}")
        module.register(sub)
    return parser


def _configure_logging(config: str | None) -> None:
    """Every sub-command logs alike (time, level, citizen IDs masked), at the config's level;
    a config that does not load is reported by the command itself."""
    from kiosk.config import load_settings
    from kiosk.logging_setup import configure_logging

    try:
        level = load_settings(config).kiosk.log_level
    except ConfigError:
        level = "INFO"
    configure_logging(level)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.config)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
