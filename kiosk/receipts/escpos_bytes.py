"""ESC/POS byte building shared by both renderers.

python-escpos's `Dummy` printer builds the commands it gets right and we would only copy
(native QR ``GS ( k``, cut); the few commands it does not offer, or wraps in many bytes
we do not want on a 9600-baud line (one-byte justification, dot feeds, raw raster bands),
are written here directly.
"""

from __future__ import annotations

from escpos.printer import Dummy
from PIL import Image

from kiosk.receipts.model import Align
from kiosk.receipts.profiles import PrinterProfile
from kiosk.receipts.symbols import QR_EC_ESCPOS

ESC = b"\x1b"
GS = b"\x1d"
LF = b"\n"
_ALIGN = {"left": 0, "center": 1, "right": 2}


class EscposBuilder:
    def __init__(self, profile: PrinterProfile) -> None:
        self.profile = profile
        self._dummy = Dummy()
        self._align: int | None = None
        self._dummy._raw(ESC + b"@")  # initialise: no mode left over from another job
        if profile.dpi <= 255:
            # Motion unit = one dot, so ESC J feeds are in the same dots as the layout.
            self._dummy._raw(GS + b"P" + bytes((profile.dpi, profile.dpi)))

    def raw(self, data: bytes) -> None:
        self._dummy._raw(data)

    def align(self, align: Align) -> None:
        value = _ALIGN[align]
        if value != self._align:
            self._dummy._raw(ESC + b"a" + bytes((value,)))
            self._align = value

    def feed_dots(self, dots: int) -> None:
        while dots > 0:
            step = min(dots, 255)
            self._dummy._raw(ESC + b"J" + bytes((step,)))
            dots -= step

    def raster(self, band: Image.Image, align: Align) -> None:
        """``GS v 0`` of a mode-1 image whose set pixels are printed dots."""
        if band.mode != "1":
            raise ValueError("raster bands are mode 1 images")
        width_bytes = (band.width + 7) // 8
        if band.width % 8:
            # Pad to whole bytes; a centred band is padded on both sides so the printer's
            # centring (ESC a 1) puts the ink where the layout put it.
            spare = width_bytes * 8 - band.width
            padded = Image.new("1", (width_bytes * 8, band.height), 0)
            padded.paste(band, (spare // 2 if align == "center" else 0, 0))
            band = padded
        self.align(align)
        header = GS + b"v0\x00" + _le16(width_bytes) + _le16(band.height)
        self._dummy._raw(header + band.tobytes())

    def qr(self, data: str, module: int) -> None:
        self.align("center")
        self._dummy.qr(data, ec=QR_EC_ESCPOS, size=module, native=True)

    def cut(self) -> None:
        if self.profile.cutter:
            self.align("left")
            self._dummy.cut()  # feeds past the cutter, then GS V
        else:
            self.feed_dots(self.profile.dpi)  # tear-off: feed an inch past the tear bar

    def output(self) -> bytes:
        return self._dummy.output


def _le16(value: int) -> bytes:
    return value.to_bytes(2, "little")
