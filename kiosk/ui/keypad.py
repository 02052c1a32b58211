"""The keypad, wired: Kivy key events to actions (`kiosk.ui.keymap`) on the shown screen.

Every key press counts as activity, like a touch (the inactivity timer restarts, a
timeout warning gives more time) and stops the current speech (`SpeechPort.citizen_acted`).
The screen shown gets the first say (``on_keypad(press) -> bool``: the PIN pad takes
digits, the consent screen closes "read more" on Cancel, the timeout warning extends on
any key); then the generic meaning applies: move, activate, cancel (``keypad_cancel()``: one step
back or end the session), Help, volume, blank, reveal. Every key is consumed here, so no
key reaches Kivy's own handlers: Escape never closes the kiosk, F1 opens no settings.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from kiosk.session.speech import SpeechPort
from kiosk.ui.focus import FocusManager
from kiosk.ui.keymap import Action, Hold5, KeyBindings, KeyPress, action_for


class KeypadHost(Protocol):
    """What the keypad asks of the app (:class:`kiosk.ui.app.KioskApp`)."""

    speech: SpeechPort
    focus: FocusManager
    manager: Any
    """The screen manager: its ``current_screen`` gets the keys first."""
    def activity(self) -> None: ...

    def help(self) -> None: ...

    def toggle_blank(self) -> None: ...


class Keypad:
    def __init__(self, app: KeypadHost, bindings: KeyBindings,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.bindings = bindings
        self.hold = Hold5()
        self._now = now
        self.pressed: list[KeyPress] = []
        """Every mapped key press, newest last (kept short: tests and the bench read it)."""

    def on_key_down(self, _window: Any, key: int, _scancode: int = 0, _codepoint: Any = None,
                    modifiers: Any = ()) -> bool:
        app = self.app
        app.activity()
        if self.hold.down(key, self._now()):
            app.speech.start_audio_mode()
            return True
        screen = app.manager.current_screen
        press = action_for(key, modifiers or (), bindings=self.bindings,
                           digits_are_text=bool(getattr(screen, "digits_are_text", False)))
        if press is None:
            return True
        self.pressed = [*self.pressed[-31:], press]
        handler = getattr(screen, "on_keypad", None)
        if handler is not None and handler(press):
            return True
        self.act(press, screen)
        return True

    def on_key_up(self, _window: Any, key: int, *_: Any) -> bool:
        if self.hold.up(key, self._now()):
            self.app.speech.start_audio_mode()
        return True

    def act(self, press: KeyPress, screen: Any) -> None:
        app, focus = self.app, self.app.focus
        action = press.action
        if action is Action.NEXT:
            focus.move(+1)
        elif action is Action.PREVIOUS:
            focus.move(-1)
        elif action is Action.ACTIVATE:
            if focus.focused is None:
                focus.move(0)  # the first Enter shows where the focus is
            else:
                focus.activate()
        elif action is Action.WHERE:
            focus.announce()
        elif action is Action.CANCEL:
            cancel = getattr(screen, "keypad_cancel", None)
            if callable(cancel):
                cancel()
        elif action is Action.HELP:
            app.help()
        elif action is Action.VOLUME_UP:
            app.speech.volume_step(+1)
        elif action is Action.VOLUME_DOWN:
            app.speech.volume_step(-1)
        elif action is Action.BLANK:
            app.toggle_blank()
        elif action is Action.REVEAL:
            reveal = getattr(screen, "reveal", None)
            if reveal is not None:
                reveal()
        # CLEAR and DIGIT mean something only where a screen takes digits (on_keypad).
