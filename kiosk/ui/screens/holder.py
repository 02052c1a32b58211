"""VERIFY_HOLDER: a large QR code of the ThaID authorization request and one line,
"scan with the ThaID app on your phone". The QR is drawn from `SessionView.holder_qr`
(qrcode → PNG → texture, nearest-neighbour so the modules stay sharp), once per request.
Under it, for a citizen who cannot aim the phone: the short code to type in the app
instead (`SessionView.holder_short_code`, digits spaced so each is read alone)."""

from __future__ import annotations

import io
from typing import Any

import qrcode
from kivy.core.image import Image as CoreImage
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image

from kiosk.session.view import Screen, SessionView
from kiosk.ui.clip import drop_stencil
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.style import style
from kiosk.ui.theme import Role
from kiosk.ui.widgets import KButton, KLabel

QR_MIN_MM = 50.0
"""The QR is never smaller than this (scanned from arm's length)."""


def qr_texture(payload: str) -> Any:
    """A texture of `payload` as a QR code (quiet zone of 4 modules, error level M)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8,
                         border=4)
    code.add_data(payload)
    code.make(fit=True)
    png = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(png, "PNG")
    png.seek(0)
    texture = CoreImage(png, ext="png").texture
    texture.mag_filter = "nearest"
    texture.min_filter = "nearest"
    return texture


def spaced_code(code: str) -> str:
    """"482913" → "482 913": two groups of three, read and typed without losing place
    (a no-break space: the code is never split across lines)."""
    return f"{code[:3]}\u00a0{code[3:]}" if len(code) == 6 else code


class HolderScreen(KioskScreen):
    screen = Screen.VERIFY_HOLDER
    cancel_command = "back"

    def build(self) -> None:
        self.title("holder.title", halign="center")
        # The QR on the left at the full height the screen has; what to do on the right:
        # scan it, or (no sight, no camera) type the short code in the app.
        gap = style().gap_px
        # The row fills the viewport, or grows (and scrolls) when the words need more.
        row = BoxLayout(orientation="horizontal", size_hint_y=None, spacing=gap * 3)
        self.qr = Image(fit_mode="contain", size_hint_x=0.35)
        drop_stencil(self.qr)  # contained: Kivy's clip would only cost drawing
        words = BoxLayout(orientation="vertical", spacing=gap, size_hint=(0.65, None),
                          pos_hint={"center_y": 0.5})
        words.bind(minimum_height=words.setter("height"))
        self.line = KLabel(key="holder.scan", bold=True, role=Role.BODY)
        self.code = KLabel(role=Role.BODY)
        for part in (self.line, self.code):
            words.add_widget(part)
        row.add_widget(self.qr)
        row.add_widget(words)
        qr_min = style().metrics.px(QR_MIN_MM)

        def fit(*_: Any) -> None:
            row.height = max(words.height, qr_min, self.scroll.height)

        words.bind(height=fit)
        self.scroll.bind(height=fit)
        self.column.add_widget(row)
        self.button_row(KButton(key="common.back_to_menu", role=Role.SECONDARY_BUTTON,
                                action=lambda: self.send("back")))
        self._payload: str | None = None

    def must_see(self) -> list[Any]:
        """The short code is read without scrolling, like the QR."""
        return [*super().must_see(), *([self.code] if self.code.key else [])]

    def render(self, view: SessionView) -> None:
        code = view.holder_short_code
        self.code.key = "holder.code" if code else ""
        self.code.fields = {"code": spaced_code(code)} if code else {}
        if view.holder_qr == self._payload:
            return
        self._payload = view.holder_qr
        if view.holder_qr:
            self.qr.texture = qr_texture(view.holder_qr)
            self.qr.opacity = 1
        else:
            self.qr.opacity = 0  # the gateway has not answered yet
