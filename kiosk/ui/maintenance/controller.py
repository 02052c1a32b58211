"""Glue between the app, the maintenance core and the three maintenance screens.

Every core call may block (scrypt, device I/O, network), so it runs on the controller's
own worker thread and its result comes back to Kivy's main thread via ``Clock``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from kivy.clock import Clock

from kiosk.maintenance.health import HealthMonitor, HealthReport
from kiosk.ui.maintenance.list_screen import ListScreen
from kiosk.ui.maintenance.menu_screen import MenuScreen
from kiosk.ui.maintenance.pin_screen import PinScreen

log = logging.getLogger(__name__)
T = TypeVar("T")


class MaintenanceController:
    def __init__(self, app: Any, maintenance: Any, gate: Any, *, refresh_s: float = 2.0
                 ) -> None:
        self.app = app
        self.maintenance = maintenance
        self.gate = gate
        self.refresh_s = refresh_s
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="maintenance")
        self._monitor: HealthMonitor | None = None
        self.active = False
        self.last_report: HealthReport | None = None

    def install(self) -> None:
        self.pin_screen = PinScreen(self)
        self.menu_screen = MenuScreen(self)
        self.list_screen = ListScreen(self)
        for screen in (self.pin_screen, self.menu_screen, self.list_screen):
            self.app.register_screen(screen)
        self.app.on_hidden_gesture(self.open_pin_entry)

    # -- entering and leaving ------------------------------------------------------------

    def open_pin_entry(self) -> None:
        self.pin_screen.reset()
        self.app.show_screen(self.pin_screen.name)
        self.run(self.gate.status, self.pin_screen.show_status)

    def check_pin(self, pin: str) -> Any:
        """Worker thread: check the PIN; a refused one goes to the audit trail too."""
        from kiosk.maintenance.pin import PinResult

        check = self.gate.check(pin)
        if check.result is not PinResult.OK:
            self.maintenance.audit.record("pin_refused", check.result.value,
                                          failures=check.failures)
        return check

    def open_with_card(self, cid_digits: str) -> None:
        """From any thread: a card was inserted; open the menu if it is a technician's."""
        if self.gate.check_card(cid_digits):
            self.enter_by_card()

    def enter_by_card(self) -> None:
        """From any thread: a technician card was recognised (`TechnicianCardReader`)."""
        Clock.schedule_once(lambda _dt: None if self.active else self.enter("card"), 0)

    def enter(self, via: str) -> None:
        self.active = True
        self.app.show_screen(self.menu_screen.name)
        self.run(lambda: self.maintenance.enter(via), lambda _r: None)
        self._monitor = HealthMonitor(self.maintenance.probes(), self._report_arrived,
                                      interval_s=self.refresh_s,
                                      timeout_s=self.maintenance.health_timeout_s)
        self._monitor.start()

    def leave(self) -> None:
        if self._monitor is not None:
            monitor, self._monitor = self._monitor, None
            self._worker.submit(monitor.stop)  # joins its thread: not on the main thread
        if self.active:
            self.run(self.maintenance.leave, lambda _r: None)
        self.active = False
        self.app.return_to_session()

    def refresh_now(self) -> None:
        if self._monitor is not None:
            self._monitor.refresh_now()

    def _report_arrived(self, report: HealthReport) -> None:
        # Monitor thread: hand the report to the main thread.
        Clock.schedule_once(lambda _dt: self._show_report(report), 0)

    def _show_report(self, report: HealthReport) -> None:
        if not self.active:
            return
        self.last_report = report
        self.menu_screen.show_report(report)

    # -- running core calls off the main thread ----------------------------------------------

    def run(self, work: Callable[[], T], done: Callable[[T], None],
            failed: Callable[[BaseException], None] | None = None) -> None:
        def call() -> None:
            try:
                result = work()
            except Exception as exc:
                log.exception("maintenance action failed")
                error = exc  # the name `exc` is cleared when the except block ends
                Clock.schedule_once(lambda _dt: (failed or self._failed)(error), 0)
                return
            Clock.schedule_once(lambda _dt: done(result), 0)

        self._worker.submit(call)

    def _failed(self, exc: BaseException) -> None:
        self.menu_screen.show_result(False, f"failed: {exc.__class__.__name__}")

    def shutdown(self) -> None:
        if self._monitor is not None:
            self._monitor.stop()
        self._worker.shutdown(wait=False, cancel_futures=True)
