"""The session state machine: every edge of the transition table is taken."""

from __future__ import annotations

import itertools

from kiosk.session.engine import TRANSITIONS, Timeouts
from kiosk.session.ports import SessionPortError
from kiosk.session.view import PrintStatus, Screen

from .conftest import Rig
from .drive import drive, mute_card

S = Screen


def test_every_transition_of_the_table_is_taken(rig: Rig) -> None:
    """Walk paths that together use every edge of TRANSITIONS; record what the UI saw."""
    e, t = rig.engine, Timeouts()
    # idle→reading→identity→(warning→identity)→consent→(warning→consent)→menu→(warning→menu)
    rig.card.insert(1)
    rig.wait(S.IDENTITY)
    for screen, go, following in (
        (S.IDENTITY, e.proceed, S.CONSENT),
        (S.CONSENT, e.give_consent, S.MENU),
        (S.MENU, lambda: e.choose_service("card_status"), S.RESULT),
    ):
        rig.clock.advance(t.inactivity_s)
        rig.wait(S.TIMEOUT_WARNING)
        e.extend()
        rig.wait(screen)
        go()
        rig.wait(following)
    rig.clock.advance(t.inactivity_s)
    rig.wait(S.TIMEOUT_WARNING)
    e.extend()
    rig.wait(S.RESULT)
    e.back()  # result→menu
    rig.wait(S.MENU)
    rig.services.fail = SessionPortError("x", message_key="linkage.unavailable")
    e.choose_service("card_status")  # running→error
    rig.wait(S.ERROR)
    rig.clock.advance(t.inactivity_s)  # error→warning→error
    rig.wait(S.TIMEOUT_WARNING)
    e.extend()
    rig.wait(S.ERROR)
    e.back()  # error→menu
    rig.wait(S.MENU)
    rig.services.fail = None
    e.choose_service("card_status")
    rig.wait(S.RESULT)
    rig.printer.status = PrintStatus.PAPER_OUT
    e.print_result()  # printing→error
    rig.wait(S.ERROR)
    e.back()  # error→result
    rig.wait(S.RESULT)
    e.finish()  # result→finished
    rig.wait(S.FINISHED)
    rig.clock.advance(t.take_card_after_s)  # finished→take_card
    rig.wait(S.TAKE_CARD)
    rig.card.remove()
    rig.wait(S.IDLE)
    # identity→finished, consent→finished, menu→finished, error→finished, warning→finished
    for target, end in ((S.IDENTITY, e.finish), (S.CONSENT, e.decline), (S.MENU, e.finish)):
        drive(rig, target)
        end()
        rig.wait(S.FINISHED)
        rig.card.remove()
        rig.wait(S.IDLE)
    drive(rig, S.ERROR)
    e.finish()
    rig.wait(S.FINISHED)
    rig.card.remove()
    rig.wait(S.IDLE)
    rig.services.fail = None
    drive(rig, S.TIMEOUT_WARNING)
    rig.clock.advance(t.warning_s)
    rig.wait(S.FINISHED)
    rig.card.remove()
    rig.wait(S.IDLE)
    # printing→finished, reading→error
    rig.printer.status = PrintStatus.PRINTED
    rig.to_result(2)
    e.print_result()
    rig.wait(S.FINISHED)
    rig.card.remove()
    rig.wait(S.IDLE)
    rig.card.fail_next = SessionPortError("x", message_key="card.read_failed")
    rig.card.insert(3)
    rig.wait(S.ERROR)
    rig.card.remove()
    rig.wait(S.IDLE)
    # error→consent: the centre found the consent too old
    rig.services.fail = SessionPortError("old", message_key="linkage.consent_required")
    rig.to_menu(4)
    e.choose_service("card_status")
    rig.wait(S.ERROR)
    e.back()
    rig.wait(S.CONSENT)
    rig.card.remove()
    rig.wait(S.IDLE)
    # menu→verify_holder→running (the holder confirmed), →error (someone else), →menu (back)
    rig.services.fail = None
    rig.to_menu(5)
    e.choose_service("registry_record")
    rig.wait(S.RESULT)
    rig.card.remove()
    rig.wait(S.IDLE)
    rig.holder.mode = "other"
    rig.to_menu(5)
    e.choose_service("registry_record")
    rig.wait(S.ERROR)
    e.back()
    rig.wait(S.MENU)
    rig.holder.mode = "none"
    e.choose_service("registry_record")
    rig.wait(S.VERIFY_HOLDER)
    e.back()
    rig.wait(S.MENU)
    rig.card.remove()
    rig.wait(S.IDLE)
    assert mute_card(rig).error_key == "card.mute"  # idle→error: a card that does not answer
    rig.card.remove()
    rig.wait(S.IDLE)

    seen = set()
    screens = [v.screen for v in rig.views]
    for a, b in itertools.pairwise(screens):
        if a is not b:
            seen.add((a, b))
    table = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    missing = table - seen
    assert not missing, f"transitions never taken: {sorted(missing)}"
    # Everything the UI saw that is not in the table is a removal (→ idle).
    extra = {(a, b) for a, b in seen - table if b is not S.IDLE}
    assert not extra, f"transitions outside the table: {sorted(extra)}"
