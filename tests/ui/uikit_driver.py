"""Drive the real Kivy app from a test: frames, taps through Kivy's input path, lookups."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

from kivy.base import EventLoop
from kivy.tests.common import UnitTestTouch
from kivy.uix.widget import Widget

from kiosk.session.view import Screen, SessionView
from kiosk.ui.app import KioskApp
from kiosk.ui.widgets import KButton, KLabel

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "ui"


class UiDriver:
    def __init__(self, app: KioskApp) -> None:
        self.app = app

    def frames(self, count: int = 2) -> None:
        for _ in range(count):
            EventLoop.idle()

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0,
                   what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                shown = self.app.view.screen if self.app.view else None
                raise AssertionError(f"timed out waiting for {what} (screen {shown})")
            EventLoop.idle()
        self.frames(3)  # let layouts settle before anyone looks at sizes or pixels

    def wait_screen(self, screen: Screen, timeout: float = 15.0) -> SessionView:
        self.wait_until(lambda: self.app.view is not None and self.app.view.screen is screen
                        and self.app.manager.current == screen.value, timeout,
                        f"screen {screen.value}")
        assert self.app.view is not None
        return self.app.view

    @property
    def current(self) -> Widget:
        return self.app.manager.current_screen

    def tap(self, widget: Widget) -> None:
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(2)

    def tap_at(self, x: float, y: float) -> None:
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(2)

    def button(self, key: str, root: Widget | None = None) -> KButton:
        found = [b for b in walk(root or self.current) if isinstance(b, KButton)
                 and b.key == key and b.opacity > 0 and not b.disabled]
        assert found, f"no visible button {key!r} on {self.app.manager.current}"
        return found[0]

    def button_with_text(self, text: str, root: Widget | None = None) -> KButton:
        found = [b for b in walk(root or self.current)
                 if isinstance(b, KButton) and text in b.raw]
        assert found, f"no button showing {text!r} on {self.app.manager.current}"
        return found[0]

    def key(self, name: str, *, modifiers: tuple[str, ...] = (), frames: int = 2) -> None:
        """Press and release one key through Kivy's keyboard path (as SDL delivers it)."""
        from kivy.core.window import Window

        from kiosk.ui.keymap import key_code

        code = key_code(name)
        Window.dispatch("on_key_down", code, 0, None, list(modifiers))
        Window.dispatch("on_key_up", code, 0)
        self.frames(frames)

    def keys(self, *names: str) -> None:
        for name in names:
            self.key(name)

    def screenshot(self, name: str) -> Path:
        self.frames(2)
        return self.app.screenshot(ARTIFACTS / f"{name}.png")


def walk(root: Widget) -> Iterator[Widget]:
    yield root
    for child in root.children:
        yield from walk(child)


def visible_labels(root: Widget) -> list[KLabel]:
    return [w for w in walk(root) if isinstance(w, KLabel) and w.text and w.opacity > 0]


def texts(root: Widget) -> str:
    return "\n".join(label.text for label in visible_labels(root))


