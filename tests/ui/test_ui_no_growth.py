"""Widgets built for one citizen leave nothing behind in what outlives them (the soak run).

The screens build labels, buttons and rows for every session; the one `KioskStyle` and
each screen's scroll area live for the whole day. Whatever they hold per widget or per
scroll update grows with every citizen.
"""

from __future__ import annotations

import gc

from kivy.uix.widget import Widget
from uikit_driver import UiDriver

from kiosk.ui.screens.base import KioskScrollView
from kiosk.ui.style import style
from kiosk.ui.widgets import KButton, KLabel, Panel


def _revision_observers() -> int:
    return sum(1 for _ in style().get_property_observers("revision"))


def test_widgets_dropped_after_a_session_leave_no_restyle_entries(ui: UiDriver) -> None:
    gc.collect()
    kivy_before, followers_before = _revision_observers(), style().followers()
    for _ in range(300):  # about 25 sessions' worth of rows and buttons
        KLabel(raw="ชื่อ นามสกุล")
        KButton(key="common.finish")
        Panel()
    gc.collect()
    KLabel(raw="the next citizen's first label")  # a new follower drops the dead ones
    assert _revision_observers() == kivy_before
    assert style().followers() <= followers_before + 1


def test_a_live_label_still_restyles_when_the_language_changes(ui: UiDriver) -> None:
    label = KLabel(key="common.finish")
    before = label.text
    other = "en" if style().language == "th" else "th"
    original = style().language
    try:
        style().language = other
        ui.wait_until(lambda: label.text != before, 5, "label restyled to the other language")
    finally:
        style().language = original
    ui.wait_until(lambda: label.text == before, 5, "label restyled back")


def test_scroll_updates_keep_one_bar_colour_observer(ui: UiDriver) -> None:
    scroll = KioskScrollView()
    scroll.add_widget(Widget(size_hint_y=None, height=2000))  # no content: no updates
    scroll.update_from_scroll()
    once = scroll.bar_color_observers()
    for _ in range(50):  # screen changes come faster than the bar's 0.5 s fade
        scroll.update_from_scroll()
    assert scroll.bar_color_observers() == once == 1
