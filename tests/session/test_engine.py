"""The session state machine: transitions, removal, timeouts, stale answers, consent."""

from __future__ import annotations

import itertools
import threading

import pytest

from kiosk.session.engine import TRANSITIONS, SessionEngine, Timeouts
from kiosk.session.ports import CardEventKind, SessionPortError
from kiosk.session.view import Alert, Connectivity, PrintStatus, Screen

from .conftest import Rig, citizen, quiesce, wait_until

S = Screen


def test_happy_path_from_card_in_to_card_out(rig: Rig) -> None:
    e = rig.engine
    assert e.view.screen is S.IDLE and e.view.session_id is None
    rig.card.insert(1)
    v = rig.wait(S.IDENTITY)
    sid = v.session_id
    assert sid and v.identity is not None
    assert v.identity.cid_masked == citizen(1).summary.cid_masked
    v = e.wait_for(lambda v: v.identity is not None and v.identity.photo is not None)
    assert v.identity is not None and v.identity.photo == rig.card.photo
    e.proceed()
    v = rig.wait(S.CONSENT)
    assert v.consent_text is not None and "registry_record" in v.consent_services
    e.give_consent()
    v = rig.wait(S.MENU)
    assert [m.service_id for m in v.menu][:2] == ["registry_record", "card_status"]
    assert all(m.available for m in v.menu)
    e.choose_service("registry_record")
    v = rig.wait(S.RESULT)
    assert v.result is not None and v.result.rows[0].value == citizen(1).cid
    e.print_result()
    v = rig.wait(S.FINISHED)
    assert v.print_status is PrintStatus.PRINTED
    assert v.session_id is None and v.identity is None and v.result is None
    assert v.alert is Alert.TAKE_CARD
    assert rig.printer.printed == [(sid, {"cid": citizen(1).cid, "session": sid})]
    screens = [x.screen for x in rig.views]
    for expected in (S.READING, S.IDENTITY, S.CONSENT, S.MENU, S.RUNNING, S.RESULT,
                     S.PRINTING, S.FINISHED):
        assert expected in screens
    # Card left behind: the reminder comes and repeats until the card is taken.
    rig.clock.advance(Timeouts().take_card_after_s)
    v = rig.wait(S.TAKE_CARD)
    first = v.alert_id
    rig.clock.advance(Timeouts().take_card_repeat_s)
    v = e.wait_for(lambda v: v.alert_id > first)
    assert v.screen is S.TAKE_CARD and v.alert is Alert.TAKE_CARD
    rig.card.remove()
    v = rig.wait(S.IDLE)
    assert v.alert is Alert.NONE


def test_view_seq_strictly_increases(rig: Rig) -> None:
    rig.to_result(2)
    seqs = [v.seq for v in rig.views]
    assert seqs[0] == 0
    assert all(b > a for a, b in itertools.pairwise(seqs))


def _gate_card(rig: Rig) -> threading.Event:
    gate = threading.Event()
    rig.card.read_delay = lambda: (gate.wait(30), 0.0)[1]
    return gate


def _drive(rig: Rig, target: Screen) -> None:
    """Bring a session of citizen 1 to `target` with the card still inserted."""
    e = rig.engine
    if target is S.READING:
        _gate_card(rig)
        rig.card.insert(1)
        rig.wait(S.READING)
        return
    if target is S.IDENTITY:
        rig.card.insert(1)
        rig.wait(S.IDENTITY)
        return
    if target is S.CONSENT:
        rig.card.insert(1)
        rig.wait(S.IDENTITY)
        e.proceed()
        rig.wait(S.CONSENT)
        return
    if target is S.MENU:
        rig.to_menu(1)
        return
    if target is S.RUNNING:
        rig.services.gate = threading.Event()
        rig.to_menu(1)
        e.choose_service("card_status")
        rig.wait(S.RUNNING)
        return
    if target is S.RESULT:
        rig.to_result(1)
        return
    if target is S.PRINTING:
        rig.printer.gate = threading.Event()
        rig.to_result(1)
        e.print_result()
        rig.wait(S.PRINTING)
        return
    if target is S.FINISHED:
        rig.to_result(1)
        e.finish()
        rig.wait(S.FINISHED)
        return
    if target is S.TAKE_CARD:
        _drive(rig, S.FINISHED)
        rig.clock.advance(Timeouts().take_card_after_s)
        rig.wait(S.TAKE_CARD)
        return
    if target is S.TIMEOUT_WARNING:
        rig.to_menu(1)
        rig.clock.advance(Timeouts().inactivity_s)
        rig.wait(S.TIMEOUT_WARNING)
        return
    if target is S.ERROR:
        rig.services.fail = SessionPortError("x", message_key="linkage.unavailable")
        rig.to_menu(1)
        e.choose_service("card_status")
        rig.wait(S.ERROR)
        return
    raise AssertionError(target)


SESSION_STATES = [S.READING, S.IDENTITY, S.CONSENT, S.MENU, S.RUNNING, S.RESULT, S.PRINTING,
                  S.FINISHED, S.TAKE_CARD, S.TIMEOUT_WARNING, S.ERROR]


@pytest.mark.parametrize("state", SESSION_STATES, ids=str)
def test_card_removal_ends_session_and_wipes_data_in_every_state(rig: Rig, state: Screen
                                                                   ) -> None:
    _drive(rig, state)
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
    from kiosk.session.ports import CardEventKind

    rig.card._emit(CardEventKind.MUTE)
    rig.wait(S.ERROR)
    rig.engine.finish()
    v = rig.wait(S.FINISHED)
    assert v.error_key is None
    rig.card.remove()
    rig.wait(S.IDLE)


def test_mute_card_asks_to_turn_it_round(rig: Rig) -> None:
    from kiosk.session.ports import CardEventKind

    rig.card._emit(CardEventKind.MUTE)
    v = rig.wait(S.ERROR)
    assert v.error_key == "card.mute"
    first = v.alert_id
    rig.clock.advance(Timeouts().take_card_repeat_s)  # still in: the cue comes again
    v = rig.engine.wait_for(lambda v: v.alert_id > first)
    assert v.screen is S.ERROR and v.alert is Alert.ERROR
    rig.card.remove()
    rig.wait(S.IDLE)


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
    gate = threading.Event()
    rig.services.gate = gate
    rig.to_menu(1)
    rig.engine.choose_service("registry_record")
    rig.wait(S.RUNNING)
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
    gate = threading.Event()
    rig.services.gate = gate
    rig.to_menu(1)
    rig.engine.choose_service("registry_record")
    rig.wait(S.RUNNING)
    rig.clock.advance(Timeouts().work_timeout_s)
    v = rig.wait(S.ERROR)
    assert v.error_key == "session.work_timeout" and v.recoverable
    gate.set()
    quiesce(rig.engine)  # the late answer has come back and been handled
    assert rig.engine.view.screen is S.ERROR and rig.engine.view.result is None
    rig.engine.back()
    rig.wait(S.MENU)


def test_decline_queries_nothing_and_ends(rig: Rig) -> None:
    rig.card.insert(1)
    rig.wait(S.IDENTITY)
    rig.engine.proceed()
    rig.wait(S.CONSENT)
    rig.engine.choose_service("card_status")  # no menu before consent: ignored
    rig.engine.decline()
    v = rig.wait(S.FINISHED)
    assert v.identity is None and v.progress_key == "session.declined"
    assert rig.services.calls == []
    assert not [e for e in rig.audit.events if e.kind == "consent"]


def test_consent_is_audited_with_masked_id_before_any_query(rig: Rig) -> None:
    rig.to_result(5, "registry_record")
    wait_until(lambda: any(e.kind == "service" for e in rig.audit.events))
    kinds = [e.kind for e in rig.audit.events]
    assert kinds.index("consent") < kinds.index("service")
    consent = next(e for e in rig.audit.events if e.kind == "consent")
    assert consent.cid_masked == citizen(5).summary.cid_masked
    assert citizen(5).cid not in repr(rig.audit.events)
    assert "registry_record" in consent.details["services"]
    assert consent.session_id == rig.services.calls[0].session_id
    assert rig.services.calls[0].consent.given_at == consent.at


def test_offline_online_only_services_unavailable_with_reason(rig: Rig) -> None:
    rig.net.set(Connectivity.OFFLINE)
    v = rig.to_menu(1)
    assert v.offline
    by_id = {m.service_id: m for m in v.menu}
    assert not by_id["registry_record"].available
    assert by_id["registry_record"].reason_key == "service.unavailable_offline"
    assert by_id["submit_request"].available and by_id["submit_request"].queueable
    rig.engine.choose_service("registry_record")  # unavailable: ignored
    rig.engine.sync()
    assert rig.engine.view.screen is S.MENU
    rig.engine.choose_service("submit_request")
    v = rig.wait(S.RESULT)
    assert rig.services.calls[-1].online is False
    rig.net.set(Connectivity.ONLINE)
    rig.engine.back()
    v = rig.wait(S.MENU)
    assert all(m.available for m in v.menu) and not v.offline


def test_paper_out_is_an_error_with_a_way_back(rig: Rig) -> None:
    rig.printer.status = PrintStatus.PAPER_OUT
    rig.to_result(1)
    rig.engine.print_result()
    v = rig.wait(S.ERROR)
    assert v.error_key == "printer.paper_out" and v.recoverable
    assert v.print_status is PrintStatus.PAPER_OUT and not v.printer_ready
    assert rig.printer.printed == []
    rig.engine.back()
    v = rig.wait(S.RESULT)
    counter = next(m for m in v.menu if m.service_id == "counter_ticket")
    assert not counter.available and counter.reason_key == "service.unavailable_printer"
    rig.printer.status = PrintStatus.PRINTED
    rig.engine.print_result()
    v = rig.wait(S.FINISHED)
    assert v.print_status is PrintStatus.PRINTED and v.printer_ready


def test_language_switch_and_reset_for_next_citizen(rig: Rig) -> None:
    rig.to_menu(1)
    rig.engine.set_language("en")
    rig.engine.wait_for(lambda v: v.language == "en")
    rig.card.remove()
    v = rig.wait(S.IDLE)
    assert v.language == "th"
    with pytest.raises(ValueError):
        rig.engine.set_language("fr")  # type: ignore[arg-type]


def test_back_from_result_and_finish_from_menu(rig: Rig) -> None:
    rig.to_result(1)
    rig.engine.back()
    v = rig.wait(S.MENU)
    assert v.result is None and v.identity is not None
    rig.engine.finish()
    v = rig.wait(S.FINISHED)
    assert v.identity is None


def test_commands_out_of_place_are_ignored(rig: Rig) -> None:
    e = rig.engine
    for cmd in (e.proceed, e.give_consent, e.decline, e.extend, e.print_result, e.back,
                e.finish, lambda: e.choose_service("card_status")):
        cmd()
    e.sync()
    assert e.view.screen is S.IDLE and rig.services.calls == []


def test_engine_rejects_catalogue_without_runner(rig: Rig) -> None:
    with pytest.raises(ValueError, match="no runner"):
        SessionEngine(card=rig.card, runners={}, printer=rig.printer, connectivity=rig.net,
                      audit=rig.audit, catalogue=rig.engine._catalogue, clock=rig.clock,
                      kiosk_id="X")


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
        _drive(rig, target)
        end()
        rig.wait(S.FINISHED)
        rig.card.remove()
        rig.wait(S.IDLE)
    _drive(rig, S.ERROR)
    e.finish()
    rig.wait(S.FINISHED)
    rig.card.remove()
    rig.wait(S.IDLE)
    rig.services.fail = None
    _drive(rig, S.TIMEOUT_WARNING)
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
    rig.card._emit(CardEventKind.MUTE)  # idle→error: a card that does not answer
    assert rig.wait(S.ERROR).error_key == "card.mute"
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


def test_refilled_printer_is_noticed_without_a_print(rig: Rig) -> None:
    from .conftest import CheckablePrinter

    printer = CheckablePrinter(status=PrintStatus.PAPER_OUT)
    rig.engine._printer = printer  # the same engine, a printer that can report its state
    rig.to_result(1)
    rig.engine.print_result()
    rig.wait(S.ERROR)
    rig.engine.back()
    v = rig.wait(S.RESULT)
    assert not v.printer_ready
    printer.status = PrintStatus.PRINTED  # paper refilled
    rig.engine.back()
    v = rig.engine.wait_for(lambda v: v.screen is S.MENU and v.printer_ready)
    counter = next(m for m in v.menu if m.service_id == "counter_ticket")
    assert counter.available


def test_expired_consent_is_asked_again_and_audited_again(rig: Rig) -> None:
    rig.services.fail = SessionPortError("old", message_key="linkage.consent_required")
    rig.to_menu(1)
    rig.engine.choose_service("registry_record")
    v = rig.wait(S.ERROR)
    assert v.error_key == "linkage.consent_required" and v.previous_screen is S.CONSENT
    assert not v.menu  # no service without a (new) consent
    rig.engine.back()
    v = rig.wait(S.CONSENT)
    assert v.consent_text is not None
    rig.services.fail = None
    rig.engine.give_consent()
    rig.wait(S.MENU)
    rig.engine.choose_service("registry_record")
    rig.wait(S.RESULT)
    wait_until(lambda: len([e for e in rig.audit.events if e.kind == "consent"]) == 2)
    first, second = rig.services.calls[0].consent, rig.services.calls[1].consent
    assert first is not second


def test_a_refused_kiosk_stays_out_of_service(rig: Rig) -> None:
    rig.engine.refuse_service("a vpcd virtual reader is configured")
    rig.wait(S.OUT_OF_SERVICE)
    rig.card.attach()  # a reader coming (back) does not lift the refusal
    rig.card.insert(1)
    rig.clock.advance(30)
    v = rig.engine.view
    assert v.screen is S.OUT_OF_SERVICE and v.identity is None


def test_out_of_service_while_a_needed_part_is_down(rig: Rig) -> None:
    rig.engine.set_parts_down(frozenset({"linkage-kiosk-outbox.service"}))
    rig.wait(S.OUT_OF_SERVICE)
    rig.card.insert(1)  # no session starts while a part is down
    rig.engine.sync()
    assert rig.engine.view.screen is S.OUT_OF_SERVICE and rig.engine.view.session_id is None
    rig.card.remove()
    rig.card.detach()
    rig.card.attach()  # the reader coming back does not lift it either
    rig.engine.sync()
    assert rig.engine.view.screen is S.OUT_OF_SERVICE
    rig.engine.set_parts_down(frozenset())
    rig.wait(S.IDLE)


def test_a_part_going_down_lets_the_session_under_way_finish(rig: Rig) -> None:
    rig.to_menu(2)
    rig.engine.set_parts_down(frozenset({"linkage-reference-server.service"}))
    rig.engine.sync()
    assert rig.engine.view.screen is S.MENU and rig.engine.view.session_id is not None
    rig.card.remove()
    rig.wait(S.OUT_OF_SERVICE)
