"""A photo that does not decode: the identity screen says so in the photo's place (issue 24)."""

from __future__ import annotations

from dataclasses import replace

from uikit_driver import UiDriver, texts
from uikit_feeder import ViewFeeder
from uikit_samples import IDENTITY

from kiosk.session.view import Screen
from kiosk.ui.i18n import catalogue


def test_an_unreadable_photo_is_said_never_shown(ui: UiDriver, feeder: ViewFeeder) -> None:
    feeder.show(screen=Screen.IDENTITY,
                identity=replace(IDENTITY, photo=None, photo_problem="card.photo_unreadable"))
    ui.wait_screen(Screen.IDENTITY)
    screen = ui.current
    said = catalogue("th").gettext("card.photo_unreadable")
    ui.wait_until(lambda: said in texts(screen).replace("\n", ""), what="photo said unreadable")
    assert screen.photo not in screen.photo_box.children  # no (broken) image
    assert catalogue("th").gettext("identity.photo_loading") not in texts(screen).replace(
        "\n", "")
