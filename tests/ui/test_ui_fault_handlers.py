"""Faults contained outside a screen's render and build: a touch handler, a key handler and
a callback only Kivy's own main loop runs. The rig is that of test_ui_faults.py
(`uikit_faults`): the real stack, the session's `ManualClock`, no sleeps.
"""

from __future__ import annotations

from typing import Any

import uikit_faults
from kivy.base import EventLoop, ExceptionManager
from kivy.clock import Clock
from uikit_faults import (
    Injected,
    Rig,
    card_out,
    check_contained,
    secret_of,
    serve_next_citizen,
)

from kiosk.session.view import Screen

S = Screen
rig = uikit_faults.rig  # the fixture: the fault rig, in place of the audio one


def test_a_failing_touch_and_key_handler_are_faults_too(rig: Rig) -> None:
    ui = rig.ui
    rig.to_menu()
    menu = ui.app.screens[S.MENU.value]

    def touched(touch: Any) -> bool:
        raise Injected("touch")

    rig.monkeypatch.setattr(menu, "on_touch_down", touched)
    ui.tap(ui.button("common.finish"))
    check_contained(rig, S.MENU, 1, secret_of(rig))
    rig.monkeypatch.undo()
    card_out(rig)

    rig.to_menu()

    def keyed(press: Any) -> bool:
        raise Injected("key")

    rig.monkeypatch.setattr(menu, "on_keypad", keyed, raising=False)
    ui.key("down")
    check_contained(rig, S.MENU, 2, secret_of(rig))
    # The fault screen works by keypad: the focus reaches its Help, Help speaks again.
    ui.key("tab")
    assert ui.app.focus.focused is not None
    ui.key("f1")
    assert ui.app.help_banner.shown
    rig.monkeypatch.undo()
    card_out(rig)
    serve_next_citizen(rig)


def test_kivys_own_loop_contains_a_fault_and_goes_on(rig: Rig) -> None:
    """What no wrapper covers (here a Clock callback) reaches the ExceptionManager handler
    inside Kivy's real main loop: PASS, the fault screen, the session ended."""
    rig.to_menu()
    fired: list[str] = []

    def boom(_dt: float) -> None:
        fired.append("boom")
        raise Injected("clock callback")

    def stop_when_done(_dt: float) -> None:
        view = rig.ui.app.view
        if view is not None and view.fault_ref:
            EventLoop.quit = True

    Clock.schedule_once(boom, 0)
    watcher = Clock.schedule_interval(stop_when_done, 0)
    guard = Clock.schedule_once(lambda _dt: setattr(EventLoop, "quit", True), 20)
    try:
        EventLoop.mainloop()  # returns once quit is set; an unhandled fault would raise
    finally:
        watcher.cancel()
        guard.cancel()
        EventLoop.quit = False
    assert fired == ["boom"] and rig.ui.app.fault_guard in ExceptionManager.handlers
    check_contained(rig, S.MENU, 1, secret_of(rig))
    card_out(rig)
    serve_next_citizen(rig)
