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
from kivy.uix.image import Image

from kiosk.session.view import Screen, SessionView
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.style import LARGE
from kiosk.ui.theme import Role
from kiosk.ui.widgets import KButton


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
    """"482913" → "482 913": two groups of three, read and typed without losing place."""
    return f"{code[:3]} {code[3:]}" if len(code) == 6 else code


class HolderScreen(KioskScreen):
    screen = Screen.VERIFY_HOLDER
    cancel_command = "back"

    def build(self) -> None:
        self.title("holder.title", halign="center")
        self.qr = Image(fit_mode="contain", size_hint_y=1)
        self.column.add_widget(self.qr)
        self.line = self.text("holder.scan", step=LARGE, bold=True, halign="center",
                              role=Role.BODY)
        self.code = self.text(step=LARGE, halign="center", role=Role.BODY, whole_words=True)
        self.button_row(KButton(key="common.back_to_menu", role=Role.SECONDARY_BUTTON,
                                action=lambda: self.send("back")))
        self._payload: str | None = None

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
