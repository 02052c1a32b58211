"""Shared look of the maintenance screens: a padded column, English technician text."""

from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen as KivyScreen

from kiosk.ui.style import BODY, TITLE, style
from kiosk.ui.theme import Role
from kiosk.ui.widgets import KButton, KLabel


class MaintenanceScreen(KivyScreen):
    """The keypad reaches every button (`kiosk.ui.focus`); Cancel leaves (``cancel``)."""

    def keypad_cancel(self) -> None:
        self.controller.leave()

    def __init__(self, controller: Any, name: str, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.controller = controller
        gap = style().gap_px
        self.column = BoxLayout(orientation="vertical", padding=(gap * 3, gap * 2),
                                spacing=gap)
        self.add_widget(self.column)

    def title(self, text: str) -> KLabel:
        label = KLabel(raw=text, step=TITLE, bold=True)
        self.column.add_widget(label)
        return label

    def line(self, text: str = "", role: Role = Role.BODY, **kw: Any) -> KLabel:
        label = KLabel(raw=text, role=role, step=kw.pop("step", BODY), **kw)
        self.column.add_widget(label)
        return label

    def row(self, *buttons: KButton, parent: Any = None) -> BoxLayout:
        gap = style().gap_px
        box = BoxLayout(orientation="horizontal", spacing=gap, size_hint_y=None)

        def fit(*_: Any) -> None:
            box.height = max((b.height for b in box.children), default=0)

        for b in buttons:
            b.bind(height=fit)
            box.add_widget(b)
        fit()
        (parent or self.column).add_widget(box)
        return box


def button(text: str, action: Any, role: Role = Role.SECONDARY_BUTTON, **kw: Any) -> KButton:
    return KButton(raw=text, action=action, role=role, **kw)


SMALL = 0.8
"""Type step of the dense technician lists (the citizen screens never go below BODY)."""

STATUS_ROLE = {"ok": Role.SUCCESS, "warn": Role.WARNING, "fail": Role.ERROR}
