"""The progress bar of the service and card screens: determinate or moving."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.graphics import Color, Rectangle
from kivy.properties import ObjectProperty
from kivy.uix.widget import Widget

from kiosk.ui.style import style
from kiosk.ui.theme import Role


class KProgress(Widget):
    """Determinate (``value`` 0..1) or, with ``value`` None, a moving indeterminate bar."""

    value = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("size_hint_y", None)
        super().__init__(**kwargs)
        self.height = max(12, round(style().metrics.px(4)))
        self._phase = 0.0
        with self.canvas:
            self._track_colour = Color()
            self._track = Rectangle()
            self._bar_colour = Color()
            self._bar = Rectangle()
        self.bind(pos=self._redraw, size=self._redraw, value=self._redraw)
        self._ticker = None

    def on_parent(self, _w: Any, parent: Any) -> None:
        if parent is not None and self._ticker is None:
            self._ticker = Clock.schedule_interval(self._tick, 1 / 30)
        elif parent is None and self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    def _tick(self, dt: float) -> None:
        if self.value is None:
            self._phase = (self._phase + dt * 0.6) % 1.0
            self._redraw()

    def _redraw(self, *_: Any) -> None:
        s = style()
        self._track_colour.rgba = s.bg(Role.SECONDARY_BUTTON)
        self._bar_colour.rgba = (*s.fg(Role.BODY)[:3], 1) if s.high_contrast else \
            s.bg(Role.PRIMARY_BUTTON)
        self._track.pos, self._track.size = self.pos, self.size
        if self.value is None:
            width = self.width * 0.25
            x = self.x + (self.width + width) * self._phase - width
            left, right = max(self.x, x), min(self.right, x + width)
            self._bar.pos, self._bar.size = (left, self.y), (max(0, right - left), self.height)
        else:
            fraction = min(1.0, max(0.0, float(self.value)))
            self._bar.pos, self._bar.size = self.pos, (self.width * fraction, self.height)
