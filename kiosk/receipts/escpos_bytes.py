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
        self._left_margin = 0
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

    def left_margin(self, dots: int) -> None:
        """``GS L``: where lines start (motion unit = one dot, see ``GS P`` above)."""
        if dots != self._left_margin:
            self._dummy._raw(GS + b"L" + _le16(dots))
            self._left_margin = dots

    def raster(self, band: Image.Image, align: Align) -> None:
        """``GS v 0`` of a mode-1 image whose set pixels are printed dots.

        A left-aligned band is cropped to its ink on the left too: the blank columns
        become a left margin (``GS L``, 4 bytes) instead of zero bytes on every dot row."""
        if band.mode != "1":
            raise ValueError("raster bands are mode 1 images")
        margin = 0
        if align == "left" and self.profile.dpi <= 255:
            bbox = band.getbbox()
            if bbox is not None and bbox[0] >= 8:
                margin = bbox[0]
                band = band.crop((margin, 0, band.width, band.height))
        self.left_margin(margin)
        # Blank dot rows inside a band (between a line's marks and its letters) are fed,
        # not sent as zero bytes.
        top = 0
        for start, stop in _blank_runs(band):
            self._raster_rows(band.crop((0, top, band.width, start)), align)
            self.feed_dots(stop - start)
            top = stop
        self._raster_rows(band.crop((0, top, band.width, band.height)), align)

    def _raster_rows(self, band: Image.Image, align: Align) -> None:
        if band.height == 0:
            return
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


def _blank_runs(band: Image.Image, minimum: int = 2) -> list[tuple[int, int]]:
    """Runs of at least ``minimum`` all-blank dot rows strictly inside ``band``."""
    width_bytes = (band.width + 7) // 8
    data = band.tobytes()
    blank = [not any(data[y * width_bytes:(y + 1) * width_bytes]) for y in range(band.height)]
    runs, y = [], 0
    while y < band.height:
        if blank[y]:
            start = y
            while y < band.height and blank[y]:
                y += 1
            if start > 0 and y < band.height and y - start >= minimum:
                runs.append((start, y))
        else:
            y += 1
    return runs


def _le16(value: int) -> bytes:
    return value.to_bytes(2, "little")
