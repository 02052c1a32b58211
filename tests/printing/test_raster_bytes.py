"""Fewer bytes for the same paper: each band is sent as strips cropped to their own ink on
both sides (placed by a GS L margin), blank dot rows become feeds, and the printed page does
not change."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import ImageChops

from kiosk.receipts.profiles import load_profiles
from kiosk.receipts.raster import Band, RasterRenderer
from kiosk.receipts.render import render_receipt
from simulators.seed_slips import largest_registry_slip

from .test_codes_scan import printed_page

PROFILES = load_profiles(Path(__file__).resolve().parents[2] / "config" /
                         "printer-profiles.toml")


@pytest.mark.parametrize("profile", ["generic-80mm-raster", "generic-58mm"])
@pytest.mark.parametrize("language", ["th", "en"])
def test_every_band_prints_dot_for_dot(profile: str, language: str) -> None:
    """Every band (rows, continuation lines, centred lines, image QRs) lands on the page
    exactly where the layout put it, though sent as cropped strips with margins and feeds."""
    p = PROFILES[profile]
    document = largest_registry_slip(language).document
    layout = RasterRenderer(p).layout(document)
    page = printed_page(render_receipt(document, p, "raster"), p).convert("L")
    checked = 0
    for band in layout.items:
        if isinstance(band, Band):
            ink = band.image.point(lambda v: 0 if v else 255).convert("L")
            region = page.crop((band.x, band.top, band.x + ink.width, band.top + ink.height))
            assert ImageChops.difference(region, ink).getbbox() is None, band.top
            checked += 1
    assert checked >= 20


def test_left_blank_columns_are_not_sent() -> None:
    p = PROFILES["generic-80mm-raster"]
    document = largest_registry_slip("th").document
    data = render_receipt(document, p, "raster")
    assert b"\x1dL" in data  # continuation lines start at the value column
    layout = RasterRenderer(p).layout(document)
    full_rows = sum(((band.image.width + 7) // 8) * band.image.height
                    for band in layout.items if hasattr(band, "image"))
    assert len(data) < 0.9 * full_rows


def test_sparse_rows_of_a_line_are_sent_narrower() -> None:
    """Tone marks above and vowels below a line are sent as narrower strips than its body:
    the Thai slip costs at least a fifth less than its bands cropped as whole boxes."""
    p = PROFILES["generic-80mm-raster"]
    document = largest_registry_slip("th").document
    layout = RasterRenderer(p).layout(document)
    boxes = 0
    for band in layout.items:
        if isinstance(band, Band):
            x0, _, x1, _ = band.image.getbbox()
            boxes += (x1 - x0 + 7) // 8 * band.image.height
    assert len(render_receipt(document, p, "raster")) < 0.8 * boxes
