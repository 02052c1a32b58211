"""``python -m kiosk.printing COMMAND``: print the sample receipts, check the printer,
list the journal, reprint a failed job. Uses the kiosk config (``--config``, else
``$KIOSK_CONFIG``, else the demo config with its in-process virtual printer).
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Sequence

from kiosk.app import virtual_printer
from kiosk.config import ConfigError, load_settings
from kiosk.printing import messages
from kiosk.printing.setup import open_printing
from kiosk.receipts import samples


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.printing", description=__doc__)
    parser.add_argument("--config")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="print the sample record slip and counter ticket")
    sub.add_parser("status", help="ask the printer for its state")
    sub.add_parser("jobs", help="list the print journal (newest first)")
    reprint = sub.add_parser("reprint", help="print a failed job again")
    reprint.add_argument("job_id")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
        system = open_printing(settings, virtual=virtual_printer)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        service = system.service
        if args.command == "status":
            print(service.check().value)
            return 0
        if args.command == "jobs":
            for job in system.journal.jobs():
                when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(job.created_at))
                print(f"{job.job_id}  {when}  {job.kind:<14} {job.state.value:<11} "
                      f"attempts={job.attempts} {job.error_reason or ''}")
            return 0
        if args.command == "reprint":
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


if __name__ == "__main__":
    sys.exit(main())
