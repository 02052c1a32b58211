"""Every screen by keypad alone, through Kivy's keyboard path, with a visible focus ring.

Views come from the feeder (each screen as the engine would show it); keys go through
``Window.dispatch('on_key_down')`` exactly as SDL delivers them. What the UI tells the
spoken layer is recorded by a `SpeechPort` double (the audio is the audio port's test).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from kivy.base import EventLoop
from kivy.config import Config
from kivy.core.window import Window
from PIL import Image
from uikit_driver import UiDriver, texts
from uikit_feeder import ViewFeeder
from uikit_samples import IDENTITY, SCREEN_VIEWS
from uikit_speech import RecordingSpeech

from kiosk.session.view import Screen
from kiosk.ui.app import KioskApp
from kiosk.ui.focus import drawn
from kiosk.ui.keymap import key_code
from kiosk.ui.style import style
from kiosk.ui.theme import FOCUS_BACKGROUNDS, THEMES, contrast_ratio


def show(ui: UiDriver, feeder: ViewFeeder, screen: Screen, **extra: object) -> None:
    feeder.show(**{**SCREEN_VIEWS[screen], **extra})
    ui.wait_screen(screen)


def test_focus_ring_colours_hold_3_to_1_on_every_background() -> None:
    for theme in THEMES.values():
        for role in FOCUS_BACKGROUNDS:
            background = theme.pair(role)[1]
            assert contrast_ratio(theme.focus, background) >= 3.0, (theme.name, role)


@pytest.mark.parametrize("screen", list(SCREEN_VIEWS))
def test_every_screen_is_reached_by_keys_and_never_traps(
        ui: UiDriver, feeder: ViewFeeder, speech: RecordingSpeech, screen: Screen) -> None:
    show(ui, feeder, screen)
    ui.key("down")
    focus = ui.app.focus
    items = focus.items()
    assert items, f"nothing to focus on {screen}"
    assert ui.app.toolbar.help in items  # Help / call staff on every screen
    assert focus.focused in items and focus.ring.rect is not None
    start = focus.focused
    seen = []
    for _ in range(len(items)):
        button = focus.focused
        assert button is not None and drawn(button), f"focus on a hidden widget: {button}"
        seen.append(button)
        ui.key("8")  # the keypad's down
    assert focus.focused is start  # round the whole list and back: never trapped
    assert set(seen) == set(items)
    announced = speech.of("focus_moved")
    assert announced and all(1 <= pos <= total == len(items) for _, _, pos, total in announced)
    ui.key("2")  # the keypad's up
    assert focus.focused is seen[-1]


def test_hidden_buttons_are_never_focused(ui: UiDriver, feeder: ViewFeeder) -> None:
    show(ui, feeder, Screen.ERROR, recoverable=False)
    ui.key("down")
    screen = ui.current
    items = ui.app.focus.items()
    assert screen.back not in items and screen.retry not in items  # drawn with opacity 0
    assert screen.back.opacity == 0


CANCELS = [
    (Screen.IDENTITY, {}, "finish"),
    (Screen.CONSENT, {}, "decline"),
    (Screen.MENU, {}, "finish"),
    (Screen.VERIFY_HOLDER, {}, "back"),
    (Screen.RESULT, {}, "back"),
    (Screen.ERROR, {"recoverable": True}, "back"),
    (Screen.ERROR, {"recoverable": False}, "finish"),
    (Screen.TIMEOUT_WARNING, {}, "extend"),
]


@pytest.mark.parametrize(("screen", "extra", "command"), CANCELS)
def test_cancel_goes_one_step_back_or_ends(ui: UiDriver, feeder: ViewFeeder, screen: Screen,
                                           extra: dict[str, object], command: str) -> None:
    # A citizen of its own: what an earlier test left open (the consent's "read more",
    # which Cancel closes first) is not this test's (random order).
    show(ui, feeder, screen, **{"session_id": f"cancel-{screen.value}-{command}", **extra})
    feeder.commands.clear()
    ui.key("escape")
    feeder.wait_command(command)
    assert EventLoop.status == "started"  # Escape never ends the kiosk


def test_no_key_ends_the_app(ui: UiDriver, feeder: ViewFeeder) -> None:
    assert Config.getint("kivy", "exit_on_escape") == 0
    show(ui, feeder, Screen.IDLE)
    for name in ("escape", "f1", "backspace", "enter", "f4", "q"):
        consumed = Window.dispatch("on_key_down", key_code(name), 0, None, [])
        assert consumed is True  # nothing reaches Kivy's own handlers (exit, settings)
    assert ui.app._on_request_close(source="keyboard") is True
    ui.frames(2)
    assert EventLoop.status == "started"


def test_consent_cancel_first_closes_read_more(ui: UiDriver, feeder: ViewFeeder) -> None:
    show(ui, feeder, Screen.CONSENT)
    screen = ui.current
    ui.key("down")
    ui.app.focus.focus(screen.read_more)
    ui.key("enter")
    assert screen.notice.raw  # "read more" opened by Enter
    feeder.commands.clear()
    ui.key("escape")
    assert not screen.notice.raw
    assert "decline" not in [c for c, _ in feeder.commands]


def test_enter_activates_the_focused_action(ui: UiDriver, feeder: ViewFeeder,
                                            speech: RecordingSpeech) -> None:
    show(ui, feeder, Screen.IDENTITY)
    ui.key("down")
    ui.app.focus.move(0)
    assert ui.app.focus.focused is not None
    ui.app.focus.focus(ui.button("identity.continue"))
    ui.key("enter")
    feeder.wait_command("proceed")
    assert ("identity.continue", "Continue" if style().language == "en" else
            ui.button("identity.continue").source_text(), ) == speech.of("focus_moved")[-1][:2]


def test_key_presses_count_as_activity_and_stop_speech(
        ui: UiDriver, feeder: ViewFeeder, speech: RecordingSpeech) -> None:
    show(ui, feeder, Screen.MENU)
    feeder.commands.clear()
    speech.clear()
    ui.key("8")
    feeder.wait_command("touch")
    assert speech.names()[0] == "citizen_acted"


def test_any_key_gives_more_time(ui: UiDriver, feeder: ViewFeeder) -> None:
    show(ui, feeder, Screen.TIMEOUT_WARNING)
    feeder.commands.clear()
    ui.key("7")
    feeder.wait_command("extend")


def test_help_volume_and_hold_five(ui: UiDriver, feeder: ViewFeeder, speech: RecordingSpeech,
                                   kiosk_app: KioskApp) -> None:
    show(ui, feeder, Screen.ERROR)
    ui.key("f1")
    assert speech.names().count("repeat") == 1 and "start_audio_mode" in speech.names()
    assert ui.app.help_banner.shown and ui.app.help_banner.text
    ui.key("numpaddecimal")  # the configured keypad Help key
    assert speech.names().count("repeat") == 2
    ui.tap(ui.app.toolbar.help)  # and by touch
    assert speech.names().count("repeat") == 3
    ui.keys("numpadadd", "numpadsubstract", "numpadsubstract")
    assert speech.of("volume_step") == [1, -1, -1]
    speech.clear()
    clock = [100.0]
    keypad = kiosk_app.keypad
    keypad._now = lambda: clock[0]
    try:
        five = 261  # numpad 5, held: SDL repeats key-down while it is held
        Window.dispatch("on_key_down", five, 0, None, [])
        clock[0] += 0.7
        Window.dispatch("on_key_down", five, 0, None, [])
        assert "start_audio_mode" not in speech.names()
        clock[0] += 0.9
        Window.dispatch("on_key_down", five, 0, None, [])
        Window.dispatch("on_key_up", five, 0)
        assert speech.names().count("start_audio_mode") == 1
    finally:
        import time

        keypad._now = time.monotonic


def test_keys_reach_what_is_below_the_fold(ui: UiDriver, feeder: ViewFeeder) -> None:
    show(ui, feeder, Screen.MENU)
    ui.tap(ui.button("toolbar.large_text", ui.app.toolbar))
    ui.frames(6)
    screen = ui.current
    tiles = screen.tiles()
    viewport = screen.scroll
    assert screen.scroll_down.opacity == 1  # touch: a visible scroll button
    ui.key("down")
    ui.app.focus.focus(tiles[-1])
    ui.frames(3)
    _x, y = tiles[-1].to_window(*tiles[-1].pos)
    _vx, vy = viewport.to_window(*viewport.pos)
    assert y >= vy - 1 and y + tiles[-1].height <= vy + viewport.height + 1
    assert ui.app.focus.ring.rect is not None
    path = ui.screenshot("keypad-menu-large-last-tile")
    assert path.exists()
    screen.to_top()
    ui.frames(3)
    before = screen.scroll.scroll_y
    ui.tap(screen.scroll_down)
    assert screen.scroll.scroll_y < before
    ui.tap(screen.scroll_up)
    assert screen.scroll.scroll_y == pytest.approx(before)


def test_identity_masked_until_asked(ui: UiDriver, feeder: ViewFeeder) -> None:
    show(ui, feeder, Screen.IDENTITY, session_id="citizen-masked")  # a card just read
    shown = texts(ui.current)
    assert IDENTITY.cid_display not in shown and IDENTITY.cid_masked in shown
    assert IDENTITY.address.split()[0] not in shown
    ui.key("f3")
    shown = texts(ui.current)
    assert IDENTITY.cid_display in shown and IDENTITY.address.split()[0] in shown
    ui.tap(ui.button("identity.hide"))
    assert IDENTITY.cid_display not in texts(ui.current)
    ui.tap(ui.button("identity.show"))
    assert IDENTITY.cid_display in texts(ui.current)
    feeder.show(**{**SCREEN_VIEWS[Screen.IDENTITY], "session_id": "next-citizen"})
    ui.wait_until(lambda: ui.app.view.session_id == "next-citizen")
    assert IDENTITY.cid_display not in texts(ui.current)  # each citizen starts masked


def test_blank_screen_hides_everything_and_keys_still_work(ui: UiDriver,
                                                           feeder: ViewFeeder) -> None:
    show(ui, feeder, Screen.IDENTITY, identity=replace(IDENTITY), session_id="citizen-blank")
    ui.key("f3")  # the ID in full on screen…
    ui.key("f2")  # …then blanked
    path = ui.screenshot("keypad-blanked")
    pixels = Image.open(path).convert("L")
    assert pixels.getextrema() == (0, 0), "something is still visible on a blank screen"
    feeder.commands.clear()
    ui.app.focus.focus(ui.button("identity.continue"))
    ui.key("enter")
    feeder.wait_command("proceed")
    ui.key("numpadmul")  # the keypad's blank key shows it again
    assert not ui.app.blanked
    assert Image.open(ui.screenshot("keypad-unblanked")).convert("L").getextrema()[1] > 0


@pytest.mark.parametrize(("large", "contrast"), [(False, False), (True, False), (False, True),
                                                 (True, True)])
@pytest.mark.parametrize("language", ["th", "en"])
def test_the_ring_is_drawn_thick_and_contrasting(ui: UiDriver, feeder: ViewFeeder,
                                                 large: bool, contrast: bool,
                                                 language: str) -> None:
    show(ui, feeder, Screen.RESULT, language=language)
    s = style()
    s.large_text, s.high_contrast = large, contrast
    ui.frames(6)
    ui.key("down")
    target = ui.button("common.back_to_menu")
    ui.app.focus.focus(target)
    name = f"keypad-ring-{language}-{'large' if large else 'normal'}-" \
           f"{'contrast' if contrast else 'standard'}"
    image = Image.open(ui.screenshot(name)).convert("RGB")
    x, y = target.to_window(target.x, target.y)
    top = image.height - (y + target.height / 2)  # mid-height, in image rows
    # Walk left from the button's edge: halo, then the ring, then the page.
    row = [image.getpixel((int(x) - d, int(top))) for d in range(1, 20)]
    ring = s.theme.focus
    ring_rgb = tuple(int(ring[i:i + 2], 16) for i in (1, 3, 5))
    hits = [i for i, p in enumerate(row) if max(abs(a - b) for a, b in zip(p, ring_rgb,
                                                                           strict=True)) < 40]
    assert len(hits) >= 3, f"ring {len(hits)} px thick at {row}"
    outside = row[min(max(hits) + 2, len(row) - 1)]
    as_hex = "#{:02X}{:02X}{:02X}".format(*outside)
    assert contrast_ratio(ring, as_hex) >= 3.0, (ring, as_hex)
    s.large_text, s.high_contrast = False, False
