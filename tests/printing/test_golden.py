"""Standard receipts through each rendering path, printed by the virtual printer's firmware
model (the real ESC/POS bytes are interpreted) and compared with reference images."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from kiosk.receipts import fonts
from kiosk.receipts.model import Document, Paragraph, Qr
from kiosk.receipts.raster import RasterRenderer
from kiosk.receipts.render import render_receipt
from kiosk.receipts.samples import counter_ticket, mark_stress, record_slip
from simulators.vprinter.offline import print_bytes

from .golden import TOLERANCE, assert_matches_golden, difference

CASES = [
    # (golden name, document, profile, render mode)
    ("record-slip-raster-80mm", record_slip, "generic-80mm-raster", "raster"),
    ("record-slip-raster-58mm-image-qr", record_slip, "generic-58mm", "raster"),
    ("record-slip-raster-180dpi", record_slip, "epson-tm-t88-180dpi", "raster"),
    ("record-slip-native-text", record_slip, "epson-tm-t82-thai", "native"),
    ("counter-ticket-raster", counter_ticket, "generic-80mm-raster", "raster"),
    ("counter-ticket-native", counter_ticket, "epson-tm-t82-thai", "native"),
    ("mark-stress-raster", mark_stress, "generic-80mm-raster", "raster"),
]


def printed(document: Document, profile, mode) -> Image.Image:
    data = render_receipt(document, profile, mode)
    pages = print_bytes(data, width=profile.dots_per_line, dpi=profile.dpi)
    assert len(pages) == 1, f"expected one cut receipt, got {len(pages)}"
    return pages[0]


@pytest.mark.parametrize(("name", "make", "profile_name", "mode"), CASES,
                         ids=[c[0] for c in CASES])
def test_receipt_matches_golden(name, make, profile_name, mode, profiles) -> None:
    profile = profiles[profile_name]
    page = printed(make(), profile, mode)
    assert page.width == profile.dots_per_line
    assert_matches_golden(page, name)


def test_image_qr_and_native_qr_print_the_same_symbol(profiles) -> None:
    """Same document, QR drawn by the printer vs sent as an image: same paper."""
    doc = Document(blocks=(Qr(data="https://linkage.example.go.th/v/LK-1"),))
    profile = profiles["generic-80mm-raster"]
    native = RasterRenderer(profile, native_qr=True)
    image = RasterRenderer(profile, native_qr=False)
    from kiosk.receipts.encode import encode_layout
    from kiosk.receipts.escpos_bytes import EscposBuilder

    native_bytes = encode_layout(native.layout(doc.ensure_cut()), EscposBuilder(profile))
    image_bytes = encode_layout(image.layout(doc.ensure_cut()), EscposBuilder(profile))
    assert b"\x1d(k" in native_bytes and b"\x1d(k" not in image_bytes
    assert len(native_bytes) < len(image_bytes) / 5
    (a,), (b,) = print_bytes(native_bytes), print_bytes(image_bytes)
    assert difference(a, b) == 0


# --- Thai marks must be shaped by RAQM -------------------------------------------------------


def _basic_font(size: int, weight: fonts.Weight = "regular") -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(fonts.SARABUN_DIR / fonts._FILES[weight]), size,
                              layout_engine=ImageFont.Layout.BASIC)


def test_receipt_fonts_use_raqm() -> None:
    assert fonts.thai_font(24).layout_engine == ImageFont.Layout.RAQM


def test_basic_layout_would_fail_the_golden_test(profiles, monkeypatch) -> None:
    """The mark-stress golden catches BASIC layout: with BASIC the paper differs clearly."""
    profile = profiles["generic-80mm-raster"]
    good = printed(mark_stress(), profile, "raster")
    monkeypatch.setattr("kiosk.receipts.raster.thai_font", _basic_font)
    basic = printed(mark_stress(), profile, "raster")
    assert difference(good, basic) > 3 * TOLERANCE


def test_tone_mark_stacks_above_an_upper_vowel_only_with_raqm() -> None:
    """ปี่: the tone mark must stack above the vowel ี. BASIC draws it at the height it has
    over a bare consonant (ป่), so it collides with the vowel."""

    def ink_top(text: str, font: ImageFont.FreeTypeFont) -> int:
        image = Image.new("1", (120, 80), 0)
        ImageDraw.Draw(image).text((10, 20), text, font=font, fill=255)
        bbox = image.getbbox()
        assert bbox is not None
        return bbox[1]

    raqm, basic = fonts.thai_font(48), _basic_font(48)
    assert ink_top("ปี่", raqm) < ink_top("ป่", raqm) - 6  # stacked
    assert ink_top("ปี่", raqm) < ink_top("ปี่", basic) - 6  # BASIC does not stack


def test_raster_is_one_bit_without_dithering(profiles) -> None:
    profile = profiles["generic-80mm-raster"]
    layout = RasterRenderer(profile).layout(Document(blocks=(Paragraph(text="ทดสอบ"),)))
    (band,) = layout.items
    assert band.image.mode == "1"
    # Text drawn in mode 1: every pixel inside the glyph box is either ink or paper and
    # there are no isolated dither dots around the letters (rows outside ink are empty).
    assert band.image.getbbox() == (band.image.getbbox()[0], 0, band.image.width,
                                    band.image.height)
