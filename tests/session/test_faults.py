"""`report_fault` through the threaded engine: a screen fault ends the session like an
error (wiped, audited, take-card alarm), the next citizen is served, and three within the
window put the kiosk out of service (in-process devices of conftest.py)."""

from __future__ import annotations

from kiosk.session.engine import Timeouts
from kiosk.session.view import Alert, Screen

from .conftest import Rig, wait_until

S = Screen


def test_a_fault_ends_the_session_and_the_next_citizen_is_served(rig: Rig) -> None:
    rig.to_result(1)
    rig.engine.report_fault("F-0001")
    v = rig.wait(S.FINISHED)
    assert v.fault_ref == "F-0001" and v.progress_key == "session.fault"
    assert v.session_id is None and v.identity is None and v.result is None
    rig.engine.sync()
    assert rig.engine._session is None
    wait_until(lambda: any(e.kind == "ui_fault" for e in rig.audit.events))
    fault = next(e for e in rig.audit.events if e.kind == "ui_fault")
    assert fault.details == {"ref": "F-0001", "screen": "result", "kiosk_id": "TEST-0001"}
    rig.clock.advance(Timeouts().take_card_after_s)  # the take-card alarm runs as usual
    v = rig.wait(S.TAKE_CARD)
    assert v.alert is Alert.TAKE_CARD and v.fault_ref == "F-0001"
    rig.card.remove()
    assert rig.wait(S.IDLE).fault_ref == ""
    assert rig.to_result(2).result is not None  # the next citizen


def test_without_a_session_a_fault_only_republishes(rig: Rig) -> None:
    rig.engine.report_fault("F-0002")
    rig.engine.sync()
    assert rig.engine.view.screen is S.IDLE
    assert not any(e.kind == "ui_fault" for e in rig.audit.events)


def test_three_faults_in_the_window_put_the_kiosk_out_of_service(rig: Rig) -> None:
    for n in (1, 2):
        rig.to_menu(n)
        rig.engine.report_fault(f"F-{n}")
        rig.wait(S.FINISHED)
        rig.card.remove()
        rig.wait(S.IDLE)
    rig.to_menu(3)
    rig.engine.report_fault("F-3")
    v = rig.wait(S.OUT_OF_SERVICE)
    assert v.alert is Alert.UI_FAULTS and v.session_id is None and v.identity is None
    assert v.progress_key == "session.out_of_service_faults"
    rig.card.remove()
    rig.card.insert(4)
    rig.engine.sync()
    assert rig.engine.view.screen is S.OUT_OF_SERVICE  # until a restart
