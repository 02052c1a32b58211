"""Speech follows the views the UI draws (`kiosk.app.attach_speech`): one path. The timeout
warning is said once, whole, before it fires: its countdown ticks and an identical re-draw
do not start it again (real `AudioSpeech`, the WAV ALSA wrote)."""

from __future__ import annotations

from uikit_driver import UiDriver
from uikit_feeder import ViewFeeder

from kiosk.session.speech import NullSpeech
from kiosk.session.view import Screen
from kiosk.ui.app import KioskApp
from tests.audio.audio_rig import Rig


def test_timeout_warning_said_once_and_whole_through_its_ticks(
        ui: UiDriver, feeder: ViewFeeder, kiosk_app: KioskApp, rig: Rig) -> None:
    # `feeder` first: this test's views only (the fixtures are set up in this order).
    kiosk_app.attach_speech(rig.speech)
    try:
        feeder.show(screen=Screen.MENU)
        ui.wait_screen(Screen.MENU)
        assert rig.speech.wait_spoken(lambda u: u.clip_keys()[:1] == ("menu.title",), 30)
        feeder.show(screen=Screen.TIMEOUT_WARNING, countdown_s=30)
        ui.wait_screen(Screen.TIMEOUT_WARNING)
        for left in (29, 28, 27):  # the ticks, each one drawn
            seq = feeder.show(screen=Screen.TIMEOUT_WARNING, countdown_s=left).seq
            ui.wait_until(lambda s=seq: ui.app.view.seq == s, what=f"tick {left}")
        kiosk_app.show_view(ui.app.view)  # the same view drawn again
        ui.frames(2)
        assert rig.speech.wait_idle(30) and rig.player.wait_idle(60)
        warnings = [u for _, u, _ in rig.speech.spoken if "timeout.title" in u.clip_keys()]
        assert len(warnings) == 1, [u.clip_keys()[:2] for _, u, _ in rig.speech.spoken]
        assert rig.speech.spoken[-1][1] is warnings[0]  # nothing after it cut it short
        assert "speech.any_key" in warnings[0].clip_keys()
        ui.key("down")  # any key gives more time
        feeder.wait_command("touch")
    finally:
        kiosk_app.attach_speech(NullSpeech())
    played = rig.close()
    assert rig.expected(warnings[0]) in played  # whole, as ALSA played it
