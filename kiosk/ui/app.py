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
from kiosk.session.speech import NullSpeech, SpeechPort
from kiosk.session.view import (
    LanguageCode,
    Screen,
    SessionCommands,
    SessionView,
)
from kiosk.ui.bridge import SessionBridge
from kiosk.ui.chrome import (
    HIDDEN_TAPS,
    HIDDEN_WINDOW_S,
    Banner,
    BlankCover,
    Toolbar,
    offline_notice,
)
from kiosk.ui.clip import drop_stencil
from kiosk.ui.demo_controls import DEMO_PANEL_WIDTH, DemoControls
from kiosk.ui.fault import FaultGuard, FaultScreen, UnbuiltScreen, safe_traceback
from kiosk.ui.focus import FocusManager
from kiosk.ui.keymap import KeyBindings
from kiosk.ui.keypad import Keypad
from kiosk.ui.screens import SESSION_SCREENS, KioskScreen
from kiosk.ui.screenshot import save_window_png
from kiosk.ui.sounds import CueJudge, SoundPlayer
from kiosk.ui.step_bar import StepBar
from kiosk.ui.style import init_style, style
from kiosk.ui.theme import Role
from kiosk.ui.widgets import load_segmenter, rewrap_provisional

log = logging.getLogger(__name__)

__all__ = ["HIDDEN_TAPS", "HIDDEN_WINDOW_S", "Banner", "KioskApp", "Toolbar"]


class KioskRoot(BoxLayout):
    """Reports every touch as activity (resets the inactivity timer), then routes it."""

    def __init__(self, app: KioskApp, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app

    def on_touch_down(self, touch: Any) -> bool:
        self.app.activity()
        return self.app.fault_guard.run("touch", super().on_touch_down, touch, default=True)

    def on_touch_move(self, touch: Any) -> bool:
        return self.app.fault_guard.run("touch", super().on_touch_move, touch, default=True)

    def on_touch_up(self, touch: Any) -> bool:
        return self.app.fault_guard.run("touch", super().on_touch_up, touch, default=True)


def bindings_for(ui: UiSettings) -> KeyBindings:
    return KeyBindings.from_names(help_keys=(ui.help_key,), blank_keys=("f2", ui.blank_key),
                                  reveal_keys=("f3", ui.reveal_key))


class KioskApp(App):
    title = "Linkage Kiosk"

    use_kivy_settings = False

    def __init__(self, ui: UiSettings, engine: SessionCommands, *, sounds_dir: Path,
                 default_language: LanguageCode = "th",
                 demo_controls: DemoControls | None = None,
                 speech: SpeechPort | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ui_settings = ui
        self.engine = engine
        self.speech: SpeechPort = speech if speech is not None else NullSpeech()
        self.keypad = Keypad(self, bindings_for(ui))
        self.blanked = False
        self._blanked_for: str | None = None
        self.demo_controls = demo_controls
        init_style(ui, default_language)
        self.sounds = SoundPlayer(sounds_dir, enabled=ui.sounds)
        self.bridge = SessionBridge(engine, Clock.create_trigger(self._draw_pending, 0))
        self.view: SessionView | None = None
        self.screens: dict[str, KivyScreen] = {}
        self.overlay: str | None = None
        self._gesture_handlers: list[Callable[[], None]] = []
        self._drawn_listeners: list[Callable[[SessionView], None]] = []
        self.cue_judge = CueJudge()
        self._switch_soon = Clock.create_trigger(self._switch_to_view_screen, 0)
        self.fault_guard = FaultGuard(self)
        """Contains an exception in drawing, a touch or a key (`kiosk.ui.fault`)."""

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
        self.help_banner = Banner(role=Role.PANEL)
        self.step_bar = StepBar()
        self.manager = ScreenManager(transition=NoTransition())
        # Screens are exactly the manager's size: its stencil clip only costs drawing time.
        drop_stencil(self.manager)
        self.register_screen(FaultScreen(self.send))
        for screen_class in SESSION_SCREENS:
            self.register_screen(self._build_screen(screen_class))
        for widget in (self.toolbar, self.help_banner, self.offline_banner,
                       self.printer_banner, self.step_bar, self.manager):
            kiosk.add_widget(widget)
        self.offline_banner.show(None)
        self.printer_banner.show(None)
        self.help_banner.show(None)
        root.add_widget(kiosk)
        if self.demo_controls is not None and self.ui_settings.demo_panel:
            from kiosk.ui.demo_panel import DemoPanel

            self.demo_panel = DemoPanel(self.demo_controls,
                                        lambda f, *a: self.bridge.run_off_main(f, *a),
                                        size_hint_x=None, width=DEMO_PANEL_WIDTH)
            root.add_widget(self.demo_panel)
        self.manager.current = Screen.IDLE.value
        self.focus = FocusManager(root.canvas.after, lambda: self.manager.current_screen,
                                  lambda: self.toolbar, self.speech)
        self.manager.bind(current=lambda *_: self.focus.screen_changed())
        self.blank_cover = BlankCover()
        Window.bind(on_key_down=self.fault_guard.wrap("key", self.keypad.on_key_down),
                    on_key_up=self.fault_guard.wrap("key", self.keypad.on_key_up),
                    on_request_close=self._on_request_close)
        return root

    def _build_screen(self, screen_class: type[KioskScreen]) -> KivyScreen:
        """The screen, or a stand-in whose every view is a fault (its build raised)."""
        try:
            return screen_class(self.send)
        except Exception as exc:
            log.error("screen %s could not be built: %s", screen_class.screen.value,
                      safe_traceback(exc))
            return UnbuiltScreen.standing_in_for(screen_class)(self.send)

    def _on_request_close(self, *_: Any, source: str = "", **__: Any) -> bool:
        return source == "keyboard"  # no key ever ends the kiosk (the window manager may)

    def open_settings(self, *_: Any) -> bool:
        return False  # F1 must not open Kivy's settings panel on a kiosk

    def on_start(self) -> None:
        self.sounds.preload()  # no file or device opened later, in a session's frame
        self.fault_guard.install()
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
        self.fault_guard.uninstall()

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
        self.cue_judge.reset()
        self.fault_guard.pending = None  # the old engine's fault needs no answer any more
        style().reset_for_new_session()
        self.new_citizen()
        self.toggle_blank(False)
        self.bridge = SessionBridge(engine, Clock.create_trigger(self._draw_pending, 0))
        self.bridge.start()

    def attach_speech(self, speech: SpeechPort) -> None:
        """Tell another spoken-guidance layer what happens (tests record the calls)."""
        self.speech = speech
        self.focus.speech = speech

    def activity(self) -> None:
        """A touch or a key press: restart the inactivity timer, stop the speech."""
        self.speech.citizen_acted()
        self.send("touch")

    def help(self) -> None:
        """Help (toolbar, F1, the keypad's Help): say the guidance again, start speech."""
        self.speech.start_audio_mode()
        self.speech.repeat()
        self.show_help(not self.help_banner.shown)

    def show_help(self, shown: bool) -> None:
        self.help_banner.show("help.banner" if shown else None)

    def toggle_blank(self, blank: bool | None = None) -> None:
        """Blank or show the screen (privacy in audio mode); keys keep working."""
        blank = (not self.blanked) if blank is None else blank
        if blank == self.blanked:
            return
        self.blanked = blank
        self._blanked_for = self.view.session_id if self.view is not None else None
        if blank:
            Window.add_widget(self.blank_cover)
            self.blank_cover.size, self.blank_cover.pos = Window.size, (0, 0)
            Window.bind(size=self.blank_cover.setter("size"))
        else:
            Window.unbind(size=self.blank_cover.setter("size"))
            Window.remove_widget(self.blank_cover)

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
        self.fault_guard.run(f"drawing {view.screen.value}", self._draw, view, default=None)

    def _draw(self, view: SessionView) -> None:
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
            self.new_citizen()
        if self.blanked and (view.screen in (Screen.IDLE, Screen.OUT_OF_SERVICE) or (
                view.session_id is not None and view.session_id != self._blanked_for)):
            self.toggle_blank(False)  # the card is out, or another citizen's card is in
        if s.language != view.language:
            s.language = view.language
        for cue in self.cue_judge.cues(previous, view):
            self.sounds.play(cue)
        notice, fields = offline_notice(view)
        self.offline_banner.show(notice, **fields)
        needs_printer = view.screen in (Screen.MENU, Screen.RESULT)
        self.printer_banner.show("banner.printer" if needs_printer and not view.printer_ready
                                 else None)
        if self.fault_guard.holds(view):
            # The fault screen stays (the failing screen is not drawn again); the session's
            # answer to the fault is said through the speech path like any view.
            self.fault_guard.show_for(view)
            if view.fault_ref:
                self._view_drawn(view)
            return
        if self.overlay is not None:
            return
        if not self.step_bar.shown:
            self.step_bar.set_shown(True)  # back from the fault screen
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
        self.fault_guard.run("switching screens", self._switch_now, default=None)

    def _switch_now(self) -> None:
        view = self.view
        if view is None or self.overlay is not None or self.fault_guard.holds(view):
            return
        if self.manager.current != view.screen.value:
            self.manager.current = view.screen.value
        self._view_drawn(view)

    def new_citizen(self) -> None:
        """Nothing of the last citizen's keypad use stays: no ring, no help (the blank
        stays until the card is out: the session ends, with its own id, before that)."""
        self.focus.visible = False
        self.focus.screen_changed()
        self.show_help(False)

    def _view_drawn(self, view: SessionView) -> None:
        self.speech.view_shown(view)
        for listener in self._drawn_listeners:
            listener(view)

    def _rerender(self) -> None:
        self.fault_guard.run("redrawing", self._redraw, default=None)

    def _redraw(self) -> None:
        if self.view is not None and self.overlay is None and not self.fault_guard.holds(
                self.view):
            screen = self.screens[self.view.screen.value]
            if isinstance(screen, KioskScreen):
                from dataclasses import replace

                screen.render(replace(self.view, language=style().language))

    # ------------------------------------------------------------ screenshots

    def screenshot(self, path: Path) -> Path:
        """Save what is on screen now as a PNG (demo folder, test artifacts)."""
        return save_window_png(path)
