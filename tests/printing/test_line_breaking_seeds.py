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


# --- name parts break only between their word parts (issue #25) ----------------------------
# The oracle for "a word of a name" is the seed generator's own list of the components it
# builds names from (seeds/generate.py: given names, surnames, middle names and the
# syllables it lengthens surnames with, then pads with the last letter repeated), not the
# segmenter the kiosk breaks with (pythainlp's dictionary and name lists).

def _generator_components() -> tuple[set[str], set[str]]:
    from seeds import generate as gen

    thai: set[str] = set(gen.TH_SYLLABLES)
    latin: set[str] = {s.lower() for s in gen.EN_SYLLABLES}
    for pool in (gen.MALE_FIRST, gen.FEMALE_FIRST, gen.SURNAMES, gen.MIDDLE_NAMES):
        thai.update(th for th, _ in pool)
        latin.update(en.lower() for _, en in pool)
    return thai, latin


TH_COMPONENTS, EN_COMPONENTS = _generator_components()


def word_boundaries(part: str) -> set[int] | None:
    """Offsets inside ``part`` between two of its components (any way of writing it as
    components, then its padding), or None if it is not made of components."""
    text = part.lower()
    components = EN_COMPONENTS if part.isascii() else TH_COMPONENTS
    n = len(text)
    run = len(text) - len(text.rstrip(text[-1]))  # the last letter and its repeats
    pad_start = n - run + 1  # the padding belongs to the word before it
    ends = {pad_start, n}
    forward = {0}
    for i in range(n + 1):
        if i in forward:
            forward.update(i + len(c) for c in components if text.startswith(c, i))
    backward = set(ends)
    for i in range(n, -1, -1):
        if any(text.startswith(c, i) and i + len(c) in backward for c in components):
            backward.add(i)
    if 0 not in backward:
        return None
    return {i for i in forward & backward if 0 < i < pad_start}


def _long_name_parts() -> set[str]:
    parts: set[str] = set()
    for citizen in load_seeds().citizens:
        for field in (citizen.card.th_name, citizen.card.en_name):
            parts.update(p for p in field.split("#")[1:] if len(p) > 1)
    return parts


NAME_PARTS = _long_name_parts()


@dataclass
class NameBreaks:
    at_word_parts: int = 0
    inside_wide_words: int = 0
    inside_words: list[str] | None = None
    latin_parts_wider_than_a_line: int = 0
    """Breaks in a Latin name part that alone is wider than the line: it is one word in
    English spelling and its romanised parts are not known to the kiosk; broken between
    letters (counted apart, reported by the test)."""


def name_breaks(w: Wrapped, into: NameBreaks, parts: set[str] = NAME_PARTS) -> None:
    """Sort every line break that falls inside a name part of ``w``: between two of its
    components, inside a component wider than a line by itself (allowed), or inside a
    component that would fit a line (the fault)."""
    if len(w.lines) < 2:
        return
    starts = [s for s, _ in _line_spans(w.text, w.lines)[1:]]
    for part in parts:
        at = w.text.find(part)
        while at >= 0:
            end = at + len(part)
            whole = (at == 0 or not w.text[at - 1].isalpha()) and \
                (end == len(w.text) or not w.text[end].isalpha())
            inside = [s - at for s in starts if at < s < end] if whole else []
            bounds = word_boundaries(part) if inside else set()
            if inside and part.isascii():
                assert not w.fits(part), f"Latin name part {part!r} split: {w.lines}"
                into.latin_parts_wider_than_a_line += len(inside)
                inside = []
            for offset in inside:
                if bounds is not None and offset in bounds:
                    into.at_word_parts += 1
                    continue
                cuts = sorted({0, len(part), *(bounds or ())})
                lo = max(c for c in cuts if c < offset)
                hi = min(c for c in cuts if c > offset)
                if not w.fits(part[lo:hi]):
                    into.inside_wide_words += 1
                else:
                    assert into.inside_words is not None
                    into.inside_words.append(f"{part[:offset]}|{part[offset:]}")
            at = w.text.find(part, at + 1)


def _name_slips() -> list[SeedSlip]:
    """Every household's registry slip, and that of every citizen with a long name part
    (the card's 100-byte names: their own name rows, Thai and English)."""
    long_named = {c.cid for c in load_seeds().citizens
                  if any(len(p) > 20 for f in (c.card.th_name, c.card.en_name)
                         for p in f.split("#"))}
    firsts = {s.cid for s in HOUSEHOLD_SLIPS}
    return [s for s in seed_slips(("registry_record",))
            if s.cid in firsts or s.cid in long_named]


NAME_SLIPS = _name_slips()
LONG_PARTS = {p for p in NAME_PARTS if len(p) > 20}
WIDTH_TARGETS = {"80mm": TARGETS["80mm-raster"], "58mm": TARGETS["58mm-raster"],
                 "80mm-native": TARGETS["80mm-native"], "58mm-native": TARGETS["58mm-native"]}


@pytest.mark.parametrize("target", WIDTH_TARGETS)
def test_name_parts_break_only_between_their_words(target: str, recorded) -> None:
    """Property: over every seed household's registry slip (every name of the household
    is on it) and the registry slip of every citizen with a 100-byte name, Thai and
    English slips, a line break inside a Thai name part falls between two of its word
    parts, or inside a word that alone is wider than the line; a Latin name part (one
    English word) is broken only when it alone is wider than the line."""
    profile, mode = WIDTH_TARGETS[target]
    counts = NameBreaks(inside_words=[])
    # Drawing is the slow part: raster slips are drawn where a name part might not fit
    # (a part over 20 letters); the cheap native text slips are all of them.
    slips = NAME_SLIPS if mode == "native" else [
        s for s in NAME_SLIPS if any(p in b.value for b in s.document.blocks
                                     if isinstance(b, Row) for p in LONG_PARTS)]
    assert slips
    for slip in slips:
        recorded.clear()
        render_receipt(slip.document, profile, mode)
        for w in recorded:
            name_breaks(w, counts)
    print(f"{target}: {counts.at_word_parts} breaks between word parts of Thai names, "
          f"{len(counts.inside_words or ())} inside a word that fits a line, "
          f"{counts.inside_wide_words} inside a word wider than a line; "
          f"{counts.latin_parts_wider_than_a_line} in Latin name parts wider than a line")
    assert counts.at_word_parts > 20, "no long name was broken: the test would prove nothing"
    assert counts.inside_words == [], (
        f"{len(counts.inside_words)} breaks inside a word of a name "
        f"({counts.at_word_parts} between word parts): {counts.inside_words[:10]}")


def test_the_name_oracle_knows_the_generators_words() -> None:
    part = "มีสุขชัยประเสริฐชัยย"
    bounds = word_boundaries(part)
    assert bounds is not None
    assert {part.index("ชัย"), part.index("ประเสริฐ")} <= bounds
    assert part.index("สุข") not in bounds  # inside the surname มีสุข
    assert len(part) - 1 not in bounds  # the padding stays with its word
    fits = lambda s: thai_text.display_cells(s) <= 12  # noqa: E731
    counts = NameBreaks(inside_words=[])
    text = f"นาย ณัฐพล {part}"
    cut = text.index("ประเสริฐ") + 3
    name_breaks(Wrapped(text, [text[:cut], text[cut:]], fits), counts, {part})
    assert counts.inside_words == ["มีสุขชัยประ|เสริฐชัยย"]
