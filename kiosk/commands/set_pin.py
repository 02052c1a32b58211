"""``python -m kiosk set-pin``: set the technician PIN (slow scrypt hash, file mode 0600)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from kiosk.config import load_settings
from kiosk.maintenance.paths import lockout_file
from kiosk.maintenance.pin import PinError, PinGate, validate_pin, write_pin_hash


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("set-pin", help="set the technician PIN for the maintenance menu")
    parser.add_argument(
        "--stdin",
        action="store_true",
        help="read the PIN from the first line of standard input (for scripted installs)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    try:
        pin = _read_pin(from_stdin=args.stdin)
    except PinError as exc:
        print(f"set-pin: {exc}", file=sys.stderr)
        return 1
    target = settings.technician.pin_hash_file
    write_pin_hash(target, pin)
    _give_to_directory_owner(target)
    PinGate(target, lockout_file(settings)).reset()
    print(f"technician PIN hash written to {target} (mode 0600)")
    return 0


def _read_pin(*, from_stdin: bool) -> str:
    if from_stdin:
        return validate_pin(sys.stdin.readline().strip())
    first = validate_pin(getpass.getpass("New technician PIN: "))
    if getpass.getpass("Repeat the PIN: ") != first:
        raise PinError("the two PINs differ", message_key="pin.mismatch")
    return first


def _give_to_directory_owner(path: Path) -> None:
    """Run as root on an installed kiosk, the file must belong to the kiosk user, who owns
    the directory it lives in (scripts/install.sh); otherwise the service could not read it."""
    if os.geteuid() != 0:
        return
    st = path.parent.stat()
    if st.st_uid != 0:
        os.chown(path, st.st_uid, st.st_gid)
