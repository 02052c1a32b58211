"""A label's text texture is as wide as its text, not its box, and is drawn where
``halign`` puts the text; a line Kivy must cut keeps the box-wide texture."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from kivy.graphics import Rectangle
from kivy.lang import Builder
from kivy.uix.widget import Widget
from uikit_driver import UiDriver

from kiosk.ui import widgets
from kiosk.ui.text_texture import texture_pos
from kiosk.ui.widgets import KButton, KLabel

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from ui_frames import fill_windows

SENTENCE = "กรุณาเสียบบัตรประจำตัวประชาชนให้สุดช่อง แล้วรอสักครู่"


@pytest.mark.parametrize(("halign", "expected"), [
    ("left", (100, 215)), ("center", (250, 215)), ("right", (400, 215)),
])
def test_the_texture_goes_where_halign_says(halign: str, expected: tuple[int, int]) -> None:
    # A 500 x 100 box at (100, 200), a 200 x 70 texture: left, centred, right; always
    # centred vertically.
    assert texture_pos((100, 200), (500, 100), (200, 70), halign) == expected


def test_a_box_wide_texture_lands_where_kivy_would_put_it() -> None:
    for halign in ("left", "center", "right"):
        assert texture_pos((10, 20), (300, 90), (300, 40), halign) == (10, 45)


def _text_rect(label: KLabel) -> Rectangle:
    Builder.sync()  # the rule's canvas expressions are applied at the next frame
    # The rule's rectangle is the only one in ``canvas`` itself (backgrounds and icons are
    # in ``canvas.before``/``after``, groups of their own there).
    rects = [i for i in label.canvas.children if isinstance(i, Rectangle)]
    assert len(rects) == 1
    return rects[0]


@pytest.mark.parametrize("halign", ["left", "center", "right"])
def test_a_wrapped_label_texture_is_its_text_wide(ui: UiDriver, halign: str) -> None:
    ui.wait_until(widgets._SEGMENTER_READY.is_set, 15, "word dictionary loaded")
    label = KLabel(raw=SENTENCE, size_hint_x=None, width=900, halign=halign,
                   padding=(20, 8))
    label.pos = (50, 60)
    label._apply()
    label.texture_update()
    measure = widgets._measurer(label.font_name, int(label.font_size))
    widest = max(measure(line) for line in label.text.split("\n"))
    width, _height = label.texture_size
    assert abs(width - (widest + 40)) <= 2  # the text and its side padding, not 900
    assert width < 900
    rect = _text_rect(label)
    assert tuple(rect.size) == tuple(label.texture_size)
    x = rect.pos[0]
    if halign == "left":
        assert x == 50
    elif halign == "right":
        assert x == 50 + 900 - width
    else:
        assert abs((x + width / 2) - (50 + 450)) <= 1
    assert x >= 50 and x + width <= 950  # inside its box


def test_a_line_wider_than_the_box_keeps_the_box(ui: UiDriver) -> None:
    """A letter wider than the label (nothing to break it at) keeps the box-wide texture,
    so Kivy cuts it at the box and the layout checker reports it, as before."""
    label = KLabel(raw="WWW", size_hint_x=None, width=20)
    label._apply()
    label.texture_update()
    assert tuple(label.text_size) == (20, None)
    assert label.texture_size[0] == 20


def test_a_button_icon_stays_beside_its_centred_text(ui: UiDriver) -> None:
    button = KButton(key="result.print", size_hint=(None, None), width=700)
    button.pos = (0, 0)
    button._apply()
    button.texture_update()
    rect = _text_rect(button)
    text_left = rect.pos[0] + button.padding[0]
    icon_right = button._icon_rect.pos[0] + button._icon_rect.size[0]
    assert button._icon_rect.size[0] > 0
    assert abs((text_left - icon_right) - 12) <= 2  # the icon's gap, as KButton places it


def test_fill_windows_counts_canvas_before_once() -> None:
    """bench/ui_frames.py: ``canvas.before``/``after`` sit inside ``canvas.children``; an
    area walked there and again on its own would be counted twice."""
    w = Widget()
    with w.canvas.before:
        Rectangle(pos=(0, 0), size=(640, 400))
    with w.canvas:
        Rectangle(pos=(0, 0), size=(1280, 200))
    with w.canvas.after:
        Rectangle(pos=(1200, 0), size=(200, 800))  # half of it off the window
    expected = (640 * 400 + 1280 * 200 + 80 * 800) / (1280 * 800)
    assert fill_windows(w, (1280, 800)) == pytest.approx(expected)
