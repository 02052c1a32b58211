"""Inactivity through the real session engine: the warning counts down, a touch extends.

The stack is the real one (reference server over mutual TLS, outbox, virtual printer,
simulated reader) built by `build_kiosk`, with the session's `ManualClock` so the 90 s of
inactivity pass at once instead of in real time.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from uikit_driver import UiDriver, texts

from kiosk.app import build_kiosk
from kiosk.config import load_settings
from kiosk.linkage.pki import ensure_server_pki
from kiosk.session.view import Screen
from kiosk.ui.app import KioskApp
from kiosk.ui.sounds import Cue
from simulators.kiosk_devices import KioskDevices
from simulators.linkage_server.runner import run_in_thread
from simulators.session_ports import ManualClock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from session.stack import write_config


@pytest.fixture
def timed_kiosk(tmp_path: Path, kiosk_app: KioskApp) -> Iterator[tuple[Any, Any, ManualClock]]:
    root = tmp_path / "kiosk"
    root.mkdir()
    ensure_server_pki(root / "pki")
    with run_in_thread(state_dir=root / "server", pki_dir=root / "pki") as server:
        settings = load_settings(write_config(root, server.base_url))
        clock = ManualClock()
        kiosk = build_kiosk(settings, clock=clock, start_sender=False)
        clock.settle = kiosk.engine.sync
        devices = KioskDevices(kiosk, seeds_file=settings.demo.seeds_file, server=server)
        try:
            kiosk.engine.start()
            kiosk_app.attach_engine(kiosk.engine)
            yield kiosk, devices, clock
        finally:
            devices.close()
            kiosk.close()


def test_timeout_warning_and_extension_by_touch(ui: UiDriver, timed_kiosk: Any) -> None:
    kiosk, devices, clock = timed_kiosk
    settings = kiosk.settings.ui
    devices.insert(0)
    ui.wait_screen(Screen.IDENTITY)

    clock.advance(settings.inactivity_timeout_s)
    view = ui.wait_screen(Screen.TIMEOUT_WARNING)
    assert view.countdown_s is not None and view.countdown_s >= 20  # WCAG 2.2.1
    ui.wait_until(lambda: Cue.TIMEOUT in ui.app.sounds.played, what="timeout sound")
    assert str(view.countdown_s) in texts(ui.current)
    ui.screenshot("timeout-real-engine")

    clock.advance(5)
    ui.wait_until(lambda: ui.app.view.countdown_s == view.countdown_s - 5, what="countdown")
    assert str(view.countdown_s - 5) in texts(ui.current)

    ui.tap(ui.button("timeout.extend"))  # one simple action
    ui.wait_screen(Screen.IDENTITY)

    # Again, answered this time by touching anywhere on the warning.
    clock.advance(settings.inactivity_timeout_s)
    ui.wait_screen(Screen.TIMEOUT_WARNING)
    ui.tap_at(60, ui.app.manager.y + 60)
    ui.wait_screen(Screen.IDENTITY)
    devices.remove()
    ui.wait_screen(Screen.IDLE)
