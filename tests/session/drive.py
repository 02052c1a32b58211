"""Bringing an engine rig to a given screen: the one way the engine tests get there."""

from __future__ import annotations

import threading

from kiosk.session.engine import Timeouts
from kiosk.session.ports import CardEventKind, SessionPortError
from kiosk.session.view import Screen, SessionView

from .conftest import Rig

S = Screen

SESSION_STATES = [S.READING, S.IDENTITY, S.CONSENT, S.MENU, S.RUNNING, S.RESULT, S.PRINTING,
                  S.FINISHED, S.TAKE_CARD, S.TIMEOUT_WARNING, S.ERROR]
"""Every screen a citizen's session can be on (the card is in)."""


def gate_card(rig: Rig) -> threading.Event:
    """Hold the card read until the returned event is set."""
    gate = threading.Event()
    rig.card.read_delay = lambda: (gate.wait(30), 0.0)[1]
    return gate


def mute_card(rig: Rig) -> SessionView:
    """A card that does not answer is inserted: the engine shows its error."""
    rig.card._emit(CardEventKind.MUTE)
    return rig.wait(S.ERROR)


def run_gated(rig: Rig, service: str = "registry_record", n: int = 1) -> threading.Event:
    """Citizen `n` chooses `service`, whose answer waits for the returned event."""
    gate = threading.Event()
    rig.services.gate = gate
    rig.to_menu(n)
    rig.engine.choose_service(service)
    rig.wait(S.RUNNING)
    return gate


def drive(rig: Rig, target: Screen) -> None:
    """Bring a session of citizen 1 to `target` with the card still inserted."""
    e = rig.engine
    if target is S.READING:
        gate_card(rig)
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
        run_gated(rig, "card_status")
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
        drive(rig, S.FINISHED)
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
