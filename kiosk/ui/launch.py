"""Start the touch UI for a built kiosk (`kiosk.app.build_kiosk`): the one way in.

Configures Kivy from the settings first (before Kivy is imported), then runs the app on
this (main) thread. The session engine must already run on its own thread. Under systemd
the UI reports readiness and pings the watchdog from the Kivy clock, so a frozen main loop
gets the service restarted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kiosk.config.settings import Settings, UiSettings
from kiosk.session.speech import NullSpeech, SpeechPort
from kiosk.session.view import SessionCommands
from kiosk.ui.bootstrap import configure_kivy
from kiosk.ui.demo_controls import DEMO_PANEL_WIDTH, DemoControls

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp

log = logging.getLogger(__name__)


def ui_settings_for_window(ui: UiSettings, *, demo_panel: bool) -> UiSettings:
    """The demo panel sits beside the kiosk screen: widen the window by its width."""
    if demo_panel and ui.demo_panel and not ui.fullscreen:
        return ui.model_copy(update={"window_width": ui.window_width + DEMO_PANEL_WIDTH})
    return ui


def create_app(settings: Settings, engine: SessionCommands, *,
               demo_controls: DemoControls | None = None,
               ui: UiSettings | None = None,
               speech: SpeechPort | None = None) -> KioskApp:
    """Configure Kivy and build (not run) the app. Call once per process.

    ``speech``: what the UI tells spoken guidance (views, focus, keys); `NullSpeech` when
    none is wired (the composition root passes ``kiosk.app.attach_speech``'s)."""
    ui = ui or ui_settings_for_window(settings.ui, demo_panel=demo_controls is not None)
    state = settings.kiosk.state_dir
    configure_kivy(ui, kivy_home=state / "kivy")
    from kiosk.ui.app import KioskApp

    return KioskApp(ui, engine, sounds_dir=state / "sounds",
                    default_language=settings.kiosk.default_language,
                    demo_controls=demo_controls,
                    speech=speech if speech is not None else NullSpeech())


def run_app(app: KioskApp, *, on_started: Callable[[KioskApp], Any] | None = None) -> None:
    """Run the Kivy main loop until the window closes; systemd notify + watchdog if present."""
    from kivy.clock import Clock

    from kiosk.appliance.watchdog import Watchdog

    watchdog = Watchdog()

    def started(_dt: float) -> None:
        watchdog.ready("touch UI running")
        interval = watchdog.ping_interval_s
        if interval:
            Clock.schedule_interval(lambda _dt: watchdog.ping(), interval)
        if on_started is not None:
            on_started(app)

    Clock.schedule_once(started, 0)
    try:
        app.run()
    finally:
        watchdog.stopping()
        watchdog.close()


def stop_after(app: KioskApp, delay_s: float) -> None:
    """From any thread: end the app's main loop ``delay_s`` from now (the demo's tour)."""
    from kivy.clock import Clock

    Clock.schedule_once(lambda _dt: app.stop(), delay_s)
