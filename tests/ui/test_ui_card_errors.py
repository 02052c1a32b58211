"""Card and reader problems tell the citizen what happened and what to do, in both
languages, instead of the generic "the kiosk has a problem, tell the staff"."""

from __future__ import annotations

import pytest
from uikit_driver import UiDriver, visible_labels
from uikit_feeder import ViewFeeder

from kiosk.session.view import Screen
from kiosk.ui.i18n import catalogue

CARD_KEYS = ["card.not_thai_id", "card.read_failed", "card.mute", "card.invalid_data",
             "card.removed_during_read", "card.swapped", "reader.unavailable"]


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("key", CARD_KEYS)
def test_card_error_screen_shows_its_own_text_and_next_step(
    ui: UiDriver, feeder: ViewFeeder, language: str, key: str
) -> None:
    feeder.show(language=language, screen=Screen.ERROR, session_id=None, error_key=key,
                recoverable=False)
    ui.wait_screen(Screen.ERROR)
    ui.frames(2)
    shown = [label.source_text() for label in visible_labels(ui.current)]
    texts_of = catalogue(language).gettext
    assert texts_of(key) in shown
    assert texts_of(f"{key}.next") in shown
    assert texts_of("error.generic") not in shown
    assert texts_of("error.next.fatal") not in shown
    ui.screenshot(f"card-error-{language}-{key}")


@pytest.mark.parametrize("language", ["th", "en"])
def test_longest_card_error_in_large_text(ui: UiDriver, feeder: ViewFeeder,
                                          language: str) -> None:
    feeder.show(language=language, screen=Screen.ERROR, session_id=None,
                error_key="card.read_failed", recoverable=False)
    ui.wait_screen(Screen.ERROR)
    ui.tap(ui.button("toolbar.large_text", ui.app.toolbar))
    ui.frames(4)
    try:
        shown = [label.source_text() for label in visible_labels(ui.current)]
        assert catalogue(language).gettext("card.read_failed.next") in shown
        finish = ui.button("common.finish", ui.current)
        assert finish.y >= 0  # the button is still on the screen
        ui.screenshot(f"card-error-large-{language}")
    finally:
        ui.tap(ui.button("toolbar.normal_text", ui.app.toolbar))
        ui.frames(3)
