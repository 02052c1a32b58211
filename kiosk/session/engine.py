"""The session engine: one explicit state machine, owned by one thread.

Everything that changes session state runs on the engine thread, one event at a time, from
a queue: UI commands, card events, timer ticks and the answers of the workers. Card, network,
printer and audit work runs on worker pools; each job is tagged with the session id (and a
per-session job number) and its answer is dropped unless that session — and that job — is
still current. So a slow Linkage answer or a late print outcome can never reach the next
citizen's screen or paper (the Japanese kiosk lesson).

Card removal in any state ends the session at once and drops every reference to its data.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from kiosk.observers import Subscribers
from kiosk.session.catalogue import Catalogue, ServiceDef
from kiosk.session.faults import FAULT_KEY, OUT_OF_SERVICE_KEY, FaultBudget, check_fault_ref
from kiosk.session.holder import MESSAGE_KEYS, HolderOutcome, HolderVerifierPort, HolderWait
from kiosk.session.holder import TIMEOUT_KEY as HOLDER_TIMEOUT_KEY
from kiosk.session.outcome import SessionOutcome
from kiosk.session.ports import (
    AuditEvent,
    AuditPort,
    CardEvent,
    CardEventKind,
    CardPort,
    CardRead,
    ClockPort,
    ConnectivityPort,
    ConsentRecord,
    PrinterPort,
    PrintResult,
    QueueHealthPort,
    ServiceOutcome,
    ServiceRequest,
    ServiceRunner,
    SessionPortError,
    StaticQueueHealth,
)
from kiosk.session.print_words import failure_text
from kiosk.session.state import ErrorInfo, SessionData
from kiosk.session.timeouts import Timeouts, TimerKind, TimerSet, plan_timer
from kiosk.session.transitions import (
    TRANSITIONS,
    WAITING_FOR_CITIZEN,
    WORKING,
    check_transition,
)
from kiosk.session.view import (
    Alert,
    Connectivity,
    LanguageCode,
    MenuEntry,
    PrintStatus,
    Screen,
    SessionView,
    Text,
    ViewCallback,
)
from kiosk.session.view_builder import OUTBOX_HANDLERS, build_menu, build_view

__all__ = ["OUTBOX_HANDLERS", "TRANSITIONS", "WAITING_FOR_CITIZEN", "WORKING", "SessionEngine",
           "Timeouts"]

log = logging.getLogger("kiosk.session")

S = Screen
CONSENT_EXPIRED_KEY = "linkage.consent_required"
"""The Linkage client's key for "consent missing or too old": back to the consent screen."""
PHOTO_UNREADABLE_KEY = "card.photo_unreadable"
"""Said in place of the photo when it could not be read (any cause): the identity stands."""


class SessionEngine:
    """Implements `kiosk.session.view.SessionCommands`."""

    def __init__(
        self,
        *,
        card: CardPort,
        runners: dict[str, ServiceRunner],
        printer: PrinterPort,
        connectivity: ConnectivityPort,
        audit: AuditPort,
        catalogue: Catalogue,
        clock: ClockPort,
        kiosk_id: str,
        timeouts: Timeouts | None = None,
        default_language: LanguageCode = "th",
        read_photo: bool = True,
        queue_health: QueueHealthPort | None = None,
        holder: HolderVerifierPort | None = None,
    ) -> None:
        missing = {s.handler for s in catalogue.enabled} - set(runners)
        if missing:
            raise ValueError(f"no runner for service handler(s): {', '.join(sorted(missing))}")
        self._card = card
        self._runners = runners
        self._printer = printer
        self._connectivity_port = connectivity
        self._queue_health = queue_health or StaticQueueHealth(accepting=True)
        self._audit = audit
        self._catalogue = catalogue
        self._clock = clock
        self._kiosk_id = kiosk_id
        self._timeouts = timeouts or Timeouts()
        self._default_language: LanguageCode = default_language
        self._read_photo = read_photo
        self._holder = holder
        """ThaID holder verification; None: services that require it are unavailable."""

        self._events: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._card_pool = ThreadPoolExecutor(1, thread_name_prefix="session-card")
        self._net_pool = ThreadPoolExecutor(4, thread_name_prefix="session-net")
        self._print_pool = ThreadPoolExecutor(1, thread_name_prefix="session-print")
        self._audit_pool = ThreadPoolExecutor(1, thread_name_prefix="session-audit")

        # State, owned by the engine thread.
        self._screen = S.IDLE
        self._session: SessionData | None = None
        self._card_present = False
        self._reader_ok = True
        self._refused: str | None = None
        """Why the kiosk must not serve at all (e.g. a vpcd reader in production)."""
        self._parts_down: frozenset[str] = frozenset()
        """Parts the kiosk needs that are down now (`set_parts_down`): out of service."""
        self._connectivity = Connectivity.ONLINE
        self._queue_accepting = True
        self._language: LanguageCode = default_language
        self._printer_ready = True
        self._printer_reason: str | None = None
        self._alert = Alert.NONE
        self._alert_id = 0
        self._return_to: Screen | None = None
        self._countdown: int | None = None
        self._error: ErrorInfo | None = None
        self._progress: float | None = None
        self._print_status = PrintStatus.NONE
        self._end_message: str | None = None
        self._timers = TimerSet(clock, self._post)
        self._faults = FaultBudget(self._timeouts.fault_window_s)
        self._fault_ref = ""
        self._timer_handlers: dict[TimerKind, Callable[[], None]] = {
            TimerKind.INACTIVE: self._on_inactive,
            TimerKind.WORK: self._on_work_timeout,
            TimerKind.COUNTDOWN_TICK: self._on_countdown_tick,
            TimerKind.TAKE_CARD: self._on_take_card_due,
        }

        self._subscribers: Subscribers[SessionView] = Subscribers("session view subscriber")
        self._ends: Subscribers[SessionOutcome] = Subscribers("session end subscriber")
        self._view_cond = threading.Condition()
        self._view = SessionView(seq=0, session_id=None, screen=S.IDLE, language=self._language)
        self._unsubscribe_connectivity: Callable[[], None] | None = None
        self._unsubscribe_queue_health: Callable[[], None] | None = None
        self._thread = threading.Thread(target=self._loop, name="session-engine", daemon=True)
        self._started = False
        self._stopped = False

    # ------------------------------------------------------------ lifecycle

    def refuse_service(self, reason: str) -> None:
        """Out of service for good (until a restart): nothing a reader reports changes it.
        ``reason`` is for the log; the citizen sees the out-of-service screen."""
        def refuse() -> None:
            log.error("kiosk refuses service: %s", reason)
            self._refused = reason
            self._reader_ok = False
            self._to_idle()

        self._post(refuse)

    def set_parts_down(self, parts: frozenset[str]) -> None:
        """Out of service while any part it needs is down (e.g. the outbox sender unit);
        back to idle when none is. A session under way is left to finish."""
        def apply() -> None:
            was = bool(self._parts_down)
            self._parts_down = frozenset(parts)
            if self._parts_down and not was:
                log.error("out of service: %s down", ", ".join(sorted(self._parts_down)))
            if self._screen in (S.IDLE, S.OUT_OF_SERVICE):
                self._to_idle()  # picks idle or out of service

        self._post(apply)

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._thread.start()
        self._post(lambda: self._on_connectivity(self._connectivity_port.current()))
        self._unsubscribe_connectivity = self._connectivity_port.subscribe(
            lambda state: self._post(lambda: self._on_connectivity(state))
        )
        # Subscribe before reading: a change in between still arrives (as a later post).
        self._unsubscribe_queue_health = self._queue_health.subscribe(
            lambda accepting: self._post(lambda: self._on_queue_health(accepting))
        )
        self._post(lambda: self._on_queue_health(self._queue_health.accepting()))
        self._card.start(lambda event: self._post(lambda: self._on_card_event(event)))

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._card.stop()
        if self._unsubscribe_connectivity:
            self._unsubscribe_connectivity()
        if self._unsubscribe_queue_health:
            self._unsubscribe_queue_health()
        self._post(self._shutdown)
        self._events.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        for pool in (self._card_pool, self._net_pool, self._print_pool, self._audit_pool):
            pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> SessionEngine:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ observer API

    @property
    def view(self) -> SessionView:
        return self._view

    def subscribe(self, callback: ViewCallback) -> Callable[[], None]:
        unsubscribe = self._subscribers.subscribe(callback)
        current = self._view
        self._post(lambda: self._deliver(callback, current))
        return unsubscribe

    def subscribe_ends(self, callback: Callable[[SessionOutcome], None]) -> Callable[[], None]:
        """`callback(outcome)` once per session, on the engine thread, when it ends."""
        return self._ends.subscribe(callback)

    def sync(self, timeout: float = 10.0) -> None:
        """Wait until every event queued so far has been handled (tests, scripts)."""
        if threading.current_thread() is self._thread:
            return
        done = threading.Event()
        self._post(done.set)
        if not done.wait(timeout):
            raise TimeoutError("session engine did not answer")

    def wait_for(self, predicate: Callable[[SessionView], bool], timeout: float = 30.0
                 ) -> SessionView:
        """Block until a published view satisfies `predicate` (scripts, tests, bench)."""
        with self._view_cond:
            if not self._view_cond.wait_for(lambda: predicate(self._view), timeout):
                raise TimeoutError(f"session did not reach the expected state "
                                   f"(now {self._view.screen})")
            return self._view

    # ------------------------------------------------------------ UI commands

    def proceed(self) -> None:
        self._post(self._cmd_proceed)

    def choose_service(self, service_id: str) -> None:
        self._post(lambda: self._cmd_choose(service_id))

    def give_consent(self) -> None:
        self._post(self._cmd_consent)

    def decline(self) -> None:
        self._post(self._cmd_decline)

    def extend(self) -> None:
        self._post(self._cmd_touch)

    def touch(self) -> None:
        self._post(self._cmd_touch)

    def print_result(self) -> None:
        self._post(self._cmd_print)

    def back(self) -> None:
        self._post(self._cmd_back)

    def finish(self) -> None:
        self._post(self._cmd_finish)

    def set_language(self, language: LanguageCode) -> None:
        if language not in ("th", "en"):
            raise ValueError(f"unsupported language {language!r}")
        self._post(lambda: self._cmd_language(language))

    # ------------------------------------------------------------ the loop

    def _post(self, work: Callable[[], None]) -> None:
        self._events.put(work)

    def _loop(self) -> None:
        while True:
            work = self._events.get()
            if work is None:
                return
            try:
                work()
            except Exception:
                # A bug must not kill the kiosk: wipe, say so, keep the loop alive.
                log.exception("session engine: unexpected error")
                self._fail_safe()
            self._publish()

    def _fail_safe(self) -> None:
        self._drop_session(SessionOutcome.ERROR)
        self._error = ErrorInfo("session.internal_error", None, False, None)
        self._screen = S.ERROR if self._card_present else S.IDLE
        self._timers.cancel()

    def _shutdown(self) -> None:
        self._drop_session(None)  # the kiosk stops: not an outcome of the citizen's session
        self._timers.cancel()
        self._screen = S.IDLE

    # ------------------------------------------------------------ publishing

    def _publish(self) -> None:
        view = self._build_view(self._view.seq + 1)
        if dataclasses.replace(view, seq=self._view.seq) == self._view:
            return
        with self._view_cond:
            self._view = view
            self._view_cond.notify_all()
        self._subscribers.notify(view)

    @staticmethod
    def _deliver(callback: ViewCallback, view: SessionView) -> None:
        try:
            callback(view)
        except Exception:
            log.exception("session view subscriber failed")

    def _build_view(self, seq: int) -> SessionView:
        view = build_view(
            seq,
            screen=self._screen,
            session=self._session,
            catalogue=self._catalogue,
            language=self._language,
            queue_accepting=self._queue_accepting,
            return_to=self._return_to,
            error=self._error,
            progress=self._progress,
            end_message=self._end_message,
            countdown=self._countdown,
            max_extensions=self._timeouts.max_extensions,
            connectivity=self._connectivity,
            print_status=self._print_status,
            printer_ready=self._printer_ready,
            printer_reason=self._printer_reason,
            alert=self._alert,
            alert_id=self._alert_id,
            holder_available=self._holder is not None,
        )
        fault = self._fault_fields()
        return dataclasses.replace(view, **fault) if fault else view

    def _menu(self) -> tuple[MenuEntry, ...]:
        s = self._session
        return build_menu(self._catalogue, connectivity=self._connectivity,
                          queue_accepting=self._queue_accepting,
                          printer_ready=self._printer_ready,
                          holder_verified=s is not None and s.holder_verified,
                          holder_available=self._holder is not None)

    # ------------------------------------------------------------ transitions

    def _go(self, screen: Screen) -> None:
        """Move to `screen` (checked against TRANSITIONS) and arm its timers."""
        check_transition(self._screen, screen)
        log.debug("session %s: %s -> %s", self._sid(), self._screen, screen)
        self._screen = screen
        self._arm_timers()
        if screen in (S.MENU, S.RESULT) and not self._printer_ready:
            self._recheck_printer()

    def _recheck_printer(self) -> None:
        """After paper out: ask the printer again (on its worker) whether it is back."""
        check = getattr(self._printer, "check_ready", None)
        if check is None:
            return

        def job() -> None:
            try:
                ready = bool(check())
            except Exception:
                log.exception("printer check failed")
                return
            self._post(lambda: self._on_printer_checked(ready))

        self._print_pool.submit(job)

    def _on_printer_checked(self, ready: bool) -> None:
        if ready and not self._printer_ready:
            log.info("printer is ready again")
            self._printer_ready = True
            self._printer_reason = None

    def _sid(self) -> str:
        return self._session.id if self._session is not None else "-"

    def _arm_timers(self) -> None:
        self._timers.cancel()
        plan = plan_timer(self._screen, has_session=self._session is not None,
                          card_present=self._card_present, t=self._timeouts)
        if plan is not None:
            delay, kind = plan
            self._timers.after(delay, self._timer_handlers[kind])

    def _raise_alert(self, alert: Alert) -> None:
        self._alert = alert
        self._alert_id += 1

    def _end_session(self, message_key: str, outcome: SessionOutcome) -> None:
        """Normal end (finish, decline, timeout, printed): wipe, then "take your card"."""
        session = self._session
        if session is not None:
            self._audit_async(session, "session_end", {"reason": message_key})
        self._drop_session(outcome)
        self._end_message = message_key
        self._error = None
        self._raise_alert(Alert.TAKE_CARD)
        self._screen_to_finished()

    def _screen_to_finished(self) -> None:
        if not self._card_present:
            self._to_idle()
            return
        if S.FINISHED not in TRANSITIONS[self._screen]:
            # e.g. a fatal error: straight to the reminder, still wiped.
            self._screen = S.FINISHED
            self._arm_timers()
        else:
            self._go(S.FINISHED)

    def _drop_session(self, outcome: SessionOutcome | None) -> None:
        if self._session is not None:
            log.info("session %s ended: %s", self._session.id, outcome or "kiosk stopping")
            self._session.wipe()
            if outcome is not None:
                self._ends.notify(outcome)
        self._session = None
        self._return_to = None
        self._countdown = None
        self._progress = None

    def _to_idle(self, outcome: SessionOutcome = SessionOutcome.ERROR) -> None:
        self._drop_session(outcome)  # only counts if a session was still open
        self._error = None
        self._print_status = PrintStatus.NONE
        self._language = self._default_language
        self._end_message = None
        self._alert = Alert.NONE
        serving = self._reader_ok and not self._parts_down
        self._screen = S.IDLE if serving else S.OUT_OF_SERVICE
        self._arm_timers()

    def _current(self, session_id: str, job: int | None = None) -> SessionData | None:
        """The session if `session_id` (and `job`) is still what we wait for, else None."""
        s = self._session
        if s is None or s.id != session_id or (job is not None and s.job != job):
            log.info("dropped a stale answer for session %s", session_id)
            return None
        return s

    def _show_error(self, key: str, text: Text | None, *, recoverable: bool,
                    back_to: Screen | None) -> None:
        self._error = ErrorInfo(key, text, recoverable, back_to)
        self._raise_alert(Alert.ERROR)
        self._go(S.ERROR)

    # ------------------------------------------------------------ card events

    def _on_card_event(self, event: CardEvent) -> None:
        kind = event.kind
        if kind is CardEventKind.READER_DETACHED:
            self._reader_ok = False
            self._card_present = False
            self._to_idle(SessionOutcome.OUT_OF_SERVICE)
        elif kind is CardEventKind.READER_ATTACHED:
            self._reader_ok = self._refused is None
            if self._screen is S.OUT_OF_SERVICE and self._reader_ok and not self._parts_down:
                self._to_idle()
        elif kind is CardEventKind.REMOVED:
            self._card_present = False
            if self._session is not None:
                self._audit_async(self._session, "session_end", {"reason": "card_removed"})
            self._to_idle(SessionOutcome.ERROR if self._screen is S.ERROR
                          else SessionOutcome.CARD_PULLED)
        elif kind is CardEventKind.INSERTED:
            self._card_present = True
            if self._screen is S.IDLE and self._refused is None:
                self._begin_session()
        elif kind is CardEventKind.MUTE:
            self._card_present = True
            if self._screen is S.IDLE:
                # No session: nothing was read. The screen stays until the card is removed.
                self._error = ErrorInfo("card.mute", None, False, None)
                self._raise_alert(Alert.ERROR)
                self._screen = S.ERROR
                self._arm_timers()

    def _begin_session(self) -> None:
        session = SessionData(id=uuid.uuid4().hex)
        self._session = session
        self._language = self._default_language
        self._print_status = PrintStatus.NONE
        self._progress = 0.0
        self._alert = Alert.NONE
        log.info("session %s started", session.id)
        self._go(S.READING)
        sid, job = session.id, session.next_job()
        self._card_pool.submit(self._job_read_card, sid, job)

    def _job_read_card(self, sid: str, job: int) -> None:
        """Worker: read identity, then (optionally) the photo."""
        try:
            card = self._card.read_identity()
        except SessionPortError as exc:
            failure = exc  # `exc` is unbound after the except block
            self._post(lambda: self._on_read_failed(sid, job, failure))
            return
        except Exception as exc:  # a driver bug must still end in a defined state
            log.exception("card read failed")
            err = SessionPortError(str(exc), message_key="session.remove_card_retry",
                                   recoverable=False)
            self._post(lambda: self._on_read_failed(sid, job, err))
            return
        self._post(lambda: self._on_identity(sid, job, card))
        if not self._read_photo:
            return
        try:
            photo = self._card.read_photo(
                lambda p: self._post(lambda: self._on_photo_progress(sid, p))
            )
        except Exception as exc:
            # The identity stands; the photo is said to be unreadable, never shown broken.
            log.warning("photo read failed: %s (%s)", type(exc).__name__,
                        getattr(exc, "message_key", ""))
            self._post(lambda: self._on_photo(sid, None, PHOTO_UNREADABLE_KEY))
            return
        self._post(lambda: self._on_photo(sid, photo))

    def _on_identity(self, sid: str, job: int, card: CardRead) -> None:
        s = self._current(sid, job)
        if s is None or self._screen is not S.READING:
            return
        s.card = card
        s.photo_loading = self._read_photo
        self._progress = None
        log.info("session %s: card %s read", sid, card.summary.cid_masked)
        self._go(S.IDENTITY)

    def _on_read_failed(self, sid: str, job: int, exc: SessionPortError) -> None:
        s = self._current(sid, job)
        if s is None or self._screen is not S.READING:
            return
        log.warning("session %s: card read failed (%s)", sid, exc.message_key)
        self._drop_session(SessionOutcome.ERROR)
        self._show_error(exc.message_key, exc.text, recoverable=False, back_to=None)

    def _on_photo_progress(self, sid: str, progress: float) -> None:
        s = self._session
        if s is not None and s.id == sid and s.photo_loading:
            self._progress = progress

    def _on_photo(self, sid: str, photo: bytes | None, problem: str | None = None) -> None:
        s = self._session
        if s is None or s.id != sid:
            return
        s.photo = photo
        s.photo_problem = problem
        s.photo_loading = False
        self._progress = None

    # ------------------------------------------------------------ commands

    def _cmd_touch(self) -> None:
        s = self._session
        if self._screen is S.TIMEOUT_WARNING and s is not None and self._return_to:
            if s.extensions_used >= self._timeouts.max_extensions:
                return  # no more extensions: the countdown runs out
            s.extensions_used += 1
            back, self._return_to = self._return_to, None
            self._countdown = None
            self._alert = Alert.NONE
            self._go(back)
        elif self._screen in WAITING_FOR_CITIZEN and s is not None:
            self._arm_timers()

    def _cmd_proceed(self) -> None:
        if self._screen is S.IDENTITY:
            self._go(S.CONSENT)
        else:
            self._cmd_touch()

    def _cmd_consent(self) -> None:
        s = self._session
        if self._screen is not S.CONSENT or s is None or s.card is None:
            return
        record = ConsentRecord(
            session_id=s.id,
            given_at=self._clock.now(),
            services=tuple(x.id for x in self._catalogue.enabled),
            linkage_services=self._catalogue.consent_linkage_services(),
            cid_masked=s.card.summary.cid_masked,
        )
        s.consent = record
        # Every query waits on this future: consent is in the audit trail before any query.
        s.consent_future = self._audit_pool.submit(
            self._audit.record,
            AuditEvent("consent", record.given_at, s.id, record.cid_masked, {
                "services": ",".join(record.services),
                "linkage_services": ",".join(map(str, record.linkage_services)),
                "kiosk_id": self._kiosk_id,
            }),
        )
        log.info("session %s: consent given", s.id)
        self._go(S.MENU)

    def _cmd_decline(self) -> None:
        if self._screen is S.CONSENT:
            self._end_session("session.declined", SessionOutcome.DECLINED)

    def _cmd_choose(self, service_id: str) -> None:
        s = self._session
        if self._screen is not S.MENU or s is None or s.card is None or s.consent is None:
            return
        service = self._catalogue.get(service_id)
        entry = next((e for e in self._menu() if e.service_id == service_id), None)
        if service is None or entry is None or not entry.available:
            return
        s.selected = service.id
        if service.requires_holder and not s.holder_verified:
            self._begin_holder_check(s, service)
            return
        self._run_service(s, service)

    def _run_service(self, s: SessionData, service: ServiceDef) -> None:
        assert s.card is not None and s.consent is not None
        s.outcome = None
        self._print_status = PrintStatus.NONE
        request = ServiceRequest(
            session_id=s.id,
            service_id=service.id,
            cid=s.card.cid,
            identity=s.card.identity,
            consent=s.consent,
            language=self._language,
            online=self._connectivity is not Connectivity.OFFLINE,
        )
        job = s.next_job()
        self._go(S.RUNNING)
        assert s.consent_future is not None
        self._net_pool.submit(self._job_service, service, request, s.consent_future, job)

    # ------------------------------------------------------------ holder verification

    def _begin_holder_check(self, s: SessionData, service: ServiceDef) -> None:
        """MENU → VERIFY_HOLDER: start a ThaID verification for the card in the slot."""
        assert self._holder is not None and s.card is not None  # the menu checked both
        s.stop_holder_wait()
        wait = HolderWait(service.id, threading.Event())
        s.holder_wait = wait
        job = s.next_job()
        self._go(S.VERIFY_HOLDER)
        log.info("session %s: %s asks for holder verification", s.id, service.id)
        self._net_pool.submit(self._job_holder, s.id, job, s.card.cid, wait)

    def _job_holder(self, sid: str, job: int, cid: str, wait: HolderWait) -> None:
        """Worker: start, then poll until the gateway decides or the session stops waiting."""
        assert self._holder is not None
        try:
            started = self._holder.start(cid)
            if started.outcome is not HolderOutcome.PENDING:
                self._post_holder_decided(sid, job, started.outcome, None)
                return
            self._post(lambda: self._on_holder_started(sid, job, started.qr_payload,
                                                       started.short_code))
            while not wait.cancel.wait(self._timeouts.holder_poll_s):
                check = self._holder.poll(started.verification_id)
                if check.outcome is not HolderOutcome.PENDING:
                    self._post_holder_decided(sid, job, check.outcome, check.ial)
                    return
        except Exception as exc:
            log.warning("session %s: holder verification failed (%s)", sid,
                        type(exc).__name__)
            self._post_holder_decided(sid, job, HolderOutcome.PROVIDER_DOWN, None)

    def _post_holder_decided(self, sid: str, job: int, outcome: HolderOutcome,
                             ial: float | None) -> None:
        self._post(lambda: self._on_holder_decided(sid, job, outcome, ial))

    def _on_holder_started(self, sid: str, job: int, qr_payload: str,
                           short_code: str = "") -> None:
        s = self._current(sid, job)
        if s is None or self._screen is not S.VERIFY_HOLDER or s.holder_wait is None:
            return
        s.holder_wait.qr_payload = qr_payload
        s.holder_wait.short_code = short_code

    def _on_holder_decided(self, sid: str, job: int, outcome: HolderOutcome,
                           ial: float | None = None) -> None:
        s = self._current(sid, job)
        if s is None or self._screen is not S.VERIFY_HOLDER or s.holder_wait is None:
            return
        service = self._catalogue.get(s.holder_wait.service_id)
        s.stop_holder_wait()
        self._audit_async(s, "holder_verification", {
            "outcome": str(outcome), "ial": "" if ial is None else f"{ial:g}",
            "service": service.id if service else ""})
        if outcome is HolderOutcome.HOLDER and service is not None:
            s.holder_verified = True
            log.info("session %s: holder verified", sid)
            self._run_service(s, service)
            return
        log.warning("session %s: holder not verified (%s)", sid, outcome)
        s.selected = None
        self._show_error(MESSAGE_KEYS.get(outcome, "holder.refused"), None, recoverable=True,
                         back_to=S.MENU)

    def _job_service(self, service: ServiceDef, request: ServiceRequest,
                     consent_recorded: Future[None], job: int) -> None:
        sid = request.session_id
        try:
            consent_recorded.result()
            outcome = self._runners[service.handler](request)
        except SessionPortError as exc:
            failure = exc  # `exc` is unbound after the except block
            self._post(lambda: self._on_service_failed(sid, job, failure))
            return
        except Exception as exc:
            log.exception("service %s failed", service.id)
            err = SessionPortError(str(exc), message_key="service.failed")
            self._post(lambda: self._on_service_failed(sid, job, err))
            return
        self._post(lambda: self._on_service_done(sid, job, outcome))

    def _on_service_done(self, sid: str, job: int, outcome: ServiceOutcome) -> None:
        s = self._current(sid, job)
        if s is None or self._screen is not S.RUNNING:
            return
        s.outcome = outcome
        self._audit_async(s, "service", {"service": outcome.result.service_id,
                                          "status": outcome.result.status,
                                          "holder_verified": "yes" if s.holder_verified
                                          else "no"})
        self._go(S.RESULT)

    def _on_service_failed(self, sid: str, job: int, exc: SessionPortError) -> None:
        s = self._current(sid, job)
        if s is None or self._screen is not S.RUNNING:
            return
        log.warning("session %s: service %s failed (%s)", sid, s.selected, exc.message_key)
        if exc.message_key == CONSENT_EXPIRED_KEY:
            # The centre no longer accepts this consent (too old): ask for it again.
            s.consent = None
            s.consent_future = None
            self._show_error(exc.message_key, exc.text, recoverable=True, back_to=S.CONSENT)
            return
        self._show_error(exc.message_key, exc.text, recoverable=True, back_to=S.MENU)

    def _cmd_print(self) -> None:
        s = self._session
        if self._screen is not S.RESULT or s is None or s.outcome is None:
            return
        if s.outcome.receipt is None or not s.outcome.result.printable:
            return
        job = s.next_job()
        self._print_status = PrintStatus.PRINTING
        self._go(S.PRINTING)
        self._print_pool.submit(self._job_print, s.id, job, s.outcome.receipt)

    def _job_print(self, sid: str, job: int, document: object) -> None:
        try:
            result = self._printer.print_receipt(sid, document)
        except Exception:
            log.exception("printing failed")
            result = PrintResult(PrintStatus.FAILED, "printer.failed")
        self._post(lambda: self._on_printed(sid, job, result))

    def _on_printed(self, sid: str, job: int, result: PrintResult) -> None:
        # The printer's state is the kiosk's, not the session's: keep it even if stale.
        self._printer_ready = result.status in (PrintStatus.PRINTED, PrintStatus.UNCONFIRMED)
        self._printer_reason = None if self._printer_ready else (
            result.reason_key or "printer.failed")
        s = self._current(sid, job)
        if s is None or self._screen is not S.PRINTING:
            return
        self._print_status = result.status
        if result.status is PrintStatus.PRINTED:
            s.printed = True
            self._audit_async(s, "print", {"service": s.selected or ""})
            self._end_session("session.take_card_and_receipt", SessionOutcome.PRINTED)
        elif result.status is PrintStatus.UNCONFIRMED:
            # Sent, but the printer cannot say it printed: not counted, the citizen checks.
            self._end_session("printer.unconfirmed", SessionOutcome.FINISHED)
        else:
            key = result.reason_key or (
                "printer.paper_out" if result.status is PrintStatus.PAPER_OUT
                else "printer.failed")
            service = self._catalogue.get(s.selected or "")
            text = failure_text(key, result.text, service.handler if service else None,
                                s.outcome.result if s.outcome else None)
            self._show_error(key, text, recoverable=True, back_to=S.RESULT)

    def _cmd_back(self) -> None:
        s = self._session
        if s is None:
            return
        if self._screen is S.RESULT:
            s.outcome = None
            s.selected = None
            self._go(S.MENU)
        elif self._screen is S.VERIFY_HOLDER:
            s.stop_holder_wait()
            s.next_job()  # a late answer of the abandoned verification is stale
            s.selected = None
            self._go(S.MENU)
        elif self._screen is S.ERROR and self._error and self._error.back_to:
            back = self._error.back_to
            if back is S.RESULT and s.outcome is None:
                back = S.MENU
            self._error = None
            self._go(back)

    def _cmd_finish(self) -> None:
        if self._session is not None and self._screen in (
                WAITING_FOR_CITIZEN | {S.TIMEOUT_WARNING}):
            self._end_session("session.take_card", SessionOutcome.FINISHED)
        elif self._screen is S.ERROR:
            # A card that failed to read (or a mute card) leaves no session: "finish, take
            # your card" still leads on, to the reminder or (card already out) to idle.
            self._end_session("session.take_card", SessionOutcome.ERROR)

    def _cmd_language(self, language: LanguageCode) -> None:
        self._language = language
        self._cmd_touch()

    # ------------------------------------------------------------ timers

    def _on_inactive(self) -> None:
        if self._screen not in WAITING_FOR_CITIZEN or self._session is None:
            return
        self._return_to = self._screen
        self._countdown = int(self._timeouts.warning_s)
        self._raise_alert(Alert.TIMEOUT)
        self._go(S.TIMEOUT_WARNING)

    def _on_countdown_tick(self) -> None:
        if self._screen is not S.TIMEOUT_WARNING or self._countdown is None:
            return
        self._countdown -= 1
        if self._countdown <= 0:
            log.info("session %s: ended by inactivity", self._sid())
            self._end_session("session.timed_out", SessionOutcome.TIMED_OUT)
        else:
            self._timers.after(1.0, self._on_countdown_tick)

    def _on_work_timeout(self) -> None:
        s = self._session
        if self._screen not in WORKING:
            return
        log.warning("session %s: %s took too long", self._sid(), self._screen)
        if s is not None:
            s.next_job()  # whatever answers later is stale
        if self._screen is S.READING:
            self._drop_session(SessionOutcome.ERROR)
            self._show_error("session.remove_card_retry", None, recoverable=False, back_to=None)
        elif self._screen is S.PRINTING:
            self._print_status = PrintStatus.FAILED
            self._show_error("printer.failed", None, recoverable=True, back_to=S.RESULT)
        elif self._screen is S.VERIFY_HOLDER:
            # Nobody confirmed in time (e.g. the citizen has no ThaID): other services work.
            if s is not None:
                s.stop_holder_wait()
                s.selected = None
                self._audit_async(s, "holder_verification", {"outcome": "timeout"})
            self._show_error(HOLDER_TIMEOUT_KEY, None, recoverable=True, back_to=S.MENU)
        else:
            self._show_error("session.work_timeout", None, recoverable=True, back_to=S.MENU)

    def _on_take_card_due(self) -> None:
        if not self._card_present:
            return
        if self._screen is S.FINISHED:
            self._raise_alert(Alert.TAKE_CARD)
            self._go(S.TAKE_CARD)
        elif self._screen is S.TAKE_CARD:
            self._raise_alert(Alert.TAKE_CARD)
            self._arm_timers()
        elif self._screen is S.ERROR and self._session is None:
            self._raise_alert(Alert.ERROR)
            self._arm_timers()

    # ------------------------------------------------------------ other inputs

    def _on_connectivity(self, state: Connectivity) -> None:
        self._connectivity = state

    def _on_queue_health(self, accepting: bool) -> None:
        if accepting != self._queue_accepting:
            log.warning("session: outbox %s; menu updated",
                        "accepting again" if accepting else "not accepting")
        self._queue_accepting = accepting

    def _audit_async(self, session: SessionData, kind: str, details: dict[str, str]) -> None:
        cid_masked = session.card.summary.cid_masked if session.card else ""
        event = AuditEvent(kind, self._clock.now(), session.id, cid_masked,
                           {**details, "kiosk_id": self._kiosk_id})

        def record() -> None:
            try:
                self._audit.record(event)
            except Exception:
                log.exception("audit record %s failed", kind)

        self._audit_pool.submit(record)

    # ------------------------------------------------------------ UI faults

    def report_fault(self, fault_ref: str) -> None:
        ref = check_fault_ref(fault_ref)
        self._post(lambda: self._on_ui_fault(ref, self._clock.monotonic()))

    def _on_ui_fault(self, ref: str, at: float) -> None:
        self._faults, spent = self._faults.note(at)
        self._fault_ref = ref
        log.error("ui fault %s on screen %s (session %s)", ref, self._screen, self._sid())
        if spent and self._refused is None:
            self._refused = f"{self._faults.limit} screen faults within " \
                            f"{self._faults.window_s:g} s (last {ref})"
            self._reader_ok = False
            log.error("TECHNICIAN ALERT [ui] %s: out of service after %s", Alert.UI_FAULTS,
                      self._refused)
        s = self._session
        if s is not None:
            self._audit_async(s, "ui_fault", {"ref": ref, "screen": self._screen.value})
            self._end_session(FAULT_KEY, SessionOutcome.ERROR)  # wiped; take-card alarm
            return
        if self._screen in (S.IDLE, S.OUT_OF_SERVICE) and self._refused is not None:
            self._to_idle()  # no card in: out of service now
        self._end_message = FAULT_KEY  # the view changes (its ref): published again
        self._raise_alert(Alert.UI_FAULTS if spent else Alert.ERROR)

    def _fault_fields(self) -> dict[str, object]:
        """What a view says after a fault: its ref while the card is asked back (no session
        since), and the reason while out of service because of faults."""
        if self._screen is S.OUT_OF_SERVICE and self._refused is not None and self._fault_ref:
            return {"fault_ref": self._fault_ref, "progress_key": OUT_OF_SERVICE_KEY,
                    "alert": Alert.UI_FAULTS}
        if self._end_message == FAULT_KEY and self._session is None:
            return {"fault_ref": self._fault_ref}
        return {}
