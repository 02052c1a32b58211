"""Hypothesis strategies: the card behaviours and photo areas the kiosk may meet.

Generated variety within what ISO/IEC 7816-3/-4 and the card's layout allow - not three
fixed cases. Used by the tests (``tests/card``) and usable by anyone probing a reader:

* :func:`framings`: T=0 chains with ``61 XX`` offers and GET RESPONSE pieces of 1-256
  bytes, ``6C XX`` on READ and on GET RESPONSE (``strict_le``), T=1-style direct answers,
  READs serving fewer bytes than asked, end of file as ``62 82`` or ``6C XX``, a MOI file
  that ends early, a mute card (see :mod:`simulators.vcard.framing`).
* :func:`photo_areas`: the 5 100-byte photo area holding a real JPEG of 1 500-5 100 bytes
  then ``00``/``20``/``FF`` filler - or, with ``broken=True``, also the areas no reader
  can show (a JPEG longer than the area, cut at its end; all filler).

Only imported by code that has Hypothesis (tests, benchmarks), never by the kiosk.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from simulators.vcard.framing import Framing
from simulators.vcard.photos import FILLERS, PHOTO_AREA, jpeg_of_length, photo_area

MOI_FULL = 5671
MOI_WITHOUT_PHOTO_NUMBER = 5657
"""A card whose MOI file ends after the address: no 14-byte number under the photo."""

sizes = st.one_of(st.integers(1, 256), st.sampled_from([1, 64, 128, 255, 256]))


@st.composite
def framings(draw: st.DrawFn, *, mute: bool = True, small_pieces: bool = True) -> Framing:
    """Any framing; ``mute=False`` leaves out the mute card; ``small_pieces=False`` keeps
    chunks of at least 16 bytes (for reads of the whole photo area)."""
    size = sizes if small_pieces else st.integers(16, 256)
    if mute and draw(st.integers(0, 11)) == 0:
        return Framing(mute=True)
    return Framing(
        direct=draw(st.booleans()),
        offer=draw(st.one_of(st.just(256), size)),
        piece=draw(st.one_of(st.just(256), size)),
        read_max=draw(st.one_of(st.just(256), size)),
        strict_le=draw(st.booleans()),
        eof=draw(st.sampled_from(["6282", "6c"])),
        file_size=draw(st.sampled_from([None, MOI_WITHOUT_PHOTO_NUMBER])),
    )


@dataclass(frozen=True)
class PhotoArea:
    area: bytes
    jpeg_length: int
    """The JPEG's own length (may exceed the area: then it is cut)."""
    filler: bytes
    problem: str | None
    """None for a whole JPEG; else the reason a reader must give (``photo.truncated``,
    ``photo.empty``)."""


@st.composite
def photo_areas(draw: st.DrawFn, *, broken: bool = False) -> PhotoArea:
    filler = draw(st.sampled_from(FILLERS))
    kind = draw(st.sampled_from(["whole", "over_long", "empty"] if broken else ["whole"]))
    if kind == "empty":
        return PhotoArea(filler * PHOTO_AREA, 0, filler, "photo.empty")
    if kind == "over_long":
        length = draw(st.integers(PHOTO_AREA + 1, PHOTO_AREA + 1500))
    else:
        length = draw(st.integers(1500, PHOTO_AREA))
    jpeg = jpeg_of_length(length, draw(st.integers(0, 2**32)))
    problem = "photo.truncated" if length > PHOTO_AREA else None
    return PhotoArea(photo_area(jpeg, filler), length, filler, problem)


__all__ = ["MOI_FULL", "MOI_WITHOUT_PHOTO_NUMBER", "PhotoArea", "framings", "photo_areas"]
