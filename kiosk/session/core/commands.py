"""Handlers: the citizen's commands, and the jobs they start (pure)."""

from __future__ import annotations

from kiosk.session.catalogue import ServiceDef
from kiosk.session.core.effects import Print, RecordConsent, RunService, StartHolder, StopHolder
from kiosk.session.core.events import Command, Event
from kiosk.session.core.machine import Move, log
from kiosk.session.core.view import menu_of
from kiosk.session.outcome import SessionOutcome
from kiosk.session.state import HolderWait, SessionData
from kiosk.session.transitions import WAITING_FOR_CITIZEN
from kiosk.session.values import AuditEvent, ConsentRecord, ServiceRequest
from kiosk.session.view import Alert, Connectivity, PrintStatus, Screen

S = Screen


def touch(m: Move, _: Event | None = None) -> None:
    st, s = m.st, m.st.session
    if st.screen is S.TIMEOUT_WARNING and s is not None and st.return_to:
        if s.extensions_used >= m.cfg.timeouts.max_extensions:
            return  # no more extensions: the countdown runs out
        s.extensions_used += 1
        back, st.return_to = st.return_to, None
        st.countdown = None
        st.alert = Alert.NONE
        m.go(back)
    elif st.screen in WAITING_FOR_CITIZEN and s is not None:
        m.arm()


def proceed(m: Move, event: Event) -> None:
    if m.st.screen is S.IDENTITY and m.st.session is not None:
        m.go(S.CONSENT)
    else:
        touch(m)


def language(m: Move, event: Event) -> None:
    assert isinstance(event, Command)
    if event.arg in ("th", "en"):
        m.st.language = "th" if event.arg == "th" else "en"
    touch(m)


def consent(m: Move, event: Event) -> None:
    assert isinstance(event, Command) and event.at is not None
    s, catalogue = m.st.session, m.cfg.catalogue
    if s is None or s.card is None:
        return
    record = ConsentRecord(
        session_id=s.id, given_at=event.at,
        services=tuple(x.id for x in catalogue.enabled),
        linkage_services=catalogue.consent_linkage_services(),
        cid_masked=s.card.summary.cid_masked,
    )
    s.consent = record
    m.fx.append(RecordConsent(AuditEvent("consent", record.given_at, s.id, record.cid_masked, {
        "services": ",".join(record.services),
        "linkage_services": ",".join(map(str, record.linkage_services)),
        "kiosk_id": m.cfg.kiosk_id,
    })))
    log.info("session %s: consent given", s.id)
    m.go(S.MENU)


def decline(m: Move, _: Event) -> None:
    m._end_session("session.declined", SessionOutcome.DECLINED)


def choose(m: Move, event: Event) -> None:
    assert isinstance(event, Command)
    s = m.st.session
    if s is None or s.card is None or s.consent is None:
        return
    service = m.cfg.catalogue.get(event.arg)
    entry = next((e for e in menu_of(m.st) if e.service_id == event.arg), None)
    if service is None or entry is None or not entry.available:
        return
    s.selected = service.id
    if service.requires_holder and not s.holder_verified:
        assert s.card is not None  # the menu checked that a verifier exists
        s.holder_wait = HolderWait(service.id)
        job = s.next_job()
        m.go(S.VERIFY_HOLDER)
        log.info("session %s: %s asks for holder verification", s.id, service.id)
        m.fx.append(StartHolder(s.id, job, s.card.cid))
        return
    run_service(m, s, service)


def run_service(m: Move, s: SessionData, service: ServiceDef) -> None:
    assert s.card is not None and s.consent is not None
    s.outcome = None
    m.st.print_status = PrintStatus.NONE
    request = ServiceRequest(
        session_id=s.id, service_id=service.id, cid=s.card.cid, identity=s.card.identity,
        consent=s.consent, language=m.st.language,
        online=m.st.connectivity is not Connectivity.OFFLINE,
    )
    job = s.next_job()
    m.go(S.RUNNING)
    m.fx.append(RunService(s.id, job, service.handler, request))


def print_result(m: Move, _: Event) -> None:
    s = m.st.session
    if s is None or s.outcome is None:
        return
    if s.outcome.receipt is None or not s.outcome.result.printable:
        return
    job = s.next_job()
    m.st.print_status = PrintStatus.PRINTING
    m.go(S.PRINTING)
    m.fx.append(Print(s.id, job, s.outcome.receipt))


def back(m: Move, _: Event) -> None:
    st, s = m.st, m.st.session
    if s is None:
        return
    if st.screen is S.RESULT:
        s.outcome = None
        s.selected = None
        m.go(S.MENU)
    elif st.screen is S.VERIFY_HOLDER:
        m.fx.append(StopHolder(s.id))
        s.holder_wait = None
        s.next_job()  # a late answer of the abandoned verification is stale
        s.selected = None
        m.go(S.MENU)
    elif st.screen is S.ERROR and st.error and st.error.back_to:
        target = st.error.back_to
        if target is S.RESULT and s.outcome is None:
            target = S.MENU
        st.error = None
        m.go(target)


def finish(m: Move, _: Event) -> None:
    if m.st.session is not None:
        m._end_session("session.take_card", SessionOutcome.FINISHED)
    elif m.st.screen is S.ERROR:
        # A card that failed to read (or a mute card) leaves no session: "finish, take
        # your card" still leads on, to the reminder or (card already out) to idle.
        m._end_session("session.take_card", SessionOutcome.ERROR)
