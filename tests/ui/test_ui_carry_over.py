"""Nothing one citizen changed reaches the next: citizen B after citizen A, real engine.

A scrolls the menu down and switches to large text, high contrast and English; A's card
leaves; B's card goes in. B must meet the configured defaults and every list at its top.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from kivy.uix.scrollview import ScrollView
from uikit_driver import UiDriver, walk
from uikit_settings import UI

from kiosk.session.view import Screen
from kiosk.ui.app import KioskApp
from kiosk.ui.style import style

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from session.stack import Stack, real_stack

CITIZEN_A, CITIZEN_B = 0, 1


@pytest.fixture
def stack(tmp_path: Path, kiosk_app: KioskApp) -> Iterator[Stack]:
    with real_stack(tmp_path / "kiosk") as s:
        kiosk_app.attach_engine(s.kiosk.engine)
        yield s


def _to_menu(ui: UiDriver, stack: Stack, citizen: int) -> None:
    stack.devices.insert(citizen)
    ui.wait_screen(Screen.IDENTITY)
    ui.tap(ui.button("identity.continue"))
    ui.wait_screen(Screen.CONSENT)
    ui.tap(ui.button("consent.agree"))
    ui.wait_screen(Screen.MENU)


def _scrolls(ui: UiDriver) -> list[ScrollView]:
    return [w for w in walk(ui.app.manager) if isinstance(w, ScrollView)]


def test_citizen_b_meets_the_defaults_after_citizen_a(ui: UiDriver, stack: Stack) -> None:
    ui.wait_screen(Screen.IDLE)
    _to_menu(ui, stack, CITIZEN_A)
    ui.tap(ui.button("toolbar.large_text", ui.app.toolbar))
    ui.tap(ui.button("toolbar.high_contrast", ui.app.toolbar))
    ui.tap(ui.button("toolbar.language", ui.app.toolbar))
    ui.wait_until(lambda: ui.app.view.language == "en", what="engine confirms English")
    menu = ui.current.scroll
    ui.wait_until(lambda: menu.viewport_size[1] > menu.height, what="menu longer than its view")
    menu.scroll_y = 0  # A scrolled to the bottom of the menu
    ui.frames(2)
    assert style().large_text and style().high_contrast and style().language == "en"

    stack.devices.remove()
    ui.wait_screen(Screen.IDLE)
    assert not style().large_text and not style().high_contrast  # reset as the card left
    _to_menu(ui, stack, CITIZEN_B)
    assert (style().large_text, style().high_contrast) == (UI.large_text, UI.high_contrast)
    assert style().language == "th" and ui.app.view.language == "th"
    assert all(s.scroll_y == 1 for s in _scrolls(ui)), [s.scroll_y for s in _scrolls(ui)]
    assert ui.button("toolbar.large_text", ui.app.toolbar)  # the toggles read the defaults
