"""Fewer bytes for the same paper: blank columns on the left become a left margin (GS L),
blank dot rows inside a band become feeds, and the printed page does not change."""

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
def test_left_aligned_lines_print_dot_for_dot(profile: str, language: str) -> None:
    """Every left-aligned band (rows, their continuation lines) lands on the page exactly
    where the layout put it, though sent cropped, with a margin and internal feeds."""
    p = PROFILES[profile]
    document = largest_registry_slip(language).document
    layout = RasterRenderer(p).layout(document)
    page = printed_page(render_receipt(document, p, "raster"), p).convert("L")
    checked = 0
    for band in layout.items:
        if isinstance(band, Band) and band.align == "left":
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
