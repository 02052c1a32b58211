"""The session's imperative shell: the only session code that knows threads.

It owns the event queue and its thread, the worker pools and the timers. Each input (a UI
command, a card event, a timer, a worker's answer) becomes an event; the pure core
(`kiosk.session.core.step`) returns the new state and the effects, which the shell runs:
jobs go to the pools tagged with the session id and job number, and their answers come back
as events the core drops when that session — or that job — is no longer current. So a slow
Linkage answer or a late print outcome never reaches the next citizen.
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
from kiosk.session import core
from kiosk.session.catalogue import Catalogue
from kiosk.session.core import effects as fx
from kiosk.session.core import events as ev
from kiosk.session.faults import check_fault_ref
from kiosk.session.holder import HolderVerifierPort
from kiosk.session.outcome import SessionOutcome
from kiosk.session.ports import (
    AuditEvent,
    AuditPort,
    CardEvent,
    CardEventKind,
    CardPort,
    ClockPort,
    ConnectivityPort,
    PrinterPort,
    QueueHealthPort,
    ServiceRunner,
    StaticQueueHealth,
    TimerHandle,
)
from kiosk.session.shell_jobs import ShellJobs
from kiosk.session.timeouts import Timeouts, TimerKind
from kiosk.session.transitions import On
from kiosk.session.view import LanguageCode, MenuEntry, SessionView, ViewCallback

log = logging.getLogger("kiosk.session")
_CARD_EVENTS: dict[CardEventKind, ev.Event] = {
    CardEventKind.REMOVED: ev.CardRemoved(), CardEventKind.MUTE: ev.CardMute(),
    CardEventKind.READER_ATTACHED: ev.ReaderAttached(),
    CardEventKind.READER_DETACHED: ev.ReaderDetached()}
Item = ev.Event | Callable[[], None] | None


class SessionShell(ShellJobs):
    """Implements `kiosk.session.view.SessionCommands` around the pure core."""

    def __init__(
        self, *, card: CardPort, runners: dict[str, ServiceRunner], printer: PrinterPort,
        connectivity: ConnectivityPort, audit: AuditPort, catalogue: Catalogue,
        clock: ClockPort, kiosk_id: str, timeouts: Timeouts | None = None,
        default_language: LanguageCode = "th", read_photo: bool = True,
        queue_health: QueueHealthPort | None = None, holder: HolderVerifierPort | None = None,
    ) -> None:
        missing = {s.handler for s in catalogue.enabled} - set(runners)
        if missing:
            raise ValueError(f"no runner for service handler(s): {', '.join(sorted(missing))}")
        self._card, self._runners, self._printer = card, runners, printer
        self._connectivity_port = connectivity
        self._queue_health = queue_health or StaticQueueHealth(accepting=True)
        self._audit, self._catalogue, self._clock = audit, catalogue, clock
        self._kiosk_id = kiosk_id
        self._holder = holder
        """ThaID holder verification; None: services that require it are unavailable."""
        self._state = core.State.initial(core.Config(
            catalogue=catalogue, kiosk_id=kiosk_id, timeouts=timeouts or Timeouts(),
            default_language=default_language, read_photo=read_photo,
            holder_available=holder is not None))

        self._events: queue.SimpleQueue[Item] = queue.SimpleQueue()
        self._card_pool = ThreadPoolExecutor(1, thread_name_prefix="session-card")
        self._net_pool = ThreadPoolExecutor(4, thread_name_prefix="session-net")
        self._print_pool = ThreadPoolExecutor(1, thread_name_prefix="session-print")
        self._audit_pool = ThreadPoolExecutor(1, thread_name_prefix="session-audit")
        self._timers: dict[TimerKind, TimerHandle] = {}
        self._consents: dict[str, Future[None]] = {}
        """Per session: the consent's audit record; every query waits on it."""
        self._holder_stops: dict[str, threading.Event] = {}

        self._subscribers: Subscribers[SessionView] = Subscribers("session view subscriber")
        self._ends: Subscribers[SessionOutcome] = Subscribers("session end subscriber")
        self._view_cond = threading.Condition()
        self._view = core.view_of(self._state, 0)
        self._unsubscribe: list[Callable[[], None]] = []
        self._thread = threading.Thread(target=self._loop, name="session-engine", daemon=True)
        self._started = False
        self._stopped = False

    # ------------------------------------------------------------ lifecycle

    def refuse_service(self, reason: str) -> None:
        """Out of service for good (until a restart): nothing a reader reports changes it.
        ``reason`` is for the log; the citizen sees the out-of-service screen."""
        self._post(ev.ServiceRefused(reason))

    def set_parts_down(self, parts: frozenset[str]) -> None:
        """Out of service while any part it needs is down (e.g. the outbox sender unit);
        back to idle when none is. A session under way is left to finish."""
        self._post(ev.PartsDown(frozenset(parts)))

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._thread.start()
        self._post(ev.ConnectivityChanged(self._connectivity_port.current()))
        self._unsubscribe.append(self._connectivity_port.subscribe(
            lambda state: self._post(ev.ConnectivityChanged(state))))
        # Subscribe before reading: a change in between still arrives (as a later post).
        self._unsubscribe.append(self._queue_health.subscribe(
            lambda accepting: self._post(ev.QueueHealthChanged(accepting))))
        self._post(ev.QueueHealthChanged(self._queue_health.accepting()))
        self._card.start(self._on_card_event)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._card.stop()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._post(ev.Shutdown())
        self._events.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        for pool in (self._card_pool, self._net_pool, self._print_pool, self._audit_pool):
            pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> SessionShell:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ observer API

    @property
    def view(self) -> SessionView:
        return self._view

    @property
    def _session(self) -> object:
        """The citizen's data the shell still references (None between sessions)."""
        return self._state.session

    def _menu(self) -> tuple[MenuEntry, ...]:
        return core.menu_of(self._state)

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

    def _command(self, kind: On, arg: str = "") -> None:
        self._post(ev.Command(kind, arg, self._clock.now()))

    def proceed(self) -> None:
        self._command(On.PROCEED)

    def choose_service(self, service_id: str) -> None:
        self._command(On.CHOOSE, service_id)

    def give_consent(self) -> None:
        self._command(On.CONSENT)

    def decline(self) -> None:
        self._command(On.DECLINE)

    def extend(self) -> None:
        self._command(On.TOUCH)

    def touch(self) -> None:
        self._command(On.TOUCH)

    def print_result(self) -> None:
        self._command(On.PRINT)

    def back(self) -> None:
        self._command(On.BACK)

    def finish(self) -> None:
        self._command(On.FINISH)

    def set_language(self, language: LanguageCode) -> None:
        if language not in ("th", "en"):
            raise ValueError(f"unsupported language {language!r}")
        self._command(On.LANGUAGE, language)

    @property
    def timeouts(self) -> Timeouts:
        """The session's timers (read-only; tests advance a manual clock by them)."""
        return self._state.config.timeouts

    def report_fault(self, fault_ref: str) -> None:
        """A screen failed (any thread): the core ends the session safely."""
        self._post(ev.UiFault(check_fault_ref(fault_ref), self._clock.monotonic()))

    # ------------------------------------------------------------ the loop

    def _post(self, item: ev.Event | Callable[[], None]) -> None:
        self._events.put(item)

    def _on_card_event(self, event: CardEvent) -> None:
        if event.kind is CardEventKind.INSERTED:
            self._post(ev.CardInserted(uuid.uuid4().hex))  # the id of the session it may start
        elif (mapped := _CARD_EVENTS.get(event.kind)) is not None:
            self._post(mapped)

    def _loop(self) -> None:
        while True:
            item = self._events.get()
            if item is None:
                return
            if callable(item) and not dataclasses.is_dataclass(item):
                item()
                continue
            try:
                self._state, effects = core.step(self._state, item)
            except Exception:
                # A bug must not kill the kiosk: wipe, say so, keep the loop alive.
                log.exception("session engine: unexpected error")
                effects = self._fail_safe()
            for effect in effects:
                try:
                    self._run(effect)
                except Exception:
                    log.exception("session effect %s failed", type(effect).__name__)

    def _fail_safe(self) -> list[fx.Effect]:
        try:
            self._state, effects = core.step(self._state, ev.InternalError())
        except Exception:  # the fail-safe itself failed: drop everything, start over
            log.exception("session engine: fail-safe failed; starting from a clean state")
            self._state = core.State.initial(self._state.config)
            return [fx.PublishView()]
        return effects

    def _publish(self) -> None:
        view = core.view_of(self._state, self._view.seq + 1)
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

    # ------------------------------------------------------------ effects

    def _run(self, effect: fx.Effect) -> None:
        if isinstance(effect, fx.PublishView):
            self._publish()
        elif isinstance(effect, fx.StartTimer):
            self._cancel_timer(effect.kind)
            fire = ev.TimerFired(effect.kind, effect.token)
            self._timers[effect.kind] = self._clock.call_later(
                effect.delay_s, lambda: self._post(fire))
        elif isinstance(effect, fx.CancelTimer):
            self._cancel_timer(effect.kind)
        elif isinstance(effect, fx.ReadCard):
            self._card_pool.submit(self._job_read_card, effect)
        elif isinstance(effect, fx.RecordConsent):
            self._consents[effect.event.session_id] = self._audit_pool.submit(
                self._audit.record, effect.event)
        elif isinstance(effect, fx.RunService):
            self._net_pool.submit(self._job_service, effect,
                                  self._consents.get(effect.session_id))
        elif isinstance(effect, fx.StartHolder):
            self._stop_holder(effect.session_id)
            self._holder_stops[effect.session_id] = threading.Event()
            self._net_pool.submit(self._job_holder_start, effect)
        elif isinstance(effect, fx.PollHolder):
            stop = self._holder_stops.get(effect.session_id)
            if stop is not None:
                self._net_pool.submit(self._job_holder_poll, effect, stop)
        elif isinstance(effect, fx.StopHolder):
            self._stop_holder(effect.session_id)
        elif isinstance(effect, fx.Print):
            self._print_pool.submit(self._job_print, effect)
        elif isinstance(effect, fx.CheckPrinter):
            self._recheck_printer()
        elif isinstance(effect, fx.Audit):
            self._audit_pool.submit(self._record, AuditEvent(
                effect.kind, self._clock.now(), effect.session_id, effect.cid_masked,
                effect.details))
        elif isinstance(effect, fx.SessionEnded):
            self._consents.pop(effect.session_id, None)
            self._stop_holder(effect.session_id)
            if effect.outcome is not None:
                self._ends.notify(effect.outcome)

    def _cancel_timer(self, kind: TimerKind) -> None:
        handle = self._timers.pop(kind, None)
        if handle is not None:
            handle.cancel()

    def _stop_holder(self, session_id: str) -> None:
        stop = self._holder_stops.pop(session_id, None)
        if stop is not None:
            stop.set()

    def _record(self, event: AuditEvent) -> None:
        try:
            self._audit.record(event)
        except Exception:
            log.exception("audit record %s failed", event.kind)

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
            self._post(ev.PrinterChecked(ready))

        self._print_pool.submit(job)
