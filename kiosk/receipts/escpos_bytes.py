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

    def raster(self, band: Image.Image, align: Align, x: int = 0) -> None:
        """``GS v 0`` of a mode-1 image whose set pixels are printed dots; ``x`` is where
        the band's left edge lies on the page.

        Sent as horizontal strips, each cropped to its own ink on both sides and placed by
        a left margin (``GS L``): a line's sparse rows (tone marks above, vowels below)
        cost only their ink's width, and blank dot rows are fed (``ESC J``), not sent as
        zero bytes. The strips are chosen to minimise the bytes (`_strips`); the printed
        page is the same dot for dot."""
        if band.mode != "1":
            raise ValueError("raster bands are mode 1 images")
        if self.profile.dpi > 255:  # no one-dot motion unit (GS P): whole band, as laid out
            self.left_margin(0)
            self._raster_rows(band, align)
            return
        self.align("left")
        for top, bottom, lo, hi in _strips(band):
            if hi <= lo:
                self.feed_dots(bottom - top)
                continue
            width = (hi - lo + 7) // 8 * 8
            left = min(x + lo, self.profile.dots_per_line - width)  # pad on the left at the edge
            self.left_margin(left)
            strip = Image.new("1", (width, bottom - top), 0)
            strip.paste(band.crop((lo, top, hi, bottom)), (x + lo - left, 0))
            self._raster_rows(strip, "left")

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


_STRIP_OVERHEAD = 8 + 4
"""Bytes a new strip costs: its ``GS v 0`` header and, usually, a ``GS L`` margin."""
_FEED_COST = 3
_MAX_STRIP_SEARCH = 48
"""How many rows back a strip boundary is searched (a text line is under 48 dots)."""


def _strips(band: Image.Image) -> list[tuple[int, int, int, int]]:
    """Split ``band`` into row ranges (top, bottom, ink left, ink right) costing the
    fewest bytes on the wire; a range with no ink has right <= left and is fed."""
    width_bytes = (band.width + 7) // 8
    data = band.tobytes()
    extents: list[tuple[int, int] | None] = []
    for y in range(band.height):
        row = data[y * width_bytes:(y + 1) * width_bytes]
        first = next((i for i, v in enumerate(row) if v), None)
        if first is None:
            extents.append(None)
            continue
        last = width_bytes - 1 - next(i for i, v in enumerate(reversed(row)) if v)
        lo = first * 8 + 8 - row[first].bit_length()
        hi = last * 8 + 8 - ((row[last] & -row[last]).bit_length() - 1)
        extents.append((lo, min(hi, band.width)))
    height = len(extents)
    best = [0] + [0] * height
    choice = [0] * (height + 1)
    for bottom in range(1, height + 1):
        lo, hi = band.width, 0
        best[bottom] = -1
        for top in range(bottom - 1, max(-1, bottom - 1 - _MAX_STRIP_SEARCH), -1):
            extent = extents[top]
            if extent is not None:
                lo, hi = min(lo, extent[0]), max(hi, extent[1])
            rows = bottom - top
            cost = (_STRIP_OVERHEAD + (hi - lo + 7) // 8 * rows if hi > lo
                    else _FEED_COST * (rows // 255 + 1))
            if best[bottom] < 0 or best[top] + cost < best[bottom]:
                best[bottom], choice[bottom] = best[top] + cost, top
    strips: list[tuple[int, int, int, int]] = []
    bottom = height
    while bottom > 0:
        top = choice[bottom]
        ink = [e for e in extents[top:bottom] if e is not None]
        lo = min((e[0] for e in ink), default=0)
        hi = max((e[1] for e in ink), default=0)
        strips.append((top, bottom, lo, hi))
        bottom = top
    return strips[::-1]


def _le16(value: int) -> bytes:
    return value.to_bytes(2, "little")
