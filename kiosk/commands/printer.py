"""``python -m kiosk printer ACTION``: the technician's printer tools, on the configured
printer (the demo config's is the in-process virtual printer).

``demo`` prints the sample record slip and counter ticket; ``status`` asks the printer for
its state; ``jobs`` lists the print journal (newest first); ``reprint JOB`` prints a
failed job again. ``probe`` probes DLE EOT, GS r and ASB in turn, each with a short deadline
(`drivers.printer.capability.probe`), and prints the mode found, which probes were
answered, whether the end of a job can be confirmed, and the profile's ``status_mode``
setting. ``--json`` prints one JSON object. Exit 0 when the printer was reached, 1 if not.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid

from drivers.printer.protocol import PrinterError
from kiosk.config import load_settings
from kiosk.printing import messages
from kiosk.printing.setup import PrintSystem, open_printing
from kiosk.receipts import samples


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("printer", help="technician printer tools")
    printer_sub = parser.add_subparsers(dest="printer_command", required=True,
                                        metavar="ACTION")
    probe = printer_sub.add_parser("probe", help="find which status commands the printer "
                                                 "answers (its status mode)")
    probe.add_argument("--json", action="store_true", help="print one JSON object")
    probe.set_defaults(func=run_probe)
    for name, text in (("demo", "print the sample record slip and counter ticket"),
                       ("status", "ask the printer for its state"),
                       ("jobs", "list the print journal (newest first)"),
                       ("reprint", "print a failed job again")):
        action = printer_sub.add_parser(name, help=text)
        if name == "reprint":
            action.add_argument("job_id")
        action.set_defaults(func=run_tool)


def _open(args: argparse.Namespace) -> PrintSystem:
    from kiosk.app import virtual_printer  # the composition root, only when it is needed

    return open_printing(load_settings(args.config), virtual=virtual_printer)


def run_tool(args: argparse.Namespace) -> int:
    system = _open(args)
    try:
        service = system.service
        if args.printer_command == "status":
            print(service.check().value)
            return 0
        if args.printer_command == "jobs":
            for job in system.journal.jobs():
                when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(job.created_at))
                print(f"{job.job_id}  {when}  {job.kind:<14} {job.state.value:<11} "
                      f"attempts={job.attempts} {job.error_reason or ''}")
            return 0
        if args.printer_command == "reprint":
            outcomes = [service.reprint(args.job_id)]
        else:
            session = uuid.uuid4().hex
            outcomes = [
                service.print_receipt(session, samples.record_slip(), kind="record_slip"),
                service.print_receipt(session, samples.counter_ticket(), kind="counter_ticket"),
            ]
        for outcome in outcomes:
            print(f"job {outcome.job_id}: {outcome.state.value} ({outcome.bytes_sent} bytes) - "
                  f"{messages.technician(outcome.message_key)}")
        if system.virtual_printer is not None:
            for receipt in system.virtual_printer.wait_for_receipts(len(outcomes), 5):
                print(f"  receipt image: {receipt.path}")
        return 0 if all(o.printed for o in outcomes) else 1
    finally:
        system.close()


def run_probe(args: argparse.Namespace) -> int:
    system = _open(args)
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
