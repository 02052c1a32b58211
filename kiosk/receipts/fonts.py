"""Fonts for receipts: Sarabun, always with the RAQM layout engine.

Pillow's BASIC layout places Thai tone marks as if every base were short: above a tall
vowel they collide or float. RAQM (HarfBuzz shaping, shipped inside Pillow's wheels) applies
the font's mark positioning. `thai_font` refuses to run without it rather than print
wrong Thai.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

import fontpkg_sarabun
from PIL import ImageFont, features

Weight = Literal["regular", "bold"]

SARABUN_DIR = Path(fontpkg_sarabun.ROOT) / "files"
_FILES: dict[Weight, str] = {"regular": "Sarabun-Regular.ttf", "bold": "Sarabun-Bold.ttf"}


class ThaiShapingUnavailable(RuntimeError):
    """Pillow was built without libraqm: Thai would be laid out wrongly."""


@functools.lru_cache(maxsize=64)
def thai_font(size: int, weight: Weight = "regular") -> ImageFont.FreeTypeFont:
    if not features.check("raqm"):
        raise ThaiShapingUnavailable(
            "Pillow has no RAQM layout (libraqm): Thai tone marks would be misplaced"
        )
    return ImageFont.truetype(
        str(SARABUN_DIR / _FILES[weight]), size, layout_engine=ImageFont.Layout.RAQM
    )
