"""`step(state, event) -> (state, effects)`: the whole session as one pure function.

The table (`kiosk.session.transitions.RULES` / `ANYWHERE`) says which events a screen acts
on and where each may lead; `HANDLERS` says what each does. An event the table does not list
for the screen changes only the kiosk's own facts (card present, printer state).
"""

from __future__ import annotations

from collections.abc import Callable

from kiosk.session.core import answers, card, commands
from kiosk.session.core.effects import Effect, PublishView
from kiosk.session.core.events import (
    CardInserted,
    CardMute,
    Event,
    InternalError,
    JobFinished,
    JobKind,
    Shutdown,
    TimerFired,
    rule_key,
)
from kiosk.session.core.machine import Move, State
from kiosk.session.outcome import SessionOutcome
from kiosk.session.state import ErrorInfo
from kiosk.session.transitions import On, allowed
from kiosk.session.view import Screen

S = Screen
Handler = Callable[[Move, Event], None]


def _fail_safe(m: Move, _: Event) -> None:
    m.drop_session(SessionOutcome.ERROR)
    m.st.error = ErrorInfo("session.internal_error", None, False, None)
    m.st.screen = S.ERROR if m.st.card_present else S.IDLE
    m.arm()


def _shutdown(m: Move, _: Event) -> None:
    m.drop_session(None)  # the kiosk stops: not an outcome of the citizen's session
    m.st.screen = S.IDLE
    m.arm()


HANDLERS: dict[On, Handler] = {
    On.CARD_INSERTED: card.card_inserted,
    On.CARD_MUTE: card.card_mute,
    On.CARD_REMOVED: card.card_removed,
    On.READER_ATTACHED: card.reader_attached,
    On.READER_DETACHED: card.reader_detached,
    On.PROCEED: commands.proceed,
    On.CONSENT: commands.consent,
    On.DECLINE: commands.decline,
    On.CHOOSE: commands.choose,
    On.PRINT: commands.print_result,
    On.BACK: commands.back,
    On.FINISH: commands.finish,
    On.TOUCH: commands.touch,
    On.LANGUAGE: commands.language,
    On.READ_DONE: card.read_done,
    On.READ_FAILED: card.read_failed,
    On.PHOTO: card.photo,
    On.HOLDER_STARTED: answers.holder_started,
    On.HOLDER_DECIDED: answers.holder_decided,
    On.SERVICE_DONE: answers.service_done,
    On.SERVICE_FAILED: answers.service_failed,
    On.PRINTED: answers.printed,
    On.INACTIVE: answers.inactive,
    On.WORK_TIMEOUT: answers.work_timeout,
    On.COUNTDOWN: answers.countdown,
    On.TAKE_CARD_DUE: answers.take_card_due,
    On.KIOSK_FACT: card.kiosk_fact,
    On.PARTS_DOWN: card.parts_down,
    On.REFUSED: card.refused,
    On.UI_FAULT: card.ui_fault,
    On.INTERNAL_ERROR: _fail_safe,
    On.SHUTDOWN: _shutdown,
}
"""What each event of the table does (the table says where it may do it)."""


def _note(m: Move, event: Event) -> None:
    """Facts every screen keeps, whether or not it acts on the event."""
    if isinstance(event, CardInserted | CardMute):
        m.st.card_present = True
    elif isinstance(event, JobFinished) and event.kind is JobKind.PRINT:
        answers.note_printer(m, event)


def step(state: State, event: Event) -> tuple[State, list[Effect]]:
    """The next state and what the shell must do; `state` itself is left unchanged.

    Raises RuntimeError if a handler made a move the table does not allow (a bug: the
    shell then feeds `InternalError`)."""
    on = rule_key(event)
    m = Move(state, on)
    if isinstance(event, TimerFired):
        if m.st.timers.get(event.kind) != event.token:
            return state, []  # cancelled or re-armed before it fired: stale
        del m.st.timers[event.kind]
    _note(m, event)
    targets = allowed(state.screen, on)
    if targets is not None:
        HANDLERS[on](m, event)
        if m.st.screen not in targets and not isinstance(event, InternalError | Shutdown):
            raise RuntimeError(f"illegal session move {state.screen} -> {m.st.screen} on {on}")
    m.fx.append(PublishView())
    return m.st, m.fx
