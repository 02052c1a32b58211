"""ESC/POS byte building shared by both renderers.

python-escpos's `Dummy` printer builds the commands it gets right and we would only copy
(native QR ``GS ( k``, cut); the few commands it does not offer, or wraps in many bytes
we do not want on a 9600-baud line (one-byte justification, dot feeds, raw raster bands),
are written here directly.
"""

from __future__ import annotations

import functools
import operator
import re
from dataclasses import dataclass

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

    @property
    def places_dots(self) -> bool:
        """Whether bands can be placed dot by dot (one-dot motion unit, ``GS P``)."""
        return self.profile.dpi <= 255

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

    def raster(self, band: Image.Image, align: Align, x: int = 0, room_below: int = 0) -> int:
        """Print a mode-1 image whose set pixels are dots; ``x`` is where the band's left
        edge lies on the page, ``room_below`` how many blank dot rows follow it on the page.
        Returns how far the paper moved (the band's height, or more when a column line
        ran into the blank room below).

        The band is cut into pieces that cost the fewest bytes for the same dots
        (`_pieces`): blank rows are fed (``ESC J``); a ``GS v 0`` strip is cropped to its
        own ink on both sides and placed by a left margin (``GS L``), so a line's sparse
        rows (tone marks above, vowels below) cost only their ink's width; a 24-dot
        column line (``ESC *`` segments placed by ``ESC $``) skips the blank columns
        inside a line, such as the gap between a row's key and its value."""
        if band.mode != "1":
            raise ValueError("raster bands are mode 1 images")
        if not self.places_dots:  # no one-dot motion unit: the whole band, as laid out
            self.left_margin(0)
            self._raster_rows(band, align)
            return band.height
        self.align("left")
        moved = 0
        for piece in _pieces(band, room_below, self.profile.column_images):
            if isinstance(piece, _ColumnLine):
                self._column_line(band, piece, x)
            elif piece.right <= piece.left:
                self.feed_dots(piece.bottom - piece.top)
            else:
                self._strip(band, piece, x)
            moved = piece.bottom
        return moved

    def _strip(self, band: Image.Image, piece: _Strip, x: int) -> None:
        width = (piece.right - piece.left + 7) // 8 * 8
        left = min(x + piece.left, self.profile.dots_per_line - width)  # pad left at the edge
        self.left_margin(left)
        strip = Image.new("1", (width, piece.bottom - piece.top), 0)
        strip.paste(band.crop((piece.left, piece.top, piece.right, piece.bottom)),
                    (x + piece.left - left, 0))
        self._raster_rows(strip, "left")

    def _column_line(self, band: Image.Image, line: _ColumnLine, x: int) -> None:
        """``ESC *`` 33 (24-dot, full density) segments on one print line, then feed 24.

        Column format: 3 bytes per dot column, the first byte's high bit the top dot; the
        transposed image's rows are exactly those columns. Rows below the band are blank
        (a crop past the edge is filled with 0, no dot)."""
        if x + line.segments[0][0] < self._left_margin:
            self.left_margin(0)
        parts = []
        for lo, hi in line.segments:
            column = band.crop((lo, line.top, hi, line.top + COLUMN_LINE_DOTS))
            position = x + lo - self._left_margin
            parts.append(ESC + b"$" + _le16(position) + ESC + b"*\x21" + _le16(hi - lo)
                         + column.transpose(Image.Transpose.TRANSPOSE).tobytes())
        self._dummy._raw(b"".join(parts))
        self.feed_dots(COLUMN_LINE_DOTS)

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
        """Feed the last ink just past the cutter (or tear bar), then cut: the profile's
        head-to-cutter distance and not more (python-escpos ``cut()`` fed six lines,
        ~26 mm, whatever the printer). ``GS V 1`` partial cut where the cutter has one,
        else ``GS V 0`` (function A: cut here, no feed of its own)."""
        self.feed_dots(self.profile.cutter_feed_dots)
        if self.profile.cutter:
            self.align("left")
            self._dummy._raw(GS + b"V" + (b"\x01" if self.profile.partial_cut else b"\x00"))

    def output(self) -> bytes:
        return self._dummy.output


_STRIP_OVERHEAD = 8 + 4
"""Bytes a new strip costs: its ``GS v 0`` header and, usually, a ``GS L`` margin."""
_FEED_COST = 3
_MAX_STRIP_SEARCH = 48
"""How many rows back a strip boundary is searched (a text line is under 48 dots)."""
COLUMN_LINE_DOTS = 24
"""Height of an ``ESC *`` 24-dot print line."""
_SEGMENT_OVERHEAD = 4 + 5
"""Bytes a column segment costs besides its data: ``ESC $`` and the ``ESC *`` header."""
_COLUMN_BYTES = COLUMN_LINE_DOTS // 8
_SEGMENT_GAP = re.compile(rf"1+(?:0{{1,{_SEGMENT_OVERHEAD // _COLUMN_BYTES}}}1+)*")
"""A run of inked columns, bridging blank gaps that cost less to send than to skip."""


@dataclass(frozen=True)
class _Strip:
    """Rows [top, bottom) sent as one ``GS v 0`` image of columns [left, right); fed when
    they hold no ink (right <= left)."""

    top: int
    bottom: int
    left: int
    right: int


@dataclass(frozen=True)
class _ColumnLine:
    """Rows [top, top + 24) sent as ``ESC *`` segments (column ranges)."""

    top: int
    segments: tuple[tuple[int, int], ...]

    @property
    def bottom(self) -> int:
        """Where the paper stands after the line (past the band's end when the line used
        the room below)."""
        return self.top + COLUMN_LINE_DOTS


def _pieces(band: Image.Image, room_below: int = 0, column_lines: bool = True
            ) -> list[_Strip | _ColumnLine]:
    """Split ``band`` into strips and (if allowed) column lines costing the fewest bytes on
    the wire (dynamic programming over row boundaries); the dots printed are the band's."""
    width_bytes = (band.width + 7) // 8
    data = band.tobytes()
    bits = width_bytes * 8
    rows = [int.from_bytes(data[y * width_bytes:(y + 1) * width_bytes], "big")
            for y in range(band.height)]
    # Ink extent per row; a blank row has left = width, right = 0 (it widens nothing).
    lefts = [bits - row.bit_length() if row else band.width for row in rows]
    rights = [min(bits - ((row & -row).bit_length() - 1), band.width) if row else 0
              for row in rows]
    height = len(rows)
    best = [0] + [1 << 62] * height
    # How the cheapest way to row `bottom` ends: (top, left, right, 0) for a strip or feed
    # of columns [left, right), (top, 0, 0, inked columns) for a column line.
    last = [(0, 0, 0, 0)] * (height + 1)
    for bottom in range(1, height + 1):
        lo, hi = band.width, 0
        cheapest = best[bottom]
        for top in range(bottom - 1, max(-1, bottom - 1 - _MAX_STRIP_SEARCH), -1):
            if lefts[top] < lo:
                lo = lefts[top]
            if rights[top] > hi:
                hi = rights[top]
            count = bottom - top
            cost = best[top] + (_STRIP_OVERHEAD + (hi - lo + 7) // 8 * count if hi > lo
                                else _FEED_COST * (count // 255 + 1))
            if cost < cheapest:
                cheapest = cost
                last[bottom] = (top, lo, hi, 0)
        best[bottom] = cheapest
        # A column line ends here, or runs past the band's end into the blank room below.
        if not column_lines:
            continue
        tops = [bottom - COLUMN_LINE_DOTS] if bottom < height else range(
            height - COLUMN_LINE_DOTS, min(height, height + room_below - COLUMN_LINE_DOTS + 1))
        for top in tops:
            if top < 0:
                continue
            occupied = functools.reduce(operator.or_, rows[top:bottom], 0)
            if not occupied:
                continue
            cost = best[top] + _FEED_COST + _column_cost(occupied, bits, band.width)
            if cost < best[bottom]:
                best[bottom] = cost
                last[bottom] = (top, 0, 0, occupied)
    pieces: list[_Strip | _ColumnLine] = []
    bottom = height
    while bottom > 0:
        top, lo, hi, occupied = last[bottom]
        if occupied:
            pieces.append(_ColumnLine(top, _segments(occupied, bits, band.width)))
        else:
            pieces.append(_Strip(top, bottom, lo, hi))
        bottom = top
    return pieces[::-1]


def _column_cost(occupied: int, bits: int, width: int) -> int:
    """Bytes of one column line's segments (headers and data), without its feed."""
    cost = 0
    for match in _SEGMENT_GAP.finditer(format(occupied, f"0{bits}b"), 0, width):
        start, end = match.span()
        cost += _SEGMENT_OVERHEAD + _COLUMN_BYTES * (end - start)
    return cost


def _segments(occupied: int, bits: int, width: int) -> tuple[tuple[int, int], ...]:
    """Column ranges of one column line (bit ``bits - 1`` of a row is column 0)."""
    return tuple(m.span() for m in _SEGMENT_GAP.finditer(format(occupied, f"0{bits}b"),
                                                         0, width))


def _le16(value: int) -> bytes:
    return value.to_bytes(2, "little")
