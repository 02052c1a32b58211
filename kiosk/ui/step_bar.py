"""Where the citizen is in the session: insert card › check details › consent › choose ›
collect, on every citizen screen (part of the fixed chrome, so it never moves)."""

from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout

from kiosk.session.view import Screen, SessionView
from kiosk.ui.style import style
from kiosk.ui.theme import Role
from kiosk.ui.widgets import KLabel

STEPS = ("step.insert", "step.check", "step.consent", "step.choose", "step.collect")
STEP_OF: dict[Screen, int] = {
    Screen.IDLE: 0, Screen.READING: 0, Screen.OUT_OF_SERVICE: 0, Screen.TAKE_CARD: 4,
    Screen.IDENTITY: 1, Screen.CONSENT: 2, Screen.MENU: 3, Screen.RUNNING: 3,
    Screen.RESULT: 4, Screen.PRINTING: 4, Screen.FINISHED: 4,
}
"""Screens not listed (timeout warning, errors, states added later) keep the step of the
screen they interrupt, else the last step shown."""


class StepBar(BoxLayout):
    def __init__(self, **kwargs: Any) -> None:
        gap = style().gap_px
        super().__init__(orientation="horizontal", size_hint_y=None, spacing=gap,
                         padding=(gap * 4, gap, gap * 4, 0), **kwargs)
        self.labels = [KLabel(key=key, halign="center", role=Role.MUTED, fit_height=False,
                              follows_large_text=False, padding=(6, 4))
                       for key in STEPS]
        for label in self.labels:
            self.add_widget(label)
            label.bind(texture_size=self._fit)
        self.current = 0
        self.shown = True
        self._mark()

    def set_shown(self, shown: bool) -> None:
        """Hidden (and taking no room) on the technician's screens."""
        self.shown = shown
        self.opacity = 1 if shown else 0
        self._fit()

    def show(self, view: SessionView) -> None:
        step = STEP_OF.get(view.screen)
        if step is None and view.previous_screen is not None:
            step = STEP_OF.get(view.previous_screen)
        if step is not None and step != self.current:
            self.current = step
            self._mark()

    def _mark(self) -> None:
        for index, label in enumerate(self.labels):
            now = index == self.current
            label.role = Role.PRIMARY_BUTTON if now else Role.MUTED
            label.bold = now
            label.draw_background = now
            label.fields = {"n": index + 1}

    def _fit(self, *_: Any) -> None:
        tallest = max(label.texture_size[1] for label in self.labels)
        self.height = tallest + self.padding[1] + self.padding[3] if self.shown else 0
