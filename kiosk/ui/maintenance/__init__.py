"""The technician's maintenance menu on the touch screen, over `kiosk.maintenance`.

Wiring (composition root, after the `KioskApp` is built)::

    controller = attach_maintenance(app, maintenance, pin_gate)
    start_watchdog_pings(watchdog)      # WATCHDOG=1 from Kivy's main loop
    # technician card: when the card listener sees a configured technician card,
    controller.open_with_card(cid_digits)   # from any thread

Entered by the hidden gesture (five taps on the toolbar title) and the technician PIN,
or by a configured technician card. Screens: ``maint_pin``, ``maint_menu``, ``maint_list``.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock

from kiosk.appliance.watchdog import Watchdog
from kiosk.ui.maintenance.controller import MaintenanceController

__all__ = [
    "MaintenanceController",
    "attach_maintenance",
    "on_main_thread",
    "start_watchdog_pings",
    "stop_app_on_sigterm",
]


def attach_maintenance(app: Any, maintenance: Any, gate: Any, *,
                       refresh_s: float = 2.0) -> MaintenanceController:
    """Register the maintenance screens on ``app`` and listen for the hidden gesture."""
    controller = MaintenanceController(app, maintenance, gate, refresh_s=refresh_s)
    controller.install()
    return controller


def start_watchdog_pings(watchdog: Watchdog) -> Any:
    """Ping systemd's watchdog from Kivy's main loop; a frozen loop stops the pings.

    Returns the Clock event (cancel it to stop), or None when no watchdog is configured.
    """
    interval = watchdog.ping_interval_s
    if interval is None:
        return None
    watchdog.ping()
    return Clock.schedule_interval(lambda _dt: watchdog.ping(), interval)


def on_main_thread(func: Callable[[], Any]) -> Callable[[], None]:
    """A callable for any thread that runs ``func`` on Kivy's main thread (e.g. app.stop)."""
    return lambda: Clock.schedule_once(lambda _dt: func(), 0)


def stop_app_on_sigterm(app: Any) -> None:
    """``systemctl stop`` sends SIGTERM: end the main loop so the kiosk shuts down cleanly
    (outbox closed, STOPPING=1 sent) instead of dying mid-write."""
    def handler(_signum: int, _frame: Any) -> None:
        Clock.schedule_once(lambda _dt: app.stop(), 0)

    signal.signal(signal.SIGTERM, handler)
