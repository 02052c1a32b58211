"""``python -m kiosk outbox``: run the sender, or inspect and repair the offline outbox.

    outbox run                 deliver until SIGTERM (the linkage-kiosk-outbox service)
    outbox status              counts, oldest waiting item, dead items with reasons
    outbox retry-dead ITEM_ID  give a dead item a fresh start
    outbox discard-dead ITEM_ID  drop a dead item (a non-personal receipt record stays)
    outbox salvage FILE        copy every readable item of a damaged file set aside earlier
                               (``outbox.sqlite3.corrupt-*``) back into the queue; safe to
                               run twice, the damaged file is only read

``status`` also shows the accepted-items ledger kept beside the store
(`kiosk.outbox.ledger`): "N items lost" are items the kiosk accepted (the citizen holds a
receipt) that are neither queued nor delivered — the store file was damaged.

Nothing here prints personal data: items are shown by id, reference, kind and reason.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from kiosk.config import load_settings
from kiosk.config.settings import Settings
from kiosk.outbox.crypto import ensure_outbox_key
from kiosk.outbox.health import OutboxUnavailable
from kiosk.outbox.ids import utc_iso
from kiosk.outbox.model import ItemState, OutboxStatus
from kiosk.outbox.salvage import SalvageResult
from kiosk.outbox.service import Outbox
from kiosk.outbox.store import StoreError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("outbox", help="run the outbox sender or inspect the outbox")
    actions = parser.add_subparsers(dest="outbox_action", required=True, metavar="ACTION")
    actions.add_parser("run", help="deliver queued items until SIGTERM")
    status = actions.add_parser("status", help="counts, oldest item, dead items and reasons")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    for name, text in (("retry-dead", "give a dead item a fresh start"),
                       ("discard-dead", "drop a dead item's payload for good")):
        action = actions.add_parser(name, help=text)
        action.add_argument("item_id")
    salvage = actions.add_parser("salvage", help="re-queue readable items of a damaged file")
    salvage.add_argument("file", type=Path, help="a damaged outbox file set aside earlier")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if settings.demo.enabled:
        ensure_outbox_key(settings.outbox)  # the demo makes its keys at first start
    outbox = Outbox(settings.outbox, settings.kiosk.id)
    try:
        outbox.wait_open()
        if args.outbox_action == "run":
            return _run_sender(settings, outbox)
        if args.outbox_action == "status":
            status = outbox.call(lambda s: s.status())
            print(_status_json(status) if args.json else _status_text(status, outbox))
            return 0
        if args.outbox_action == "salvage":
            return _salvage(settings, outbox, args.file)
        return _repair(outbox, args.outbox_action, args.item_id)
    except OutboxUnavailable as exc:
        print(f"outbox unavailable: {exc}", file=sys.stderr)
        return 3
    finally:
        outbox.close()


def _repair(outbox: Outbox, action: str, item_id: str) -> int:
    try:
        if action == "retry-dead":
            outbox.call(lambda s: s.retry_dead(item_id), writes=True)
            print(f"{item_id}: back in the queue")
        else:
            outbox.call(lambda s: s.discard_dead(item_id), writes=True)
            print(f"{item_id}: discarded (receipt record kept)")
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def record_salvage(settings: Settings, outbox: Outbox, result: SalvageResult) -> None:
    """The technician's audit trail (local file, metrics counter, and an audit event)."""
    from kiosk.maintenance.audit import AuditTrail
    from kiosk.maintenance.paths import audit_file

    AuditTrail(settings.kiosk.id, audit_file(settings), outbox=outbox).record(
        "outbox_salvage", "ok" if result.lost == 0 else "rows_lost",
        salvaged=result.salvaged, lost=result.lost, imported=result.imported)


def record_loss(settings: Settings, outbox: Outbox) -> None:
    """Write the ledger's loss count to the audit trail once each time it changes (whichever
    process opens the store first after the damage; the ledger remembers what was told)."""
    from kiosk.maintenance.audit import AuditTrail
    from kiosk.maintenance.paths import audit_file

    try:
        count = outbox.call(lambda s: s.take_unreported_loss(), writes=True)
    except OutboxUnavailable:
        return  # health already says why; the next start tells the audit trail
    if count is None:
        return
    AuditTrail(settings.kiosk.id, audit_file(settings), outbox=outbox).record(
        "outbox_loss", "items_lost" if count.lost else "ok", lost=count.lost,
        resurrected=count.resurrected, accepted=count.accepted)


def _salvage(settings: Settings, outbox: Outbox, damaged: Path) -> int:
    if not damaged.is_file():
        print(f"error: {damaged} is not a file", file=sys.stderr)
        return 1
    if damaged.resolve() == outbox.settings.database.resolve():
        print("error: that is the live outbox; name a file set aside earlier", file=sys.stderr)
        return 1
    result = outbox.call(lambda s: s.salvage_file(damaged), writes=True)
    record_salvage(settings, outbox, result)
    record_loss(settings, outbox)  # items found again make the count smaller
    print(f"{damaged}: {result.summary()}; {result.imported} new in the queue "
          f"({result.already_delivered} had been delivered already)")
    return 0


def _run_sender(settings: Settings, outbox: Outbox) -> int:
    from kiosk.appliance import metrics
    from kiosk.appliance.heartbeat import Heartbeat, heartbeat_path
    from kiosk.appliance.keys import wait_for_keys
    from kiosk.appliance.watchdog import Watchdog
    from kiosk.outbox.linkage_deliverer import LinkageDeliverer
    from kiosk.outbox.sender import Sender

    watchdog = Watchdog()
    heartbeat = Heartbeat(heartbeat_path(settings.kiosk.state_dir))
    stopping = False

    def tick() -> None:  # from the sender's own loop: progress, or idle by design
        watchdog.ping()
        heartbeat.beat()

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        if sender is not None:
            sender.request_stop()

    sender: Sender | None = None
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if outbox.last_salvage is not None:  # this process found the store damaged
        record_salvage(settings, outbox, outbox.last_salvage)
    record_loss(settings, outbox)
    # Up (READY=1) before the keys exist: waiting for them is "idle by design", pinged.
    watchdog.ready("waiting for the client keys")
    if not wait_for_keys(settings, tick, lambda: stopping, status=watchdog.status):
        watchdog.stopping()
        return 0
    deliverer = LinkageDeliverer.from_settings(
        settings, report_error=metrics.record_linkage_error)
    sender = Sender(outbox, deliverer, report_depth=metrics.set_outbox, on_tick=tick)
    if stopping:
        sender.request_stop()
    watchdog.status("delivering")
    try:
        sender.run()
    finally:
        watchdog.stopping()
        heartbeat.clear()
        deliverer.close()
    return 0


def _status_json(status: OutboxStatus) -> str:
    return json.dumps({
        "counts": {state.value: n for state, n in status.counts.items()},
        "oldest_pending_at": status.oldest_pending_at,
        "next_attempt_at": status.next_attempt_at,
        "connectivity": status.connectivity,
        "schema_version": status.schema_version,
        "receipts_purged": status.receipts_purged,
        "ledger": None if status.loss is None else {
            "accepted": status.loss.accepted, "closed": status.loss.closed,
            "waiting": status.loss.waiting, "lost": status.loss.lost,
            "resurrected": status.loss.resurrected},
        "dead": [
            {"id": d.item_id, "reference": d.reference, "kind": d.kind.value,
             "attempts": d.attempts, "created_at": d.created_at, "dead_at": d.dead_at,
             "reason": d.reason}
            for d in status.dead
        ],
    }, ensure_ascii=False)


def _status_text(status: OutboxStatus, outbox: Outbox) -> str:
    c = status.counts
    lines = [
        f"outbox {outbox.settings.database} (schema v{status.schema_version}, "
        f"store {outbox.health}, connectivity {status.connectivity})",
        f"  pending {c[ItemState.PENDING]}, in flight {c[ItemState.IN_FLIGHT]}, "
        f"dead {c[ItemState.DEAD]}, delivered {c[ItemState.DELIVERED]}"
        + (f"; {status.receipts_purged} older receipt(s) purged past retention"
           if status.receipts_purged else ""),
    ]
    if status.loss is not None:
        loss = status.loss
        lines.append(f"  {'LOSS: ' if loss.lost else ''}{loss.summary()} (ledger: accepted "
                     f"{loss.accepted}, delivered or closed {loss.closed}, queued "
                     f"{loss.waiting})")
    salvage = outbox.call(lambda s: s.get_meta("last_salvage"))
    if salvage:
        lines.append(f"  last salvage: {salvage}")
    if status.oldest_pending_at is not None:
        age_min = (time.time() - status.oldest_pending_at) / 60
        lines.append(f"  oldest waiting since {utc_iso(status.oldest_pending_at)} "
                     f"({age_min:.0f} min); next attempt {utc_iso(status.next_attempt_at)}")
    for d in status.dead:
        lines.append(f"  DEAD {d.item_id} {d.reference} {d.kind} after {d.attempts} "
                     f"attempt(s), {utc_iso(d.dead_at)}: {d.reason}")
    return "\n".join(lines)
