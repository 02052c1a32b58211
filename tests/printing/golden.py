"""Golden image comparison.

Regenerate the reference PNGs (after an intended change; look at them before committing):

    KIOSK_REGEN_GOLDEN=1 .venv/bin/pytest tests/printing -q

Images are compared pixel by pixel (1-bit); a fraction of differing pixels up to
``TOLERANCE`` is accepted so a FreeType/Pillow update that moves an edge by a dot does
not fail the suite, while a misplaced tone mark, a lost line or a shifted block does.
"""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image, ImageChops

GOLDEN_DIR = Path(__file__).parent / "golden"
REGEN = os.environ.get("KIOSK_REGEN_GOLDEN") == "1"
TOLERANCE = 0.004


def difference(a: Image.Image, b: Image.Image) -> float:
    """Fraction of pixels that differ; images of different size are padded white."""
    a, b = a.convert("1"), b.convert("1")
    width, height = max(a.width, b.width), max(a.height, b.height)
    pa = Image.new("1", (width, height), 255)
    pb = Image.new("1", (width, height), 255)
    pa.paste(a, (0, 0))
    pb.paste(b, (0, 0))
    diff = ImageChops.difference(pa.convert("L"), pb.convert("L"))
    differing = diff.point(lambda v: 1 if v else 0).histogram()[1]
    return differing / (width * height)


def assert_matches_golden(image: Image.Image, name: str) -> None:
    path = GOLDEN_DIR / f"{name}.png"
    if REGEN or not path.exists():
        if not REGEN:
            raise AssertionError(f"no golden image {path}; run with KIOSK_REGEN_GOLDEN=1")
        GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
        image.convert("1").save(path, optimize=True)
        return
    with Image.open(path) as golden:
        diff = difference(image, golden)
    assert diff <= TOLERANCE, f"{name}: {diff:.2%} of pixels differ from {path}"
