"""The session state machine: inactivity, work timeouts and answers that come too late."""

from __future__ import annotations

import pytest

from kiosk.session.engine import Timeouts
from kiosk.session.view import Alert, Screen

from .conftest import Rig, citizen, quiesce
from .drive import run_gated

S = Screen


def test_inactivity_warning_extend_ten_times_then_end(rig: Rig) -> None:
    t = Timeouts()
    rig.to_menu(4)
    for i in range(t.max_extensions):
        rig.clock.advance(t.inactivity_s - 1)
        assert rig.engine.view.screen is S.MENU
        rig.clock.advance(1)
        v = rig.wait(S.TIMEOUT_WARNING)
        assert v.countdown_s == int(t.warning_s) and v.alert is Alert.TIMEOUT
        assert v.extensions_left == t.max_extensions - i
        assert v.previous_screen is S.MENU and v.identity is not None
        rig.clock.advance(t.warning_s - 21)  # still at least 20 s left to extend
        v = rig.engine.view
        assert v.screen is S.TIMEOUT_WARNING and v.countdown_s is not None
        assert v.countdown_s >= 20
        rig.engine.extend()
        rig.wait(S.MENU)
    rig.clock.advance(t.inactivity_s)
    v = rig.wait(S.TIMEOUT_WARNING)
    assert v.extensions_left == 0
    rig.engine.extend()  # no extension left: ignored
    rig.engine.sync()
    assert rig.engine.view.screen is S.TIMEOUT_WARNING
    rig.clock.advance(t.warning_s)
    v = rig.wait(S.FINISHED)
    assert v.identity is None and v.session_id is None and v.progress_key == "session.timed_out"


def test_any_touch_resets_the_inactivity_timer(rig: Rig) -> None:
    t = Timeouts()
    rig.to_menu(1)
    rig.clock.advance(t.inactivity_s - 5)
    rig.engine.touch()
    rig.engine.sync()
    rig.clock.advance(t.inactivity_s - 5)
    assert rig.engine.view.screen is S.MENU
    rig.clock.advance(5)
    rig.wait(S.TIMEOUT_WARNING)


def test_timeouts_refuse_less_than_wcag_minimums() -> None:
    with pytest.raises(ValueError):
        Timeouts(warning_s=10)
    with pytest.raises(ValueError):
        Timeouts(max_extensions=3)


def test_slow_service_answer_of_previous_citizen_is_dropped(rig: Rig) -> None:
    gate = run_gated(rig)
    rig.card.remove()
    rig.wait(S.IDLE)
    rig.services.gate = None
    rig.to_menu(2)
    gate.set()  # citizen 1's answer arrives now, during citizen 2's session
    rig.engine.choose_service("card_status")
    v = rig.wait(S.RESULT)
    assert v.result is not None and v.result.rows[0].value == citizen(2).cid
    for view in rig.views:
        if view.result is not None and view.identity is not None:
            assert view.result.rows[0].value == citizen(2).cid


def test_work_timeout_then_late_answer_is_dropped(rig: Rig) -> None:
    gate = run_gated(rig)
    rig.clock.advance(Timeouts().work_timeout_s)
    v = rig.wait(S.ERROR)
    assert v.error_key == "session.work_timeout" and v.recoverable
    gate.set()
    quiesce(rig.engine)  # the late answer has come back and been handled
    assert rig.engine.view.screen is S.ERROR and rig.engine.view.result is None
    rig.engine.back()
    rig.wait(S.MENU)
