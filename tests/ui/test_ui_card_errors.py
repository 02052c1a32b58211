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
