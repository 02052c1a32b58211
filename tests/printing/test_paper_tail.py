"""The paper after the last ink: what the cutter needs, and not more (issue #25).

Every receipt kind of a seed household (both languages, the largest household's registry
slip included) is rendered for every shipped printer profile, in each mode it prints,
and interpreted by the virtual printer's firmware model; on the decoded page, the blank
rows between the last ink and the cut are at least the profile's head-to-cutter distance
(less would cut through the last line) and at most 5 mm beyond it. Before this change the
kiosk fed python-escpos's six lines: 26-29 mm whatever the printer.
"""

from __future__ import annotations

import pytest
from escpos.printer import Dummy

from kiosk.receipts.model import Document
from kiosk.receipts.profiles import PrinterProfile
from kiosk.receipts.render import render_receipt
from simulators.seed_slips import KINDS, largest_registry_slip, seed_slips
from simulators.vprinter.measure import blank_tail_dots, dots_to_mm
from simulators.vprinter.offline import print_bytes

MARGIN_MM = 5.0


def _documents() -> list[Document]:
    docs = [s.document for s in seed_slips(KINDS, limit=1)]
    docs += [largest_registry_slip(lang).document for lang in ("th", "en")]
    return docs


DOCUMENTS = _documents()


def _modes(profile: PrinterProfile) -> tuple[str, ...]:
    return ("raster", "native") if profile.thai_native else ("raster",)


def tail_mm(document: Document, profile: PrinterProfile, mode: str) -> float:
    data = render_receipt(document, profile, mode)
    pages = print_bytes(data, width=profile.dots_per_line, dpi=profile.dpi)
    assert len(pages) == 1, "one cut receipt"
    return dots_to_mm(blank_tail_dots(pages[0]), profile.dpi)


def test_every_receipt_ends_just_past_the_cutter(profiles) -> None:
    measured = []
    for profile in profiles.values():
        for mode in _modes(profile):
            for document in DOCUMENTS:
                tail = tail_mm(document, profile, mode)
                measured.append(tail)
                assert profile.head_to_cutter_mm <= tail, (profile.name, mode, tail)
                assert tail <= profile.head_to_cutter_mm + MARGIN_MM, (profile.name, mode, tail)
    assert len(measured) >= 5 * 2 * 5


@pytest.mark.parametrize("distance", [0.5, 8.0, 22.9, 45.0])
def test_the_feed_follows_the_profiles_distance(profiles, distance: float) -> None:
    for base in ("generic-80mm-raster", "epson-tm-t88-180dpi", "generic-58mm"):
        profile = profiles[base].model_copy(update={"head_to_cutter_mm": distance})
        for document in DOCUMENTS[:2]:
            tail = tail_mm(document, profile, "raster")
            assert distance <= tail <= distance + MARGIN_MM, (base, distance, tail)


def test_the_old_six_line_feed_fails_this_check(profiles) -> None:
    """The oracle bites: python-escpos ``cut()`` after the same page is far too long."""
    profile = profiles["generic-80mm-raster"]
    data = render_receipt(DOCUMENTS[0], profile, "raster")
    feed = profile.cutter_feed_dots
    assert feed < 256
    at = data.rindex(b"\x1bJ")
    assert data[at:] == b"\x1bJ" + bytes((feed,)) + b"\x1dV\x01"  # feed, partial cut
    dummy = Dummy()
    dummy.cut()
    old = data[:at] + dummy.output
    (page,) = print_bytes(old, width=profile.dots_per_line, dpi=profile.dpi)
    tail = dots_to_mm(blank_tail_dots(page), profile.dpi)
    assert tail > profile.head_to_cutter_mm + MARGIN_MM, tail


def test_partial_cut_where_the_printer_has_one(profiles) -> None:
    for profile in profiles.values():
        data = render_receipt(DOCUMENTS[0], profile, "raster")
        if not profile.cutter:
            assert b"\x1dV" not in data  # a tear bar: fed past it, nothing to cut with
        elif profile.partial_cut:
            assert data.endswith(b"\x1dV\x01")
        else:
            assert data.endswith(b"\x1dV\x00")
        full = profile.model_copy(update={"partial_cut": False}) if profile.cutter else None
        if full is not None:
            assert render_receipt(DOCUMENTS[0], full, "raster").endswith(b"\x1dV\x00")
