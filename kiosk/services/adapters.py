"""Small adapters from the kiosk's services to the session's printer and network ports."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from drivers.printer.protocol import PrinterState
from kiosk.observers import Subscribers
from kiosk.outbox.connectivity import ConnectivityState, ConnectivityTracker
from kiosk.outbox.health import StoreHealth
from kiosk.printing import messages as printer_messages
from kiosk.printing.journal import JobState
from kiosk.printing.reprint import SessionPrints
from kiosk.printing.service import PrintService
from kiosk.receipts.model import Document
from kiosk.session.ports import PrintResult
from kiosk.session.view import Connectivity, PrintStatus, Text

log = logging.getLogger("kiosk.services")


class PrintServicePort:
    """`PrintService` as the session's printer port: printed only when confirmed; "print
    again" in the same session reprints the same journal job (`kiosk.printing.reprint`)."""

    def __init__(self, service: PrintService) -> None:
        self._service = service
        self._prints = SessionPrints(service)

    def check_ready(self) -> bool:
        """Can the printer print now (after paper out: has it been refilled)?"""
        return self._service.check().can_print

    def print_receipt(self, session_id: str, document: object) -> PrintResult:
        if not isinstance(document, Document):
            raise TypeError("receipt is not a kiosk.receipts Document")
        outcome = self._prints.print(session_id, document)
        if outcome.state is JobState.PRINTED:
            return PrintResult(PrintStatus.PRINTED)
        if outcome.state is JobState.UNCONFIRMED:
            # Status mode none (or file/CUPS): the job went out but is not counted.
            log.warning("print job %s sent but unconfirmed", outcome.job_id)
            return PrintResult(PrintStatus.UNCONFIRMED, "printer.unconfirmed")
        key = outcome.message_key  # interrupted or not started: the error screen, reprint
        text = Text(printer_messages.citizen(key, "th"), printer_messages.citizen(key, "en"))
        if outcome.printer_state is PrinterState.PAPER_OUT:
            return PrintResult(PrintStatus.PAPER_OUT, key, text)
        return PrintResult(PrintStatus.FAILED, key, text)


_STATES = {ConnectivityState.ONLINE: Connectivity.ONLINE,
           ConnectivityState.DEGRADED: Connectivity.DEGRADED,
           ConnectivityState.OFFLINE: Connectivity.OFFLINE}


class TrackerConnectivity:
    """The outbox's connectivity tracker as the session's connectivity port."""

    def __init__(self, tracker: ConnectivityTracker) -> None:
        self._tracker = tracker
        self._subscribers: Subscribers[Connectivity] = Subscribers()
        tracker.subscribe(lambda state: self._subscribers.notify(_STATES[state]))

    def current(self) -> Connectivity:
        return _STATES[self._tracker.state]

    def subscribe(self, callback: Callable[[Connectivity], None]) -> Callable[[], None]:
        return self._subscribers.subscribe(callback)


class _HealthSource(Protocol):
    """The part of `kiosk.outbox.Outbox` this adapter uses."""

    @property
    def accepting(self) -> bool: ...

    def subscribe_health(self, listener: Callable[[StoreHealth], None]) -> None: ...


class OutboxQueueHealth:
    """The outbox's store health as the session's queue-health port.

    The outbox calls back on its own threads and has no unsubscribe, so this keeps its own
    subscriber list; the engine posts each change onto its thread.
    """

    def __init__(self, outbox: _HealthSource) -> None:
        self._outbox = outbox
        self._subscribers: Subscribers[bool] = Subscribers()
        outbox.subscribe_health(
            lambda health: self._subscribers.notify(health is StoreHealth.OK))

    def accepting(self) -> bool:
        return self._outbox.accepting

    def subscribe(self, callback: Callable[[bool], None]) -> Callable[[], None]:
        return self._subscribers.subscribe(callback)


class ConnectivityProber:
    """Probes the Linkage Center when no outbox sender runs in this process.

    The outbox's tracker starts OFFLINE until it has evidence; the sender usually provides
    it, but under systemd the sender may be a separate service. Then this thread asks the
    centre (one authenticated GET) now and then: often while offline, rarely while online.
    Session queries add their own evidence (`KioskServices`).
    """

    def __init__(self, probe: Callable[[], bool], tracker: ConnectivityTracker, *,
                 offline_every_s: float = 5.0, online_every_s: float = 30.0) -> None:
        self._probe = probe
        self._tracker = tracker
        self._offline_every_s = offline_every_s
        self._online_every_s = online_every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="linkage-probe", daemon=True)

    def probe_now(self) -> None:
        try:
            reachable = self._probe()
        except Exception:
            log.exception("connectivity probe failed")
            reachable = False
        self._tracker.record_probe(reachable)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            online = self._tracker.state is ConnectivityState.ONLINE
            if self._stop.wait(self._online_every_s if online else self._offline_every_s):
                return
            self.probe_now()
