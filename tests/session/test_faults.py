"""Screen faults (`report_fault`): the session ends safely, three in the window stop the kiosk.

The budget itself is pure (`kiosk.session.faults`): tested by a table. The engine part runs
the real engine with the simulated ports (tests/session/conftest.py)."""

from __future__ import annotations

import pytest

from kiosk.session.faults import (
    FAULT_KEY,
    FAULT_NO_CARD_KEY,
    FaultBudget,
    check_fault_ref,
    fault_message_key,
    new_fault_ref,
)
from kiosk.session.messages import MESSAGES
from kiosk.session.view import Alert, Screen

from .conftest import Rig, quiesce

S = Screen


@pytest.mark.parametrize(("times", "at", "spent", "kept"), [
    ((), 0.0, False, (0.0,)),
    ((0.0,), 10.0, False, (0.0, 10.0)),
    ((0.0, 10.0), 20.0, True, (0.0, 10.0, 20.0)),
    ((0.0, 10.0), 600.0, False, (10.0, 600.0)),  # the first fell out of the window
    ((0.0, 10.0, 20.0), 30.0, True, (10.0, 20.0, 30.0)),
    ((0.0, 599.0), 605.0, False, (599.0, 605.0)),
])
def test_the_fault_budget_counts_faults_within_the_window(
        times: tuple[float, ...], at: float, spent: bool, kept: tuple[float, ...]) -> None:
    budget, is_spent = FaultBudget(600.0, 3, times).note(at)
    assert is_spent is spent
    assert budget.times == kept


def test_fault_refs_carry_nothing_but_eight_hex_digits() -> None:
    ref = new_fault_ref()
    assert check_fault_ref(ref) == ref and len(ref) == 10
    for bad in ("F-1234567", "F-12345678x", "1101700230705", "F-ABCDEF12", ""):
        with pytest.raises(ValueError):
            check_fault_ref(bad)
    with pytest.raises(ValueError):
        FaultBudget(0)


def test_a_fault_mid_session_wipes_audits_and_asks_for_the_card(rig: Rig) -> None:
    rig.to_menu(1)
    alert_before = rig.engine.view.alert_id
    rig.engine.report_fault("F-0000abcd")
    v = rig.wait(S.FINISHED)
    assert v.session_id is None and v.identity is None and not v.menu
    assert v.fault_ref == "F-0000abcd" and v.progress_key == "session.fault"
    assert fault_message_key(v.progress_key) == FAULT_KEY  # the card is in: take it
    assert v.alert is Alert.TAKE_CARD and v.alert_id > alert_before
    quiesce(rig.engine)
    fault = [e for e in rig.audit.events if e.kind == "ui_fault"]
    assert len(fault) == 1 and fault[0].details["ref"] == "F-0000abcd"
    assert fault[0].details["screen"] == "menu"
    assert set(fault[0].details) == {"ref", "screen", "kiosk_id"}  # nothing personal
    rig.clock.advance(rig.engine.timeouts.take_card_after_s + 0.1)
    assert rig.wait(S.TAKE_CARD).fault_ref == "F-0000abcd"  # the take-card alarm runs
    rig.card.remove()
    v = rig.wait(S.IDLE)
    assert v.fault_ref == ""
    rig.to_menu(2)  # the next citizen is served
    assert rig.engine.view.fault_ref == ""


def test_a_fault_without_a_session_publishes_again(rig: Rig) -> None:
    seq = rig.engine.view.seq
    rig.engine.report_fault("F-00000001")
    v = rig.engine.wait_for(lambda view: view.seq > seq)
    assert v.screen is S.IDLE and v.fault_ref == "F-00000001"
    # No card in: the fault screen does not ask for one back; it says a card starts afresh
    key = fault_message_key(v.progress_key)
    assert key == FAULT_NO_CARD_KEY
    assert "take" not in MESSAGES[key].en.lower() and "รับบัตร" not in MESSAGES[key].th
    assert "insert" in MESSAGES[key].en.lower() and "staff" in MESSAGES[key].en.lower()
    rig.to_menu(1)  # a card still starts a session (what the message promises)
    assert rig.engine.view.fault_ref == ""


def test_three_faults_within_the_window_put_the_kiosk_out_of_service(rig: Rig) -> None:
    rig.to_menu(1)
    rig.engine.report_fault("F-00000001")
    rig.wait(S.FINISHED)
    rig.card.remove()
    rig.wait(S.IDLE)
    rig.clock.advance(100)
    rig.to_menu(2)
    rig.engine.report_fault("F-00000002")
    rig.wait(S.FINISHED)
    rig.card.remove()
    rig.wait(S.IDLE)
    rig.to_menu(3)
    rig.engine.report_fault("F-00000003")
    v = rig.wait(S.FINISHED)  # the card comes out first ...
    assert v.session_id is None and v.fault_ref == "F-00000003"
    rig.card.remove()
    v = rig.wait(S.OUT_OF_SERVICE)  # ... then the kiosk stops serving, for a technician
    assert v.alert is Alert.UI_FAULTS and v.progress_key == "session.out_of_service_faults"
    assert v.fault_ref == "F-00000003"
    rig.card.insert(1)
    rig.engine.sync()
    assert rig.engine.view.screen is S.OUT_OF_SERVICE and rig.engine.view.session_id is None


def test_faults_spread_beyond_the_window_never_stop_the_kiosk(rig: Rig) -> None:
    for n in range(5):
        rig.to_menu(1)
        rig.engine.report_fault(f"F-0000000{n}")
        rig.wait(S.FINISHED)
        rig.card.remove()
        rig.wait(S.IDLE)
        rig.clock.advance(rig.engine.timeouts.fault_window_s / 2 + 1)
    assert rig.engine.view.screen is S.IDLE


def test_a_bad_fault_ref_is_refused_at_once(rig: Rig) -> None:
    with pytest.raises(ValueError):
        rig.engine.report_fault("1-1017-00230-70-5")
