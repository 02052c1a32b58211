"""On screen, lines break only where the slips may break them: never inside a word of a
name, an ID, a reference, a time with "น." or a number with its unit.

Real Kivy labels are drawn and the lines Kivy itself lays out are read back
(`KLabel.drawn_lines`): Kivy cuts a line too wide for its box anywhere, so checking only
the text we hand it would miss exactly the fault this guards against (a long surname cut
"…สุวรรณสุ|วรรณกุล…" on the identity screen). Names: the seed population's longest, the
identity screen's extreme case in every variant, and Hypothesis-made names out of the
name words pythainlp ships; a cut may fall only at a space or between two of the words
the name was made of.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from kivy.base import EventLoop
from uikit_feeder import ViewFeeder

from kiosk.commands.contact_sheet import build_cases
from kiosk.domain.thai_words import clusters, name_words
from kiosk.session.view import Screen
from kiosk.ui.app import KioskApp
from kiosk.ui.contact_sheet import show
from kiosk.ui.layout_cases import VARIANTS
from kiosk.ui.style import style
from kiosk.ui.widgets import SMALLEST_NAME_SCALE, KLabel, _measurer, load_segmenter

pytestmark = pytest.mark.usefixtures("segmenter")


@pytest.fixture(scope="module")
def segmenter() -> None:
    assert load_segmenter().join(30) is None


def _line_starts(lines: list[str], text: str) -> list[int]:
    """Offsets in ``text`` where each drawn line after the first starts."""
    offsets, at = [], 0
    for line in lines:
        at = text.index(line.strip(), at)
        offsets.append(at)
        at += len(line.strip())
    return offsets[1:]


def _drawn(text: str, width: float, *, name: bool, bold: bool = True) -> list[str]:
    label = KLabel(raw=text, whole_words=name, bold=bold, size_hint_x=None, width=width)
    label._apply()
    lines = label.drawn_lines()
    assert lines == label.text.split("\n"), "Kivy cut a line the wrap did not"
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    return lines


def _cuts_allowed(parts: list[list[str]]) -> set[int]:
    """Offsets a name ``"w1w2 w3…"`` (each part given as its words) may break at."""
    allowed, at = set(), 0
    for part in parts:
        for word in part:
            at += len(word)
            allowed.add(at)
        at += 1  # the space
        allowed.add(at)
    return allowed


def test_the_extreme_identity_never_cuts_a_name_word(kiosk_app: KioskApp,
                                                     feeder: ViewFeeder) -> None:
    case = next(c for c in build_cases()
                if c.content == "extreme" and c.screen == Screen.IDENTITY)
    for i, variant in enumerate(VARIANTS):
        show(kiosk_app, case.view(9800 + i, variant), variant, EventLoop.idle)
        screen = kiosk_app.manager.current_screen
        for field in ("name", "cid"):
            label = screen.fields[field]
            lines = label.drawn_lines()
            assert lines == label.text.split("\n"), (variant.label, field, lines)
        name = screen.fields["name"]
        text = name.source_text()
        lines = name.drawn_lines()
        assert len(lines) >= 2, (variant.label, lines)  # the case is extreme: it wraps
        if variant.language == "th":
            title, first, surname = text.split(" ")
            surname_words = list(name_words(surname) or (surname,))
            # every cut: a space, or between words of the name list (never "สุวรรณสุ|วรรณ")
            allowed = _cuts_allowed([[title], [first], surname_words])
            for cut in _line_starts(lines, text):
                assert cut in allowed, (variant.label, text[cut - 8:cut], text[cut:cut + 8])
        else:  # romanised: no word list, so a part is drawn smaller rather than cut...
            prose = KLabel(raw=text, bold=True, size_hint_x=None, width=name.width)
            assert name.font_size < prose.font_size, variant.label
            smallest = _measurer(name.font_name, int(prose.font_size * SMALLEST_NAME_SCALE))
            for cut in _line_starts(lines, text):
                # ...and cut only where even the smallest size cannot hold it (this case's
                # surname is the card's whole 100 letters)
                part = text[text.rfind(" ", 0, cut) + 1:].split(" ")[0]
                assert text[cut - 1] == " " or smallest(part) > name.width, \
                    (variant.label, text[cut - 8:cut], text[cut:])


def _seed_names() -> list[tuple[str, str]]:
    from simulators.seeds import load_seeds

    people = [c.identity() for c in load_seeds().citizens]
    names = sorted(people, key=lambda p: -len(p.name_th.display()))[:12]
    return [(p.name_th.display(), p.name_en.display()) for p in names]


@pytest.mark.parametrize("width", [260, 420, 640])
def test_the_longest_seed_names_break_only_between_parts(kiosk_app: KioskApp,
                                                         width: int) -> None:
    for th, en in _seed_names():
        for text in (th, en):
            lines = _drawn(text, width, name=True)
            words = text.split(" ")
            for cut in _line_starts(lines, text):
                if text[cut - 1] == " ":
                    continue
                # inside a part: only a part wider than the whole line may be cut at all
                part = next(w for w in words if text.find(w) <= cut < text.find(w) + len(w))
                assert _drawn(part, width, name=True) != [part], (text, cut)


_NAME_WORDS = ["สุวรรณ", "กุล", "แก้ว", "ประเสริฐ", "ชัย", "วงศ์", "ทอง", "รัตน์", "ศรี",
               "บุญ", "เรือง", "จันทร์", "หอม"]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(st.sampled_from(_NAME_WORDS), min_size=1, max_size=2),
       surname=st.lists(st.sampled_from(_NAME_WORDS), min_size=4, max_size=14),
       title=st.sampled_from(["นาย", "นางสาว", "ด.ช."]),
       width=st.integers(180, 700))
def test_generated_long_names_break_only_between_their_words(
        kiosk_app: KioskApp, first: list[str], surname: list[str], title: str,
        width: int) -> None:
    text = f"{title} {''.join(first)} {''.join(surname)}"
    lines = _drawn(text, width, name=True)
    allowed = _cuts_allowed([[title], first, surname])
    cluster_cuts, at = set(), 0
    for cl in clusters(text):
        at += len(cl)
        cluster_cuts.add(at)
    for cut in _line_starts(lines, text):
        assert cut in cluster_cuts  # a mark never starts a line
        assert cut in allowed or _between_listed_words(text, cut), \
            (lines, text[:cut][-8:], text[cut:][:8])


def _spelled(text: str) -> bool:
    """``text`` is wholly listed name words of two clusters or more (a reading of it)."""
    from kiosk.domain.thai_words import name_word_set

    words = name_word_set()
    assert words is not None
    ok = [True] + [False] * len(text)
    for end in range(1, len(text) + 1):
        ok[end] = any(ok[start] and text[start:end] in words
                      and len(clusters(text[start:end])) >= 2 for start in range(end))
    return ok[-1]


def _between_listed_words(text: str, cut: int) -> bool:
    """A cut the name list itself reads as one (``ทองสุ|วรรณกุล``: both are listed
    names), not one inside a word (``สุวรรณสุ|วรรณกุล``: no reading ends at ``สุ``)."""
    start = text.rfind(" ", 0, cut) + 1
    end = text.find(" ", cut)
    end = len(text) if end < 0 else end
    return _spelled(text[start:cut]) and _spelled(text[cut:end])


_SYLLABLES = ["Su", "wan", "na", "kul", "Chak", "kra", "phan", "Pra", "soet", "wong", "thong",
              "rat", "si", "bun", "rueang", "chan", "hom"]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(st.sampled_from(_SYLLABLES), min_size=1, max_size=3),
       surname=st.lists(st.sampled_from(_SYLLABLES), min_size=3, max_size=9),
       title=st.sampled_from(["Mr.", "Mrs.", "Miss", "Master"]),
       width=st.integers(160, 700))
def test_romanised_names_are_drawn_smaller_never_cut_inside_a_part(
        kiosk_app: KioskApp, first: list[str], surname: list[str], title: str,
        width: int) -> None:
    """A romanised part has no word list to break it by (the card spells "Suwannasuwankul"
    as one word): the name is drawn smaller until its widest part fits a line."""
    surname_text = "".join(surname).capitalize()
    text = f"{title} {''.join(first).capitalize()} {surname_text}"
    prose = KLabel(raw=text, bold=True, size_hint_x=None, width=width)
    smallest = _measurer(prose.font_name, int(prose.font_size * SMALLEST_NAME_SCALE))
    # only a name a line can hold at the smallest allowed size is promised whole parts
    assume(max(smallest(part) for part in text.split(" ")) <= width)
    lines = _drawn(text, width, name=True)
    for cut in _line_starts(lines, text):
        assert text[cut - 1] == " ", (lines, width)


@pytest.mark.parametrize("large_text", [False, True])
def test_a_romanised_name_that_fits_keeps_its_size(kiosk_app: KioskApp, large_text: bool
                                                   ) -> None:
    # The style is the app's, shared by the whole run: the type size is read from it, never
    # assumed (a hard-coded line width passed or failed with whatever size an earlier test
    # left: test-twice caught a surname that fitted its 480 px at 33 px).
    surname = "Suwannasuwankulwongthong"
    s = style()
    was = s.large_text
    s.large_text = large_text
    try:
        prose = KLabel(raw=surname, bold=True, size_hint_x=None, width=4000)
        short = KLabel(raw="Mr. Somchai Jaidee", whole_words=True, size_hint_x=None,
                       width=4000)
        prose._apply()
        short._apply()
        measure = _measurer(prose.font_name, int(prose.font_size))
        # a line 15 % narrower than the surname at this size: too narrow at full size,
        # wide enough at the smallest allowed one (0.6)
        width = int(measure(surname) * 0.85) + prose.padding[0] + prose.padding[2]
        long = KLabel(raw=f"Mr. Somchai {surname}", whole_words=True, bold=True,
                      size_hint_x=None, width=width)
        long._apply()
        assert short.font_size == prose.font_size  # a name that fits is not shrunk
        assert int(SMALLEST_NAME_SCALE * prose.font_size) <= long.font_size \
            < prose.font_size
        assert _measurer(long.font_name, int(long.font_size))(surname) <= width
        assert surname in long.drawn_lines()[-1]
    finally:
        s.large_text = was


_TOKENS = st.one_of(
    st.builds(lambda d, x: f"{d}-{x[:4]}-xxxxx-xx-{x[4]}", st.sampled_from("1358"),
              st.text("0123456789", min_size=5, max_size=5)),
    st.builds(lambda y, a, b: f"RR-{y}-{a:06d}-{b:04d}", st.integers(2560, 2570),
              st.integers(0, 999999), st.integers(0, 9999)),
    st.builds(lambda h, m: f"{h:02d}:{m:02d} น.", st.integers(0, 23), st.integers(0, 59)),
    st.builds(lambda n, u: f"{n:,} {u}", st.integers(1, 99999),
              st.sampled_from(["บาท", "บาท/เดือน", "คน", "นาที"])),
)
_PROSE = ["กรุณาติดต่อเจ้าหน้าที่ที่เคาน์เตอร์พร้อมหมายเลขอ้างอิง", "ระบบจะพิมพ์ใบรับรองให้ท่าน",
          "เวลานัดหมายของท่านคือ", "ค่าธรรมเนียม", "เลขประจำตัวประชาชน"]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.sampled_from(_PROSE), token=_TOKENS, after=st.sampled_from(_PROSE),
       width=st.integers(260, 700))
def test_ids_references_times_and_amounts_stay_on_one_line(
        kiosk_app: KioskApp, before: str, token: str, after: str, width: int) -> None:
    text = f"{before} {token} {after}"
    probe = KLabel(raw=token)
    token_px = _measurer(probe.font_name, int(probe.font_size))(token)
    lines = _drawn(text, max(width, token_px + 8), name=False, bold=False)
    assert any(token in line for line in lines), (token, lines)
