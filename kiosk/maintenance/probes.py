"""Health probes over the other layers' own APIs: card reader, printer, Linkage, outbox.

Each factory takes the live object the kiosk already has (the same `CardReader`,
`PrintService`, `LinkageClient`, `Outbox` the session uses) and returns a `Probe`. The
probes only ask; they never change a device's state. `gather()` runs them on worker
threads with a deadline, so a blocking call here is fine.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.maintenance.health import DetailValue, HealthItem, Probe, Status

if TYPE_CHECKING:
    from drivers.card.protocol import CardReader
    from kiosk.linkage.client import LinkageClient
    from kiosk.outbox.service import Outbox
    from kiosk.printing.service import PrintService

OUTBOX_OLD_S = 3600.0
"""A waiting item older than this is worth a technician's look (the centre may be down)."""
LINKAGE_SLOW_S = 2.0


def card_reader_probe(reader: CardReader) -> Probe:
    from drivers.card.protocol import CardState, ReaderState

    def probe() -> HealthItem:
        state = reader.state
        names = reader.readers()
        slots = {name: reader.card_state(name).value for name in names}
        detail: dict[str, DetailValue] = {"driver_state": state.value, "readers": len(names),
                                          "cards": ", ".join(slots.values()) or None}
        if state is ReaderState.READY and names:
            present = sum(1 for s in slots.values() if s == CardState.PRESENT.value)
            mute = sum(1 for s in slots.values() if s == CardState.MUTE.value)
            if mute:
                return HealthItem("card_reader", Status.WARN,
                                  f"{len(names)} reader(s); a card is in but does not answer",
                                  detail)
            card = "card present" if present else "no card"
            return HealthItem("card_reader", Status.OK, f"{len(names)} reader(s), {card}",
                              detail)
        if state is ReaderState.STOPPED:
            return HealthItem("card_reader", Status.WARN, "card reader driver not started",
                              detail)
        if state is ReaderState.FAILED:
            return HealthItem("card_reader", Status.FAIL,
                              "PC/SC service (pcscd) not answering", detail)
        return HealthItem("card_reader", Status.FAIL, "no card reader attached", detail)
    return probe


def printer_probe(service: PrintService) -> Probe:
    from drivers.printer.protocol import PrinterState

    summaries = {
        PrinterState.READY: (Status.OK, "online, paper OK, cover closed"),
        PrinterState.PAPER_NEAR_END: (Status.WARN, "paper roll nearly empty"),
        PrinterState.PAPER_OUT: (Status.FAIL, "paper out"),
        PrinterState.COVER_OPEN: (Status.FAIL, "cover open"),
        PrinterState.OFFLINE: (Status.FAIL, "offline"),
        PrinterState.ERROR: (Status.FAIL, "printer error (cutter jam or overheated head)"),
        PrinterState.UNREACHABLE: (Status.FAIL, "not reachable (power, cable, port)"),
        PrinterState.UNKNOWN: (Status.WARN, "the printer reports no status: jobs are "
                                            "'printed, not confirmed'"),
    }

    def probe() -> HealthItem:
        state = service.check()  # an "auto" profile is probed here if it was not yet
        status, summary = summaries[state]
        failed = len(service.failed_jobs())
        mode = service.status_mode()
        detail: dict[str, DetailValue] = {"state": state.value,
                                          "profile": service.profile.name,
                                          "failed_jobs": failed,
                                          "status_mode": mode.value if mode else "not probed",
                                          "status_mode_setting": service.profile.status_mode}
        if service.last_probe is not None:
            detail["status_probe"] = service.last_probe.describe()
        summary = f"{summary} (status mode {mode.value if mode else 'not probed yet'})"
        if failed and status is Status.OK:
            status, summary = Status.WARN, f"{summary}; {failed} failed job(s) to reprint"
        return HealthItem("printer", status, summary, detail)
    return probe


def linkage_probe(client_factory: Callable[[], LinkageClient]) -> Probe:
    """Reachability and latency: one authenticated service-list call."""
    from kiosk.linkage import errors as E

    def probe() -> HealthItem:
        started = time.monotonic()
        try:
            client = client_factory()
            client.services()
        except E.TlsRefused as exc:  # not an outage: say who refused what, and the fix
            return HealthItem("linkage", Status.FAIL, exc.in_words(),
                              {"error": type(exc).__name__, "tls_reason": exc.reason})
        except E.TransportError as exc:
            ms = round((time.monotonic() - started) * 1000)
            if getattr(exc, "status_code", None) is None:
                return HealthItem("linkage", Status.FAIL,
                                  f"not reachable ({exc.__class__.__name__})",
                                  {"error": exc.message_key, "after_ms": ms})
            return HealthItem("linkage", Status.FAIL,
                              f"server error HTTP {exc.status_code}",
                              {"error": exc.message_key, "latency_ms": ms})
        except E.LinkageError as exc:
            ms = round((time.monotonic() - started) * 1000)
            return HealthItem("linkage", Status.WARN,
                              f"reachable, but refused: {exc.message_key}",
                              {"error": exc.message_key, "latency_ms": ms})
        ms = round((time.monotonic() - started) * 1000)
        status = Status.WARN if ms > LINKAGE_SLOW_S * 1000 else Status.OK
        return HealthItem("linkage", status, f"reachable, {ms} ms", {"latency_ms": ms})
    return probe


def certificate_probe(certificates: dict[str, Path],
                      clock: Callable[[], dt.datetime] | None = None) -> Probe:
    """Days left on the kiosk's client certificate and the CA: WARN under 30, FAIL after.
    ``detail`` carries ``<name>_days_left`` for each (what metrics export)."""
    from kiosk.linkage.cert_expiry import expiry_findings

    def probe() -> HealthItem:
        level, sentences, days_left = expiry_findings(certificates, clock)
        detail: dict[str, DetailValue] = {f"{k}_days_left": v for k, v in days_left.items()}
        if level == "ok":
            least = min((d for d in days_left.values() if d is not None), default=None)
            return HealthItem("certificates", Status.OK,
                              f"valid for {least:.0f} more days" if least is not None
                              else "no certificates", detail)
        return HealthItem("certificates", Status.FAIL if level == "fail" else Status.WARN,
                          "; ".join(sentences), detail)
    return probe


def outbox_probe(outbox: Outbox, *, clock: Callable[[], float] = time.time) -> Probe:
    from kiosk.outbox.health import StoreHealth
    from kiosk.outbox.model import ItemState

    def probe() -> HealthItem:
        health = outbox.health
        if health is not StoreHealth.OK:
            return HealthItem("outbox", Status.FAIL, health.technician_message,
                              {"store": health.value})
        status = outbox.status_async().result(timeout=10)
        waiting = status.counts.get(ItemState.PENDING, 0) + status.counts.get(
            ItemState.IN_FLIGHT, 0)
        dead = status.counts.get(ItemState.DEAD, 0)
        oldest_s = (round(clock() - status.oldest_pending_at)
                    if status.oldest_pending_at is not None else None)
        detail: dict[str, DetailValue] = {"waiting": waiting, "dead": dead,
                                          "oldest_waiting_s": oldest_s,
                                          "connectivity": status.connectivity,
                                          "receipts_purged": status.receipts_purged}
        salvage = outbox.last_salvage
        if salvage is not None:  # a damaged database was replaced at this start
            detail.update(salvaged=salvage.salvaged, lost=salvage.lost)
            return HealthItem(
                "outbox", Status.WARN,
                f"the outbox database was damaged: {salvage.summary()}; the damaged file is "
                f"kept at {salvage.source} (`python -m kiosk outbox salvage` can re-read it)",
                detail)
        if dead:
            return HealthItem("outbox", Status.WARN,
                              f"{dead} dead item(s) need a technician; {waiting} waiting",
                              detail)
        if oldest_s is not None and oldest_s > OUTBOX_OLD_S:
            return HealthItem("outbox", Status.WARN,
                              f"{waiting} waiting, oldest {oldest_s // 60} min", detail)
        return HealthItem("outbox", Status.OK, f"{waiting} waiting", detail)
    return probe


def outbox_loss_probe(outbox: Outbox) -> Probe:
    """The accepted-items ledger's count (`kiosk.outbox.ledger`): WARN while accepted items
    are missing from the store. Kept beside the store on disk, so every process and every
    restart sees it, not only the process that found the damage."""
    def probe() -> HealthItem:
        count = outbox.loss_async().result(timeout=10)
        detail: dict[str, DetailValue] = {
            "accepted": count.accepted, "lost_items": count.lost,
            "resurrected_items": count.resurrected}
        if count.lost:
            return HealthItem(
                "outbox_loss", Status.WARN,
                f"{count.summary()}: accepted but neither queued nor delivered; export "
                "diagnostics and check the disk (`python -m kiosk outbox status`)", detail)
        return HealthItem("outbox_loss", Status.OK, count.summary(), detail)
    return probe
