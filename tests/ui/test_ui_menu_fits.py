"""The menu shows every service without scrolling in normal text (issue 14, item 2).

At the kiosk's 1280x800, with the five services of config/services.toml, in Thai and
English, standard and high contrast, with the offline and printer banners (the "extreme"
case) and with the ThaID mark (the "typical" one): each tile is whole in the viewport, with
its icon, its name in bold and one line of description in regular weight, and no smaller
than the touch target. In large text one column scrolls, and the "more below" cue says so.
The layout checker holds the same rule for every case (`MenuScreen.must_see`).
"""

from __future__ import annotations

import pytest
from kivy.base import EventLoop
from kivy.core.window import Window
from uikit_feeder import ViewFeeder

from kiosk.commands.contact_sheet import build_cases
from kiosk.session.view import Screen
from kiosk.ui.app import KioskApp
from kiosk.ui.contact_sheet import chrome, show
from kiosk.ui.layout_cases import VARIANTS
from kiosk.ui.layout_check import check_layout, contains, window_rect
from kiosk.ui.style import FONT_BOLD, FONT_REGULAR, style
from kiosk.ui.widgets import load_segmenter

MENU_CASES = [c for c in build_cases() if c.screen is Screen.MENU]
NORMAL = [v for v in VARIANTS if not v.large_text]
LARGE = [v for v in VARIANTS if v.large_text]


@pytest.fixture(autouse=True)
def _words() -> None:
    assert load_segmenter().join(30) is None


@pytest.mark.parametrize("variant", NORMAL, ids=lambda v: v.label)
@pytest.mark.parametrize("case", MENU_CASES, ids=lambda c: c.content)
def test_every_service_is_whole_on_screen_in_normal_text(kiosk_app: KioskApp,
                                                          feeder: ViewFeeder, case, variant
                                                          ) -> None:
    assert tuple(Window.size) == (1280, 800)
    view = case.view(7000 + VARIANTS.index(variant), variant)
    show(kiosk_app, view, variant, EventLoop.idle)
    screen = kiosk_app.manager.current_screen
    tiles = screen.tiles()
    assert len(tiles) == len(view.menu) == 5
    viewport, page = window_rect(screen.scroll), window_rect(kiosk_app.manager)
    s = style()
    for tile, entry in zip(tiles, view.menu, strict=True):
        rect = window_rect(tile)
        assert contains(viewport, rect) and contains(page, rect), \
            f"{entry.service_id} is not whole on screen: {rect} in {viewport}"
        assert tile.shown_icon(), entry.service_id
        assert tile.raw == entry.name.pick(variant.language)
        assert tile.font_name == str(FONT_BOLD) and tile.line.font_name == str(FONT_REGULAR)
        assert tile.line.text and "\n" not in tile.line.text, \
            f"{entry.service_id}: description is not one line: {tile.line.text!r}"
        assert contains(rect, window_rect(tile.line))
        assert min(tile.width, tile.height) >= s.target_px
    if case.content == "typical":  # the ThaID "will ask" mark, on its own line
        marked = [t for t, e in zip(tiles, view.menu, strict=True) if e.asks_holder]
        assert marked and all(t.line.text == s.tr("menu.tile.asks_holder") for t in marked)
    else:  # offline: the banner names what still works; no note takes a row in the menu
        assert kiosk_app.offline_banner.shown and view.offline
        assert screen.offline_note.parent is None
    assert screen.column.height <= screen.scroll.height and not screen.more.text
    assert not check_layout(screen, chrome(kiosk_app), kiosk_app.manager)


@pytest.mark.parametrize("variant", LARGE, ids=lambda v: v.label)
def test_large_text_is_one_column_with_the_more_below_cue(kiosk_app: KioskApp,
                                                          feeder: ViewFeeder, variant) -> None:
    case = MENU_CASES[0]
    show(kiosk_app, case.view(7100 + VARIANTS.index(variant), variant), variant,
         EventLoop.idle)
    screen = kiosk_app.manager.current_screen
    assert screen.grid.cols == 1
    assert screen.column.height > screen.scroll.height  # something below the fold…
    assert screen.more.text == style().tr("common.more_below")  # …and the cue says so
    screen.scroll.scroll_y = 0  # at the bottom nothing is below: the cue goes
    for _ in range(5):
        EventLoop.idle()
    assert not screen.more.text
    screen.to_top()
    for _ in range(5):
        EventLoop.idle()
    assert screen.more.text


def test_the_checker_reports_a_service_below_the_fold(kiosk_app: KioskApp,
                                                      feeder: ViewFeeder) -> None:
    """One column in normal text (the old layout's effect) is a fault, not a pass."""
    variant = NORMAL[0]
    show(kiosk_app, MENU_CASES[1].view(7200, variant), variant, EventLoop.idle)
    screen = kiosk_app.manager.current_screen
    screen.grid.cols = 1
    try:
        for _ in range(5):
            EventLoop.idle()
        faults = check_layout(screen, chrome(kiosk_app), kiosk_app.manager)
        assert any(f.kind == "below the fold" and "ServiceTile" in f.where for f in faults), \
            faults
    finally:
        screen.grid.cols = 2
        for _ in range(5):
            EventLoop.idle()
