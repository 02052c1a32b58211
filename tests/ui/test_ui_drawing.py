"""What each frame draws stays cheap for a software renderer (issue 28, item 5).

Under Mesa llvmpipe every pixel of every rectangle drawn is paint, transparent or not, and
every stencil clip paints its area twice more (docs/benchmarks.md, Touch UI). On every
session screen: no stencil clip is drawn (scroll areas clip by the scissor box, exactly
their window rectangle; the screen manager does not clip), and no label or button draws a
transparent rectangle for a background or an icon it does not have.
"""

from __future__ import annotations

import pytest
from kivy.base import EventLoop
from kivy.core.window import Window
from kivy.graphics import ScissorPush
from kivy.graphics.instructions import InstructionGroup
from kivy.graphics.stencil_instructions import StencilPush
from uikit_feeder import ViewFeeder

from kiosk.commands.contact_sheet import build_cases
from kiosk.ui.app import KioskApp
from kiosk.ui.contact_sheet import show
from kiosk.ui.layout_cases import Variant
from kiosk.ui.screens.base import KioskScrollView
from kiosk.ui.widgets import KButton, KLabel

CASES = [c for c in build_cases() if c.content == "extreme"]
VARIANT = Variant("th", True, False)  # large text: the scroll areas overflow


def instructions(group: InstructionGroup):
    for instruction in group.children:
        yield instruction
        if isinstance(instruction, InstructionGroup):
            yield from instructions(instruction)


def widgets(root):
    yield root
    for child in root.children:
        yield from widgets(child)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_no_stencil_and_no_transparent_rectangles(kiosk_app: KioskApp, feeder: ViewFeeder,
                                                  case) -> None:
    show(kiosk_app, case.view(9600 + CASES.index(case), VARIANT), VARIANT, EventLoop.idle)
    drawn = list(instructions(Window.canvas))
    assert not [i for i in drawn if isinstance(i, StencilPush)]
    scrolls = [w for w in widgets(kiosk_app.manager.current_screen)
               if isinstance(w, KioskScrollView)]
    assert scrolls
    for scroll in scrolls:
        assert scroll.clip.push in drawn
        x, y = scroll.to_window(scroll.x, scroll.y)
        box = scroll.clip.push
        assert (box.x, box.y, box.width, box.height) == (
            round(x), round(y), round(scroll.width), round(scroll.height))
    assert [i for i in drawn if isinstance(i, ScissorPush)]
    for w in widgets(kiosk_app.root):
        if isinstance(w, KLabel) and not w.draw_background:
            assert tuple(w._bg_rect.size) == (0, 0), w
        if isinstance(w, KButton) and not w.shown_icon():
            assert tuple(w._icon_rect.size) == (0, 0), w


