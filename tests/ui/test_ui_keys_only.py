"""Each service from card-in to receipt with KEYS ONLY, through the real stack.

Reference Linkage server over mutual TLS, the ThaID gateway and provider, the outbox on
SQLite, the virtual ESC/POS printer over TCP (`tests/session/stack.py`). The citizen
inserts and takes the card; every other step is a key press through Kivy's keyboard path
(`Window.dispatch('on_key_down')`), and the test decides where to go from what the UI told
the spoken layer (the focus announcements), as a citizen who cannot see would. The
holder-verification step is done with the short code typed into the (simulated) ThaID
app, not the QR. One run has the screen blanked from the identity screen on, in English.

What the UI tells the spoken layer goes on to the real `AudioSpeech` (the espeak-ng
stand-in pack built once into a tmp dir, headphones in), which plays through ALSA's `file`
plugin into a WAV. The citizen listens to each screen to its end before pressing a key;
the WAV must then hold each screen's utterance, sample for sample, in order
(`tests/audio/audio_rig.py` rebuilds it from the clip files with the standard library).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from uikit_driver import UiDriver
from uikit_speech import RecordingSpeech

from kiosk.audio.utterance import Utterance
from kiosk.session.speech import NullSpeech
from kiosk.session.view import PrintStatus, Screen
from kiosk.ui.app import KioskApp
from tests.audio.audio_rig import Rig

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from session.stack import Stack, real_stack

from simulators.linkage_server.holder_routes import CODE_PATH
from simulators.thaid.phone import approve_with_code

CITIZEN = 0
SERVICES = ["registry_record", "card_status", "welfare_rights", "submit_request",
            "counter_ticket"]


@pytest.fixture
def stack(tmp_path: Path, kiosk_app: KioskApp) -> Iterator[Stack]:
    with real_stack(tmp_path / "kiosk", phone_auto=None) as s:
        kiosk_app.attach_engine(s.kiosk.engine)
        yield s


def listen(rig: Rig, language: str, first_key: str | None = None,
           has: str | None = None) -> Utterance:
    """Wait for the screen's utterance (starting with `first_key`, or holding `has`) and
    hear it to its end, as a citizen who cannot see does before pressing a key."""
    def wanted(u: Utterance) -> bool:
        keys = u.clip_keys()
        return u.language == language and (first_key is None or keys[:1] == (first_key,)) \
            and (has is None or has in keys)

    said = rig.speech.wait_spoken(wanted, 30)
    assert said is not None, f"{first_key or has} never spoken; last: " \
        f"{[u.clip_keys()[:3] for _, u, _ in rig.speech.spoken[-3:]]}"
    rig.settle()
    assert rig.speech.spoken[-1][1] is said  # nothing cut it short
    return said


@pytest.fixture
def speech(kiosk_app: KioskApp, stack: Stack, rig: Rig) -> Iterator[RecordingSpeech]:
    """The UI's calls, recorded and passed on to the real speech; attached once this test's
    engine is (a late view of the last test's engine must not reach this speech)."""
    recorder = RecordingSpeech(inner=rig.speech)
    kiosk_app.attach_speech(recorder)
    yield recorder
    kiosk_app.attach_speech(NullSpeech())


def move_to(ui: UiDriver, speech: RecordingSpeech, item_key: str, limit: int = 20) -> None:
    """Press 8 until the spoken layer hears ``item_key`` is focused (as a blind citizen
    listens for it), starting with 5 ("where am I")."""
    ui.key("5")
    for _ in range(limit):
        if speech.of("focus_moved")[-1][0] == item_key:
            return
        ui.key("8")
    raise AssertionError(f"{item_key} never announced; heard "
                         f"{[k for k, *_ in speech.of('focus_moved')[-limit:]]}")


def choose(ui: UiDriver, speech: RecordingSpeech, item_key: str) -> None:
    move_to(ui, speech, item_key)
    ui.key("enter")


@pytest.mark.parametrize(("service", "blank", "language"), [
    *[(s, False, "th") for s in SERVICES],
    ("registry_record", True, "en"),
])
def test_service_by_keys_only(ui: UiDriver, stack: Stack, speech: RecordingSpeech,
                              rig: Rig, service: str, blank: bool, language: str) -> None:
    ui.wait_screen(Screen.IDLE)
    speech.clear()
    stack.devices.insert(CITIZEN)
    ui.wait_screen(Screen.IDENTITY)
    said = [listen(rig, "th", "identity.title")]  # each screen's utterance, in order
    cid = stack.devices._seeds.citizens[CITIZEN].cid
    assert cid in "".join(k[6:] for k in said[0].clip_keys() if k.startswith("digit."))
    ui.key("down")  # the first key shows the focus ring
    if language == "en":
        choose(ui, speech, "toolbar.language")
        ui.wait_until(lambda: ui.app.view.language == "en", what="English")
        said.append(listen(rig, "en", "identity.title"))
    if blank:
        ui.key("f2")
        assert ui.app.blanked
    choose(ui, speech, "identity.continue")
    ui.wait_screen(Screen.CONSENT)
    said.append(listen(rig, language, "consent.title"))
    choose(ui, speech, "consent.agree")
    view = ui.wait_screen(Screen.MENU)
    said.append(listen(rig, language, "menu.title"))
    assert next(e for e in view.menu if e.service_id == service).available
    choose(ui, speech, f"service.{service}")
    codes_typed: list[str] = []
    done = threading.Event()

    def next_screen() -> bool:
        v = ui.app.view
        if v.screen is Screen.VERIFY_HOLDER and v.holder_short_code and not codes_typed:
            codes_typed.append(v.holder_short_code)
            pid = stack.devices._seeds.citizens[CITIZEN].cid
            url = stack.holder.callback.base_url + CODE_PATH
            threading.Thread(target=lambda: (approve_with_code(
                url, v.holder_short_code, pid, ca_file=stack.holder.ca_file), done.set()),
                daemon=True).start()
        return v.screen is Screen.RESULT and ui.app.manager.current == Screen.RESULT.value

    ui.wait_until(next_screen, timeout=40, what="the result")
    view = ui.app.view
    assert view.result is not None and view.result.service_id == service
    said.append(listen(rig, language, has=f"result.status.{view.result.status}"))
    assert said[-1].personal  # said only because the headphones are in
    if view.result.reference:
        chars = "".join(k.split(".")[1] for k in said[-1].clip_keys()
                        if k.startswith(("digit.", "letter.")))
        assert "".join(c for c in view.result.reference.upper() if c.isalnum()) in chars
    if service == "registry_record":
        assert codes_typed and len(codes_typed[0]) == 6 and codes_typed[0].isdigit()
        assert done.wait(10)
        holder_views = [v for v in speech.of("view_shown") if v.screen is Screen.VERIFY_HOLDER]
        assert any(v.holder_short_code == codes_typed[0] for v in holder_views)
        code_said = [u for _, u, _ in rig.speech.spoken if "speech.holder_code" in u.clip_keys()]
        assert code_said and "".join(k[6:] for k in code_said[0].clip_keys()
                                     if k.startswith("digit.")).endswith(codes_typed[0])
    else:
        assert not codes_typed
    receipts = len(stack.printer.receipts)
    if view.result.printable:
        choose(ui, speech, "result.print")
        view = ui.wait_screen(Screen.FINISHED, timeout=30)
        assert view.print_status is PrintStatus.PRINTED
        assert stack.printer.wait_for_receipts(receipts + 1, timeout_s=15)[-1].complete
        said.append(listen(rig, language, "finished.title", has="finished.print.printed"))
        assert "speech.receipt_says" in said[-1].clip_keys()  # 5.1.3.16
    else:
        choose(ui, speech, "common.finish")
        ui.wait_screen(Screen.FINISHED, timeout=30)
        said.append(listen(rig, language, "finished.title"))
    if blank:
        pixels = Image.open(ui.screenshot("keys-only-blanked-finished")).convert("L")
        assert pixels.getextrema() == (0, 0)
    stack.devices.remove()
    ui.wait_screen(Screen.IDLE)
    assert not ui.app.blanked  # the next citizen sees the screen again

    # What the spoken layer was told, screen by screen.
    shown = speech.screens_shown()
    expected = [Screen.IDENTITY, Screen.CONSENT, Screen.MENU]
    assert [s for s in shown if s in expected][:3] == expected, shown
    assert Screen.RESULT in shown and shown[-1] is Screen.IDLE
    if view.print_status is PrintStatus.PRINTED:
        assert Screen.FINISHED in shown
    for screen in (Screen.IDENTITY, Screen.CONSENT, Screen.MENU, Screen.RESULT):
        heard = speech.focus_on(screen)
        assert heard, f"no focus announced on {screen}"
        for _key, label, position, total in heard:
            assert label and 1 <= position <= total
    assert f"service.{service}" in [k for k, *_ in speech.focus_on(Screen.MENU)]
    assert "citizen_acted" in speech.names()
    assert not speech.of("digit_entered")  # no digit field in a citizen session

    # What ALSA actually played: each screen's utterance, whole and in order.
    played = rig.close()
    at = 0
    for utterance in said:
        found = played.find(rig.expected(utterance), at)
        assert found >= 0, f"not in the WAV after byte {at}: {utterance.clip_keys()[:3]}"
        at = found + 1
