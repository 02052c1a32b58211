"""Accessibility numbers from the reference, computed — not eyeballed.

EN 301 549 5.1.4 text size (0.7° capital H), 9 mm touch targets at the configured DPI,
WCAG 1.4.3 contrast of every colour pair the themes draw, and the two toggles.
"""

from __future__ import annotations

import math

import pytest
from kivy.core.text import Label as CoreLabel
from uikit_driver import UiDriver, walk
from uikit_feeder import ViewFeeder
from uikit_samples import SCREEN_VIEWS
from uikit_settings import UI

from kiosk.session.view import Screen
from kiosk.ui.metrics import (
    ScreenMetrics,
    cap_height_ratio,
    min_cap_height_mm,
    mm_to_px,
    px_to_mm,
)
from kiosk.ui.style import FONT_REGULAR, SCRIPT, style
from kiosk.ui.theme import (
    HIGH_CONTRAST,
    MIN_CONTRAST,
    STANDARD,
    THEMES,
    Role,
    contrast_ratio,
    rgba,
)
from kiosk.ui.widgets import KButton, KLabel


@pytest.mark.parametrize(("distance", "expected"), [(400, 4.9), (500, 6.1), (600, 7.3)])
def test_min_cap_height_matches_en_301_549_table(distance: float, expected: float) -> None:
    assert min_cap_height_mm(distance) == pytest.approx(expected, abs=0.05)


def test_mm_px_round_trip() -> None:
    assert mm_to_px(25.4, 96) == pytest.approx(96)
    assert px_to_mm(mm_to_px(9, 160), 160) == pytest.approx(9)


def test_cap_ratio_is_measured_from_the_font() -> None:
    ratio = cap_height_ratio(FONT_REGULAR)
    assert 0.6 < ratio < 0.8  # Sarabun's capital H is 0.70 em


def test_touch_targets_below_9mm_are_refused() -> None:
    with pytest.raises(ValueError):
        ScreenMetrics(dpi=96, viewing_distance_mm=500, cap_ratio=0.7, min_touch_target_mm=8)


def _ink_height(font_size: int) -> int:
    """Rows of the rendered capital H that carry ink, in Kivy's own text renderer."""
    label = CoreLabel(text="H", font_name=str(FONT_REGULAR), font_size=font_size,
                      font_script_name=SCRIPT)
    label.refresh()
    width, height = label.texture.size
    alpha = bytes(label.texture.pixels)[3::4]
    rows = [y for y in range(height) if max(alpha[y * width:(y + 1) * width]) > 127]
    return rows[-1] - rows[0] + 1


def test_smallest_text_meets_the_visual_angle_when_rendered(ui: UiDriver) -> None:
    metrics = style().metrics
    assert metrics.min_font_px == math.ceil(metrics.min_cap_height_px / metrics.cap_ratio)
    # The rendered H, not just the arithmetic, must reach the minimum cap height.
    assert _ink_height(metrics.min_font_px) >= math.floor(metrics.min_cap_height_px)
    # ... and one pixel smaller would not (the minimum is tight, not padded by guesswork).
    assert _ink_height(metrics.min_font_px - 2) < metrics.min_cap_height_px


@pytest.mark.parametrize("screen", list(SCREEN_VIEWS))
def test_every_screen_text_and_target_sizes(ui: UiDriver, feeder: ViewFeeder,
                                            screen: Screen) -> None:
    feeder.show(**SCREEN_VIEWS[screen])
    ui.wait_screen(screen)
    metrics = style().metrics
    labels = [w for w in walk(ui.app.root) if isinstance(w, KLabel) and w.text]
    buttons = [w for w in walk(ui.app.root) if isinstance(w, KButton)
               and w.opacity > 0 and not w.disabled]
    assert labels and buttons
    for label in labels:
        assert label.font_size >= metrics.min_font_px, (label.text, label.font_size)
    floor = metrics.floor_touch_target_px
    for button in buttons:
        assert button.width >= floor and button.height >= floor, (button.text, button.size)
        assert button.height >= metrics.touch_target_px, (button.text, button.height)
        assert px_to_mm(min(button.size), UI.screen_dpi) >= 9.0


@pytest.mark.parametrize("theme", list(THEMES.values()), ids=list(THEMES))
def test_every_colour_pair_has_enough_contrast(theme) -> None:
    for role in Role:
        fg, bg = theme.pair(role)
        assert contrast_ratio(fg, bg) >= MIN_CONTRAST, (theme.name, role, fg, bg)
    # Non-text accents (progress, focus) against the page: WCAG 1.4.11 asks 3:1.
    assert contrast_ratio(theme.accent, theme.background) >= 3.0


def test_contrast_arithmetic_matches_wcag_reference_values() -> None:
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)


def test_high_contrast_toggle_restyles_every_label(ui: UiDriver, feeder: ViewFeeder) -> None:
    feeder.show(**SCREEN_VIEWS[Screen.MENU])
    ui.wait_screen(Screen.MENU)
    ui.tap(ui.button("toolbar.high_contrast", ui.app.toolbar))
    ui.frames(3)
    assert style().high_contrast
    for label in (w for w in walk(ui.app.root) if isinstance(w, KLabel) and w.text):
        assert tuple(label.color) == rgba(HIGH_CONTRAST.pair(label.effective_role())[0])
    ui.screenshot("menu-high-contrast")
    ui.tap(ui.button("toolbar.standard_colours", ui.app.toolbar))
    ui.frames(3)
    step = next(w for w in walk(ui.app.step_bar) if isinstance(w, KLabel)
                and w.key == "step.insert")  # not the current step: muted
    assert tuple(step.color) == rgba(STANDARD.pair(Role.MUTED)[0])


def test_large_text_toggle_scales_text_and_keeps_targets(ui: UiDriver,
                                                         feeder: ViewFeeder) -> None:
    feeder.show(**SCREEN_VIEWS[Screen.CONSENT])
    ui.wait_screen(Screen.CONSENT)
    before = {id(w): w.font_size for w in walk(ui.app.root) if isinstance(w, KLabel)}
    ui.tap(ui.button("toolbar.large_text", ui.app.toolbar))
    ui.frames(4)
    assert style().large_text
    for label in (w for w in walk(ui.app.root) if isinstance(w, KLabel)):
        if id(label) not in before:
            continue
        if label.follows_large_text:
            assert label.font_size >= before[id(label)] * (UI.large_text_scale - 0.05)
        else:  # the fixed chrome (toolbar, banners, screen titles) keeps its place and size
            assert label.font_size == before[id(label)]
    ui.screenshot("consent-large-text")
    ui.tap(ui.button("toolbar.normal_text", ui.app.toolbar))
    ui.frames(3)
    assert not style().large_text


def test_a_new_session_starts_with_the_configured_defaults(ui: UiDriver,
                                                            feeder: ViewFeeder) -> None:
    feeder.show(**SCREEN_VIEWS[Screen.MENU])
    ui.wait_screen(Screen.MENU)
    ui.tap(ui.button("toolbar.large_text", ui.app.toolbar))
    assert style().large_text
    feeder.show(**{**SCREEN_VIEWS[Screen.READING], "session_id": "next-citizen"})
    ui.wait_screen(Screen.READING)
    assert not style().large_text  # the next citizen does not inherit the last one's choice
