"""The session's rules in one table: what each event does in each screen, and where it may lead.

`RULES[screen][on]` is the set of screens the event `on` may lead to from `screen` (the
screen itself when it stays). An event that a screen's row does not list, and that is not in
`ANYWHERE`, changes nothing there but the kiosk's own facts (card present, connectivity...):
that is how a late answer or a stray tap is dropped. The pure core
(`kiosk.session.core`) dispatches through this table and checks every move against it;
`python -m kiosk.session.diagram` draws it into docs/architecture.md.
"""

from __future__ import annotations

from enum import StrEnum

from kiosk.session.view import Screen

S = Screen
WAITING_FOR_CITIZEN = frozenset({S.IDENTITY, S.CONSENT, S.MENU, S.RESULT, S.ERROR})
"""Screens where the citizen is expected to act: the inactivity timer runs."""
WORKING = frozenset({S.READING, S.RUNNING, S.PRINTING, S.VERIFY_HOLDER})
"""Screens where the kiosk works: a guard timer catches a hung device or network."""


class On(StrEnum):
    """The name of an event as the table knows it (`kiosk.session.core.events.rule_key`)."""

    CARD_INSERTED = "card_inserted"
    CARD_MUTE = "card_mute"
    CARD_REMOVED = "card_removed"
    READER_ATTACHED = "reader_attached"
    READER_DETACHED = "reader_detached"
    PROCEED = "proceed"
    CONSENT = "consent"
    DECLINE = "decline"
    CHOOSE = "choose"
    PRINT = "print"
    BACK = "back"
    FINISH = "finish"
    TOUCH = "touch"
    LANGUAGE = "language"
    READ_DONE = "read_done"
    READ_FAILED = "read_failed"
    PHOTO = "photo"
    HOLDER_STARTED = "holder_started"
    HOLDER_DECIDED = "holder_decided"
    SERVICE_DONE = "service_done"
    SERVICE_FAILED = "service_failed"
    PRINTED = "printed"
    INACTIVE = "inactive"
    WORK_TIMEOUT = "work_timeout"
    COUNTDOWN = "countdown"
    TAKE_CARD_DUE = "take_card_due"
    KIOSK_FACT = "kiosk_fact"
    """Connectivity, queue health, printer checked: the kiosk's facts, the menu follows."""
    PARTS_DOWN = "parts_down"
    REFUSED = "refused"
    UI_FAULT = "ui_fault"
    INTERNAL_ERROR = "internal_error"
    SHUTDOWN = "shutdown"


def _r(*screens: Screen) -> frozenset[Screen]:
    return frozenset(screens)


_ASKING = {On.TOUCH: _r(), On.INACTIVE: _r(S.TIMEOUT_WARNING), On.FINISH: _r(S.FINISHED),
           On.PROCEED: _r()}
"""What every screen waiting for the citizen does (an empty set: stays, timer re-armed)."""

RULES: dict[Screen, dict[On, frozenset[Screen]]] = {
    S.IDLE: {On.CARD_INSERTED: _r(S.READING), On.CARD_MUTE: _r(S.ERROR)},
    S.READING: {On.READ_DONE: _r(S.IDENTITY), On.READ_FAILED: _r(S.ERROR),
                On.WORK_TIMEOUT: _r(S.ERROR)},
    S.IDENTITY: {**_ASKING, On.PROCEED: _r(S.CONSENT)},
    S.CONSENT: {**_ASKING, On.CONSENT: _r(S.MENU), On.DECLINE: _r(S.FINISHED)},
    S.MENU: {**_ASKING, On.CHOOSE: _r(S.RUNNING, S.VERIFY_HOLDER)},
    S.VERIFY_HOLDER: {On.HOLDER_STARTED: _r(S.RUNNING, S.ERROR),
                      On.HOLDER_DECIDED: _r(S.RUNNING, S.ERROR), On.BACK: _r(S.MENU),
                      On.WORK_TIMEOUT: _r(S.ERROR)},
    S.RUNNING: {On.SERVICE_DONE: _r(S.RESULT), On.SERVICE_FAILED: _r(S.ERROR),
                On.WORK_TIMEOUT: _r(S.ERROR)},
    S.RESULT: {**_ASKING, On.PRINT: _r(S.PRINTING), On.BACK: _r(S.MENU)},
    S.PRINTING: {On.PRINTED: _r(S.FINISHED, S.ERROR), On.WORK_TIMEOUT: _r(S.ERROR)},
    S.FINISHED: {On.TAKE_CARD_DUE: _r(S.TAKE_CARD)},
    S.TAKE_CARD: {On.TAKE_CARD_DUE: _r()},
    S.TIMEOUT_WARNING: {On.TOUCH: WAITING_FOR_CITIZEN, On.PROCEED: WAITING_FOR_CITIZEN,
                        On.LANGUAGE: WAITING_FOR_CITIZEN, On.COUNTDOWN: _r(S.FINISHED),
                        On.FINISH: _r(S.FINISHED)},
    S.ERROR: {**_ASKING, On.BACK: _r(S.MENU, S.RESULT, S.CONSENT), On.TAKE_CARD_DUE: _r()},
    S.OUT_OF_SERVICE: {},
}
"""Per screen: the events it acts on and the screens each may lead to."""

ANYWHERE: dict[On, frozenset[Screen]] = {
    On.CARD_REMOVED: _r(S.IDLE, S.OUT_OF_SERVICE),
    On.READER_DETACHED: _r(S.OUT_OF_SERVICE),
    On.READER_ATTACHED: _r(S.IDLE),
    On.PARTS_DOWN: _r(S.IDLE, S.OUT_OF_SERVICE),
    On.REFUSED: _r(S.IDLE, S.OUT_OF_SERVICE),
    On.UI_FAULT: _r(S.FINISHED, S.IDLE, S.OUT_OF_SERVICE),
    On.INTERNAL_ERROR: _r(S.ERROR, S.IDLE),
    On.LANGUAGE: _r(),
    On.KIOSK_FACT: _r(),
    On.PHOTO: _r(),
    On.SHUTDOWN: _r(S.IDLE),
}
"""Events every screen acts on (a row of `RULES` may say more for its own screen)."""


def allowed(screen: Screen, on: On) -> frozenset[Screen] | None:
    """Where `on` may lead from `screen` (itself included); None: the screen ignores it."""
    here = RULES[screen].get(on)
    anywhere = ANYWHERE.get(on)
    if here is None and anywhere is None:
        return None
    return (here or frozenset()) | (anywhere or frozenset()) | {screen}


TRANSITIONS: dict[Screen, frozenset[Screen]] = {
    screen: frozenset().union(*row.values()) - {screen} for screen, row in RULES.items()
}
"""The screen graph of `RULES` (besides `ANYWHERE`, which every screen has)."""


def check_transition(current: Screen, target: Screen, on: On | None = None) -> None:
    """Raise unless `current` → `target` is a move of the table (staying is always allowed)."""
    if target is current:
        return
    ok = (target in (allowed(current, on) or frozenset()) if on is not None
          else target in TRANSITIONS[current])
    if not ok:
        raise RuntimeError(f"illegal session transition {current} -> {target} on {on}")
