"""The session state machine: the card or reader going away, and cards that cannot be read."""

from __future__ import annotations

import pytest

from kiosk.session.engine import Timeouts
from kiosk.session.ports import SessionPortError
from kiosk.session.view import Alert, Screen

from .conftest import Rig
from .drive import SESSION_STATES, drive, mute_card

S = Screen


@pytest.mark.parametrize("state", SESSION_STATES, ids=str)
def test_card_removal_ends_session_and_wipes_data_in_every_state(rig: Rig, state: Screen
                                                                   ) -> None:
    drive(rig, state)
    rig.card.remove()
    v = rig.wait(S.IDLE)
    assert v.session_id is None and v.identity is None and v.result is None and not v.menu
    rig.engine.sync()
    assert rig.engine._session is None  # nothing of the citizen is referenced any more
    # Whatever was still in flight finishes now, and must not come back.
    if rig.services.gate:
        rig.services.gate.set()
    if rig.printer.gate:
        rig.printer.gate.set()
    rig.card.read_delay = lambda: 0.0
    rig.engine.sync()
    rig.clock.advance(120)
    assert rig.engine.view.screen is S.IDLE and rig.engine.view.identity is None


def test_removal_while_idle_or_out_of_service_is_harmless(rig: Rig) -> None:
    rig.card.remove()
    rig.wait(S.IDLE)
    rig.card.detach()
    rig.wait(S.OUT_OF_SERVICE)
    rig.card.remove()
    rig.engine.sync()
    assert rig.engine.view.screen is S.OUT_OF_SERVICE
    rig.card.attach()
    rig.wait(S.IDLE)


def test_reader_detached_mid_session_goes_out_of_service_and_wipes(rig: Rig) -> None:
    rig.to_menu(3)
    rig.card.detach()
    v = rig.wait(S.OUT_OF_SERVICE)
    assert v.identity is None and v.session_id is None
    rig.card.attach()
    rig.wait(S.IDLE)


def test_card_read_failure_shows_error_until_removed(rig: Rig) -> None:
    rig.card.fail_next = SessionPortError("bad", message_key="card.not_thai_id",
                                          recoverable=False)
    rig.card.insert(1)
    v = rig.wait(S.ERROR)
    assert v.error_key == "card.not_thai_id" and not v.recoverable and v.identity is None
    rig.engine.back()  # no way back: nothing was read
    rig.clock.advance(300)
    assert rig.engine.view.screen is S.ERROR
    rig.engine.finish()  # "finish, take your card" works without a session
    v = rig.wait(S.FINISHED)
    assert v.identity is None
    rig.card.remove()
    rig.wait(S.IDLE)


def test_finish_on_a_mute_card_error_shows_the_take_card_reminder(rig: Rig) -> None:
    mute_card(rig)
    rig.engine.finish()
    v = rig.wait(S.FINISHED)
    assert v.error_key is None
    rig.card.remove()
    rig.wait(S.IDLE)


def test_mute_card_asks_to_turn_it_round(rig: Rig) -> None:
    v = mute_card(rig)
    assert v.error_key == "card.mute"
    first = v.alert_id
    rig.clock.advance(Timeouts().take_card_repeat_s)  # still in: the cue comes again
    v = rig.engine.wait_for(lambda v: v.alert_id > first)
    assert v.screen is S.ERROR and v.alert is Alert.ERROR
    rig.card.remove()
    rig.wait(S.IDLE)
