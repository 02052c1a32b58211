"""Every printed code scans: decoded by zxing-cpp (an independent reader) from the page the
virtual printer prints from the real ESC/POS job, at 203 dpi, after a one-pixel blur.

Also: CODE128 bars are at least 2 dots (0.25 mm) with a 10-module quiet zone, and every
QR has a quiet zone of 4 modules of blank paper around it."""

from __future__ import annotations

import contextlib
import itertools
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageFilter

from kiosk.receipts.model import Barcode, Document, Qr
from kiosk.receipts.profiles import PrinterProfile, load_profiles
from kiosk.receipts.raster import RasterRenderer
from kiosk.receipts.render import render_receipt
from kiosk.receipts.samples import counter_ticket
from kiosk.receipts.symbols import qr_modules
from simulators.seed_slips import seed_slips
from simulators.vprinter.interpreter import Interpreter
from simulators.vprinter.paper import Paper

PROFILES = load_profiles(Path(__file__).resolve().parents[2] / "config" /
                         "printer-profiles.toml")
TARGETS = {
    "80mm-raster-native-qr": (PROFILES["generic-80mm-raster"], "raster"),
    "80mm-native": (PROFILES["epson-tm-t82-thai"], "native"),
    "58mm-raster": (PROFILES["generic-58mm"], "raster"),
}


def printed_page(data: bytes, profile: PrinterProfile) -> Image.Image:
    """The paper the virtual printer's firmware produces for a job (mode 1)."""
    view, at = memoryview(data), 0

    class Source:
        def read(self, n: int) -> bytes:
            nonlocal at
            if at + n > len(view):
                raise EOFError
            chunk, at = bytes(view[at:at + n]), at + n
            return chunk

    paper = Paper(profile.dots_per_line)
    interpreter = Interpreter(Source(), paper, reply=lambda b: None,
                              status_byte=lambda n: 0x12, paper_status_byte=lambda: 0,
                              on_cut=lambda: None, can_print=lambda: True, dpi=profile.dpi)
    with contextlib.suppress(EOFError):
        interpreter.run()
    page = paper.take()
    assert page is not None
    return page


def scanned(page: Image.Image) -> dict[str, zxingcpp.Result]:
    blurred = page.convert("L").filter(ImageFilter.BoxBlur(1))  # one-pixel blur
    return {r.text: r for r in zxingcpp.read_barcodes(blurred)}


def _documents():
    kinds = ("registry_record", "submit_request")
    slips = list(seed_slips(kinds, limit=3))
    return [s.document for s in slips] + [counter_ticket()]


@pytest.mark.parametrize("target", TARGETS)
def test_every_code_decodes_after_a_blur(target: str) -> None:
    profile, mode = TARGETS[target]
    checked = 0
    for document in _documents():
        page = printed_page(render_receipt(document, profile, mode), profile)
        found = scanned(page)
        for block in document.blocks:
            if isinstance(block, (Qr, Barcode)):
                assert block.data in found, (target, block.data, list(found))
                checked += 1
                if isinstance(block, Qr):
                    _assert_qr_quiet_zone(page, found[block.data], block.data, profile)
    assert checked >= 7


def _assert_qr_quiet_zone(page: Image.Image, result: zxingcpp.Result, data: str,
                          profile: PrinterProfile) -> None:
    pos = result.position
    xs = [p.x for p in (pos.top_left, pos.top_right, pos.bottom_left, pos.bottom_right)]
    ys = [p.y for p in (pos.top_left, pos.top_right, pos.bottom_left, pos.bottom_right)]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    module = (x1 - x0) / qr_modules(data)  # corners: x1, y1 just past the last module
    quiet = round(4 * module)
    box = (x0 - quiet, y0 - quiet, x1 + quiet, y1 + quiet)
    assert box[0] >= 0 and box[2] <= page.width, "no room for the side quiet zone"
    region = page.crop(box)
    inner = (quiet, quiet, quiet + x1 - x0, quiet + y1 - y0)
    pixels = region.load()
    for y in range(region.height):
        for x in range(region.width):
            if not (inner[0] <= x < inner[2] and inner[1] <= y < inner[3]):
                assert pixels[x, y] != 0, f"ink in the QR's quiet zone at {x, y} ({data[:20]})"


@pytest.mark.parametrize("data", ["A017-2569031210", "KIOSK-20261130-862572"])
@pytest.mark.parametrize("profile", ["generic-80mm-raster", "generic-58mm"])
def test_bars_are_at_least_two_dots(profile: str, data: str) -> None:
    layout = RasterRenderer(PROFILES[profile]).layout(Document(blocks=(Barcode(data=data),)))
    found = scanned(layout.to_image())
    assert data in found
    if found[data].format != zxingcpp.BarcodeFormat.Code128:
        assert profile == "generic-58mm"  # too wide with 0.25 mm bars: the QR alone
        return
    bars = layout.items[0].image  # type: ignore[union-attr]
    row = [bars.getpixel((x, 0)) for x in range(bars.width)]
    runs, length = [], 1
    for a, b in itertools.pairwise(row):
        if a == b:
            length += 1
        else:
            runs.append((a, length))
            length = 1
    runs.append((row[-1], length))
    assert min(n for _, n in runs) >= 2
    assert runs[0][0] == 0 and runs[0][1] >= 20  # 10 modules of 2 dots blank first
