"""``python -m kiosk maintenance ACTION``: the maintenance menu from a technician's shell.

Same core as the touch menu (`kiosk.maintenance`), same audit trail. ``health`` exits like
a monitoring check: 0 all OK, 1 something to look at (WARN), 2 something broken (FAIL).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from kiosk.config import load_settings
from kiosk.maintenance.actions import ActionResult, Maintenance
from kiosk.maintenance.health import Status
from kiosk.maintenance.wiring import open_maintenance

_EXIT = {Status.OK: 0, Status.WARN: 1, Status.FAIL: 2}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("maintenance", help="technician tools: health, diagnostics, "
                            "reprint, outbox dead items, printer profile, log")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    health = actions.add_parser("health", help="health at a glance (exit 0 ok, 1 warn, 2 fail)")
    health.add_argument("--json", action="store_true", help="print the report as JSON")
    diag = actions.add_parser("diagnostics", help="write a PII-free diagnostics zip")
    diag.add_argument("target_dir", type=Path, help="folder to write to (e.g. a USB stick)")
    actions.add_parser("test-print", help="print a test receipt")
    actions.add_parser("jobs", help="list failed print jobs")
    reprint = actions.add_parser("reprint", help="print a failed job again")
    reprint.add_argument("job_id")
    actions.add_parser("dead", help="list dead outbox items with their reason")
    retry = actions.add_parser("retry", help="give a dead outbox item a fresh start")
    retry.add_argument("item_id")
    discard = actions.add_parser("discard", help="drop a dead outbox item (a receipt stays)")
    discard.add_argument("item_id")
    actions.add_parser("profiles", help="list printer profiles")
    profile = actions.add_parser("set-profile", help="switch the printer profile")
    profile.add_argument("name")
    log = actions.add_parser("log", help="recent log lines (personal data removed)")
    log.add_argument("-n", "--lines", type=int, default=100)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    needs = {
        "health": dict(printer=True, outbox=True, linkage=True),
        "diagnostics": dict(printer=True, outbox=True, linkage=True),
        "test-print": dict(printer=True, outbox=True, linkage=False),
        "jobs": dict(printer=True, outbox=False, linkage=False),
        "reprint": dict(printer=True, outbox=True, linkage=False),
        "profiles": dict(printer=False, outbox=False, linkage=False),
        "set-profile": dict(printer=True, outbox=True, linkage=False),
        "log": dict(printer=False, outbox=False, linkage=False),
    }.get(args.action, dict(printer=False, outbox=True, linkage=False))
    from kiosk.app import virtual_printer  # the composition root, only when it is needed

    with open_maintenance(settings, virtual_printer=virtual_printer, **needs) as m:
        return _dispatch(m, args)


def _dispatch(m: Maintenance, args: argparse.Namespace) -> int:
    action = args.action
    if action == "health":
        report = m.health()
        if args.json:
            print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        else:
            for item in report.items:
                print(f"{item.status.value.upper():<5} {item.key:<12} {item.summary}")
        return _EXIT[report.overall]
    if action == "diagnostics":
        return _show(m.export_diagnostics(args.target_dir))
    if action == "test-print":
        return _show(m.test_print())
    if action == "jobs":
        return _list(f"{job.job_id}  {job.kind:<14} {job.state.value:<11} "
                     f"attempts={job.attempts} {job.error_reason or ''}"
                     for job in m.failed_print_jobs())
    if action == "reprint":
        return _show(m.reprint(args.job_id))
    if action == "dead":
        return _list(f"{item.item_id}  {item.reference}  {item.kind.value:<10} "
                     f"attempts={item.attempts}  {item.reason}" for item in m.dead_items())
    if action == "retry":
        return _show(m.retry_dead(args.item_id))
    if action == "discard":
        return _show(m.discard_dead(args.item_id))
    if action == "profiles":
        return _list(m.printer_profiles())
    if action == "set-profile":
        return _show(m.switch_printer_profile(args.name))
    if action == "log":
        return _list(m.recent_log(args.lines))
    raise AssertionError(f"unhandled maintenance action {action}")


def _list(lines: Iterable[str]) -> int:
    """A listing action: one line per entry on stdout; an empty list is no failure."""
    for line in lines:
        print(line)
    return 0


def _show(result: ActionResult) -> int:
    stream = sys.stdout if result.ok else sys.stderr
    print(f"{result.action}: {result.summary}", file=stream)
    return 0 if result.ok else 1
