"""Physical sizes on the kiosk's screen, computed from its DPI and the viewing distance.

EN 301 549 5.1.4 (closed functionality): the capital "H" must subtend at least 0.7° at
the stated viewing distance. The cap height of the font comes from the font file itself,
so changing the face keeps the text legible without re-tuning numbers by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MM_PER_INCH = 25.4
MIN_VISUAL_ANGLE_DEG = 0.7
"""EN 301 549 5.1.4: minimum visual angle of a capital H."""
MIN_TOUCH_TARGET_MM = 9.0
"""EN 301 549 / common kiosk guidance: smallest touch target edge."""


def mm_to_px(mm: float, dpi: float) -> float:
    return mm / MM_PER_INCH * dpi


def px_to_mm(px: float, dpi: float) -> float:
    return px * MM_PER_INCH / dpi


def min_cap_height_mm(viewing_distance_mm: float, angle_deg: float = MIN_VISUAL_ANGLE_DEG) -> float:
    """Height that subtends ``angle_deg`` at ``viewing_distance_mm`` (6.1 mm at 500 mm)."""
    return 2 * viewing_distance_mm * math.tan(math.radians(angle_deg) / 2)


@lru_cache(maxsize=8)
def cap_height_ratio(font_path: Path) -> float:
    """Cap height of the font as a fraction of its em, measured by rendering "H".

    Pillow's bounding box of "H" at a 1000 px em gives the ink height; Kivy (SDL2_ttf)
    and Pillow both scale a font so that ``font_size`` is the em in pixels.
    """
    from PIL import ImageFont

    em = 1000
    _left, top, _right, bottom = ImageFont.truetype(str(font_path), em).getbbox("H")
    return (bottom - top) / em


@dataclass(frozen=True, slots=True)
class ScreenMetrics:
    """Pixel sizes for one screen (DPI) and viewing distance."""

    dpi: float
    viewing_distance_mm: float
    cap_ratio: float
    min_touch_target_mm: float = 12.0

    def __post_init__(self) -> None:
        if self.min_touch_target_mm < MIN_TOUCH_TARGET_MM:
            raise ValueError(f"touch targets below {MIN_TOUCH_TARGET_MM} mm are not allowed")

    def px(self, mm: float) -> float:
        return mm_to_px(mm, self.dpi)

    @property
    def min_cap_height_px(self) -> float:
        return self.px(min_cap_height_mm(self.viewing_distance_mm))

    @property
    def min_font_px(self) -> int:
        """Smallest font size (em, px) whose capital H meets 0.7° — rounded up."""
        return math.ceil(self.min_cap_height_px / self.cap_ratio)

    @property
    def touch_target_px(self) -> int:
        return math.ceil(self.px(self.min_touch_target_mm))

    @property
    def floor_touch_target_px(self) -> int:
        """The 9 mm floor in pixels (what tests hold every control to)."""
        return math.ceil(self.px(MIN_TOUCH_TARGET_MM))

    def font_px(self, step: float, scale: float = 1.0) -> int:
        """A type-scale step (1.0 = body) times the large-text scale, never below the minimum."""
        return max(self.min_font_px, round(self.min_font_px * step * scale))
