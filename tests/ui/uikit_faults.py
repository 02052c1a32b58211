"""The real stack under the Kivy app, with a fault injected: the rig of the UI fault tests.

`rig` is a fixture (in place of the audio rig of tests/ui/conftest.py); the functions here
reach a screen, make it fail, and check that the fault was contained.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from kivy.base import EventLoop
from uikit_driver import UiDriver, texts

from kiosk.session.faults import FAULT_KEY, FAULT_NO_CARD_KEY, FAULT_REF
from kiosk.session.messages import MESSAGES
from kiosk.session.ports import AuditEvent
from kiosk.session.view import Alert, Screen, SessionView
from kiosk.ui.app import KioskApp
from kiosk.ui.fault import FAULT_SCREEN
from kiosk.ui.screens import SESSION_SCREENS, KioskScreen
from simulators.session_ports import ManualClock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from session.stack import Stack, real_stack

S = Screen
CITIZEN, NEXT_CITIZEN = 0, 1
SCREEN_CLASS = {cls.screen: cls for cls in SESSION_SCREENS}


class Injected(RuntimeError):
    """The failure the test puts into a screen."""


@dataclass
class AuditSpy:
    """In front of the real outbox audit: forwards every event, notes kinds and failures."""

    real: Any
    events: list[AuditEvent] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    seen: threading.Condition = field(default_factory=threading.Condition)

    def record(self, event: AuditEvent) -> None:
        try:
            self.real.record(event)
        except Exception:
            self.failed.append(event.kind)
            raise
        finally:
            with self.seen:
                self.events.append(event)
                self.seen.notify_all()

    def wait_kind(self, kind: str, count: int = 1, timeout: float = 15.0) -> list[AuditEvent]:
        with self.seen:
            assert self.seen.wait_for(
                lambda: sum(e.kind == kind for e in self.events) >= count, timeout), \
                f"no {kind} audit; got {[e.kind for e in self.events]}"
        return [e for e in self.events if e.kind == kind]


@dataclass
class Rig:
    stack: Stack
    clock: ManualClock
    audit: AuditSpy
    ui: UiDriver
    monkeypatch: pytest.MonkeyPatch
    """For the injected failures and gates only (the audit spy stays)."""
    faults_before: int = 0
    """The app's fault count when the test began (the app lives for the whole run)."""

    @property
    def engine(self) -> Any:
        return self.stack.kiosk.engine

    def gate(self, obj: Any, name: str) -> threading.Event:
        """Hold ``obj.name`` (a port call on a worker) until the event is set."""
        original, release = getattr(obj, name), threading.Event()

        def held(*args: Any, **kwargs: Any) -> Any:
            assert release.wait(30), "gate never released"
            return original(*args, **kwargs)

        self.monkeypatch.setattr(obj, name, held)
        return release

    def gate_service(self, service_id: str) -> threading.Event:
        handler = self.engine._catalogue.get(service_id).handler
        original, release = self.engine._runners[handler], threading.Event()

        def held(request: Any) -> Any:
            assert release.wait(30), "gate never released"
            return original(request)

        self.monkeypatch.setitem(self.engine._runners, handler, held)
        return release

    def insert(self, index: int = CITIZEN) -> None:
        self.stack.devices.insert(index)

    def to(self, screen: Screen) -> SessionView:
        return self.ui.wait_screen(screen, timeout=30)

    def to_menu(self, index: int = CITIZEN) -> SessionView:
        self.insert(index)
        self.to(S.IDENTITY)
        self.engine.proceed()
        self.to(S.CONSENT)
        self.engine.give_consent()
        return self.to(S.MENU)

    def print_a_result(self) -> None:
        self.to_menu()
        self.engine.choose_service("card_status")
        self.to(S.RESULT)
        self.engine.print_result()

    def wait_fault_screen(self, count: int = 1) -> str:
        """The fault screen showing the ``count``-th fault: a view left on out of service
        still carries the previous fault's ref until the new one is published."""
        ui = self.ui
        faults = ui.app.fault_guard.faults
        ui.wait_until(lambda: ui.app.manager.current == FAULT_SCREEN
                      and ui.app.view is not None and bool(ui.app.view.fault_ref)
                      and len(faults) >= self.faults_before + count
                      and ui.app.view.fault_ref == faults[-1],
                      timeout=15, what="the fault screen with the session's answer")
        ref = ui.app.view.fault_ref
        assert FAULT_REF.match(ref) and ref == ui.app.fault_guard.faults[-1]
        assert ref in texts(ui.current)
        return ref


@pytest.fixture
def rig(tmp_path: Path, kiosk_app: KioskApp, ui: UiDriver,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    clock = ManualClock()
    with real_stack(tmp_path / "kiosk", clock=clock, phone_auto=None) as stack:
        clock.settle = stack.kiosk.engine.sync
        audit = AuditSpy(stack.kiosk.engine._audit)
        monkeypatch.setattr(stack.kiosk.engine, "_audit", audit)
        kiosk_app.attach_engine(stack.kiosk.engine)
        ui.wait_screen(S.IDLE)
        injections = pytest.MonkeyPatch()  # undone by the test between faults
        try:
            yield Rig(stack, clock, audit, ui, injections,
                      faults_before=len(kiosk_app.fault_guard.faults))
        finally:
            injections.undo()  # the screens' own render/build again before the stack goes


def reach(rig: Rig, screen: Screen) -> Callable[[], None]:
    """Bring the session to where ``screen`` is drawn next; returns what releases any gate.

    The caller has already made the screen fail; this makes the session show it."""
    engine, devices = rig.engine, rig.stack.devices
    release: list[threading.Event] = []
    if screen is S.IDLE:
        rig.insert()
        rig.to(S.IDENTITY)
        devices.remove()  # idle is drawn again
    elif screen is S.READING:
        release.append(rig.gate(engine._card, "read_identity"))
        rig.insert()
    elif screen is S.IDENTITY:
        rig.insert()
    elif screen is S.CONSENT:
        rig.insert()
        rig.to(S.IDENTITY)
        engine.proceed()
    elif screen is S.MENU:
        rig.insert()
        rig.to(S.IDENTITY)
        engine.proceed()
        rig.to(S.CONSENT)
        engine.give_consent()
    elif screen is S.VERIFY_HOLDER:
        rig.to_menu()
        engine.choose_service("registry_record")  # the phone never answers here
    elif screen is S.RUNNING:
        release.append(rig.gate_service("card_status"))
        rig.to_menu()
        engine.choose_service("card_status")
    elif screen is S.RESULT:
        rig.to_menu()
        engine.choose_service("card_status")
    elif screen is S.PRINTING:
        release.append(rig.gate(engine._printer, "print_receipt"))
        rig.print_a_result()
    elif screen is S.FINISHED:
        rig.to_menu()
        engine.finish()
    elif screen is S.TIMEOUT_WARNING:
        rig.to_menu()
        rig.clock.advance(engine.timeouts.inactivity_s)
    elif screen is S.ERROR:
        devices.paper(False)  # the print fails: the error screen
        rig.print_a_result()
    elif screen is S.TAKE_CARD:
        rig.to_menu()
        engine.finish()
        rig.to(S.FINISHED)  # its reminder timer runs from here
        rig.clock.advance(engine.timeouts.take_card_after_s)
    elif screen is S.OUT_OF_SERVICE:
        engine.set_parts_down(frozenset({"test-part"}))
    else:  # pragma: no cover - a new screen must be added here
        raise AssertionError(f"no way to reach {screen}")

    def undo() -> None:
        for event in release:
            event.set()
        if screen is S.ERROR:
            devices.paper(True)
        if screen is S.OUT_OF_SERVICE:
            engine.set_parts_down(frozenset())

    return undo


def fail_refresh(rig: Rig, screen: Screen) -> None:
    widget = rig.ui.app.screens[screen.value]

    def render(view: SessionView) -> None:
        raise Injected(f"render of {screen.value} for {view.identity}")  # card data in it

    rig.monkeypatch.setattr(widget, "render", render)


def fail_build(rig: Rig, screen: Screen) -> KioskScreen:
    """The screen as if its build had raised at start-up: the app's stand-in takes its
    place (restored by the caller)."""
    app, cls = rig.ui.app, SCREEN_CLASS[screen]

    def build(self: KioskScreen) -> None:
        raise Injected(f"build of {screen.value}")

    rig.monkeypatch.setattr(cls, "build", build)
    stand_in = app._build_screen(cls)
    rig.monkeypatch.undo()
    assert not isinstance(stand_in, cls)
    return swap_screen(app, stand_in)


def swap_screen(app: KioskApp, screen: Any) -> Any:
    """Put ``screen`` in place of the registered one of its name; returns the old one."""
    old = app.screens.pop(screen.name)
    app.manager.remove_widget(old)
    app.register_screen(screen)
    return old


def check_contained(rig: Rig, screen_drawn: Screen, count: int, secret: str) -> str:
    """The window runs, the fault screen shows its ref, the data is gone, it is audited."""
    ref = rig.wait_fault_screen(count)
    assert EventLoop.status == "started" and rig.ui.app.root is not None
    view = rig.engine.view
    assert view.session_id is None and view.identity is None and view.result is None
    assert not view.menu and view.fault_ref == ref
    assert secret not in texts(rig.ui.app.root)  # nothing of the citizen left on screen
    had_session = screen_drawn not in (S.IDLE, S.FINISHED, S.TAKE_CARD, S.OUT_OF_SERVICE)
    if had_session:
        faults = rig.audit.wait_kind("ui_fault", count)
        assert faults[-1].details["ref"] == ref and set(faults[-1].details) == {
            "ref", "screen", "kiosk_id"}
        assert view.screen in (S.FINISHED, S.TAKE_CARD)  # the take-card reminder runs
        assert view.alert is Alert.TAKE_CARD
    # "Take your card" only with a card in; with none (a fault while idle) the no-card
    # message, which says a card starts afresh.
    card_in = view.screen in (S.FINISHED, S.TAKE_CARD)
    assert card_in is (screen_drawn not in (S.IDLE, S.OUT_OF_SERVICE))
    shown = rig.ui.app.screens[FAULT_SCREEN].message
    assert shown.key == (FAULT_KEY if card_in else FAULT_NO_CARD_KEY), (screen_drawn, shown.key)
    if not card_in:
        assert MESSAGES[FAULT_KEY].en not in texts(rig.ui.current)
    assert not rig.audit.failed
    return ref


def card_out(rig: Rig) -> None:
    """The card out: idle again (after a fault with no card in, the fault screen stays
    until the next card starts a session)."""
    rig.stack.devices.remove()
    rig.ui.wait_until(lambda: rig.ui.app.view is not None and rig.ui.app.view.screen in (
        S.IDLE, S.OUT_OF_SERVICE), timeout=15, what="back to idle")


def serve_next_citizen(rig: Rig) -> None:
    """The next citizen, by touch: card, consent, a service, the receipt, the card out."""
    ui = rig.ui
    rig.insert(NEXT_CITIZEN)
    rig.to(S.IDENTITY)
    ui.tap(ui.button("identity.continue"))
    rig.to(S.CONSENT)
    ui.tap(ui.button("consent.agree"))
    view = rig.to(S.MENU)
    entry = next(e for e in view.menu if e.service_id == "card_status")
    ui.tap(ui.button_with_text(entry.name.pick(view.language)))
    rig.to(S.RESULT)
    printed = len(rig.stack.printer.receipts)
    ui.tap(ui.button("result.print"))
    assert rig.to(S.FINISHED).fault_ref == ""
    rig.stack.printer.wait_for_receipts(printed + 1, timeout_s=15)
    rig.stack.devices.remove()
    rig.to(S.IDLE)


def secret_of(rig: Rig) -> str:
    from simulators.seeds import load_seeds

    citizen = load_seeds(rig.stack.kiosk.settings.demo.seeds_file).citizens[CITIZEN]
    return citizen.cid
