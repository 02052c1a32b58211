"""Each service from card-in to receipt with KEYS ONLY, through the real stack.

Reference Linkage server over mutual TLS, the ThaID gateway and provider, the outbox on
SQLite, the virtual ESC/POS printer over TCP (`tests/session/stack.py`). The citizen
inserts and takes the card; every other step is a key press through Kivy's keyboard path
(`Window.dispatch('on_key_down')`), and the test decides where to go from what the UI told
the spoken layer (the focus announcements), as a citizen who cannot see would. The
holder-verification step is done with the short code typed into the (simulated) ThaID
app, not the QR. One run has the screen blanked from the identity screen on.
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

from kiosk.session.view import PrintStatus, Screen
from kiosk.ui.app import KioskApp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from session.stack import Stack, real_stack

from simulators.linkage_server.holder import CODE_PATH
from simulators.thaid.phone import approve_with_code

CITIZEN = 0
SERVICES = ["registry_record", "card_status", "welfare_rights", "submit_request",
            "counter_ticket"]


@pytest.fixture
def stack(tmp_path: Path, kiosk_app: KioskApp) -> Iterator[Stack]:
    with real_stack(tmp_path / "kiosk", phone_auto=None) as s:
        kiosk_app.attach_engine(s.kiosk.engine)
        yield s



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
                              service: str, blank: bool, language: str) -> None:
    ui.wait_screen(Screen.IDLE)
    speech.clear()
    stack.devices.insert(CITIZEN)
    ui.wait_screen(Screen.IDENTITY)
    ui.key("down")  # the first key shows the focus ring
    if language == "en":
        choose(ui, speech, "toolbar.language")
        ui.wait_until(lambda: ui.app.view.language == "en", what="English")
    if blank:
        ui.key("f2")
        assert ui.app.blanked
    choose(ui, speech, "identity.continue")
    ui.wait_screen(Screen.CONSENT)
    choose(ui, speech, "consent.agree")
    view = ui.wait_screen(Screen.MENU)
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
    if service == "registry_record":
        assert codes_typed and len(codes_typed[0]) == 6 and codes_typed[0].isdigit()
        assert done.wait(10)
        holder_views = [v for v in speech.of("view_shown") if v.screen is Screen.VERIFY_HOLDER]
        assert any(v.holder_short_code == codes_typed[0] for v in holder_views)
    else:
        assert not codes_typed
    receipts = len(stack.printer.receipts)
    if view.result.printable:
        choose(ui, speech, "result.print")
        view = ui.wait_screen(Screen.FINISHED, timeout=30)
        assert view.print_status is PrintStatus.PRINTED
        assert stack.printer.wait_for_receipts(receipts + 1, timeout_s=15)[-1].complete
    else:
        choose(ui, speech, "common.finish")
        ui.wait_screen(Screen.FINISHED, timeout=30)
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
