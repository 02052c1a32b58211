"""The window's fixed chrome: the toolbar, the banners and the privacy blank.

The toolbar (title, language, text size, contrast, Help) and the banners sit above every
screen. `BlankCover` covers the whole window when the citizen blanks the screen (audio
mode privacy): nothing is drawn but black, touches go nowhere, keys still work.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from kivy.graphics import Color, Rectangle
from kivy.uix.widget import Widget

from kiosk.session.view import Connectivity, Screen, SessionView
from kiosk.ui.style import style
from kiosk.ui.theme import Role
from kiosk.ui.widgets import KButton, KLabel, Panel, _measurer


class ToolbarHost(Protocol):
    """What the toolbar asks of the app (:class:`kiosk.ui.app.KioskApp`)."""

    def toggle_language(self) -> None: ...

    def toggle_large_text(self) -> None: ...

    def toggle_contrast(self) -> None: ...

    def help(self) -> None: ...

    def fire_hidden_gesture(self) -> None: ...


HIDDEN_TAPS = 5
HIDDEN_WINDOW_S = 4.0


class Toolbar(Panel):
    """Title (hidden gesture target), the three toggles and Help, shown on every screen."""

    def __init__(self, app: ToolbarHost, **kwargs: Any) -> None:
        s = style()
        super().__init__(orientation="horizontal", role=Role.TOOLBAR, size_hint_y=None,
                         padding=(s.gap_px * 2, s.gap_px), spacing=s.gap_px * 2, **kwargs)
        self.app = app
        self.title = KLabel(key="app.title", role=Role.TOOLBAR, bold=True, fit_height=False,
                            size_hint_x=0.4, follows_large_text=False)
        same = dict(role=Role.SECONDARY_BUTTON, size_hint_x=None, fit_height=False,
                    follows_large_text=False, padding=(16, 10))
        self.language = KButton(key="toolbar.language", action=app.toggle_language, **same)
        self.large_text = KButton(key="toolbar.large_text", action=app.toggle_large_text, **same)
        self.contrast = KButton(key="toolbar.high_contrast", action=app.toggle_contrast, **same)
        # Help / call staff on every screen, error screens included (also F1 and the
        # keypad's Help key): repeats the guidance, starts speech, says how to get staff.
        # A "?" (the sign for help in both languages) keeps the title on one line; its
        # message key names it for the spoken layer.
        self.help = KButton(raw="?", action=app.help, **same)
        self.help.item_key = "toolbar.help"
        for widget in (self.title, self.language, self.large_text, self.contrast, self.help):
            self.add_widget(widget)
        for widget in (self.title, self.language, self.large_text, self.contrast, self.help):
            widget.bind(texture_size=self._fit)
        self.bind(width=self._fit)
        s.bind(revision=self._relabel)
        self._taps: list[float] = []
        self._relabel()
        self._fit()

    def _fit(self, *_: Any) -> None:
        buttons = (self.language, self.large_text, self.contrast, self.help)
        self.help.width = style().target_px * 1.5
        for b in buttons[:3]:  # each toggle as wide as its words (on one line when they fit)
            words = _measurer(b.font_name, int(b.font_size))(b.source_text())
            b.width = min(self.width * 0.22, max(style().target_px * 2,
                                                  words + b.padding[0] + b.padding[2] + 4))
        tallest = max(max(style().target_px, b.texture_size[1] + b.padding[1] + b.padding[3])
                      for b in (*buttons, self.title))
        self.height = tallest + self.padding[1] + self.padding[3]

    def _relabel(self, *_: Any) -> None:
        s = style()
        self.large_text.key = "toolbar.normal_text" if s.large_text else "toolbar.large_text"
        self.contrast.key = "toolbar.standard_colours" if s.high_contrast \
            else "toolbar.high_contrast"

    def on_touch_down(self, touch: Any) -> bool:
        if self.title.collide_point(*touch.pos):
            now = time.monotonic()
            self._taps = [t for t in self._taps if now - t < HIDDEN_WINDOW_S] + [now]
            if len(self._taps) >= HIDDEN_TAPS:
                self._taps.clear()
                self.app.fire_hidden_gesture()
            return True
        return super().on_touch_down(touch)


class Banner(KLabel):
    """A full-width notice under the toolbar; collapses to nothing when hidden."""

    shown = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(draw_background=True, padding=(24, 6), halign="center",
                         follows_large_text=False, **kwargs)

    def show(self, key: str | None, **fields: str) -> None:
        self.shown = bool(key)
        self.fields = fields
        self.key = key or ""
        self.opacity = 1 if self.shown else 0
        self._fit()

    def _fit(self, *_: Any) -> None:
        pad = self.padding[1] + self.padding[3]
        self.height = (self.texture_size[1] + pad) if self.shown else 0


def offline_notice(view: SessionView) -> tuple[str | None, dict[str, str]]:
    """The connectivity banner's message key and fields for ``view`` (None: no banner)."""
    offline = view.offline or view.connectivity is Connectivity.OFFLINE
    working = [e.name.pick(view.language) for e in view.menu if e.available]
    if offline and view.screen is Screen.MENU and working:
        # Where a service is chosen, the banner names the ones that still work (its own
        # row: no note in the menu pushing a service below the fold).
        return "menu.offline_working", {"services": ", ".join(working)}
    if offline:
        return "banner.offline", {}
    if view.connectivity is Connectivity.DEGRADED:
        return "banner.degraded", {}
    return None, {}


class BlankCover(Widget):
    """Black over the whole window: people behind see nothing; the citizen hears it all."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        with self.canvas:
            Color(0, 0, 0, 1)
            self._rect = Rectangle(pos=self.pos, size=self.size)
        self.bind(pos=self._move, size=self._move)

    def _move(self, *_: Any) -> None:
        self._rect.pos, self._rect.size = self.pos, self.size

    def on_touch_down(self, touch: Any) -> bool:
        return True  # a touch on a blank screen reaches nothing hidden under it

    def on_touch_move(self, touch: Any) -> bool:
        return True

    def on_touch_up(self, touch: Any) -> bool:
        return True
