"""The finished screen never tells the citizen to take a receipt the printer did not confirm."""

from __future__ import annotations

import pytest
from uikit_driver import UiDriver, texts
from uikit_feeder import ViewFeeder

from kiosk.session.view import PrintStatus, Screen
from kiosk.ui.i18n import catalogue


@pytest.mark.parametrize("language", ["th", "en"])
def test_unconfirmed_print_asks_to_check_the_receipt(ui: UiDriver, feeder: ViewFeeder,
                                                     language: str) -> None:
    words = catalogue(language).gettext
    feeder.show(screen=Screen.FINISHED, print_status=PrintStatus.UNCONFIRMED,
                language=language)
    ui.wait_screen(Screen.FINISHED)
    ask = words("finished.print.unconfirmed")
    assert ask != "finished.print.unconfirmed"  # present in the catalogue
    # Thai is shown word-wrapped: compare without the line breaks the wrapper inserts.
    ui.wait_until(lambda: ask.replace(" ", "") in texts(ui.current).replace("\n", "")
                  .replace(" ", ""), what="unconfirmed note")
    assert words("finished.print.printed").replace(" ", "") not in \
        texts(ui.current).replace("\n", "").replace(" ", "")
    # The same screen after a confirmed print does say "take your receipt".
    feeder.show(screen=Screen.FINISHED, print_status=PrintStatus.PRINTED, language=language)
    printed = words("finished.print.printed").replace(" ", "")
    ui.wait_until(lambda: printed in texts(ui.current).replace("\n", "").replace(" ", ""),
                  what="printed note")
