"""``python -m kiosk printer probe``: ask the configured printer what status it answers.

Probes DLE EOT, GS r and ASB in turn, each with a short deadline
(`drivers.printer.capability.probe`), and prints the mode found, which probes were
answered, whether the end of a job can be confirmed, and the profile's ``status_mode``
setting. ``--json`` prints one JSON object. Exit 0 when the printer was reached, 1 if not.
"""

from __future__ import annotations

import argparse
import json

from drivers.printer.protocol import PrinterError
from kiosk.config import load_settings
from kiosk.printing.setup import open_printing


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("printer", help="technician printer tools")
    printer_sub = parser.add_subparsers(dest="printer_command", required=True,
                                        metavar="ACTION")
    probe = printer_sub.add_parser("probe", help="find which status commands the printer "
                                                 "answers (its status mode)")
    probe.add_argument("--json", action="store_true", help="print one JSON object")
    probe.set_defaults(func=run_probe)


def run_probe(args: argparse.Namespace) -> int:
    from kiosk.app import virtual_printer  # the composition root, only when it is needed

    system = open_printing(load_settings(args.config), virtual=virtual_printer)
    try:
        result = system.service.probe()
        setting = system.profile.status_mode
        if isinstance(result, PrinterError):
            report = {"ok": False, "profile": system.profile.name, "status_mode_setting":
                      setting, "error": result.reason, "detail": str(result)}
        else:
            report = {"ok": True, "profile": system.profile.name,
                      "status_mode_setting": setting, "found": result.mode.value,
                      "answered": result.answered, "job_end_confirmed": result.fence,
                      "took_s": round(result.took_s, 3)}
        if args.json:
            print(json.dumps(report))
        elif report["ok"]:
            print(f"profile {system.profile.name} (status_mode = {setting!r}): "
                  f"{result.describe()}")  # type: ignore[union-attr]
        else:
            print(f"printer not reached: {report['detail']}")
        return 0 if report["ok"] else 1
    finally:
        system.close()
