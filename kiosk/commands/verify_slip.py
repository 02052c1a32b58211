"""``python -m kiosk verify-slip``: check a registry slip's QR (for agency officers).

The QR text is checked exactly as given, by the one rule of docs/slip-format.md: nothing
around it is trimmed. From stdin (``-``) the text is one line: its single line ending
(LF or CR LF, which a terminal or a keyboard-wedge scanner adds) is not part of the text and
is removed; nothing else is.

Prints one line ``valid`` / ``altered`` / ``unknown_kiosk`` / ``expired`` / ``malformed``
with details; the exit code says the same (0 valid, 3 altered, 4 unknown kiosk, 5 expired,
6 malformed), so scripts at the counter can use it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from kiosk.services.slip import RECEIPT_KEYS_FILE, Verdict, fields_from_json, read_receipt_keys
from kiosk.services.slip import verify as verify_qr

EXIT_CODES = {Verdict.VALID: 0, Verdict.ALTERED: 3, Verdict.UNKNOWN_KIOSK: 4,
              Verdict.EXPIRED: 5, Verdict.MALFORMED: 6}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("verify-slip", help="verify the QR code of a printed registry slip")
    parser.add_argument("qr", help="the scanned QR text (LKS2....), exactly, or - to read one "
                                   "line from stdin")
    parser.add_argument("--fields", type=Path,
                        help="JSON file of the printed fields ([[label, value], ...]); "
                             "without it only the QR itself is checked")
    parser.add_argument("--keys", type=Path,
                        help=f"kiosk receipt public keys (default: {RECEIPT_KEYS_FILE} next "
                             "to the configured CA file)")
    parser.add_argument("--at", help="check validity at this ISO time (default: now)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def read_line(data: bytes) -> str:
    """The text of one input line: its one line ending (LF or CR LF) removed, nothing else;
    bytes that are not UTF-8 stay as surrogates (and make the text malformed)."""
    if data.endswith(b"\r\n"):
        data = data[:-2]
    elif data.endswith(b"\n"):
        data = data[:-1]
    return data.decode("utf-8", "surrogateescape")


def run(args: argparse.Namespace) -> int:
    qr = read_line(sys.stdin.buffer.read()) if args.qr == "-" else args.qr
    keys_file = args.keys
    if keys_file is None:
        from kiosk.config import load_settings

        keys_file = load_settings(args.config).linkage.ca_file.parent / RECEIPT_KEYS_FILE
    fields = fields_from_json(args.fields.read_text("utf-8")) if args.fields else None
    now = dt.datetime.fromisoformat(args.at) if args.at else None
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    result = verify_qr(qr, read_receipt_keys(keys_file), fields=fields, now=now)
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        s = result.stamp
        where = f" (kiosk {s.kiosk_id}, slip {s.serial}, issued {s.issued:%Y-%m-%d %H:%M}Z, " \
                f"expires {s.expires:%Y-%m-%d}, holder {s.masked_id})" if s else ""
        print(f"{result.verdict.value}: {result.detail}{where}")
    return EXIT_CODES[result.verdict]
