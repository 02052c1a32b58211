"""Real JPEGs of an exact length, for photo areas the reader has never seen.

A small image (a drawn size and noise, so each is different) is encoded by libjpeg through
Pillow, then a COM segment (``FF FE``, ITU-T T.81 B.2.4.5) is put right after SOI to make
the file exactly ``length`` bytes - still one valid JPEG any decoder reads. Built from the
JPEG standard, not from the kiosk's photo check.
"""

from __future__ import annotations

import io
import random

PHOTO_AREA = 5100
MIN_LENGTH = 600
FILLERS = (b"\x00", b"\x20", b"\xff")


def _encoded(rng: random.Random) -> bytes:
    from PIL import Image

    width, height = rng.randint(8, 40), rng.randint(8, 48)
    mode = rng.choice(["L", "RGB"])
    pixels = rng.randbytes(width * height * (1 if mode == "L" else 3))
    image = Image.frombytes(mode, (width, height), pixels)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=rng.randint(10, 60))
    return out.getvalue()


def jpeg_of_length(length: int, seed: int) -> bytes:
    """A decodable JPEG of exactly ``length`` bytes (>= 600), different for each seed."""
    if length < MIN_LENGTH:
        raise ValueError(f"a generated JPEG is at least {MIN_LENGTH} bytes")
    rng = random.Random(seed)
    for _ in range(20):
        body = _encoded(rng)
        pad = length - len(body)
        if pad == 0:
            return body
        if pad >= 4:
            comment = rng.randbytes(pad - 4)
            return body[:2] + b"\xff\xfe" + (pad - 2).to_bytes(2, "big") + comment + body[2:]
    raise ValueError(f"no JPEG small enough for {length} bytes")


def photo_area(jpeg: bytes, filler: bytes, size: int = PHOTO_AREA) -> bytes:
    """The card's photo area: the JPEG, then ``filler`` to the end (cut if it is longer)."""
    return jpeg[:size].ljust(size, filler)


__all__ = ["FILLERS", "PHOTO_AREA", "jpeg_of_length", "photo_area"]
