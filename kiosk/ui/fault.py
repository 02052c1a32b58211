"""Faults contained: an exception in the UI ends one citizen's session, never the kiosk.

Drawing a session view, a touch and a key run through `FaultGuard.run`; anything else
that raises inside Kivy's loop (a Clock callback, a property observer) reaches the guard
as Kivy's `ExceptionManager` handler, which returns ``PASS`` so the loop goes on. A fault:

- gets a reference (``F-`` and 8 hex digits) and is logged with the traceback's frames
  only (file, line, function): no exception message, no locals, no view contents, so no
  personal data (PDPA);
- shows `FaultScreen`, built at start-up from fixed message keys, drawn without any of
  the view's data ("Something went wrong. Please take your card", or with no card in
  "...you can insert your card to start", the reference for staff, a Help button for the
  keypad);
- is reported to the session (`SessionCommands.report_fault`), which wipes the citizen's
  data, audits ``ui_fault``, asks for the card back and, after three faults in its window,
  goes out of service with a technician alert (`kiosk.session.faults`).

Until the session's view carries the reference, the UI keeps the fault screen and draws
nothing else: a screen that fails on every view is not drawn again (no fault loop).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from kivy.base import ExceptionHandler, ExceptionManager
from kivy.uix.label import Label

from kiosk.session.faults import (
    FAULT_KEY,
    FAULT_NO_CARD_KEY,
    fault_message_key,
    new_fault_ref,
)
from kiosk.session.messages import MESSAGES
from kiosk.session.view import Screen, SessionView
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.style import FONT_REGULAR, LARGE, SCRIPT
from kiosk.ui.theme import Role
from kiosk.ui.widgets import KButton, spacer

if TYPE_CHECKING:
    from kivy.uix.screenmanager import Screen as KivyScreen
    from kivy.uix.screenmanager import ScreenManager

    from kiosk.ui.bridge import SessionBridge
    from kiosk.ui.step_bar import StepBar


class FaultHost(Protocol):
    """What the guard needs of the app (:class:`kiosk.ui.app.KioskApp`), named here so this
    module does not import the app that imports it."""

    view: SessionView | None
    bridge: SessionBridge
    screens: dict[str, KivyScreen]
    overlay: str | None
    step_bar: StepBar
    manager: ScreenManager

    def help(self) -> None: ...

log = logging.getLogger("kiosk.ui.fault")
T = TypeVar("T")
FAULT_SCREEN = "fault"
"""The fault screen's name in the screen manager (not a session screen)."""


def safe_traceback(exc: BaseException) -> str:
    """The exception's type and frames (dir/file:line in function), innermost first; never
    its message or values, which may hold a citizen's name or ID."""
    frames = [f"{Path(f.filename).parent.name}/{Path(f.filename).name}:{f.lineno} in {f.name}"
              for f in reversed(traceback.extract_tb(exc.__traceback__))]
    return f"{type(exc).__module__}.{type(exc).__qualname__} at {' <- '.join(frames) or '?'}"


class FaultScreen(KioskScreen):
    """Static texts, the reference, Help. Nothing a view carries is drawn here."""

    screen: ClassVar[Screen] = Screen.ERROR  # KioskScreen's frame; its name is FAULT_SCREEN

    def __init__(self, send: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(send, name=FAULT_SCREEN, **kwargs)

    def build(self) -> None:
        # The title in the fixed header (it keeps its size in large text: the message and
        # the reference get the room), as on the error screen.
        self.title("fault.title", halign="center", role=Role.ERROR, draw_background=True,
                   padding=(16, 12))
        self.column.add_widget(spacer())
        self.message = self.text(FAULT_KEY, step=LARGE, halign="center")
        self.ref = self.text("fault.ref", halign="center", role=Role.MUTED,
                             fields={"ref": ""})
        self.column.add_widget(spacer())
        self.help_button = KButton(key="fault.help", action=self._help)
        self.button_row(self.help_button)
        self._help_action: Callable[[], None] = lambda: None
        self._bare: Label | None = None

    def _help(self) -> None:
        self._help_action()

    def show_fault(self, ref: str, key: str, help_action: Callable[[], None]) -> None:
        """Fill in the reference (the only thing that changes); falls back to a bare label
        if even this fails, so the fault screen never raises."""
        self._help_action = help_action
        try:
            self.message.key = key
            self.ref.fields = {"ref": ref}
        except Exception:
            log.error("fault screen: styled text failed; showing the bare one")
            self.show_bare(ref, key)

    def show_bare(self, ref: str, key: str) -> None:
        text = f"{MESSAGES[key].th}\n{MESSAGES[key].en}\n{ref}"
        if self._bare is None:
            self._bare = Label(text=text, halign="center", font_size="28sp",
                               font_name=str(FONT_REGULAR))
            try:
                self._bare.font_script_name = SCRIPT
            except Exception:  # an older SDL2 text provider: Latin still shows
                log.warning("fault screen: no Thai shaping for the bare text")
            self.clear_widgets()
            self.add_widget(self._bare)
        else:
            self._bare.text = text

    def render(self, view: SessionView) -> None:
        pass  # drawn only through show_fault


class UnbuiltScreen(KioskScreen):
    """Stands in for a screen whose build raised at start-up: each view it gets is a fault
    (the session ends safely; three put the kiosk out of service)."""

    @classmethod
    def standing_in_for(cls, screen_class: type[KioskScreen]) -> type[UnbuiltScreen]:
        return type(f"Unbuilt{screen_class.__name__}", (cls,), {"screen": screen_class.screen})

    def render(self, view: SessionView) -> None:
        raise RuntimeError(f"the {self.screen.value} screen could not be built")


class FaultGuard(ExceptionHandler):
    """One per app: `install` makes it Kivy's exception handler; `run` guards a call."""

    def __init__(self, app: FaultHost) -> None:
        super().__init__()
        self.app = app
        self.pending: str | None = None
        """The fault reported and not yet answered by the session (its view's fault_ref)."""
        self.faults: list[str] = []
        """Every fault reference this UI raised, oldest first (technicians, tests)."""
        self.muted = 0
        """Faults while one was pending: logged once each, not reported again."""

    def install(self) -> None:
        ExceptionManager.add_handler(self)

    def uninstall(self) -> None:
        ExceptionManager.remove_handler(self)

    def handle_exception(self, exception: BaseException) -> int:
        """Kivy's loop caught ``exception``: contain it (PASS), except an exit request."""
        if isinstance(exception, (KeyboardInterrupt, SystemExit)):
            return ExceptionManager.RAISE
        self.fault(exception, "kivy loop")
        return ExceptionManager.PASS

    def run(self, where: str, func: Callable[..., T], *args: Any, default: T) -> T:
        """``func(*args)``, or `default` after containing what it raised."""
        try:
            return func(*args)
        except Exception as exc:
            self.fault(exc, where)
            return default

    def wrap(self, where: str, func: Callable[..., bool]) -> Callable[..., bool]:
        """An event handler that answers True ("handled") when it faulted."""
        def guarded(*args: Any, **kwargs: Any) -> bool:
            try:
                return func(*args, **kwargs)
            except Exception as exc:
                self.fault(exc, where)
                return True
        return guarded

    def fault(self, exc: BaseException, where: str) -> str:
        """Log, show the fault screen, tell the session. Never raises."""
        screen = self.app.view.screen.value if self.app.view is not None else "-"
        if self.pending is not None:
            self.muted += 1
            log.error("ui fault while %s is pending (%s, screen %s): %s", self.pending,
                      where, screen, safe_traceback(exc))
            return self.pending
        ref = new_fault_ref()
        self.pending = ref
        self.faults.append(ref)
        log.error("UI FAULT %s in %s on screen %s: %s", ref, where, screen,
                  safe_traceback(exc))
        # Before the session answers: a card may be in unless the kiosk was idle (or out
        # of service); the session's next view says for sure (`show_for`).
        view = self.app.view
        no_card = view is None or view.screen in (Screen.IDLE, Screen.OUT_OF_SERVICE)
        try:
            self.show(ref, FAULT_NO_CARD_KEY if no_card else FAULT_KEY)
        except Exception:
            log.exception("fault screen could not be shown (%s)", ref)
        try:
            self.app.bridge.send("report_fault", ref)
        except Exception:
            log.exception("fault %s could not be reported to the session", ref)
        return ref

    def show(self, ref: str, key: str) -> None:
        app = self.app
        fault_screen = app.screens[FAULT_SCREEN]
        assert isinstance(fault_screen, FaultScreen)
        fault_screen.show_fault(ref, key, app.help)
        app.overlay = None  # a technician's screen gives way too: the session views follow
        app.step_bar.set_shown(False)
        if app.manager.current != FAULT_SCREEN:
            app.manager.current = FAULT_SCREEN

    def holds(self, view: SessionView) -> bool:
        """Whether the fault screen stays for ``view`` (it does while a fault is pending
        and for every view that carries a fault reference)."""
        if self.pending is not None and view.fault_ref == self.pending:
            self.pending = None
        return self.pending is not None or bool(view.fault_ref)

    def show_for(self, view: SessionView) -> None:
        """The fault screen for a view that carries a fault reference (or while pending)."""
        self.show(view.fault_ref or self.pending or "", fault_message_key(view.progress_key))
