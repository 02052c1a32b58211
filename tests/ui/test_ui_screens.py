"""Each screen draws its view, answers touches with the right command, and switches language."""

from __future__ import annotations

import re

import pytest
from uikit_driver import UiDriver, texts, walk
from uikit_feeder import ViewFeeder
from uikit_samples import IDENTITY, SCREEN_VIEWS, jpeg_photo

from kiosk.session.view import Alert, Screen
from kiosk.ui.i18n import catalogue
from kiosk.ui.sounds import Cue
from kiosk.ui.style import style
from kiosk.ui.widgets import KLabel

THAI = re.compile("[\u0e00-\u0e7f]")


@pytest.mark.parametrize("language", ["th", "en"])
def test_every_screen_renders_and_is_saved(ui: UiDriver, feeder: ViewFeeder,
                                           language: str) -> None:
    for index, (screen, fields) in enumerate(SCREEN_VIEWS.items()):
        feeder.show(language=language, **fields)
        ui.wait_screen(screen)
        shown = texts(ui.current)
        assert shown.strip(), f"{screen} shows no text"
        if language == "th":
            assert THAI.search(shown), f"{screen} has no Thai text in Thai mode"
        path = ui.screenshot(f"screen-{language}-{index:02d}-{screen.value}")
        assert path.stat().st_size > 5000


@pytest.mark.parametrize("screen", list(SCREEN_VIEWS))
def test_language_toggle_on_every_screen(ui: UiDriver, feeder: ViewFeeder,
                                         screen: Screen) -> None:
    feeder.show(language="th", **SCREEN_VIEWS[screen])
    ui.wait_screen(screen)
    toggle = ui.button("toolbar.language", ui.app.toolbar)
    assert toggle.text == catalogue("th").gettext("toolbar.language")
    keyed = [w for w in walk(ui.current) if isinstance(w, KLabel) and w.key and w.text]
    ui.tap(toggle)
    assert feeder.wait_command("set_language") == ("en",)
    ui.frames(3)
    assert style().language == "en"
    for label in keyed:
        if not label.key:  # cleared by the new render (gettext("") is the catalogue header)
            continue
        expected = catalogue("en").gettext(label.key)
        if expected != label.key:  # keys from the session's table are checked elsewhere
            assert label.source_text() == expected.format(**label.fields)
            assert not THAI.search(label.text), (screen, label.key, label.text)
    assert ui.button("toolbar.language", ui.app.toolbar).text == "ภาษาไทย"


def test_taps_send_the_session_commands(ui: UiDriver, feeder: ViewFeeder) -> None:
    steps = [
        (Screen.IDENTITY, "identity.continue", "proceed"),
        (Screen.CONSENT, "consent.agree", "give_consent"),
        (Screen.CONSENT, "consent.decline", "decline"),
        (Screen.RESULT, "result.print", "print_result"),
        (Screen.RESULT, "common.back_to_menu", "back"),
        (Screen.ERROR, "common.finish", "finish"),
    ]
    for screen, key, command in steps:
        feeder.show(**SCREEN_VIEWS[screen])
        ui.wait_screen(screen)
        ui.tap(ui.button(key))
        feeder.wait_command(command)
    feeder.show(**SCREEN_VIEWS[Screen.MENU])
    ui.wait_screen(Screen.MENU)
    ui.tap(ui.button_with_text("คัดสำเนาทะเบียนบ้าน"))
    assert feeder.wait_command("choose_service") == ("household",)
    # An unavailable service is drawn but does not answer.
    feeder.commands.clear()
    ui.tap(ui.button_with_text("ตรวจสอบที่อยู่"))
    ui.frames(5)
    assert ("choose_service", ("address",)) not in feeder.commands


def test_timeout_warning_counts_down_and_extends_by_touch(ui: UiDriver,
                                                          feeder: ViewFeeder) -> None:
    feeder.show(**SCREEN_VIEWS[Screen.TIMEOUT_WARNING])
    ui.wait_screen(Screen.TIMEOUT_WARNING)
    assert "23" in texts(ui.current)
    assert Cue.TIMEOUT in ui.app.sounds.played
    feeder.show(**{**SCREEN_VIEWS[Screen.TIMEOUT_WARNING], "countdown_s": 22})
    ui.wait_until(lambda: "22" in texts(ui.current), what="countdown 22")
    ui.tap(ui.button("timeout.extend"))
    feeder.wait_command("extend")
    # Touching anywhere else on the warning also buys time (one simple action).
    feeder.commands.clear()
    ui.tap_at(40, 60 + ui.app.manager.y)
    feeder.wait_command("extend")


def test_identity_photo_arrives_later(ui: UiDriver, feeder: ViewFeeder) -> None:
    feeder.show(screen=Screen.IDENTITY, identity=IDENTITY)
    ui.wait_screen(Screen.IDENTITY)
    # the note may wrap in the photo's narrow box: compare without the line breaks
    assert catalogue("th").gettext("identity.photo_loading") in texts(ui.current).replace("\n", "")
    from dataclasses import replace

    feeder.show(screen=Screen.IDENTITY, identity=replace(IDENTITY, photo=jpeg_photo()))
    screen = ui.current
    ui.wait_until(lambda: screen.photo in screen.photo_box.children, what="photo shown")
    assert screen.photo.texture is not None and screen.photo.texture.size == (297, 356)
    ui.screenshot("identity-with-photo")


def test_sound_cues_follow_the_session(ui: UiDriver, feeder: ViewFeeder) -> None:
    played = ui.app.sounds.played
    feeder.show(screen=Screen.IDLE, session_id=None)
    ui.wait_screen(Screen.IDLE)
    played.clear()
    feeder.show(screen=Screen.READING, session_id="s-cue")
    ui.wait_screen(Screen.READING)
    assert played == [Cue.CARD_IN]
    feeder.show(screen=Screen.ERROR, session_id="s-cue", error_key="service.failed",
                alert=Alert.ERROR, alert_id=7)
    ui.wait_screen(Screen.ERROR)
    feeder.show(screen=Screen.TAKE_CARD, session_id="s-cue", alert=Alert.TAKE_CARD, alert_id=8)
    ui.wait_screen(Screen.TAKE_CARD)
    feeder.show(screen=Screen.TAKE_CARD, session_id="s-cue", alert=Alert.TAKE_CARD, alert_id=9)
    ui.wait_until(lambda: played.count(Cue.TAKE_CARD) == 2, what="repeated reminder")
    feeder.show(screen=Screen.IDLE, session_id=None)
    ui.wait_screen(Screen.IDLE)
    assert played == [Cue.CARD_IN, Cue.ERROR, Cue.TAKE_CARD, Cue.TAKE_CARD, Cue.CARD_OUT]


def test_offline_banner_shows_and_hides(ui: UiDriver, feeder: ViewFeeder) -> None:
    feeder.show(**SCREEN_VIEWS[Screen.MENU])
    ui.wait_screen(Screen.MENU)
    assert ui.app.offline_banner.shown and ui.app.offline_banner.height > 0
    feeder.show(**{**SCREEN_VIEWS[Screen.MENU], "offline": False,
                   "connectivity": "online"})
    ui.wait_until(lambda: not ui.app.offline_banner.shown, what="banner hidden")
    assert ui.app.offline_banner.height == 0


def test_stale_views_never_repaint(ui: UiDriver, feeder: ViewFeeder) -> None:
    newest = feeder.show(**SCREEN_VIEWS[Screen.MENU])
    ui.wait_screen(Screen.MENU)
    from kiosk.session.view import SessionView

    stale = SessionView(seq=newest.seq - 1, session_id="old", screen=Screen.IDENTITY,
                        identity=IDENTITY)
    for callback in feeder._callbacks:
        callback(stale)
    ui.frames(5)
    assert ui.app.view is not None and ui.app.view.seq == newest.seq
    assert ui.app.manager.current == Screen.MENU.value


def test_hidden_gesture_and_extra_screens(ui: UiDriver, feeder: ViewFeeder) -> None:
    from kivy.uix.screenmanager import Screen as KivyScreen

    feeder.show(screen=Screen.IDLE, session_id=None)
    ui.wait_screen(Screen.IDLE)
    fired: list[bool] = []
    if "maintenance-test" not in ui.app.screens:
        ui.app.register_screen(KivyScreen(name="maintenance-test"))
    ui.app.on_hidden_gesture(lambda: (fired.append(True), ui.app.show_screen("maintenance-test")))
    for _ in range(4):
        ui.tap(ui.app.toolbar.title)
    assert not fired
    ui.tap(ui.app.toolbar.title)
    assert fired == [True]
    assert ui.app.manager.current == "maintenance-test"
    feeder.show(**SCREEN_VIEWS[Screen.READING])  # a session view waits behind maintenance
    ui.frames(5)
    assert ui.app.manager.current == "maintenance-test"
    ui.app.return_to_session()
    ui.frames(2)
    assert ui.app.manager.current == Screen.READING.value
    ui.app._gesture_handlers.clear()
