"""Fleet metrics from what the kiosk already publishes: session views and health reports.

The session engine publishes a `SessionView` on every change; watching them is enough to
count service outcomes and to time card reads and service runs. How a session ended is
not guessed from the screens (the engine wipes the session before its last screen): the
engine reports it (`SessionEngine.subscribe_ends`, a `SessionOutcome`). Views carry masked
data only, and only screen names, service ids and status words reach the metrics.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from kiosk.appliance.metrics import KioskMetrics
from kiosk.maintenance.health import HealthReport, Status
from kiosk.session.outcome import SessionOutcome
from kiosk.session.view import PrintStatus, Screen, SessionView


class SessionSource(Protocol):
    """What `SessionMetrics` needs of the session engine."""

    def subscribe(self, callback: Callable[[SessionView], None]) -> Callable[[], None]: ...

    def subscribe_ends(self, callback: Callable[[SessionOutcome], None]
                       ) -> Callable[[], None]: ...


class SessionMetrics:
    """Feed with `attach(engine)` (views and session ends); called on the engine's thread."""

    def __init__(self, metrics: KioskMetrics, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self._m = metrics
        self._clock = clock
        self._lock = threading.Lock()
        self._session: str | None = None
        self._reading_since: float | None = None
        self._running_since: float | None = None
        self._results_seen: set[tuple[str, str]] = set()
        self._print_status = PrintStatus.NONE

    def attach(self, engine: SessionSource) -> None:
        engine.subscribe(self.on_view)
        engine.subscribe_ends(self.on_session_end)

    def on_session_end(self, outcome: SessionOutcome) -> None:
        self._m.record_session(outcome.value)

    def on_view(self, view: SessionView) -> None:
        with self._lock:
            self._observe(view)

    def _observe(self, view: SessionView) -> None:
        now = self._clock()
        if self._session is not None and view.session_id != self._session:
            self._reading_since = self._running_since = None
            self._results_seen.clear()
        self._session = view.session_id
        screen = view.screen
        if screen is Screen.READING and self._reading_since is None:
            self._reading_since = now
        elif self._reading_since is not None and screen in (Screen.IDENTITY, Screen.ERROR):
            outcome = "ok" if screen is Screen.IDENTITY else "error"
            self._m.observe_card_read(now - self._reading_since, outcome)
            if screen is Screen.ERROR:
                self._m.record_card_error(view.error_key or "unknown")
            self._reading_since = None
        if screen is Screen.RUNNING and self._running_since is None:
            self._running_since = now
        if view.result is not None and screen is Screen.RESULT:
            key = (view.result.service_id, view.result.status)
            if key not in self._results_seen:
                self._results_seen.add(key)
                self._m.record_service(view.result.service_id, view.result.status)
                if self._running_since is not None:
                    self._m.observe_linkage_query(view.result.service_id,
                                                  now - self._running_since,
                                                  view.result.status)
            self._running_since = None
        if view.print_status is not self._print_status:
            if view.print_status in (PrintStatus.PRINTED, PrintStatus.UNCONFIRMED,
                                     PrintStatus.PAPER_OUT, PrintStatus.FAILED):
                self._m.record_print(view.print_status.value)
            self._print_status = view.print_status


def record_health(metrics: KioskMetrics, report: HealthReport) -> None:
    """Health items, outbox depth and printer state as gauges (from the maintenance probes)."""
    for item in report.items:
        metrics.set_health(item.key, item.status.severity)
        if item.key == "outbox" and "waiting" in item.detail:
            metrics.set_outbox(int(item.detail.get("waiting") or 0),
                               int(item.detail.get("dead") or 0),
                               _float(item.detail.get("oldest_waiting_s")))
            # A damaged store salvaged at this start (kiosk.outbox.salvage): 0/0 otherwise.
            metrics.set_outbox_salvage(int(item.detail.get("salvaged") or 0),
                                       int(item.detail.get("lost") or 0))
        elif item.key == "outbox_loss" and "lost_items" in item.detail:
            metrics.set_outbox_loss(int(item.detail.get("lost_items") or 0),
                                    int(item.detail.get("resurrected_items") or 0))
        elif item.key == "printer" and item.detail.get("state"):
            metrics.set_printer_state(str(item.detail["state"]))
        elif item.key == "vpcd":
            metrics.set_vpcd_configured(item.status.severity > 0)
        elif item.key == "card_reader":
            metrics.set_card_reader_present(item.detail.get("driver_state") == "ready"
                                            and bool(item.detail.get("readers")))
        elif item.key == "linkage":
            metrics.set_linkage_reachable(item.status is not Status.FAIL)


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
