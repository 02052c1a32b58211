"""Native text renderer: CP874 text in the printer's own font, for printers that do Thai.

Only for profiles with ``thai_native = true``: the firmware must place tone marks itself
(many do not, python-escpos #35/#38). A block the code page cannot carry (a character
outside CP874) or that has no text form (a barcode; a QR on a printer without native QR)
is drawn by the raster renderer and sent as bands in the middle of the text, so nothing
is dropped or printed as ``?``.

Column arithmetic counts character cells: Thai marks share the cell of their base letter.
"""

from __future__ import annotations

from kiosk.receipts.encode import emit_layout
from kiosk.receipts.escpos_bytes import ESC, GS, LF, EscposBuilder
from kiosk.receipts.model import (
    Align,
    Barcode,
    Block,
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
from kiosk.receipts.raster import QR_QUIET_MODULES, RasterRenderer
from kiosk.receipts.thai_text import display_cells, fits_unbroken, wrap_thai

_SIZE = {"normal": 1, "large": 2, "huge": 4}


def encodable(text: str) -> bool:
    try:
        text.encode("cp874")
    except UnicodeEncodeError:
        return False
    return True


class NativeTextRenderer:
    def __init__(self, profile: PrinterProfile) -> None:
        if not profile.thai_native:
            raise ValueError(f"profile {profile.name!r} does not print Thai text natively")
        self.profile = profile
        self.columns = profile.text_columns
        self._raster = RasterRenderer(profile)

    def encode(self, document: Document) -> bytes:
        out = EscposBuilder(self.profile)
        out.raw(ESC + b"t" + bytes((self.profile.code_page,)))
        key_cells = self._key_cells(document)
        for block in document.blocks:
            if isinstance(block, Cut):
                out.cut()
            elif not self._can_print(block):
                self._fallback(out, block)
            elif isinstance(block, Title):
                self._text(out, block.text, "center", size=2, bold=True)
            elif isinstance(block, Paragraph):
                self._text(out, block.text, block.align, size=_SIZE[block.size], bold=block.bold)
            elif isinstance(block, Footer):
                self._text(out, block.text, "center", size=1, bold=False)
            elif isinstance(block, Row):
                self._row(out, block, key_cells)
            elif isinstance(block, Separator):
                self._line(out, "-" * self.columns, "left", 1, False)
            elif isinstance(block, Qr):
                quiet = QR_QUIET_MODULES * self.profile.qr_module_dots
                out.feed_dots(quiet)
                out.qr(block.data, self.profile.qr_module_dots)
                out.feed_dots(quiet)
                if block.caption:
                    self._text(out, block.caption, "center", size=1, bold=False)
        return out.output()

    def _can_print(self, block: Block) -> bool:
        if isinstance(block, Barcode):
            return False
        if isinstance(block, Qr):
            return self.profile.native_qr and encodable(block.caption)
        texts = [getattr(block, name, "") for name in ("text", "key", "value")]
        return all(encodable(t) for t in texts)

    def _fallback(self, out: EscposBuilder, block: Block) -> None:
        layout = self._raster.layout(Document(blocks=(block,)))
        emit_layout(out, layout)

    def _text(self, out: EscposBuilder, text: str, align: Align, *, size: int,
              bold: bool) -> None:
        width = self.columns // size
        for line in wrap_thai(text, lambda s: display_cells(s) <= width):
            self._line(out, line, align, size, bold)

    def _line(self, out: EscposBuilder, line: str, align: Align, size: int, bold: bool) -> None:
        out.align(align)
        scale = (size - 1) * 0x11  # GS ! : width and height multipliers
        out.raw(GS + b"!" + bytes((scale,)) + ESC + b"E" + bytes((int(bold),)))
        out.raw(line.encode("cp874") + LF)
        if scale or bold:
            out.raw(GS + b"!\x00" + ESC + b"E\x00")

    def _key_cells(self, document: Document) -> int:
        keys = [b.key for b in document.blocks if isinstance(b, Row)]
        widest = max((display_cells(k) for k in keys), default=0)
        return min(widest + 2, int(self.columns * 0.45))

    def _row(self, out: EscposBuilder, row: Row, key_cells: int) -> None:
        value_fits = lambda s: display_cells(s) <= self.columns - key_cells  # noqa: E731
        full_fits = lambda s: display_cells(s) <= self.columns  # noqa: E731
        if not fits_unbroken(row.value, value_fits) and fits_unbroken(row.value, full_fits):
            # Too wide for the value column but not for the line: value under its key.
            self._text(out, row.key, "left", size=1, bold=False)
            self._text(out, row.value, "left", size=1, bold=False)
            return
        key_lines = wrap_thai(row.key, lambda s: display_cells(s) <= key_cells - 1)
        value_lines = wrap_thai(row.value, value_fits)
        out.align("left")
        for i in range(max(len(key_lines), len(value_lines))):
            key = key_lines[i] if i < len(key_lines) else ""
            value = value_lines[i] if i < len(value_lines) else ""
            padded = key + " " * (key_cells - display_cells(key))
            out.raw((padded + value).rstrip().encode("cp874") + LF)
