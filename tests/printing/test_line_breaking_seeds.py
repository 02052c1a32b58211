"""Line breaking over every seed household, at 58 and 80 mm, raster and native.

Each slip is rendered for real; every line the renderer wrapped (with its own width
measure) is recorded and checked against atoms found independently of the breaker: the
name parts and address parts straight from the seed cards, masked IDs, slip serials and
references, times with "น.", amounts with their unit, parenthesised words. An atom is
never split unless it is wider than the line by itself; no line starts with a closing
mark, ends with an opening mark, or starts with a mark that belongs to the letter before
it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.receipts import native, raster, thai_text
from kiosk.receipts.model import Row
from kiosk.receipts.profiles import PrinterProfile, load_profiles
from kiosk.receipts.render import render_receipt
from simulators.seed_slips import KINDS, SeedSlip, seed_slips
from simulators.seeds import load_seeds

PROFILES = load_profiles(Path(__file__).resolve().parents[2] / "config" /
                         "printer-profiles.toml")
PATTERNS = [
    r"\d-\d{4}-x{5}-x{2}-\d",          # masked citizen ID
    r"KIOSK-\d{8}-\d{6}",              # request reference
    r"BKK-\d{4}-\d{2}",                # kiosk id
    r"\d{1,2}:\d{2} น\.",              # time with its "น."
    r"[\d,]+ (?:บาท/เดือน|baht/month)",  # amount with its unit
    r"\([^()\s]+\)",                   # one parenthesised word
]


def _name_atoms() -> set[str]:
    atoms: set[str] = set()
    for citizen in load_seeds().citizens:
        for field in (citizen.card.th_name, citizen.card.en_name):
            title, first, middle, last = [*field.split("#"), "", "", ""][:4]
            atoms.update(p for p in (f"{title} {first}".strip(), middle, last) if p)
    return atoms


def _address_atoms() -> set[str]:
    """Each part of the card's address field (house number, หมู่ที่ 2, ถนนสุขุมวิท,
    แขวงคลองเตย ...): a district is not "เขต" on one line and "คลองเตย" on the next."""
    return {part.strip() for citizen in load_seeds().citizens
            for part in citizen.card.address.split("#") if part.strip()}


NAME_ATOMS = _name_atoms() | _address_atoms()


@dataclass
class Wrapped:
    text: str
    lines: list[str]
    fits: Callable[[str], bool]


@pytest.fixture
def recorded(monkeypatch) -> list[Wrapped]:
    calls: list[Wrapped] = []

    def recording(text: str, fits: Callable[[str], bool]) -> list[str]:
        lines = thai_text.wrap_thai(text, fits)
        calls.append(Wrapped(text, lines, fits))
        return lines

    monkeypatch.setattr(raster, "wrap_thai", recording)
    monkeypatch.setattr(native, "wrap_thai", recording)
    return calls


def _line_spans(text: str, lines: list[str]) -> list[tuple[int, int]]:
    spans, at = [], 0
    for line in lines:
        start = text.index(line, at)
        spans.append((start, start + len(line)))
        at = start + len(line)
    return spans


def _atoms_in(text: str) -> Iterator[tuple[int, int]]:
    for pattern in PATTERNS:
        for m in re.finditer(pattern, text):
            yield m.start(), m.end()
    for atom in NAME_ATOMS:
        if len(atom) > 1:
            start = text.find(atom)
            while start >= 0:
                end = start + len(atom)
                # whole words only: a name part inside a longer word is not that name
                if (start == 0 or not text[start - 1].isalpha()) and \
                        (end == len(text) or not text[end].isalpha()):
                    yield start, end
                start = text.find(atom, start + 1)


def violations(w: Wrapped) -> list[str]:
    found = []
    if len(w.lines) < 2:
        return found
    spans = _line_spans(w.text, w.lines)
    for start, end in _atoms_in(w.text):
        atom = w.text[start:end]
        if not any(s <= start and end <= e for s, e in spans) and w.fits(atom):
            found.append(f"atom {atom!r} split: {w.lines}")
    for i, line in enumerate(w.lines):
        if not line:
            continue
        if i > 0 and (line[0] in ")]},.:;ๆฯ" or thai_text.is_combining(line[0])
                      or line[0] in "ะาำๅ"):
            found.append(f"line starts with {line[0]!r}: {w.lines}")
        if i < len(w.lines) - 1 and line[-1] in "([เแโใไ":
            found.append(f"line ends with {line[-1]!r}: {w.lines}")
        if not w.fits(line) and len(thai_text.clusters(line)) > 1:
            found.append(f"line too wide: {line!r}")
    return found


def _native(profile: PrinterProfile) -> PrinterProfile:
    return profile.model_copy(update={"thai_native": True})


TARGETS = {
    "80mm-raster": (PROFILES["generic-80mm-raster"], "raster"),
    "58mm-raster": (PROFILES["generic-58mm"], "raster"),
    "80mm-native": (PROFILES["epson-tm-t82-thai"], "native"),
    "58mm-native": (_native(PROFILES["generic-58mm"]), "native"),
}


def _household_slips(kinds: tuple[str, ...]) -> list[SeedSlip]:
    """One citizen per household (every name of the household is on its registry slip)."""
    seeds = load_seeds()
    firsts = {str(h.get("members", [{}])[0].get("cid")) for h in seeds.households}
    return [s for s in seed_slips(kinds) if s.cid in firsts]


HOUSEHOLD_SLIPS = _household_slips(KINDS)


@pytest.mark.parametrize("target", TARGETS)
def test_every_seed_household_breaks_only_between_atoms(target: str, recorded) -> None:
    profile, mode = TARGETS[target]
    slips = HOUSEHOLD_SLIPS if mode == "native" else \
        [s for s in HOUSEHOLD_SLIPS if s.kind == "registry_record"]
    problems: list[str] = []
    wrapped_lines = 0
    for slip in slips:
        recorded.clear()
        render_receipt(slip.document, profile, mode)
        for w in recorded:
            wrapped_lines += len(w.lines) > 1
            problems += [f"{slip.kind}/{slip.language}/{slip.cid[-4:]}: {p}"
                         for p in violations(w)]
    assert wrapped_lines > 50, "nothing was wrapped: the test would prove nothing"
    assert problems == [], "\n".join(problems[:20])


def test_oracle_catches_a_split_name_and_a_lone_paren() -> None:
    """The checker itself: lines a naive breaker produces are flagged."""
    name = next(a for a in NAME_ATOMS if len(a) >= 6 and " " not in a)
    text = f"นาย ทดสอบ {name} 3-1401-xxxxx-xx-0 (บุตร)"
    fits = lambda s: thai_text.display_cells(s) <= 60  # noqa: E731
    cut = text.index(name) + 2
    naive = [text[:cut], text[cut:text.index("3-1401") + 6], text[text.index("3-1401") + 6:]]
    assert violations(Wrapped(text, naive, fits))
    lone = ["ผู้อาศัย (บุตร", ")"]
    assert violations(Wrapped("ผู้อาศัย (บุตร)", lone, fits))


def test_all_rows_of_the_largest_household_stay_whole_at_58mm(recorded) -> None:
    slip = max((s for s in HOUSEHOLD_SLIPS if s.kind == "registry_record"),
               key=lambda s: len(s.document.blocks))
    render_receipt(slip.document, PROFILES["generic-58mm"], "raster")
    residents = [b.value for b in slip.document.blocks
                 if isinstance(b, Row) and re.search(r"\d-\d{4}-x{5}", b.value)]
    assert len(residents) >= 4
    for w in recorded:
        if w.text in residents:
            assert violations(w) == []
            assert any(re.fullmatch(r"\d-\d{4}-x{5}-x{2}-\d.*", line) for line in w.lines) or \
                any(re.search(r"\d-\d{4}-x{5}-x{2}-\d", line) for line in w.lines)


@pytest.mark.parametrize("target", ["58mm-raster", "58mm-native"])
def test_a_reference_too_wide_for_its_column_goes_under_its_key(target: str,
                                                               recorded) -> None:
    profile, mode = TARGETS[target]
    slip = next(s for s in HOUSEHOLD_SLIPS if s.kind == "submit_request")
    reference = next(b.value for b in slip.document.blocks
                     if isinstance(b, Row) and b.value.startswith("KIOSK-"))
    render_receipt(slip.document, profile, mode)
    holding = [w for w in recorded if reference in w.text]
    assert holding and all(any(reference in line for line in w.lines) for w in holding)
