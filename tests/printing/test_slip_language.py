"""Every value on a slip is in the slip's language.

Each slip kind of every seed citizen is rendered in native (CP874 text) mode and read back
by the virtual printer's own ESC/POS interpreter. A Thai slip fails on a Latin word that is
not part of an ID or reference (or the person's English name, a name); an English slip
fails on a Thai word that is not part of a name or an address from the seed data (people,
hospitals, addresses), the independent list of what may stay in Thai.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest

from kiosk.receipts.profiles import load_profiles
from kiosk.receipts.render import render_receipt
from simulators.seed_slips import KINDS, seed_slips
from simulators.seeds import load_seeds
from simulators.vprinter.interpreter import Interpreter

PROFILE = load_profiles(Path(__file__).resolve().parents[2] / "config" /
                        "printer-profiles.toml")["epson-tm-t82-thai"]
# IDs and references: masked citizen IDs, kiosk ids, request references, slip serials,
# queue-ticket numbers
CODE = re.compile(r"\b[0-9A-Za-z]+(?:[-/.:][0-9A-Za-z]+)+\b|\b[A-Z2-7]{10}\b|\b[A-Z]\d{3,}\b")
LATIN_WORD = re.compile(r"[A-Za-z]+")
THAI_RUN = re.compile(r"[\u0e01-\u0e4e]+(?:\.[\u0e01-\u0e4e]+)*\.?")


def _allowed_words() -> tuple[set[str], str, set[str], str]:
    """Latin words of English names and those names run together; Thai words of names and
    addresses in the seeds, and those run together (a word cut at a line end, as a name
    wider than the line is, is a piece of one)."""
    seeds = load_seeds()
    latin: set[str] = set()
    latin_names: list[str] = []
    fields: list[str] = []
    for c in seeds.citizens:
        latin.update(LATIN_WORD.findall(c.card.en_name))
        latin_names.append(re.sub(r"[#\s]", "", c.card.en_name))
        fields += [c.card.th_name, c.card.address, c.card.issuer]
        nhso = c.raw.get("nhso") or {}
        fields += [str(nhso.get(key) or "") for key in ("main_hospital", "sub_hospital")]
    fields += [str(h.get("address", "")) for h in seeds.households]
    thai = {word for field in fields for word in THAI_RUN.findall(field)}
    return (latin, "|".join(latin_names), thai,
            "|".join(re.sub(r"[#\s]", "", f) for f in fields))


LATIN_NAMES, LATIN_FIELDS, THAI_NAMES, THAI_FIELDS = _allowed_words()


class TextOnlyPaper:
    """The paper's text record only (drawing every glyph would make this test slow)."""

    width = 576

    def __init__(self) -> None:
        self.text: list[str] = []

    def text_line(self, text: str, **_: object) -> None:
        self.text.append(text)

    def feed(self, dots: int) -> None: ...

    def raster(self, *_: object, **__: object) -> None: ...

    def qr(self, *_: object, **__: object) -> None: ...


def decoded_lines(data: bytes) -> list[str]:
    """The text lines the virtual printer's firmware prints for ``data``."""
    view = memoryview(data)
    at = 0

    class Source:
        def read(self, n: int) -> bytes:
            nonlocal at
            if at + n > len(view):
                raise EOFError
            chunk = bytes(view[at:at + n])
            at += n
            return chunk

    paper = TextOnlyPaper()
    interpreter = Interpreter(Source(), paper, reply=lambda b: None,  # type: ignore[arg-type]
                              status_byte=lambda n: 0x12, paper_status_byte=lambda: 0,
                              on_cut=lambda: None, can_print=lambda: True)
    with contextlib.suppress(EOFError):
        interpreter.run()
    return list(paper.text)


def foreign_words(line: str, language: str) -> list[str]:
    rest = CODE.sub(" ", line)
    if language == "th":
        words = LATIN_WORD.findall(rest)
        return [w for i, w in enumerate(words) if w not in LATIN_NAMES and not (
            i in (0, len(words) - 1) and w in LATIN_FIELDS)]
    runs = list(re.finditer(THAI_RUN, rest.strip()))
    foreign = []
    for i, m in enumerate(runs):
        word = m.group(0)
        at_edge = i in (0, len(runs) - 1)
        if word in THAI_NAMES or (at_edge and word in THAI_FIELDS):
            continue
        foreign.append(word)
    return foreign


@pytest.mark.parametrize("kind", KINDS)
def test_slips_speak_one_language(kind: str) -> None:
    problems: list[str] = []
    slips = 0
    for slip in seed_slips((kind,)):
        lines = decoded_lines(render_receipt(slip.document, PROFILE, "native"))
        title = slip.document.blocks[0].text  # type: ignore[union-attr]
        assert title.replace(" ", "") in "".join(lines).replace(" ", ""), lines  # decoded
        slips += 1
        for line in lines:
            for word in foreign_words(line, slip.language):
                problems.append(f"{slip.language} {kind} {slip.cid[-4:]}: {word!r} in {line!r}")
    assert slips >= 2 * len(load_seeds().citizens)
    assert problems == [], "\n".join(sorted(set(problems))[:30])


def test_the_oracle_sees_the_old_mistakes() -> None:
    assert foreign_words("สวัสดิการ เบี้ยยังชีพผู้สูงอายุ: active 600 บาท/เดือน", "th") == [
        "active"]
    assert foreign_words("Welfare Elderly Allowance: active 600 บาท/เดือน", "en") == [
        "บาท", "เดือน"]
    assert foreign_words("Pick up at Registry office 1017", "en") == []
    assert foreign_words("เลขที่คำขอ KIOSK-20261130-862572 1-1017-xxxxx-xx-0", "th") == []


THAI = re.compile(r"[\u0e01-\u0e4e]")


def test_english_slips_print_the_english_name_and_label_what_is_only_thai() -> None:
    """The English registry slip's "Name" is the card's English name; every row of an
    English slip whose value holds Thai script says "(in Thai)" in its label."""
    from kiosk.receipts.model import Row

    seeds = {c.cid: c for c in load_seeds().citizens}
    labelled = names = 0
    for slip in seed_slips(KINDS, ("en",)):
        rows = [b for b in slip.document.blocks if isinstance(b, Row)]
        for row in rows:
            if THAI.search(row.value):
                assert row.key.endswith("(in Thai)"), (slip.kind, row)
                labelled += 1
            assert not THAI.search(row.key), row
        if slip.kind == "registry_record":
            name = next(r.value for r in rows if r.key == "Name")
            card = seeds[slip.cid].identity().name_en.display()
            assert name == card and not THAI.search(name)
            names += 1
    assert names == len(seeds) and labelled > len(seeds)
