"""Raster renderer: Thai drawn by Pillow (RAQM + Sarabun), sent as 1-bit bands.

Layout is done here, on the kiosk, so Thai prints right on any printer. What goes on the
wire is kept small, because bytes are what a serial printer is slow at:

* text is drawn straight into mode ``1`` (no anti-aliasing, so no dithering speckles);
* every line becomes its own band cropped to its ink; on the wire, consecutive bands are
  one run of page rows (`encode.emit_layout`) that `escpos_bytes.EscposBuilder.raster`
  cuts into the cheapest pieces: blank rows become paper feeds (2-3 bytes, not 72 bytes of
  zeros per dot row), ``GS v 0`` strips are cropped to their own ink on both sides and
  placed by a left margin (``GS L``), and 24-dot column lines (``ESC *`` segments placed by
  ``ESC $``) skip the blank columns inside a line, such as between a row's key and value;
* QR codes are drawn by the printer (``GS ( k``, ~70 bytes) when the profile allows.

`render_layout(document, profile)` gives a `RasterLayout` (bands at page positions);
`encode.encode_layout` turns it into ESC/POS bytes; `RasterLayout.to_image()` composes the
page as one picture (golden tests, the naive baseline).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageOps

from kiosk.receipts.fonts import Weight, thai_font
from kiosk.receipts.model import (
    Align,
    Barcode,
    Cut,
    Document,
    Footer,
    Paragraph,
    Qr,
    Row,
    Separator,
    Title,
)
from kiosk.receipts.profiles import PrinterProfile
from kiosk.receipts.symbols import barcode_image, qr_image, qr_modules
from kiosk.receipts.thai_text import fits_unbroken, wrap_thai

QR_QUIET_MODULES = 4
"""Blank modules around a QR (ISO/IEC 18004 asks 4)."""
MIN_BAR_DOTS = 2
"""Narrowest CODE128 bar in dots: 0.25 mm at 203 dpi."""

INK = 255
"""Mode "1" pixel value that means "print a dot" in our band images."""


@dataclass(frozen=True)
class Band:
    """A strip of raster: ``image`` is mode 1 with INK where the printer puts dots."""

    image: Image.Image
    top: int
    x: int
    align: Align

    def stamp(self, page: Image.Image, value: int, page_top: int = 0) -> None:
        """Set this band's dots to ``value`` on ``page`` (whose first row is layout row
        ``page_top``); dots already there stay: overlapping bands add up, as on paper."""
        top = self.top - page_top
        page.paste(value, (self.x, top, self.x + self.image.width, top + self.image.height),
                   mask=self.image)


@dataclass(frozen=True)
class NativeQr:
    data: str
    top: int
    x: int
    module: int
    size: int
    """Side in dots (modules x module)."""


@dataclass
class RasterLayout:
    width: int
    height: int = 0
    items: list[Band | NativeQr] = field(default_factory=list)
    cut: bool = False

    def to_image(self, mode: str = "1") -> Image.Image:
        """The whole page, black on white, native QRs drawn as the printer would.

        Mode "L" keeps anti-aliased grey edges (only the naive baseline draws those)."""
        page = Image.new(mode, (self.width, max(self.height, 1)), 255)
        for item in self.items:
            if isinstance(item, Band):
                if item.image.mode == "1":
                    item.stamp(page, 0)
                else:
                    ink = ImageOps.invert(item.image).convert(mode)
                    page.paste(ink, (item.x, item.top))
            else:
                page.paste(qr_image(item.data, item.module), (item.x, item.top))
        return page


def _below_the_top(layout: RasterLayout) -> RasterLayout:
    """Move everything down so no ink starts above the page: a first line's stacked marks
    reach above its line box, and the paper cannot go back to print them."""
    shift = -min((item.top for item in layout.items), default=0)
    if shift <= 0:
        return layout
    layout.items = [dataclasses.replace(item, top=item.top + shift) for item in layout.items]
    layout.height += shift
    return layout


@dataclass(frozen=True)
class _Style:
    size: int
    weight: Weight


class RasterRenderer:
    """Lays a `Document` out for one printer profile."""

    def __init__(self, profile: PrinterProfile, *, native_qr: bool | None = None,
                 antialias: bool = False) -> None:
        self.profile = profile
        self.native_qr = profile.native_qr if native_qr is None else native_qr
        # Anti-aliased grey text exists only for the benchmark's naive baseline: a printer
        # prints dots, and greys must then be dithered into speckles.
        self.image_mode = "L" if antialias else "1"
        scale = profile.dpi / 203
        self.width = profile.dots_per_line
        self.margin = round(8 * scale)
        self.body = _Style(round(24 * scale), "regular")
        self.styles = {
            "normal": self.body,
            "large": _Style(round(34 * scale), "bold"),
            "huge": _Style(round(96 * scale), "bold"),
            "title": _Style(round(30 * scale), "bold"),
            "footer": _Style(round(20 * scale), "regular"),
        }
        self.block_gap = round(10 * scale)

    # -- layout ----------------------------------------------------------------------

    def layout(self, document: Document) -> RasterLayout:
        out = RasterLayout(width=self.width)
        y = 0
        key_col = self._key_column(document)
        for block in document.blocks:
            if isinstance(block, Title):
                y = self._text(out, y, block.text, self.styles["title"], "center")
            elif isinstance(block, Paragraph):
                style = self.styles[block.size]
                if block.bold and style.weight == "regular":
                    style = _Style(style.size, "bold")
                y = self._text(out, y, block.text, style, block.align)
            elif isinstance(block, Footer):
                y = self._text(out, y, block.text, self.styles["footer"], "center")
            elif isinstance(block, Row):
                y = self._row(out, y, block, key_col)
            elif isinstance(block, Separator):
                y = self._separator(out, y)
            elif isinstance(block, Qr):
                y = self._qr(out, y, block)
            elif isinstance(block, Barcode):
                y = self._barcode(out, y, block)
            elif isinstance(block, Cut):
                out.cut = True
                continue
            y += self.block_gap
        out.height = y
        return _below_the_top(out)

    def _line_band(
        self, text: str, style: _Style, align: Align, *, x: int = 0, right: int | None = None
    ) -> tuple[Image.Image, int, int] | None:
        """Draw one line; return (cropped image, page x, offset of its top in the line)."""
        font = thai_font(style.size, style.weight)
        ascent, descent = font.getmetrics()
        pad = style.size // 3  # stacked marks (ปู่, ญู้) reach above ascent / below descent
        height = ascent + descent + 2 * pad
        canvas = Image.new(self.image_mode, (self.width, height), 0)
        draw = ImageDraw.Draw(canvas)
        length = round(font.getlength(text))
        right = self.width - self.margin if right is None else right
        if align == "center":
            x = max(0, (self.width - length) // 2)
        elif align == "right":
            x = max(x, right - length)
        elif x == 0:
            x = self.margin
        draw.text((x, pad), text, font=font, fill=INK, anchor="la")
        bbox = canvas.getbbox()
        if bbox is None:
            return None
        x0, y0, x1, y1 = bbox
        if align == "left":
            x0 = 0  # left bands start at the paper's left edge: no GS L needed
        return canvas.crop((x0, y0, x1, y1)), x0, y0 - pad

    def _line_height(self, style: _Style) -> int:
        ascent, descent = thai_font(style.size, style.weight).getmetrics()
        return ascent + descent + style.size // 6

    def _fits(self, style: _Style, width: int) -> Callable[[str], bool]:
        font = thai_font(style.size, style.weight)
        return lambda s: font.getlength(s) <= width

    def _text(self, out: RasterLayout, y: int, text: str, style: _Style, align: Align) -> int:
        for line in wrap_thai(text, self._fits(style, self.width - 2 * self.margin)):
            drawn = self._line_band(line, style, align)
            if drawn is not None:
                image, x, offset = drawn
                out.items.append(Band(image, y + offset, x, align))
            y += self._line_height(style)
        return y

    def _key_column(self, document: Document) -> int:
        """Values start at one column for the whole slip: at most 45% of the width."""
        font = thai_font(self.body.size, self.body.weight)
        keys = [b.key for b in document.blocks if isinstance(b, Row)]
        widest = max((font.getlength(k) for k in keys), default=0)
        gap = self.body.size
        return int(min(self.margin + widest + gap, self.width * 0.45))

    def _row(self, out: RasterLayout, y: int, row: Row, key_col: int) -> int:
        style = self.body
        gap = style.size // 2
        value_fits = self._fits(style, self.width - self.margin - key_col)
        full_fits = self._fits(style, self.width - 2 * self.margin)
        if not fits_unbroken(row.value, value_fits) and fits_unbroken(row.value, full_fits):
            # A reference or ID wider than the value column: the key on its line, the
            # value under it at full width, rather than the value cut in two.
            y = self._text(out, y, row.key, style, "left")
            return self._text(out, y, row.value, style, "left")
        key_lines = wrap_thai(row.key, self._fits(style, key_col - self.margin - gap))
        value_lines = wrap_thai(row.value, value_fits)
        line_h = self._line_height(style)
        for i in range(max(len(key_lines), len(value_lines))):
            key = key_lines[i] if i < len(key_lines) else ""
            value = value_lines[i] if i < len(value_lines) else ""
            drawn = self._row_band(key, value, key_col, style)
            if drawn is not None:
                image, offset = drawn
                out.items.append(Band(image, y + offset, 0, "left"))
            y += line_h
        return y

    def _row_band(self, key: str, value: str, key_col: int, style: _Style
                  ) -> tuple[Image.Image, int] | None:
        font = thai_font(style.size, style.weight)
        ascent, descent = font.getmetrics()
        pad = style.size // 3
        canvas = Image.new(self.image_mode, (self.width, ascent + descent + 2 * pad), 0)
        draw = ImageDraw.Draw(canvas)
        if key:
            draw.text((self.margin, pad), key, font=font, fill=INK, anchor="la")
        if value:
            draw.text((key_col, pad), value, font=font, fill=INK, anchor="la")
        bbox = canvas.getbbox()
        if bbox is None:
            return None
        _, y0, x1, y1 = bbox
        return canvas.crop((0, y0, x1, y1)), y0 - pad

    def _separator(self, out: RasterLayout, y: int) -> int:
        height = max(2, self.profile.dpi // 100)
        image = Image.new("1", (self.width, height), 0)
        draw = ImageDraw.Draw(image)
        dash = 8
        for x in range(0, self.width, 2 * dash):
            draw.rectangle((x, 0, x + dash - 1, height - 1), fill=INK)
        top = y + self.block_gap // 2
        out.items.append(Band(image, top, 0, "left"))
        return top + height + self.block_gap // 2

    def _qr(self, out: RasterLayout, y: int, qr: Qr) -> int:
        module = self.profile.qr_module_dots
        side = qr_modules(qr.data) * module
        quiet = QR_QUIET_MODULES * module  # above and below; the sides are blank paper
        y += quiet
        x = (self.width - side) // 2
        if self.native_qr:
            out.items.append(NativeQr(qr.data, y, x, module, side))
        else:
            ink = qr_image(qr.data, module).point(lambda v: 0 if v else INK)
            out.items.append(Band(ink, y, x, "center"))
        y += side + quiet
        if qr.caption:
            style = self.styles["footer"]
            # Stacked marks reach above a line's top (see _line_band): keep them out too.
            y = self._text(out, y + style.size // 3, qr.caption, style, "center")
        return y

    def _barcode(self, out: RasterLayout, y: int, barcode: Barcode) -> int:
        # Bars of at least 0.25 mm (2 dots at 203 dpi) with a 10-module quiet zone: what
        # counter scanners read reliably. python-barcode already packs digit runs in
        # CODE128's numeric subset C; if even that is too wide, the QR alone carries it.
        module = max(MIN_BAR_DOTS, round(self.profile.dpi * 0.25 / 25.4))
        image = barcode_image(barcode.data, module=module, height=round(self.profile.dpi * 0.3))
        if image.width > self.width:
            return self._qr(out, y, Qr(data=barcode.data, caption=barcode.data))
        ink = image.point(lambda v: 0 if v else INK)
        out.items.append(Band(ink, y, (self.width - ink.width) // 2, "center"))
        y += ink.height
        return self._text(out, y + 4, barcode.data, self.styles["footer"], "center")
