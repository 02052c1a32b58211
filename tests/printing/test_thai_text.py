"""Thai line breaking: by words, never separating a mark from its base."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain import thai_words
from kiosk.receipts import thai_text
from kiosk.receipts.thai_text import (
    break_points,
    clusters,
    display_cells,
    is_combining,
    wrap_thai,
)

SENTENCE = "กรุณาเก็บใบรับนี้ไว้เป็นหลักฐาน และแสดงต่อเจ้าหน้าที่เมื่อมาติดต่อที่สำนักงานเขต"

thai_chars = st.sampled_from(
    [chr(c) for c in range(0x0E01, 0x0E3B)] + [chr(c) for c in range(0x0E40, 0x0E4F)]
    + [" ", "A", "1", "-"]
)


def cells_fit(n: int):
    return lambda s: display_cells(s) <= n


def test_break_points_are_words_and_rejoin() -> None:
    pieces = break_points(SENTENCE)
    assert "".join(pieces) == SENTENCE
    assert "เจ้าหน้าที่" in pieces and "หลักฐาน" in pieces


def test_wrap_breaks_between_words_only() -> None:
    lines = wrap_thai(SENTENCE, cells_fit(20))
    words = set(break_points(SENTENCE))
    assert len(lines) > 2
    for line in lines:
        assert display_cells(line) <= 20
        # every line is a concatenation of whole words
        assert "".join(p for p in break_points(line)) == line
    assert "".join(lines).replace(" ", "") == SENTENCE.replace(" ", "")
    first_words_of_lines = [break_points(line)[0] for line in lines]
    assert all(w in words for w in first_words_of_lines)


def test_no_space_left_at_line_edges() -> None:
    for line in wrap_thai(SENTENCE, cells_fit(22)):
        assert line == line.strip()


def test_word_longer_than_a_line_is_split_between_clusters() -> None:
    lines = wrap_thai("สำนักงานทะเบียนราษฎร", cells_fit(4))
    assert all(display_cells(line) <= 4 for line in lines)
    for line in lines:
        assert not is_combining(line[0])


def test_clusters_keep_marks_and_leading_vowels() -> None:
    assert clusters("เกี่ยว") == ["เกี่", "ย", "ว"]
    assert clusters("น้ำ") == ["น้ำ"]
    assert "".join(clusters(SENTENCE)) == SENTENCE


def test_explicit_newlines_are_kept() -> None:
    assert wrap_thai("บรรทัดแรก\nบรรทัดสอง", lambda s: True) == ["บรรทัดแรก", "บรรทัดสอง"]


def test_fallback_without_dictionary_still_keeps_marks(monkeypatch) -> None:
    monkeypatch.setattr(thai_text, "_segment", lambda text: tuple(thai_words.fallback_words(text)))
    lines = wrap_thai(SENTENCE, cells_fit(10))
    assert "".join(lines).replace(" ", "") == SENTENCE.replace(" ", "")
    assert all(not is_combining(line[0]) for line in lines if line)


@settings(max_examples=200, deadline=None)
@given(text=st.text(thai_chars, min_size=1, max_size=80), width=st.integers(3, 30))
def test_no_line_starts_with_a_mark_or_ends_with_a_leading_vowel(text: str, width: int) -> None:
    lines = wrap_thai(text, cells_fit(width))
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for i, line in enumerate(lines):
        # only a single unbreakable cluster (e.g. เกา) may be wider than a tiny width
        assert display_cells(line) <= width or len(clusters(line)) == 1
        if i > 0 and line:
            assert not is_combining(line[0]) and line[0] not in "ะาำๅ"
        if i < len(lines) - 1 and line and lines[i + 1]:
            # a leading vowel stays with its consonant (unless malformed: two in a row)
            assert line[-1] not in "เแโใไ" or lines[i + 1][0] in "เแโใไ"


ADDRESS = "27 ซอยพระราม 4 14 ถนนอู่ทอง แขวงคลองเตย อำเภอพระนครศรีอยุธยา จังหวัดพระนครศรีอยุธยา"


def test_each_address_part_stays_with_its_prefix() -> None:
    """ตำบล/แขวง, อำเภอ/เขต, จังหวัด, ถนน, ซอย (with its numbers): one unit each."""
    lines = wrap_thai(ADDRESS, cells_fit(24))
    assert len(lines) >= 3
    for part in ("ซอยพระราม 4 14", "ถนนอู่ทอง", "แขวงคลองเตย", "อำเภอพระนครศรีอยุธยา",
                 "จังหวัดพระนครศรีอยุธยา"):
        assert any(part in line for line in lines), (part, lines)


def test_an_address_part_wider_than_the_line_breaks_between_its_words() -> None:
    # the prefix, then the name whole (not "จังหวัดพระนคร" / "ศรีอยุธยา" by width)
    assert wrap_thai("จังหวัดพระนครศรีอยุธยา", cells_fit(16)) == ["จังหวัด", "พระนครศรีอยุธยา"]
