"""Measurements on a printed page (the virtual printer's paper, black ink on white)."""

from __future__ import annotations

from PIL import Image, ImageChops


def blank_tail_dots(page: Image.Image) -> int:
    """Dot rows of blank paper after the last ink, down to where the page was cut (the
    whole page when nothing is printed)."""
    ink = ImageChops.invert(page.convert("L")).getbbox()
    return page.height - (ink[3] if ink else 0)


def dots_to_mm(dots: float, dpi: int) -> float:
    return dots * 25.4 / dpi
