"""Touching the real kiosk window from inside its Kivy loop (the UI benches: `ui`, `soak`).

Unlike the tests' `UiDriver`, nothing here pumps frames: a bench's Clock callbacks call
these, and the app's own loop draws what follows. Import only once Kivy is configured.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kivy.tests.common import UnitTestTouch
from kivy.uix.widget import Widget

from kiosk.ui.widgets import KButton


def _walk(widget: Widget) -> Iterator[Widget]:
    yield widget
    for child in widget.children:
        yield from _walk(child)


def visible_button(app: Any, key: str = "", text: str = "") -> KButton:
    """The first enabled, visible button of the current screen with this message key, or
    showing this text (a service's name)."""
    for widget in _walk(app.manager.current_screen):
        if isinstance(widget, KButton) and widget.opacity > 0 and not widget.disabled and \
                ((key and widget.key == key) or (text and text in widget.raw)):
            return widget
    raise LookupError(key or text)


def tap(widget: Widget) -> None:
    """A touch down and up at the widget's centre, through Kivy's input path."""
    touch = UnitTestTouch(*widget.to_window(*widget.center))
    touch.touch_down()
    touch.touch_up()
