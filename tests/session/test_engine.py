"""The session state machine: the citizen's path, consent, services, printing, refusal."""

from __future__ import annotations

import itertools

import pytest

from kiosk.session.engine import SessionEngine, Timeouts
from kiosk.session.ports import SessionPortError
from kiosk.session.view import Alert, Connectivity, PrintStatus, Screen

from .conftest import CheckablePrinter, Rig, citizen, wait_until

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


def test_refilled_printer_is_noticed_without_a_print(rig: Rig) -> None:
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
