"""The ThaID QR screen: a large, sharp, decodable QR code and one line, in both languages
and in large text; "back" returns to the menu."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
from PIL import Image
from uikit_driver import ARTIFACTS, UiDriver, texts, walk
from uikit_feeder import ViewFeeder
from uikit_samples import SCREEN_VIEWS
from uikit_settings import UI

from kiosk.session.view import Screen
from kiosk.ui.metrics import px_to_mm
from kiosk.ui.screens.holder import HolderScreen
from kiosk.ui.style import style

VIEW = SCREEN_VIEWS[Screen.VERIFY_HOLDER]


def _qr_box(ui: UiDriver) -> tuple[float, float, float, float]:
    screen = next(w for w in walk(ui.app.root) if isinstance(w, HolderScreen))
    image = screen.qr
    side = min(image.norm_image_size)
    return image.center_x - side / 2, image.center_y - side / 2, side, image.opacity


@pytest.mark.parametrize(("language", "large"), [("th", False), ("en", False), ("th", True),
                                                 ("en", True)])
def test_qr_screen_in_both_languages_and_large_text(ui: UiDriver, feeder: ViewFeeder,
                                                    language: str, large: bool) -> None:
    feeder.show(language=language, **VIEW)
    ui.wait_screen(Screen.VERIFY_HOLDER)
    if large != style().large_text:  # after the view: a new session starts with defaults
        ui.tap(ui.button("toolbar.normal_text" if style().large_text else "toolbar.large_text",
                         ui.app.toolbar))
    ui.frames(4)
    assert style().large_text is large
    shown = texts(ui.current)
    assert ("ThaID" in shown) and (("สแกน" in shown) if language == "th" else ("Scan" in shown))
    x, y, side, opacity = _qr_box(ui)
    assert opacity == 1
    # Large enough to scan from arm's length: at least 45 mm on the kiosk's display.
    assert px_to_mm(side, UI.screen_dpi) >= 45, side
    path = ui.screenshot(f"holder-qr-{language}{'-large' if large else ''}")
    # The QR's pixels are really black-and-white modules inside its box (not blank).
    image = Image.open(path).convert("L")
    top = image.height - (y + side)
    crop = image.crop((int(x) + 4, int(top) + 4, int(x + side) - 4, int(top + side) - 4))
    histogram = crop.histogram()
    dark, light = sum(histogram[:64]), sum(histogram[192:])
    assert dark > 0.2 * (dark + light) and light > 0.2 * (dark + light)
    # An independent reader (zbar) decodes the screenshot to exactly the request.
    decoded = subprocess.run(["zbarimg", "--raw", "-q", str(path)], capture_output=True,
                             text=True, check=True, timeout=30).stdout.strip()
    assert decoded == VIEW["holder_qr"]


def test_back_leaves_the_qr_screen(ui: UiDriver, feeder: ViewFeeder) -> None:
    feeder.show(**VIEW)
    ui.wait_screen(Screen.VERIFY_HOLDER)
    ui.tap(ui.button("common.back_to_menu"))
    feeder.wait_command("back")


def test_no_qr_until_the_gateway_answers(ui: UiDriver, feeder: ViewFeeder) -> None:
    feeder.show(**{**VIEW, "holder_qr": None})
    ui.wait_screen(Screen.VERIFY_HOLDER)
    assert _qr_box(ui)[3] == 0


def test_demo_panel_phone_buttons(ui: UiDriver) -> None:
    """The demo panel's "approve on phone as this citizen / as someone else / do nothing"."""
    from concurrent.futures import Future

    from kivy.core.window import Window
    from kivy.uix.modalview import ModalView

    from kiosk.ui.demo_panel import DemoPanel

    calls: list[str] = []

    class Controls:
        def citizens(self) -> list[tuple[str, str]]:
            return [("0", "นาย ทดสอบ ใจดี\n1-1017-xxxxx-xx-0")]

        def approve_on_phone(self, mode: str) -> None:
            calls.append(mode)

    def run_now(func: Any, *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(func(*args))
        return future

    panel = DemoPanel(Controls(), run_now, size_hint=(None, None),  # type: ignore[arg-type]
                      size=(360, Window.height), pos=(Window.width - 360, 0))
    Window.add_widget(panel)
    try:
        ui.frames(4)
        panel.export_to_png(str(ARTIFACTS / "demo-panel.png"))
        for mode in ("holder", "other", "none"):
            ui.tap(ui.button("demo.phone", panel))
            ui.frames(6)  # the popup's open animation
            popup = next(w for w in Window.children if isinstance(w, ModalView))
            if mode == "holder":
                ui.screenshot("demo-panel-phone-popup")
            ui.tap(ui.button(f"demo.phone_{mode}", popup))
            ui.frames(6)
            assert not any(isinstance(w, ModalView) for w in Window.children)
        assert calls == ["holder", "other", "none"]
    finally:
        Window.remove_widget(panel)
