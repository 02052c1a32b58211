"""ESC/POS interpreter: reads the byte stream like a printer's firmware does.

It pulls bytes from a `ByteSource` (exactly ``n`` at a time, blocking) and acts on them:
text in the selected code page, ``GS v 0`` raster, ``GS ( L`` graphics, ``ESC *`` column
images placed by ``ESC $`` on a print line, ``GS ( k`` QR, feeds, justification, print modes,
left margin, cut. ``DLE EOT n``, ``GS r 1`` and ``GS ( H`` fn 48 (process ID response,
``37 22 d1..d4 00``, only once the data before it has printed) are answered through
``reply`` when ``answers(kind)`` allows (``dle_eot``, ``gs_r``, ``gs_h``); ``GS a n`` (ASB
on/off) is handed to ``on_asb``. Commands it does not draw are skipped by their documented
length, so one unknown command does not turn the rest of the receipt into garbage.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image

from simulators.vprinter.paper import Paper

log = logging.getLogger(__name__)

ESC, GS, DLE, FS = 0x1B, 0x1D, 0x10, 0x1C
CODE_PAGES = {0: "cp437", 2: "cp850", 3: "cp860", 16: "cp1252", 19: "cp858", 21: "cp874"}


class ByteSource(Protocol):
    def read(self, n: int) -> bytes:
        """Exactly ``n`` bytes; raise EOFError when the stream ends."""


@dataclass
class Modes:
    code_page: int = 0
    align: int = 0
    bold: bool = False
    scale_w: int = 1
    scale_h: int = 1
    line_spacing: int = 34
    left_margin: int = 0
    qr_module: int = 3
    qr_ec: int = 0
    qr_data: bytes = b""
    graphics: bytes = b""
    text: bytearray = field(default_factory=bytearray)
    position: int = 0
    """Horizontal print position on the line, in dots from the left margin (ESC $)."""
    images: list[tuple[int, Image.Image]] = field(default_factory=list)
    """``ESC *`` images on the current print line: (x from the left margin, ink)."""


class Interpreter:
    def __init__(
        self,
        source: ByteSource,
        paper: Paper,
        *,
        reply: Callable[[bytes], None],
        status_byte: Callable[[int], int],
        paper_status_byte: Callable[[], int],
        on_cut: Callable[[], None],
        can_print: Callable[[], bool],
        dpi: int = 203,
        answers: Callable[[str], bool] = lambda kind: True,
        on_asb: Callable[[int], None] = lambda n: None,
    ) -> None:
        self.answers = answers
        self.on_asb = on_asb
        self.src = source
        self.paper = paper
        self.reply = reply
        self.status_byte = status_byte
        self.paper_status_byte = paper_status_byte
        self.on_cut = on_cut
        self.can_print = can_print
        self.dpi = dpi
        self.modes = Modes(line_spacing=round(dpi / 6))

    def _u8(self) -> int:
        return self.src.read(1)[0]

    def _u16(self) -> int:
        lo, hi = self.src.read(2)
        return lo | hi << 8

    def run(self) -> None:
        """Interpret until the source ends (EOFError propagates to the caller)."""
        while True:
            self.step()

    def step(self) -> None:
        b = self._u8()
        if b == 0x0A:
            self._print_line()
        elif b == 0x0D:
            pass
        elif b == DLE:
            self._dle()
        elif b == ESC:
            self._esc()
        elif b == GS:
            self._gs()
        elif b == FS:
            self.src.read(1)  # FS & / FS . (Kanji on/off): nothing to draw
        elif b >= 0x20 or b == 0x09:
            self.modes.text.append(b)

    # -- text -------------------------------------------------------------------------

    def _print_line(self, feed: int | None = None) -> None:
        """Print the line buffer; the paper then stands ``feed`` dots (default: the line
        spacing) below the line's top, or below its bit images when they are taller (the
        head cannot go back)."""
        m = self.modes
        if m.images:
            height = self._print_images()
            m.position = 0
            self.paper.feed((m.line_spacing if feed is None else feed) - height)
            if not m.text:
                return
        text = bytes(m.text).decode(CODE_PAGES.get(m.code_page, "cp437"), "replace")
        m.text.clear()
        if self.can_print():
            self.paper.text_line(text, align=m.align, scale_w=m.scale_w, scale_h=m.scale_h,
                                 bold=m.bold, line_spacing=m.line_spacing,
                                 left=m.left_margin)

    def _print_images(self) -> int:
        m = self.modes
        images, m.images = m.images, []
        height = max(ink.height for _, ink in images)
        line = Image.new("1", (self.paper.width, height), 0)
        for x, ink in images:  # images that overlap add their dots, as a head prints them
            left = m.left_margin + x
            line.paste(1, (left, 0, left + ink.width, ink.height), mask=ink)
        if self.can_print():
            self.paper.raster(line, align=0)
        return height

    def _flush_text(self) -> None:
        if self.modes.text or self.modes.images:
            self._print_line()

    def _feed(self, dots: int) -> None:
        if self.modes.images:
            self._print_line(feed=dots)  # ESC J: print, and feed n from the line's top
            return
        self._flush_text()
        if self.can_print():
            self.paper.feed(dots)

    # -- commands ---------------------------------------------------------------------

    def _dle(self) -> None:
        cmd = self._u8()
        if cmd == 0x04:  # DLE EOT n
            n = self._u8()
            if n in (1, 2, 3, 4) and self.answers("dle_eot"):
                self.reply(bytes((self.status_byte(n),)))
            elif n in (7, 8):
                self.src.read(1)
        elif cmd == 0x14:  # DLE DC4 fn ...: real-time requests we do not model
            self.src.read(2)

    def _esc(self) -> None:
        m = self.modes
        cmd = self._u8()
        if cmd == ord("@"):
            self._flush_text()
            self.modes = Modes(line_spacing=round(self.dpi / 6))
        elif cmd == ord("t"):
            m.code_page = self._u8()
        elif cmd == ord("a"):
            m.align = self._u8() % 48  # 0/1/2 or '0'/'1'/'2'
        elif cmd == ord("!"):
            n = self._u8()
            m.bold = bool(n & 0x08)
            m.scale_h = 2 if n & 0x10 else 1
            m.scale_w = 2 if n & 0x20 else 1
        elif cmd == ord("E"):
            m.bold = bool(self._u8() & 1)
        elif cmd == ord("J"):
            self._feed(self._u8())
        elif cmd == ord("d"):
            self._flush_text()
            for _ in range(self._u8()):
                self._print_line()
        elif cmd == ord("2"):
            m.line_spacing = round(self.dpi / 6)
        elif cmd == ord("3"):
            m.line_spacing = self._u8()
        elif cmd in b"-GMRVr{U e":
            self.src.read(1)  # one-parameter modes that do not change our drawing
        elif cmd == ord("c"):
            self.src.read(2)  # ESC c 3/4/5 n: panel and sensor settings
        elif cmd == ord("p"):
            self.src.read(3)  # cash drawer pulse
        elif cmd == ord("$"):  # absolute print position (one-dot motion unit, GS P)
            m.position = self._u16()
        elif cmd == ord("\\"):  # relative print position
            m.position = max(0, m.position + int.from_bytes(self.src.read(2), "little",
                                                            signed=True))
        elif cmd == ord("*"):
            self._column_image(self._u8(), self._u16())
        elif cmd in (ord("i"), ord("m")):
            self._cut()
        else:
            log.debug("unknown ESC 0x%02x", cmd)

    def _column_image(self, mode: int, columns: int) -> None:
        """``ESC * m n``: a bit image in column format on the print line, at the print
        position. m 32/33: 24 dots tall, 3 bytes a column (first byte's high bit on top),
        33 at full horizontal density, 32 each column two dots wide; m 0/1: 8 dots tall,
        one byte a column, each dot three dots tall (the 8-dot modes' coarse vertical
        density), 1 at full horizontal density, 0 two dots wide."""
        tall = mode in (32, 33)
        depth = 24 if tall else 8
        data = self.src.read(columns * depth // 8)
        if mode not in (0, 1, 32, 33) or not columns:
            return
        ink = Image.frombytes("1", (depth, columns), data).transpose(
            Image.Transpose.TRANSPOSE)
        wide, high = (1 if mode in (1, 33) else 2), (1 if tall else 3)
        if wide != 1 or high != 1:
            ink = ink.resize((ink.width * wide, ink.height * high), Image.Resampling.NEAREST)
        m = self.modes
        room = self.paper.width - m.left_margin - m.position
        if room > 0:  # data past the print area is not printed
            m.images.append((m.position, ink.crop((0, 0, min(ink.width, room), ink.height))))
        m.position += ink.width

    def _gs(self) -> None:
        m = self.modes
        cmd = self._u8()
        if cmd == ord("v"):
            self.src.read(1)  # '0'
            self.src.read(1)  # density mode
            width_bytes, height = self._u16(), self._u16()
            data = self.src.read(width_bytes * height)
            self._raster(width_bytes * 8, height, data)
        elif cmd == ord("("):
            self._gs_paren()
        elif cmd == ord("V"):
            mode = self._u8()
            if mode in (65, 66):
                self._feed(self._u8())
            self._cut()
        elif cmd == ord("!"):
            n = self._u8()
            m.scale_w, m.scale_h = (n >> 4) + 1, (n & 0x0F) + 1
        elif cmd == ord("r"):
            self._u8()
            self._flush_text()
            if self.answers("gs_r"):
                self.reply(bytes((self.paper_status_byte(),)))
        elif cmd == ord("L"):  # left margin (motion units: the kiosk sets one dot, GS P)
            self._flush_text()
            m.left_margin = self._u16()
        elif cmd in (ord("P"), ord("W")):
            self.src.read(2)
        elif cmd == ord("a"):
            self.on_asb(self._u8())
        elif cmd in b"BbHhwfI":
            self.src.read(1)
        elif cmd == ord("k"):  # barcode: skip (the kiosk sends barcodes as images)
            kind = self._u8()
            if kind <= 6:
                while self._u8() != 0:
                    pass
            else:
                self.src.read(self._u8())
        else:
            log.debug("unknown GS 0x%02x", cmd)

    def _gs_paren(self) -> None:
        m = self.modes
        kind = self._u8()
        length = self._u16()
        body = self.src.read(length)
        if kind == ord("k") and len(body) >= 2 and body[0] == 49:  # cn = '1': QR code
            fn = body[1]
            if fn == 67:
                m.qr_module = body[2]
            elif fn == 69:
                m.qr_ec = body[2] - 48
            elif fn == 80:
                m.qr_data = body[3:]
            elif fn == 81:
                self._flush_text()
                if self.can_print() and m.qr_data:
                    self.paper.qr(m.qr_data, module=m.qr_module, ec=m.qr_ec, align=m.align)
        elif kind == ord("H") and len(body) == 6 and body[:2] == b"00":  # fn 48 m 48
            self._flush_text()
            if self.can_print() and self.answers("gs_h"):  # printed up to here: answer
                self.reply(b"\x37\x22" + body[2:] + b"\x00")
        elif kind == ord("L") and len(body) >= 2:
            fn = body[1]
            if fn == 112 and len(body) >= 10:  # store raster graphics
                m.graphics = body
            elif fn in (2, 50) and m.graphics:  # print stored graphics
                g = m.graphics
                width, height = g[6] | g[7] << 8, g[8] | g[9] << 8
                self._raster(((width + 7) // 8) * 8, height, g[10:], true_width=width)

    def _raster(self, width: int, height: int, data: bytes, true_width: int | None = None) -> None:
        self._flush_text()
        if not self.can_print() or not width or not height:
            return
        ink = Image.frombytes("1", (width, height), data)
        if true_width is not None and true_width < width:
            ink = ink.crop((0, 0, true_width, height))
        self.paper.raster(ink, align=self.modes.align, left=self.modes.left_margin)

    def _cut(self) -> None:
        self._flush_text()
        if self.can_print():
            self.on_cut()
