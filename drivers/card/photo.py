"""Is the photo area a whole JPEG? Checked before a photo is ever shown or printed.

The card's 5 100-byte photo area holds a JPEG followed by filler (0x20, 0x00 or 0xFF). A
photo is served only when the area holds a complete JPEG (ITU-T T.81 / ISO 10918-1,
annex B): SOI ``FF D8``, marker segments walked by their lengths, entropy-coded data up to
the next marker (``FF 00`` stuffing and ``RST0..7`` skipped), ending in EOI ``FF D9``
inside the area - and Pillow decodes it. Otherwise :class:`PhotoUnreadable` (a
``CardDataInvalid``, ``message_key="card.photo_unreadable"``) with a reason a technician
can act on:

* ``photo.empty``: the area is all one byte (``00``/``FF``/``20`` fill, no photo written);
* ``photo.not_jpeg``: no SOI at the start;
* ``photo.truncated``: no EOI inside the area (a JPEG longer than the area, or cut);
* ``photo.undecodable``: the markers look right but the image does not decode.
"""

from __future__ import annotations

import io

from drivers.card.errors import PhotoUnreadable

_STANDALONE = {0x01, *range(0xD0, 0xD8)}
SOS, EOI = 0xDA, 0xD9


def _unreadable(reason: str, message: str) -> PhotoUnreadable:
    return PhotoUnreadable(message, field="photo", reason=reason)


def jpeg_length(data: bytes) -> int | None:
    """Bytes from SOI to EOI inclusive, or None when no complete JPEG starts at 0."""
    if data[:2] != b"\xff\xd8":
        return None
    i, size = 2, len(data)
    while i + 1 < size:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker == EOI:
            return i + 2
        if marker in _STANDALONE:
            i += 2
            continue
        if i + 3 >= size:
            return None
        length = data[i + 2] << 8 | data[i + 3]
        if length < 2:
            return None
        i += 2 + length
        if marker == SOS:  # entropy-coded data runs to the next real marker
            while i + 1 < size and not (
                data[i] == 0xFF and data[i + 1] != 0x00 and data[i + 1] not in _STANDALONE
            ):
                i += 1
            if i + 1 >= size:
                return None
    return None


def validated_photo(area: bytes) -> bytes:
    """``area`` unchanged when it holds a whole, decodable JPEG; else PhotoUnreadable."""
    if not area or area.count(area[:1]) == len(area):
        raise _unreadable("photo.empty", "the photo area holds no photo")
    if not area.startswith(b"\xff\xd8\xff"):
        raise _unreadable("photo.not_jpeg", "photo is not a JPEG")
    end = jpeg_length(area)
    if end is None:
        raise _unreadable("photo.truncated", "the JPEG does not end inside the photo area")
    from PIL import Image, UnidentifiedImageError  # only when a photo is read

    try:
        with Image.open(io.BytesIO(area[:end]), formats=["JPEG"]) as image:
            image.load()
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError) as exc:
        raise _unreadable("photo.undecodable", f"the JPEG does not decode ({type(exc).__name__})"
                          ) from None  # fmt: skip
    return area


__all__ = ["jpeg_length", "validated_photo"]
