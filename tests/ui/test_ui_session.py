"""A whole citizen session driven by touches through the real stack.

Reference Linkage server over mutual TLS, outbox on SQLite, the virtual ESC/POS printer
over TCP and the in-process card reader running the real APDU plan — built by
`kiosk.app.build_kiosk` (via the session tests' `real_stack`). The card goes in and out
through the simulated reader; everything else is a tap on the Kivy window.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from uikit_driver import ARTIFACTS, UiDriver, texts

from kiosk.session.view import PrintStatus, Screen
from kiosk.ui.app import KioskApp
from kiosk.ui.sounds import Cue

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from session.stack import Stack, real_stack

CITIZEN = 0
SERVICE = "card_status"


@pytest.fixture
def stack(tmp_path: Path, kiosk_app: KioskApp) -> Iterator[Stack]:
    with real_stack(tmp_path / "kiosk") as s:
        kiosk_app.attach_engine(s.kiosk.engine)
        yield s


def test_full_session_by_touch(ui: UiDriver, stack: Stack) -> None:
    played = ui.app.sounds.played
    ui.wait_screen(Screen.IDLE)
    played.clear()
    ui.screenshot("session-01-idle")

    stack.devices.insert(CITIZEN)
    view = ui.wait_screen(Screen.IDENTITY)
    assert view.identity is not None
    assert view.identity.name_th.split()[0] in texts(ui.current)
    ui.wait_until(lambda: ui.app.view.identity.photo is not None, what="photo read")
    ui.wait_until(lambda: ui.current.photo in ui.current.photo_box.children, what="photo")
    ui.screenshot("session-02-identity")

    ui.tap(ui.button("identity.continue"))
    ui.wait_screen(Screen.CONSENT)
    ui.screenshot("session-03-consent")
    ui.tap(ui.button("consent.agree"))
    view = ui.wait_screen(Screen.MENU)
    ui.screenshot("session-04-menu")

    entry = next(e for e in view.menu if e.service_id == SERVICE)
    assert entry.available
    ui.tap(ui.button_with_text(entry.name.th))
    view = ui.wait_screen(Screen.RESULT, timeout=30)
    assert view.result is not None and view.result.service_id == SERVICE
    assert view.result.title.th in texts(ui.current)
    ui.screenshot("session-05-result")

    # Switch to English mid-session: the engine confirms and the result redraws in English.
    ui.tap(ui.button("toolbar.language", ui.app.toolbar))
    ui.wait_until(lambda: ui.app.view.language == "en", what="engine confirms English")
    assert view.result.title.en in texts(ui.current)
    ui.screenshot("session-06-result-en")

    receipts_before = len(stack.printer.receipts)
    ui.tap(ui.button("result.print"))
    view = ui.wait_screen(Screen.FINISHED, timeout=30)
    assert view.print_status is PrintStatus.PRINTED
    ui.screenshot("session-07-finished")
    receipt = stack.printer.wait_for_receipts(receipts_before + 1, timeout_s=15)[-1]
    assert receipt.complete
    _check_receipt(receipt.path, stack.kiosk.printing.profile.dots_per_line)
    shutil.copy2(receipt.path, ARTIFACTS / "session-receipt.png")

    stack.devices.remove()
    ui.wait_screen(Screen.IDLE)
    assert played[0] is Cue.CARD_IN and played[-1] is Cue.CARD_OUT
    # Nothing of the citizen stays on screen after the card is out (PDPA).
    assert view.identity is None or view.identity.name_th not in texts(ui.app.root)


def _check_receipt(path: Path, dots: int) -> None:
    from PIL import Image

    with Image.open(path) as image:
        page = image.convert("L")
    assert page.width == dots
    assert page.height > 200
    ink_rows = sum(1 for y in range(page.height)
                   if page.crop((0, y, page.width, y + 1)).getextrema()[0] < 128)
    assert ink_rows > 100, "the receipt is (nearly) blank"
