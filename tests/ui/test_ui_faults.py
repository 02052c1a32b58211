"""Faults contained: a screen that raises ends one citizen's session, never the kiosk.

The real stack (reference server over mutual TLS, outbox on SQLite, virtual printer, the
simulated reader running the real APDU plan; `tests/session/stack.py`) with the session's
`ManualClock`, so timers move only when the test says. A failure is injected into every
session screen in turn, once into its refresh (``render``) and once into its build (the
screen is rebuilt with a raising ``build``, as at start-up), then a touch handler and a
key handler. Each time: the window keeps running, the fault screen shows the reference,
the session's view holds no card data, the audit got ``ui_fault`` (through the real
outbox audit), and the next citizen is served end to end. Three faults: out of service
with the technician alert. Slow parts are held by events (no sleeps): a gate around the
card read, the service or the print keeps the session on its working screen.
"""

from __future__ import annotations

import logging

import pytest
import uikit_faults
from kivy.base import EventLoop
from uikit_driver import texts
from uikit_faults import (
    CITIZEN,
    NEXT_CITIZEN,
    Rig,
    card_out,
    check_contained,
    fail_build,
    fail_refresh,
    reach,
    secret_of,
    serve_next_citizen,
    swap_screen,
)

from kiosk.session.view import Alert, Screen
from kiosk.ui.fault import FAULT_SCREEN

S = Screen
rig = uikit_faults.rig  # the fixture: the fault rig, in place of the audio one


@pytest.mark.parametrize("screen", list(Screen), ids=lambda s: s.value)
def test_a_failing_screen_ends_the_session_safely_and_the_next_citizen_is_served(
        rig: Rig, screen: Screen, caplog: pytest.LogCaptureFixture) -> None:
    secret = secret_of(rig)
    caplog.set_level(logging.INFO)
    # 1. Its refresh fails.
    fail_refresh(rig, screen)
    undo = reach(rig, screen)
    ref = check_contained(rig, screen, 1, secret)
    rig.monkeypatch.undo()
    undo()
    card_out(rig)
    # 2. Its build failed (at start-up): the stand-in's first view is a fault.
    original = fail_build(rig, screen)
    try:
        undo = reach(rig, screen)
        second = check_contained(rig, screen, 2, secret)
        undo()
        card_out(rig)
    finally:
        swap_screen(rig.ui.app, original)
    assert second != ref
    serve_next_citizen(rig)
    logged = caplog.text
    assert f"UI FAULT {ref}" in logged and "Injected" in logged
    assert secret not in logged and "render of" not in logged  # frames only, no message



def test_three_faults_put_the_kiosk_out_of_service_with_a_technician_alert(rig: Rig
                                                                           ) -> None:
    fail_refresh(rig, S.CONSENT)
    refs = []
    for n in range(3):
        rig.insert(CITIZEN)
        rig.to(S.IDENTITY)
        rig.engine.proceed()
        refs.append(check_contained(rig, S.CONSENT, n + 1, secret_of(rig)))
        rig.stack.devices.remove()
        if n < 2:
            card_out(rig)
    rig.ui.wait_until(lambda: rig.engine.view.screen is S.OUT_OF_SERVICE, timeout=15,
                      what="out of service")
    view = rig.engine.view
    assert view.alert is Alert.UI_FAULTS and view.fault_ref == refs[-1]
    assert view.progress_key == "session.out_of_service_faults"
    rig.ui.wait_until(lambda: rig.ui.app.view is not None
                      and rig.ui.app.view.screen is S.OUT_OF_SERVICE, what="drawn")
    assert rig.ui.app.manager.current == FAULT_SCREEN and refs[-1] in texts(rig.ui.current)
    rig.insert(NEXT_CITIZEN)  # no session starts any more: a technician must come
    rig.engine.sync()
    assert rig.engine.view.screen is S.OUT_OF_SERVICE and rig.engine.view.session_id is None
    assert EventLoop.status == "started"
