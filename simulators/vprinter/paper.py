"""The virtual printer's paper: what the head has put on the roll, saved as PNG at each cut.

Text is drawn the way a Thai-capable printer draws it: monospaced cells (font A is 12 x 24
dots), each holding one letter with its marks, shaped by RAQM so the marks sit right.
Raster images and QR codes are placed dot for dot, so a golden image of the paper checks
the bytes the kiosk sent, not what it meant to send.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

import fontpkg_sarabun
import qrcode
from PIL import Image, ImageDraw, ImageFont

CELL_W, CELL_H = 12, 24
_QR_EC = {
    0: qrcode.constants.ERROR_CORRECT_L,
    1: qrcode.constants.ERROR_CORRECT_M,
    2: qrcode.constants.ERROR_CORRECT_Q,
    3: qrcode.constants.ERROR_CORRECT_H,
}


@functools.lru_cache(maxsize=4)
def _cell_font(bold: bool) -> ImageFont.FreeTypeFont:
    name = "Sarabun-Bold.ttf" if bold else "Sarabun-Regular.ttf"
    return ImageFont.truetype(str(Path(fontpkg_sarabun.ROOT) / "files" / name), 19,
                              layout_engine=ImageFont.Layout.RAQM)


def _cells(text: str) -> list[str]:
    """One cell per spacing character; marks join the cell of the letter before them."""
    cells: list[str] = []
    for ch in text:
        if cells and _is_mark(ch):
            cells[-1] += ch
        else:
            cells.append(ch)
    return cells


class Paper:
    def __init__(self, width: int) -> None:
        self.width = width
        self._strips: list[Image.Image] = []
        self.printed_anything = False
        self.text: list[str] = []
        """Text lines printed since the last cut, as decoded (tests read them)."""

    @property
    def height(self) -> int:
        return sum(s.height for s in self._strips)

    def _x(self, content_width: int, align: int, left: int = 0) -> int:
        """Where content starts: justified within the print area [left margin, width)."""
        if align == 1:
            return left + max(0, (self.width - left - content_width) // 2)
        if align == 2:
            return max(left, self.width - content_width)
        return left

    def feed(self, dots: int) -> None:
        if dots > 0:
            self._strips.append(Image.new("1", (self.width, dots), 255))

    def text_line(self, text: str, *, align: int, scale_w: int, scale_h: int, bold: bool,
                  line_spacing: int, left: int = 0) -> None:
        """One printed text line; the paper moves by the line spacing (or the glyph height)."""
        cell_h = CELL_H * scale_h
        height = max(line_spacing, cell_h + 8)
        self.text.append(text)
        if not text.strip():
            self.feed(height)
            return
        # Draw at normal size, then scale like the printer's GS ! does (dot doubling). Each
        # cell holds one letter with its marks, as in a Thai printer's character generator.
        font = _cell_font(bold)
        cells = _cells(text)
        base = Image.new("1", (max(1, len(cells) * CELL_W), CELL_H + 16), 255)
        draw = ImageDraw.Draw(base)
        for col, cell in enumerate(cells):
            if not cell.isspace():
                draw.text((col * CELL_W + CELL_W // 2, 8 + 19), cell, font=font, fill=0,
                          anchor="ms")
        if scale_w != 1 or scale_h != 1:
            base = base.resize((base.width * scale_w, base.height * scale_h),
                               Image.Resampling.NEAREST)
        strip = Image.new("1", (self.width, height), 255)
        top = height - base.height + 4 * scale_h  # baseline near the bottom of the line
        strip.paste(base.crop((0, 0, min(base.width, self.width), base.height)),
                    (self._x(base.width, align, min(left, self.width)), top))
        self._strips.append(strip)
        self.printed_anything = True

    def raster(self, ink: Image.Image, *, align: int, left: int = 0) -> None:
        """``ink``: mode 1 image where set bits are dots (as sent in GS v 0 / GS ( L);
        ``left``: the left margin (GS L) for a left-aligned image."""
        picture = ink.point(lambda v: 0 if v else 255)
        strip = Image.new("1", (self.width, picture.height), 255)
        x = min(left, self.width) if align == 0 else self._x(picture.width, align)
        strip.paste(picture.crop((0, 0, min(picture.width, self.width - x), picture.height)),
                    (x, 0))
        self._strips.append(strip)
        self.printed_anything = True

    def qr(self, data: bytes, *, module: int, ec: int, align: int) -> None:
        code = qrcode.QRCode(version=None, error_correction=_QR_EC.get(ec, _QR_EC[1]),
                             box_size=1, border=0)
        code.add_data(data.decode("utf-8", "replace"))
        code.make(fit=True)
        matrix = code.get_matrix()
        n = len(matrix)
        small = Image.new("1", (n, n), 255)
        small.putdata([0 if dark else 255 for row in matrix for dark in row])
        symbol = small.resize((n * module, n * module), Image.Resampling.NEAREST)
        strip = Image.new("1", (self.width, symbol.height), 255)
        strip.paste(symbol, (self._x(symbol.width, align), 0))
        self._strips.append(strip)
        self.printed_anything = True

    def take(self) -> Image.Image | None:
        """The paper printed so far (black on white, mode 1), and start a fresh piece."""
        strips, self._strips = self._strips, []
        printed, self.printed_anything = self.printed_anything, False
        self.text = []
        if not printed:
            return None
        page = Image.new("1", (self.width, sum(s.height for s in strips)), 255)
        y = 0
        for strip in strips:
            page.paste(strip, (0, y))
            y += strip.height
        return page


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me")
