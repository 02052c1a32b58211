"""Screens that interrupt: the timeout warning, errors, and out of service."""

from __future__ import annotations

from typing import Any

from kiosk.session.view import Screen, SessionView
from kiosk.ui.i18n import catalogue
from kiosk.ui.keymap import Action, KeyPress
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.style import HERO, LARGE
from kiosk.ui.theme import Role
from kiosk.ui.widgets import KButton, spacer


class TimeoutScreen(KioskScreen):
    """One big button buys more time; touching anywhere also counts (WCAG 2.2.1)."""

    screen = Screen.TIMEOUT_WARNING
    cancel_command = "extend"

    def on_keypad(self, press: KeyPress) -> bool:
        """Any key gives more time (the key press itself already counts as activity);
        Help, volume and blank still do what they say."""
        if press.action in (Action.HELP, Action.VOLUME_UP, Action.VOLUME_DOWN, Action.BLANK,
                            Action.NEXT, Action.PREVIOUS, Action.WHERE):
            return False
        self.send("extend")
        return True

    def build(self) -> None:
        self.column.add_widget(spacer())
        self.title("timeout.title", halign="center")
        self.countdown = self.text("timeout.countdown", step=HERO, bold=True, halign="center",
                                   role=Role.WARNING, draw_background=True, padding=(16, 16))
        self.left = self.text("timeout.extensions_left", halign="center", role=Role.MUTED)
        self.column.add_widget(spacer())
        self.extend_button = KButton(key="timeout.extend", step=HERO,
                                     action=lambda: self.send("extend"))
        self.button_row(self.extend_button)

    def render(self, view: SessionView) -> None:
        self.countdown.fields = {"seconds": view.countdown_s if view.countdown_s else 0}
        self.left.fields = {"count": view.extensions_left}

    def on_touch_down(self, touch: Any) -> bool:
        if self.collide_point(*touch.pos) and not self.extend_button.collide_point(*touch.pos):
            self.send("extend")
            return True
        return super().on_touch_down(touch)


class ErrorScreen(KioskScreen):
    screen = Screen.ERROR

    def keypad_cancel(self) -> None:
        """Back where the error offers it, else the end of the session."""
        if self.back.opacity > 0:
            self._back()
        else:
            self.send("finish")

    def build(self) -> None:
        self.title("error.title", role=Role.ERROR, draw_background=True, padding=(16, 12))
        self.message = self.text(step=LARGE)
        self.next_step = self.text()
        self.column.add_widget(spacer())
        self.back = KButton(key="common.back_to_menu", role=Role.SECONDARY_BUTTON,
                            action=self._back)
        self.retry = KButton(key="error.print_again", role=Role.SECONDARY_BUTTON,
                             action=self._print_again)
        self.button_row(self.back, self.retry,
                        KButton(key="common.finish", action=lambda: self.send("finish")))
        self._after_print = False

    def _back(self) -> None:
        self.send("back")
        if self._after_print:  # the error returns to the result; the citizen asked for the menu
            self.send("back")

    def _print_again(self) -> None:
        self.send("back")
        self.send("print_result")

    def render(self, view: SessionView) -> None:
        if view.error_text is not None:
            self.message.key, self.message.raw = "", view.error_text.pick(view.language)
        else:
            self.message.key = view.error_key or "error.generic"
        # A problem with its own next step ("take it out, chip up ...") says it instead of
        # the generic "tell the staff"; a print error offers "print again".
        self._after_print = view.recoverable and view.previous_screen is Screen.RESULT
        own_next = f"{view.error_key}.next" if view.error_key else ""
        generic = "error.next.print" if self._after_print else (
            "error.next.recoverable" if view.recoverable else "error.next.fatal")
        has_own = own_next and catalogue(view.language).gettext(own_next) != own_next
        self.next_step.key = own_next if has_own else generic
        self.back.disabled = not view.recoverable
        self.back.opacity = 1 if view.recoverable else 0
        self.retry.disabled = not self._after_print
        self.retry.opacity = 1 if self._after_print else 0
        self.retry.size_hint_x = 1 if self._after_print else 0.001


class OutOfServiceScreen(KioskScreen):
    screen = Screen.OUT_OF_SERVICE

    def build(self) -> None:
        self.column.add_widget(spacer())
        self.title("out_of_service.title", step=HERO, halign="center")
        self.reason = self.text(step=LARGE, halign="center", role=Role.MUTED)
        self.text("out_of_service.take_card", step=LARGE, bold=True, halign="center")
        self.text("out_of_service.hint", step=LARGE, halign="center")
        self.column.add_widget(spacer())

    def render(self, view: SessionView) -> None:
        self.reason.key = view.error_key or ""
