"""The layout checker over every session screen × content case × display variant.

Screens come from the engine's `Screen` enum (a new state is covered by default); content
from the seeds' extremes (`kiosk.commands.contact_sheet.build_cases`). Pictures:
``make demo`` leaves the contact sheet; set LAYOUT_SHEET=1 to write it here too
(test-artifacts/ui/layout/).
"""

from __future__ import annotations

import os

from kivy.base import EventLoop
from uikit_driver import ARTIFACTS
from uikit_feeder import ViewFeeder

from kiosk.commands.contact_sheet import build_cases
from kiosk.session.view import Screen
from kiosk.ui.app import KioskApp
from kiosk.ui.contact_sheet import run_matrix, write_index
from kiosk.ui.layout_cases import VARIANTS
from kiosk.ui.widgets import load_segmenter


def test_every_screen_and_variant_lays_out_cleanly(kiosk_app: KioskApp,
                                                  feeder: ViewFeeder) -> None:
    load_segmenter().join(30)
    cases = build_cases()
    assert {c.screen for c in cases} == set(Screen)
    out = ARTIFACTS / "layout" if os.environ.get("LAYOUT_SHEET") else None
    matrix = run_matrix(kiosk_app, EventLoop.idle, cases, out_dir=out)
    assert len(matrix.shots) == len(cases) * len(VARIANTS)
    if out is not None:
        write_index(matrix, out)
    assert not matrix.faults, "\n".join(matrix.faults)


def test_every_screen_shows_its_focus_ring(kiosk_app: KioskApp, feeder: ViewFeeder) -> None:
    """The contact sheet's focused column: a ring on a drawn item of every screen."""
    from kiosk.ui.contact_sheet import FOCUS_VARIANTS

    load_segmenter().join(30)
    cases = build_cases()
    out = ARTIFACTS / "layout-focused"
    matrix = run_matrix(kiosk_app, EventLoop.idle, cases, out_dir=out, variants=(),
                        focus_variants=FOCUS_VARIANTS)
    assert len(matrix.shots) == len(cases) * len(FOCUS_VARIANTS)
    assert all(s.focused for s in matrix.shots)
    write_index(matrix, out)
    assert not matrix.faults, "\n".join(matrix.faults)


def test_the_checker_sees_overlap_clipping_fold_and_weak_buttons(kiosk_app: KioskApp,
                                                                 feeder: ViewFeeder) -> None:
    """Faults planted in a real screen after layout are each reported."""
    from kiosk.ui.contact_sheet import chrome, show
    from kiosk.ui.layout_cases import VARIANTS
    from kiosk.ui.layout_check import check_layout
    from kiosk.ui.theme import Role
    from kiosk.ui.widgets import KButton

    case = next(c for c in build_cases() if c.screen is Screen.IDENTITY)
    show(kiosk_app, case.view(9000, VARIANTS[0]), VARIANTS[0], EventLoop.idle)
    screen = kiosk_app.manager.current_screen
    name = screen.fields["name"]
    assert not check_layout(screen, chrome(kiosk_app), kiosk_app.manager)

    name.y += 40  # slides under the title
    name.width = 40  # and its text no longer fits
    screen.scroll.scroll_y = 0.5
    button = next(b for b in screen.actions.walk() if isinstance(b, KButton))
    button.role = Role.SECONDARY_BUTTON
    button.outline_colour = lambda: None  # type: ignore[method-assign]
    kinds = {f.kind for f in check_layout(screen, chrome(kiosk_app), kiosk_app.manager)}
    assert {"overlap", "clipped", "scrolled", "contrast"} <= kinds, kinds
    del button.outline_colour
    button.role = Role.PRIMARY_BUTTON
    screen.scroll.scroll_y = 1


def test_names_break_only_between_their_parts() -> None:
    from kiosk.receipts.thai_text import wrap_name

    width = {"นาย": 3, "ศุภชัย": 6, "แก้วประเสริฐ": 12}
    def measure(text: str) -> float:
        return sum(width.get(w, len(w)) for w in text.split(" ")) + text.count(" ")
    assert wrap_name("นาย ศุภชัย แก้วประเสริฐ", lambda line: measure(line) <= 12) == [
        "นาย ศุภชัย", "แก้วประเสริฐ"]
