"""Handlers: the answers of the jobs (services, holder checks, prints) and the timers (pure)."""

from __future__ import annotations

import dataclasses

from kiosk.session.core.commands import run_service
from kiosk.session.core.effects import PollHolder, StopHolder
from kiosk.session.core.events import Event, JobFailed, JobFinished
from kiosk.session.core.machine import Move, log
from kiosk.session.holder import MESSAGE_KEYS, HolderCheck, HolderOutcome, HolderStart
from kiosk.session.holder import TIMEOUT_KEY as HOLDER_TIMEOUT_KEY
from kiosk.session.outcome import SessionOutcome
from kiosk.session.print_words import failure_text
from kiosk.session.timeouts import TimerKind
from kiosk.session.values import PrintResult, ServiceOutcome
from kiosk.session.view import Alert, PrintStatus, Screen

S = Screen
CONSENT_EXPIRED_KEY = "linkage.consent_required"
"""The Linkage client's key for "consent missing or too old": back to the consent screen."""


def service_done(m: Move, event: Event) -> None:
    assert isinstance(event, JobFinished) and isinstance(event.result, ServiceOutcome)
    s = m.current(event.session_id, event.job)
    if s is None:
        return
    s.outcome = event.result
    m.audit("service", {"service": event.result.result.service_id,
                        "status": event.result.result.status,
                        "holder_verified": "yes" if s.holder_verified else "no"})
    m.go(S.RESULT)


def service_failed(m: Move, event: Event) -> None:
    assert isinstance(event, JobFailed)
    s = m.current(event.session_id, event.job)
    if s is None:
        return
    f = event.failure
    log.warning("session %s: service %s failed (%s)", s.id, s.selected, f.key)
    if f.key == CONSENT_EXPIRED_KEY:
        # The centre no longer accepts this consent (too old): ask for it again.
        s.consent = None
        m._show_error(f.key, f.text, recoverable=True, back_to=S.CONSENT)
        return
    m._show_error(f.key, f.text, recoverable=True, back_to=S.MENU)


def holder_started(m: Move, event: Event) -> None:
    if isinstance(event, JobFailed):
        holder_decided(m, event)
        return
    assert isinstance(event, JobFinished) and isinstance(event.result, HolderStart)
    s = m.current(event.session_id, event.job)
    if s is None or s.holder_wait is None:
        return
    started = event.result
    if started.outcome is not HolderOutcome.PENDING:
        _decide(m, started.outcome, None)
        return
    s.holder_wait = dataclasses.replace(
        s.holder_wait, verification_id=started.verification_id,
        qr_payload=started.qr_payload, short_code=started.short_code)
    # The first poll at once (a long-polling gateway answers as soon as the phone does).
    m.fx.append(PollHolder(s.id, event.job, started.verification_id, 0.0))


def holder_decided(m: Move, event: Event) -> None:
    assert isinstance(event, JobFinished | JobFailed)
    s = m.current(event.session_id, event.job)
    if s is None or s.holder_wait is None:
        return
    if isinstance(event, JobFailed):
        log.warning("session %s: holder verification failed (%s)", s.id, event.failure.key)
        _decide(m, HolderOutcome.PROVIDER_DOWN, None)
        return
    assert isinstance(event.result, HolderCheck)
    check = event.result
    if check.outcome is HolderOutcome.PENDING:
        m.fx.append(PollHolder(s.id, event.job, s.holder_wait.verification_id,
                               m.cfg.timeouts.holder_poll_s))
        return
    _decide(m, check.outcome, check.ial)


def _decide(m: Move, outcome: HolderOutcome, ial: float | None) -> None:
    s = m.st.session
    assert s is not None and s.holder_wait is not None
    service = m.cfg.catalogue.get(s.holder_wait.service_id)
    s.holder_wait = None
    m.audit("holder_verification", {
        "outcome": str(outcome), "ial": "" if ial is None else f"{ial:g}",
        "service": service.id if service else ""})
    if outcome is HolderOutcome.HOLDER and service is not None:
        s.holder_verified = True
        log.info("session %s: holder verified", s.id)
        run_service(m, s, service)
        return
    log.warning("session %s: holder not verified (%s)", s.id, outcome)
    s.selected = None
    m._show_error(MESSAGE_KEYS.get(outcome, "holder.refused"), None, recoverable=True,
                  back_to=S.MENU)


def note_printer(m: Move, event: Event) -> None:
    """Any print answer, even a stale one: the printer's state is the kiosk's."""
    assert isinstance(event, JobFinished) and isinstance(event.result, PrintResult)
    ready = event.result.status in (PrintStatus.PRINTED, PrintStatus.UNCONFIRMED)
    m.st.printer_ready = ready
    m.st.printer_reason = None if ready else (event.result.reason_key or "printer.failed")


def printed(m: Move, event: Event) -> None:
    assert isinstance(event, JobFinished) and isinstance(event.result, PrintResult)
    s = m.current(event.session_id, event.job)
    if s is None:
        return
    result = event.result
    m.st.print_status = result.status
    if result.status is PrintStatus.PRINTED:
        s.printed = True
        m.audit("print", {"service": s.selected or ""})
        m._end_session("session.take_card_and_receipt", SessionOutcome.PRINTED)
    elif result.status is PrintStatus.UNCONFIRMED:
        # Sent, but the printer cannot say it printed: not counted, the citizen checks.
        m._end_session("printer.unconfirmed", SessionOutcome.FINISHED)
    else:
        key = result.reason_key or (
            "printer.paper_out" if result.status is PrintStatus.PAPER_OUT else "printer.failed")
        service = m.cfg.catalogue.get(s.selected or "")
        text = failure_text(key, result.text, service.handler if service else None,
                            s.outcome.result if s.outcome else None)
        m._show_error(key, text, recoverable=True, back_to=S.RESULT)


# ---------------------------------------------------------------- timers


def inactive(m: Move, _: Event) -> None:
    st = m.st
    if st.session is None:
        return
    st.return_to = st.screen
    st.countdown = int(m.cfg.timeouts.warning_s)
    m.raise_alert(Alert.TIMEOUT)
    m.go(S.TIMEOUT_WARNING)


def countdown(m: Move, _: Event) -> None:
    st = m.st
    if st.countdown is None:
        return
    st.countdown -= 1
    if st.countdown <= 0:
        log.info("session %s: ended by inactivity", m.sid())
        m._end_session("session.timed_out", SessionOutcome.TIMED_OUT)
    else:
        m.start_timer(TimerKind.COUNTDOWN_TICK, 1.0)


def work_timeout(m: Move, _: Event) -> None:
    st, s = m.st, m.st.session
    log.warning("session %s: %s took too long", m.sid(), st.screen)
    if s is not None:
        s.next_job()  # whatever answers later is stale
    if st.screen is S.READING:
        m.drop_session(SessionOutcome.ERROR)
        m._show_error("session.remove_card_retry", None, recoverable=False, back_to=None)
    elif st.screen is S.PRINTING:
        st.print_status = PrintStatus.FAILED
        m._show_error("printer.failed", None, recoverable=True, back_to=S.RESULT)
    elif st.screen is S.VERIFY_HOLDER:
        # Nobody confirmed in time (e.g. the citizen has no ThaID): other services work.
        if s is not None:
            m.fx.append(StopHolder(s.id))
            s.holder_wait = None
            s.selected = None
            m.audit("holder_verification", {"outcome": "timeout"})
        m._show_error(HOLDER_TIMEOUT_KEY, None, recoverable=True, back_to=S.MENU)
    else:
        m._show_error("session.work_timeout", None, recoverable=True, back_to=S.MENU)


def take_card_due(m: Move, _: Event) -> None:
    st = m.st
    if not st.card_present:
        return
    if st.screen is S.FINISHED:
        m.raise_alert(Alert.TAKE_CARD)
        m.go(S.TAKE_CARD)
    elif st.screen is S.TAKE_CARD:
        m.raise_alert(Alert.TAKE_CARD)
        m.arm()
    elif st.screen is S.ERROR and st.session is None:
        m.raise_alert(Alert.ERROR)
        m.arm()
