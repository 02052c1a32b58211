"""The kiosk window: toolbar, banners, one screen per session state, optional demo panel.

Import only after `kiosk.ui.bootstrap.configure_kivy`. The app holds no business logic: it
draws the newest `SessionView` (handed over from the engine thread through a Clock
trigger) and turns touches into session commands run on a worker thread.

Extension points for the maintenance menu (technician helper):
``register_screen(screen)`` adds a Kivy screen, ``show_screen(name)`` shows it (session
views are then held back), ``return_to_session()`` goes back; ``on_hidden_gesture(cb)``
calls ``cb()`` after five taps on the toolbar title within four seconds.
"""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager
from kivy.uix.screenmanager import Screen as KivyScreen

from kiosk.config.settings import UiSettings
from kiosk.session.view import (
    Alert,
    Connectivity,
    LanguageCode,
    Screen,
    SessionCommands,
    SessionView,
)
from kiosk.ui.bridge import SessionBridge
from kiosk.ui.demo_controls import DEMO_PANEL_WIDTH, DemoControls
from kiosk.ui.screens import SESSION_SCREENS, KioskScreen
from kiosk.ui.sounds import Cue, SoundPlayer
from kiosk.ui.step_bar import StepBar
from kiosk.ui.style import init_style, style
from kiosk.ui.theme import Role
from kiosk.ui.widgets import (
    KButton,
    KLabel,
    Panel,
    _measurer,
    load_segmenter,
    rewrap_provisional,
)

log = logging.getLogger(__name__)

_ALERT_CUES = {Alert.TAKE_CARD: Cue.TAKE_CARD, Alert.TIMEOUT: Cue.TIMEOUT, Alert.ERROR: Cue.ERROR}
HIDDEN_TAPS = 5
HIDDEN_WINDOW_S = 4.0


class Toolbar(Panel):
    """Title (hidden gesture target) and the three toggles shown on every screen."""

    def __init__(self, app: KioskApp, **kwargs: Any) -> None:
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
        for widget in (self.title, self.language, self.large_text, self.contrast):
            self.add_widget(widget)
        for widget in (self.title, self.language, self.large_text, self.contrast):
            widget.bind(texture_size=self._fit)
        self.bind(width=self._fit)
        s.bind(revision=self._relabel)
        self._taps: list[float] = []
        self._relabel()
        self._fit()

    def _fit(self, *_: Any) -> None:
        buttons = (self.language, self.large_text, self.contrast)
        for b in buttons:  # each toggle as wide as its words (on one line when they fit)
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


class KioskRoot(BoxLayout):
    """Reports every touch as activity (resets the inactivity timer), then routes it."""

    def __init__(self, app: KioskApp, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app

    def on_touch_down(self, touch: Any) -> bool:
        self.app.activity()
        return super().on_touch_down(touch)


class KioskApp(App):
    title = "Linkage Kiosk"

    use_kivy_settings = False

    def __init__(self, ui: UiSettings, engine: SessionCommands, *, sounds_dir: Path,
                 default_language: LanguageCode = "th",
                 demo_controls: DemoControls | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ui_settings = ui
        self.engine = engine
        self.demo_controls = demo_controls
        init_style(ui, default_language)
        self.sounds = SoundPlayer(sounds_dir, enabled=ui.sounds)
        self.bridge = SessionBridge(engine, Clock.create_trigger(self._draw_pending, 0))
        self.view: SessionView | None = None
        self.screens: dict[str, KivyScreen] = {}
        self.overlay: str | None = None
        self._gesture_handlers: list[Callable[[], None]] = []
        self._drawn_listeners: list[Callable[[SessionView], None]] = []
        self._last_alert_id = 0
        self._switch_soon = Clock.create_trigger(self._switch_to_view_screen, 0)

    # ------------------------------------------------------------ build

    def build(self) -> KioskRoot:
        Window.clearcolor = (*style().bg(Role.BODY)[:3], 1)
        style().bind(revision=lambda *_: setattr(
            Window, "clearcolor", (*style().bg(Role.BODY)[:3], 1)))
        root = KioskRoot(self, orientation="horizontal")
        kiosk = BoxLayout(orientation="vertical")
        self.toolbar = Toolbar(self)
        self.offline_banner = Banner(role=Role.OFFLINE_BANNER, bold=True)
        self.printer_banner = Banner(role=Role.WARNING)
        self.step_bar = StepBar()
        self.manager = ScreenManager(transition=NoTransition())
        for screen_class in SESSION_SCREENS:
            self.register_screen(screen_class(self.send))
        for widget in (self.toolbar, self.offline_banner, self.printer_banner, self.step_bar,
                       self.manager):
            kiosk.add_widget(widget)
        self.offline_banner.show(None)
        self.printer_banner.show(None)
        root.add_widget(kiosk)
        if self.demo_controls is not None and self.ui_settings.demo_panel:
            from kiosk.ui.demo_panel import DemoPanel

            self.demo_panel = DemoPanel(self.demo_controls,
                                        lambda f, *a: self.bridge.run_off_main(f, *a),
                                        size_hint_x=None, width=DEMO_PANEL_WIDTH)
            root.add_widget(self.demo_panel)
        self.manager.current = Screen.IDLE.value
        return root

    def open_settings(self, *_: Any) -> bool:
        return False  # F1 must not open Kivy's settings panel on a kiosk

    def on_start(self) -> None:
        self.bridge.start()
        # The word dictionary loads after the idle screen is up (it takes ~1 s of CPU);
        # until then long Thai lines break at spaces or between letter clusters.
        Clock.schedule_once(lambda _dt: load_segmenter(
            lambda: Clock.schedule_once(self._segmenter_ready)), 0.2)

    def _segmenter_ready(self, *_: Any) -> None:
        rewrap_provisional(self.manager.current_screen)
        rewrap_provisional(self.toolbar)
        # Start-up is over (Kivy, the kiosk stack, every screen, the word list). Without
        # this, each full collection walks all of it again: ~60 ms on the UI thread, at
        # random moments of a session (docs/benchmarks.md, Touch UI). Objects created from
        # here on are still collected as usual.
        gc.freeze()

    def on_stop(self) -> None:
        self.bridge.stop()

    # ------------------------------------------------------------ extension points

    def register_screen(self, screen: KivyScreen) -> None:
        if screen.name in self.screens:
            raise ValueError(f"a screen named {screen.name!r} is already registered")
        self.screens[screen.name] = screen
        self.manager.add_widget(screen)
        # Screens not shown keep the manager's size too, so their layouts and wrapped
        # labels are ready at start-up instead of being redone in the frame they appear.
        self.manager.bind(size=screen.setter("size"), pos=screen.setter("pos"))
        screen.size, screen.pos = self.manager.size, self.manager.pos

    def show_screen(self, name: str) -> None:
        """Show a registered non-session screen (maintenance); session views wait."""
        self.overlay = name
        self.step_bar.set_shown(False)  # the technician's screens are not a citizen's step
        self.manager.current = name

    def return_to_session(self) -> None:
        self.overlay = None
        self.step_bar.set_shown(True)
        if self.view is not None:
            self._apply(self.view)

    def on_hidden_gesture(self, callback: Callable[[], None]) -> None:
        self._gesture_handlers.append(callback)

    def on_view_drawn(self, callback: Callable[[SessionView], None]) -> None:
        """Called on the main thread after each view is drawn (demo screenshots, tests)."""
        self._drawn_listeners.append(callback)

    def fire_hidden_gesture(self) -> None:
        for handler in self._gesture_handlers:
            handler()

    # ------------------------------------------------------------ toggles and activity

    def send(self, command: str, *args: Any) -> None:
        """A session command from a touch; runs on the bridge's worker thread."""
        self.bridge.send(command, *args)

    def attach_engine(self, engine: SessionCommands) -> None:
        """Drive the UI from another engine (tests reuse one window for many sessions)."""
        self.bridge.stop()
        self.engine = engine
        self.view = None
        self._last_alert_id = 0
        style().reset_for_new_session()
        self.bridge = SessionBridge(engine, Clock.create_trigger(self._draw_pending, 0))
        self.bridge.start()

    def activity(self) -> None:
        self.send("touch")

    def toggle_language(self) -> None:
        s = style()
        language = "en" if s.language == "th" else "th"
        s.language = language  # at once on screen; the engine's next view confirms it
        self.send("set_language", language)
        self._rerender()

    def toggle_large_text(self) -> None:
        style().large_text = not style().large_text

    def toggle_contrast(self) -> None:
        style().high_contrast = not style().high_contrast

    # ------------------------------------------------------------ drawing views

    def _draw_pending(self, *_: Any) -> None:
        view = self.bridge.take()
        if view is not None:
            self._apply(view)

    def _apply(self, view: SessionView) -> None:
        previous = self.view
        self.view = view
        s = style()
        if previous is not None and view.session_id != previous.session_id:
            # The card left or a new one came: nothing one citizen chose or scrolled stays
            # for the next (text size, contrast, language, scroll positions, open notices).
            s.reset_for_new_session()
            for screen in self.screens.values():
                if isinstance(screen, KioskScreen):
                    screen.to_top()
        if s.language != view.language:
            s.language = view.language
        self._play_cues(previous, view)
        working = [e.name.pick(view.language) for e in view.menu if e.available]
        if (view.offline or view.connectivity is Connectivity.OFFLINE) \
                and view.screen is Screen.MENU and working:
            # Where a service is chosen, the banner names the ones that still work (its own
            # row: no note in the menu pushing a service below the fold).
            self.offline_banner.show("menu.offline_working", services=", ".join(working))
        elif view.offline or view.connectivity is Connectivity.OFFLINE:
            self.offline_banner.show("banner.offline")
        elif view.connectivity is Connectivity.DEGRADED:
            self.offline_banner.show("banner.degraded")
        else:
            self.offline_banner.show(None)
        needs_printer = view.screen in (Screen.MENU, Screen.RESULT)
        self.printer_banner.show("banner.printer" if needs_printer and not view.printer_ready
                                 else None)
        if self.overlay is not None:
            return
        self.step_bar.show(view)
        screen = self.screens[view.screen.value]
        if isinstance(screen, KioskScreen):
            screen.render(view)
        if self.manager.current != screen.name:
            # The new screen's labels wrap and render their text in this frame while the
            # old screen stays up; the switch (a full-window redraw, ~40 ms of software
            # GL) comes in the next frame: two moderate frames instead of one long stall.
            self._switch_soon()
            return
        self._view_drawn(view)

    def show_view(self, view: SessionView) -> None:
        """Draw ``view`` now, as if the engine had sent it (contact sheet, layout checker)."""
        self.bridge.mark_shown(view.seq)
        self._apply(view)
        self._switch_to_view_screen()

    def _switch_to_view_screen(self, *_: Any) -> None:
        view = self.view
        if view is None or self.overlay is not None:
            return
        if self.manager.current != view.screen.value:
            self.manager.current = view.screen.value
        self._view_drawn(view)

    def _view_drawn(self, view: SessionView) -> None:
        for listener in self._drawn_listeners:
            listener(view)

    def _rerender(self) -> None:
        if self.view is not None and self.overlay is None:
            screen = self.screens[self.view.screen.value]
            if isinstance(screen, KioskScreen):
                from dataclasses import replace

                screen.render(replace(self.view, language=style().language))

    def _play_cues(self, previous: SessionView | None, view: SessionView) -> None:
        # Judged by screens, not by each view: a burst may merge READING into IDENTITY.
        waiting = (Screen.IDLE, Screen.OUT_OF_SERVICE)
        before = previous.screen if previous is not None else Screen.IDLE
        if before in waiting and view.screen not in waiting:
            self.sounds.play(Cue.CARD_IN)
        elif before not in waiting and view.screen is Screen.IDLE:
            self.sounds.play(Cue.CARD_OUT)
        if view.alert_id != self._last_alert_id:
            self._last_alert_id = view.alert_id
            cue = _ALERT_CUES.get(view.alert)
            if cue is not None:
                self.sounds.play(cue)
        elif view.screen is Screen.ERROR and before is not Screen.ERROR \
                and view.alert is not Alert.ERROR:
            self.sounds.play(Cue.ERROR)

    # ------------------------------------------------------------ screenshots

    def screenshot(self, path: Path) -> Path:
        """Save what is on screen now as a PNG (demo folder, test artifacts)."""
        return save_window_png(path)


def save_window_png(path: Path) -> Path:
    """The window's pixels as a PNG at exactly ``path`` (Kivy's own adds a number)."""
    from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image

    # Draw the current widget tree now and read the buffer just drawn: after a flip the
    # back buffer may still hold an older frame.
    Window.dispatch("on_draw")
    width, height = Window.size
    data = glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE)
    stride = len(data) // height  # rows may be padded to 4 bytes
    image = Image.frombytes("RGB", (width, height), data, "raw", "RGB", stride)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # A screenshot shows a citizen's ID and name: readable by the kiosk user only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        image.transpose(Image.Transpose.FLIP_TOP_BOTTOM).save(out, format="PNG")
    return path
