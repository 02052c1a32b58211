"""What every session screen shares: a padded column and access to the session bridge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen as KivyScreen
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.session.view import Screen, SessionView
from kiosk.ui.style import BODY, TITLE, style
from kiosk.ui.theme import Role
from kiosk.ui.widgets import KButton, KLabel, rewrap_provisional

Send = Callable[..., Any]
"""``send(command, *args)``: issue a session command (off the main thread)."""


class KioskScreen(KivyScreen):
    """Subclasses set ``screen`` and implement `render`; ``send`` issues a session command."""

    screen: ClassVar[Screen]

    def __init__(self, send: Send, **kwargs: Any) -> None:
        super().__init__(name=self.screen.value, **kwargs)
        self._send = send
        gap = style().gap_px
        self.column = BoxLayout(orientation="vertical", padding=(gap * 4, gap * 2),
                                spacing=gap * 2)
        self.add_widget(self.column)
        self.build()

    def build(self) -> None:
        """Create the widgets once; `render` only updates them."""

    def on_pre_enter(self, *_: Any) -> None:
        rewrap_provisional(self)

    def render(self, view: SessionView) -> None:
        raise NotImplementedError

    def send(self, command: str, *args: Any) -> None:
        self._send(command, *args)

    # Small builders so screens read like their layout.
    def title(self, key: str = "", **kw: Any) -> KLabel:
        kw.setdefault("step", TITLE)
        kw.setdefault("bold", True)
        label = KLabel(key=key, **kw)
        self.column.add_widget(label)
        return label

    def text(self, key: str = "", **kw: Any) -> KLabel:
        kw.setdefault("role", Role.BODY)
        kw.setdefault("step", BODY)
        label = KLabel(key=key, **kw)
        self.column.add_widget(label)
        return label

    def button_row(self, *buttons: KButton) -> BoxLayout:
        gap = style().gap_px
        row = BoxLayout(orientation="horizontal", spacing=gap * 2, size_hint_y=None)

        def fit(*_: Any) -> None:
            row.height = max((b.height for b in row.children), default=0)

        for button in buttons:
            button.bind(height=fit)
            row.add_widget(button)
        fit()
        self.column.add_widget(row)
        return row

    def scroll_column(self) -> BoxLayout:
        """A vertical box inside a ScrollView (long notices, result rows)."""
        inner = BoxLayout(orientation="vertical", size_hint_y=None, spacing=style().gap_px)
        inner.bind(minimum_height=inner.setter("height"))
        self.column.add_widget(top_aligned_scroll(inner))
        return inner


def top_aligned_scroll(content: Widget) -> ScrollView:
    """Scroll ``content`` (fixed height) and keep it at the top when it is shorter."""
    scroll = ScrollView(do_scroll_x=False, bar_width=max(8, style().gap_px))
    holder = BoxLayout(orientation="vertical", size_hint_y=None)
    holder.add_widget(content)
    holder.add_widget(Widget())

    def fit(*_: Any) -> None:
        holder.height = max(content.height, scroll.height)

    content.bind(height=fit)
    scroll.bind(height=fit)
    scroll.add_widget(holder)
    return scroll
