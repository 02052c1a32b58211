"""The session's holder-verification flow (plain engine, simulated gateway port)."""

from __future__ import annotations

import pytest

from kiosk.session.engine import SessionEngine, Timeouts
from kiosk.session.messages import MESSAGES
from kiosk.session.view import Screen
from session.conftest import Rig, wait_until

S = Screen
REQUIRED = "registry_record"


def _holder_events(rig: Rig) -> list[dict[str, str]]:
    rig.engine.sync()
    wait_until(lambda: any(e.kind == "holder_verification" for e in rig.audit.events))
    return [e.details for e in rig.audit.events if e.kind == "holder_verification"]


def waiting_for_holder(rig: Rig, n: int) -> None:
    """Citizen `n` chose the service that asks, and nobody confirms: the QR stays."""
    rig.holder.mode = "none"
    rig.to_menu(n)
    rig.engine.choose_service(REQUIRED)
    rig.wait(S.VERIFY_HOLDER)


def test_menu_marks_the_service_that_will_ask(rig: Rig) -> None:
    menu = {e.service_id: e for e in rig.to_menu().menu}
    assert menu[REQUIRED].asks_holder and menu[REQUIRED].available
    assert not menu["counter_ticket"].asks_holder and not menu["card_status"].asks_holder


def test_holder_confirms_then_the_service_runs_once_per_session(rig: Rig) -> None:
    rig.to_menu(1)
    rig.engine.choose_service(REQUIRED)
    result = rig.wait(S.RESULT)
    assert result.result is not None and result.result.service_id == REQUIRED
    assert any(v.screen is S.VERIFY_HOLDER and v.progress_key == "holder.scan"
               for v in rig.views)
    assert any(v.holder_qr and v.holder_qr.startswith("https://") for v in rig.views)
    assert rig.holder.starts == [rig.card.card.cid if rig.card.card else ""]
    assert _holder_events(rig)[-1]["outcome"] == "holder"
    rig.engine.back()
    menu = rig.wait(S.MENU).menu
    assert not next(e for e in menu if e.service_id == REQUIRED).asks_holder
    rig.engine.choose_service(REQUIRED)
    rig.wait(S.RESULT)
    assert len(rig.holder.starts) == 1  # verified for the rest of this session
    service_audit = [e for e in rig.audit.events if e.kind == "service"]
    wait_until(lambda: len([e for e in rig.audit.events if e.kind == "service"]) == 2)
    service_audit = [e for e in rig.audit.events if e.kind == "service"]
    assert service_audit[-1].details["holder_verified"] == "yes"


@pytest.mark.parametrize(("mode", "key", "outcome"), [
    ("other", "holder.mismatch", "mismatch"),
    ("down", "holder.provider_down", "provider_down"),
    ("refused", "holder.refused", "refused"),
])
def test_failures_refuse_the_service_with_their_own_words(
        rig: Rig, mode: str, key: str, outcome: str) -> None:
    rig.holder.mode = mode
    rig.to_menu(2)
    rig.engine.choose_service(REQUIRED)
    error = rig.wait(S.ERROR)
    assert error.error_key == key and error.recoverable
    assert key in MESSAGES and "counter" in MESSAGES[key].en
    assert "เคาน์เตอร์" in MESSAGES[key].th
    assert rig.services.calls == []  # the registry record never ran
    assert _holder_events(rig)[-1]["outcome"] == outcome
    rig.engine.back()
    rig.wait(S.MENU)
    rig.engine.choose_service("card_status")  # other services still work
    assert rig.wait(S.RESULT).result is not None


def test_nobody_confirms_in_time(rig: Rig) -> None:
    waiting_for_holder(rig, 3)
    wait_until(lambda: rig.holder.polls >= 2)  # polling, still pending
    rig.clock.advance(Timeouts().holder_timeout_s)
    error = rig.wait(S.ERROR)
    assert error.error_key == "holder.timeout"
    assert rig.services.calls == []
    polls = rig.holder.polls
    rig.engine.back()
    rig.wait(S.MENU)
    rig.engine.choose_service("counter_ticket")
    rig.wait(S.RESULT)
    assert rig.holder.polls <= polls + 1  # the abandoned wait stopped polling


def test_card_removed_while_waiting_ends_it_and_the_next_session_asks_again(rig: Rig) -> None:
    waiting_for_holder(rig, 4)
    rig.card.remove()
    rig.wait(S.IDLE)
    rig.holder.mode = "holder"
    rig.to_menu(4)
    menu = rig.engine.view.menu
    assert next(e for e in menu if e.service_id == REQUIRED).asks_holder
    rig.engine.choose_service(REQUIRED)
    rig.wait(S.RESULT)
    assert len(rig.holder.starts) == 2


def test_back_from_the_qr_returns_to_the_menu(rig: Rig) -> None:
    waiting_for_holder(rig, 5)
    rig.engine.back()
    assert rig.wait(S.MENU).holder_qr is None
    assert rig.services.calls == []


def test_without_a_verifier_the_required_service_is_unavailable(rig: Rig) -> None:
    engine = SessionEngine(
        card=rig.card, runners=rig.services.runners(), printer=rig.printer,
        connectivity=rig.net, audit=rig.audit, catalogue=rig.engine._catalogue,
        clock=rig.clock, kiosk_id="TEST-0002")
    menu = engine._menu()
    entry = next(e for e in menu if e.service_id == REQUIRED)
    assert not entry.available and entry.reason_key == "holder.unavailable"
    assert next(e for e in menu if e.service_id == "card_status").available


def test_optional_runs_without_asking_and_the_audit_says_so(rig: Rig) -> None:
    catalogue = rig.engine._catalogue
    services = tuple(s.model_copy(update={"holder_verification": "optional"})
                     if s.id == "welfare_rights" else s for s in catalogue.services)
    optional = catalogue.model_copy(update={"services": services})
    engine = SessionEngine(
        card=rig.card, runners=rig.services.runners(), printer=rig.printer,
        connectivity=rig.net, audit=rig.audit, catalogue=optional, clock=rig.clock,
        kiosk_id="TEST-0003", holder=rig.holder)
    rig.engine.stop()
    rig.engine = engine
    rig.clock.settle = engine.sync
    engine.start()
    menu = {e.service_id: e for e in rig.to_menu(6).menu}
    assert not menu["welfare_rights"].asks_holder
    engine.choose_service("welfare_rights")
    rig.wait(S.RESULT)
    assert rig.holder.starts == []
    wait_until(lambda: any(e.kind == "service" for e in rig.audit.events))
    service = next(e for e in rig.audit.events if e.kind == "service")
    assert service.details["holder_verified"] == "no"
    engine.stop()


def test_the_first_poll_goes_at_once_and_not_after_the_poll_interval(rig: Rig) -> None:
    # A poll interval far beyond the wait below: only a poll made at once can answer.
    engine = SessionEngine(
        card=rig.card, runners=rig.services.runners(), printer=rig.printer,
        connectivity=rig.net, audit=rig.audit, catalogue=rig.engine._catalogue,
        clock=rig.clock, kiosk_id="TEST-0004", holder=rig.holder,
        timeouts=Timeouts(holder_poll_s=600.0))
    rig.engine.stop()
    rig.engine = engine
    rig.clock.settle = engine.sync
    engine.start()
    try:
        rig.to_menu(1)
        engine.choose_service(REQUIRED)
        result = rig.wait(S.RESULT, timeout=20.0)
        assert result.result is not None and result.result.service_id == REQUIRED
        assert rig.holder.polls == 1
    finally:
        engine.stop()
