"""Technician PIN entry: keypad, masked digits, lockout countdown.

The physical keypad works too: its digits type, Clear deletes, Enter checks, Cancel
leaves; the spoken layer hears only that a digit was typed, never which
(`SpeechPort.digit_entered(secret=True)`, EN 301 549 5.1.3.8).

The check (a scrypt hash, ~0.1 s) runs on the controller's worker thread; while a
lockout lasts the keypad is disabled and the remaining wait counts down once a second.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.uix.gridlayout import GridLayout

from kiosk.maintenance.pin import PIN_MAX_DIGITS, PinCheck, PinResult
from kiosk.ui.icons import ICON_FONT, KEYPAD_SYMBOLS
from kiosk.ui.keymap import Action, KeyPress
from kiosk.ui.maintenance.common import MaintenanceScreen, button
from kiosk.ui.style import TITLE, style
from kiosk.ui.theme import Role
from kiosk.ui.widgets import KButton

PIN_SCREEN = "maint_pin"


class PinScreen(MaintenanceScreen):
    digits_are_text = True
    """Every keypad digit is a PIN digit here (no 2/8 moves)."""

    def __init__(self, controller: Any, **kwargs: Any) -> None:
        super().__init__(controller, PIN_SCREEN, **kwargs)
        self.digits = ""
        self.locked_until = 0.0
        self._ticker: Any = None
        self.title("Technician access")
        self.entry = self.line("—", step=TITLE, halign="center", font_file=str(ICON_FONT))
        self.status = self.line("Enter the technician PIN", role=Role.MUTED)
        gap = style().gap_px
        self.keypad = GridLayout(cols=3, spacing=gap, size_hint_y=None)
        self.keys: dict[str, KButton] = {}
        for label in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"):
            role = Role.PRIMARY_BUTTON if label == "OK" else Role.SECONDARY_BUTTON
            symbol = dict(font_file=str(ICON_FONT)) if label in KEYPAD_SYMBOLS else {}
            # Compact keys (still above the touch-target minimum) so the title stays in view.
            key = button(label, lambda label=label: self.press(label), role=role,
                         padding=(12, 4), **symbol)
            self.keys[label] = key
            self.keypad.add_widget(key)
        self.keypad.bind(minimum_height=self.keypad.setter("height"))
        self.column.add_widget(self.keypad)
        self.cancel = button("Cancel", self.controller.leave)
        self.row(self.cancel)

    def reset(self) -> None:
        """Fresh entry; the gate (asked right after) says whether a lockout still runs."""
        self.locked_until = 0.0
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        self._set_keys(True)
        self.digits = ""
        self._show_entry()
        self.status.raw = "Enter the technician PIN"
        self.status.role = Role.MUTED

    def default_focus(self) -> KButton:
        return self.keys["OK"]

    def on_keypad(self, press: KeyPress) -> bool:
        if press.action is Action.DIGIT and press.digit is not None:
            self.press(press.digit)
        elif press.action is Action.CLEAR:
            self.press("⌫")
        elif press.action is Action.ACTIVATE and self.digits:
            self.press("OK")  # Enter checks what was typed, wherever the focus is
        else:
            return False
        return True

    def press(self, label: str) -> None:
        if self._locked() or not self.keys[label].enabled:
            return
        if label.isdigit():
            speech = getattr(self.controller.app, "speech", None)
            if speech is not None:
                speech.digit_entered(secret=True)
        if label == "⌫":
            self.digits = self.digits[:-1]
        elif label == "OK":
            pin, self.digits = self.digits, ""
            self._set_keys(False)
            self.status.raw = "Checking…"
            self.controller.run(lambda: self.controller.check_pin(pin), self.show_result)
        elif len(self.digits) < PIN_MAX_DIGITS:
            self.digits += label
        self._show_entry()

    def show_result(self, check: PinCheck) -> None:
        self._set_keys(True)
        if check.result is PinResult.OK:
            self.reset()
            self.controller.enter("pin")
            return
        self.show_status(check)

    def show_status(self, check: PinCheck) -> None:
        if check.result is PinResult.LOCKED and check.wait_s > 0:
            self.locked_until = Clock.get_boottime() + check.wait_s
            self._tick(0)
            if self._ticker is None:
                self._ticker = Clock.schedule_interval(self._tick, 1)
        elif check.result is PinResult.WRONG:
            self.status.raw = f"Wrong PIN ({check.failures} failed)"
            self.status.role = Role.ERROR
        elif check.result is PinResult.NOT_SET:
            self.status.raw = "No PIN is set on this kiosk (python -m kiosk set-pin)"
            self.status.role = Role.WARNING

    def _tick(self, _dt: float) -> None:
        remaining = self.locked_until - Clock.get_boottime()
        if remaining <= 0:
            self._set_keys(True)
            self.status.raw = "Enter the technician PIN"
            self.status.role = Role.MUTED
            if self._ticker is not None:
                self._ticker.cancel()
                self._ticker = None
            return
        self._set_keys(False)
        self.status.raw = f"Too many wrong PINs: locked for {int(remaining + 0.999)} s"
        self.status.role = Role.ERROR

    def _locked(self) -> bool:
        return self.locked_until > Clock.get_boottime()

    def _set_keys(self, enabled: bool) -> None:
        for key in self.keys.values():
            key.enabled = enabled

    def _show_entry(self) -> None:
        self.entry.raw = "● " * len(self.digits) if self.digits else "—"
