"""Handlers: the card and its reader, the kiosk's own facts, faults (pure)."""

from __future__ import annotations

from kiosk.session.core.effects import ReadCard
from kiosk.session.core.events import (
    CardInserted,
    ConnectivityChanged,
    Event,
    JobFailed,
    JobFinished,
    PartsDown,
    PhotoProgress,
    PhotoRead,
    PrinterChecked,
    QueueHealthChanged,
    ServiceRefused,
    UiFault,
)
from kiosk.session.core.machine import Move, log
from kiosk.session.faults import FAULT_KEY, OUT_OF_SERVICE_KEY, FaultBudget
from kiosk.session.outcome import SessionOutcome
from kiosk.session.state import ErrorInfo, SessionData
from kiosk.session.values import CardRead
from kiosk.session.view import Alert, PrintStatus, Screen

S = Screen
FAULTS_OUT_OF_SERVICE_KEY = OUT_OF_SERVICE_KEY
"""The technician's message when repeated faults put the kiosk out of service."""


def reader_detached(m: Move, _: Event) -> None:
    m.st.reader_ok = False
    m.st.card_present = False
    m.to_idle(SessionOutcome.OUT_OF_SERVICE)


def reader_attached(m: Move, _: Event) -> None:
    m.st.reader_ok = m.st.refused is None
    if m.st.screen is S.OUT_OF_SERVICE and m.st.serving:
        m.to_idle()


def card_removed(m: Move, _: Event) -> None:
    m.st.card_present = False
    m.audit("session_end", {"reason": "card_removed"})
    m.to_idle(SessionOutcome.ERROR if m.st.screen is S.ERROR else SessionOutcome.CARD_PULLED)


def card_inserted(m: Move, event: Event) -> None:
    assert isinstance(event, CardInserted)
    st = m.st
    if st.refused is not None:
        return
    st.session = SessionData(id=event.session_id)
    st.fault_ref = ""
    st.language = m.cfg.default_language
    st.print_status = PrintStatus.NONE
    st.progress = 0.0
    st.alert = Alert.NONE
    log.info("session %s started", event.session_id)
    m.go(S.READING)
    m.fx.append(ReadCard(event.session_id, st.session.next_job(), m.cfg.read_photo))


def card_mute(m: Move, _: Event) -> None:
    # No session: nothing was read. The screen stays until the card is removed.
    m.st.error = ErrorInfo("card.mute", None, False, None)
    m.raise_alert(Alert.ERROR)
    m.go(S.ERROR)


def read_done(m: Move, event: Event) -> None:
    assert isinstance(event, JobFinished) and isinstance(event.result, CardRead)
    s = m.current(event.session_id, event.job)
    if s is None:
        return
    s.card = event.result
    s.photo_loading = m.cfg.read_photo
    m.st.progress = None
    log.info("session %s: card %s read", s.id, event.result.summary.cid_masked)
    m.go(S.IDENTITY)


def read_failed(m: Move, event: Event) -> None:
    assert isinstance(event, JobFailed)
    if m.current(event.session_id, event.job) is None:
        return
    f = event.failure
    log.warning("session %s: card read failed (%s)", event.session_id, f.key)
    m.drop_session(SessionOutcome.ERROR)
    m._show_error(f.key, f.text, recoverable=False, back_to=None)


def photo(m: Move, event: Event) -> None:
    s = m.st.session
    if isinstance(event, PhotoProgress):
        if s is not None and s.id == event.session_id and s.photo_loading:
            m.st.progress = event.progress
    elif isinstance(event, PhotoRead) and s is not None and s.id == event.session_id:
        s.photo = event.photo
        s.photo_problem = event.problem
        s.photo_loading = False
        m.st.progress = None


def kiosk_fact(m: Move, event: Event) -> None:
    st = m.st
    if isinstance(event, ConnectivityChanged):
        st.connectivity = event.state
    elif isinstance(event, QueueHealthChanged):
        if event.accepting != st.queue_accepting:
            log.warning("session: outbox %s; menu updated",
                        "accepting again" if event.accepting else "not accepting")
        st.queue_accepting = event.accepting
    elif isinstance(event, PrinterChecked) and event.ready and not st.printer_ready:
        log.info("printer is ready again")
        st.printer_ready = True
        st.printer_reason = None


def parts_down(m: Move, event: Event) -> None:
    assert isinstance(event, PartsDown)
    was = bool(m.st.parts_down)
    m.st.parts_down = frozenset(event.parts)
    if m.st.parts_down and not was:
        log.error("out of service: %s down", ", ".join(sorted(m.st.parts_down)))
    if m.st.screen in (S.IDLE, S.OUT_OF_SERVICE):
        m.to_idle()  # picks idle or out of service


def refused(m: Move, event: Event) -> None:
    assert isinstance(event, ServiceRefused)
    log.error("kiosk refuses service: %s", event.reason)
    m.st.refused = event.reason
    m.st.reader_ok = False
    m.to_idle()


def ui_fault(m: Move, event: Event) -> None:
    """A screen failed: end the session like an error (the card comes back first); the
    third fault in the window stops the kiosk (a technician must look) instead of looping.
    The views after it carry the fault's reference, which tells the UI the core answered."""
    assert isinstance(event, UiFault)
    st = m.st
    budget, spent = FaultBudget(m.cfg.timeouts.fault_window_s, times=st.fault_times).note(
        event.at)
    st.fault_times = budget.times
    screen = st.screen
    m.audit("ui_fault", {"ref": event.ref, "screen": str(screen)})
    log.error("screen fault %s on %s (%d in the window)", event.ref, screen,
              len(st.fault_times))
    if spent:
        st.faulted = True
        log.error("out of service: %s", FAULTS_OUT_OF_SERVICE_KEY)
    if st.session is not None:
        m._end_session(FAULT_KEY, SessionOutcome.ERROR)  # wiped; take-card alarm
    elif spent:
        m.to_idle()  # no card in: out of service now
    elif st.card_present:  # after the session (finished, take card): still ask it back
        st.end_message = FAULT_KEY
    st.fault_ref = event.ref
