"""Spliced numbers, dates, codes: Thai numbers against pythainlp's own speller (an
independent oracle), the rest by tables."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pythainlp.util import num_to_thaiword

from kiosk.audio import splice
from kiosk.audio.splice import SPLICE_TEXTS
from kiosk.audio.utterance import Clip, Pause


def said(items, lang) -> str:  # type: ignore[no-untyped-def]
    return "".join(SPLICE_TEXTS[lang][i.key] for i in items if isinstance(i, Clip))


@given(st.integers(min_value=0, max_value=99999))
def test_thai_numbers_read_as_pythainlp_reads_them(n: int) -> None:
    assert said(splice.number(n, "th"), "th") == num_to_thaiword(n)


@pytest.mark.parametrize(("n", "words"), [
    (0, "zero"), (7, "seven"), (13, "thirteen"), (40, "forty"), (42, "forty two"),
    (100, "one hundred"), (305, "three hundred five"),
    (2569, "two thousand five hundred sixty nine"),
])
def test_english_numbers(n: int, words: str) -> None:
    assert " ".join(SPLICE_TEXTS["en"][i.key] for i in splice.number(n, "en")) == words


@pytest.mark.parametrize(("y", "words"), [
    (1987, "nineteen eighty seven"), (2005, "two thousand five"), (1905, "nineteen oh five"),
    (2026, "two thousand twenty six"), (1900, "nineteen hundred"),
])
def test_english_years(y: int, words: str) -> None:
    assert " ".join(SPLICE_TEXTS["en"][i.key] for i in splice.year(y, "en")) == words


@pytest.mark.parametrize(("text", "lang", "words"), [
    ("12 มี.ค. 2530", "th", "สิบสอง มีนาคม สองพันห้าร้อยสามสิบ"),
    ("12 Mar 1987", "en", "twelve March nineteen eighty seven"),
    ("มี.ค. 2530", "th", "มีนาคม สองพันห้าร้อยสามสิบ"),
    ("2530", "th", "สองพันห้าร้อยสามสิบ"),
    ("06/12/2569 14:05 น.", "th", "หก ธันวาคม สองพันห้าร้อยหกสิบเก้า สิบสี่ นาฬิกา ห้า นาที"),
])
def test_dates_the_thai_way(text: str, lang: str, words: str) -> None:
    items = splice.value(text, lang)  # type: ignore[arg-type]
    assert items is not None
    spoken = " ".join(SPLICE_TEXTS[lang][i.key] for i in items)  # type: ignore[index]
    assert spoken.replace(" ", "") == words.replace(" ", "")
    assert all(i.personal for i in items)


def test_citizen_id_in_digit_groups() -> None:
    items = splice.code("1-2345-67890-12-3")
    groups: list[list[str]] = [[]]
    for i in items:
        if isinstance(i, Pause):
            groups.append([])
        else:
            groups[-1].append(i.key.removeprefix("digit."))
    assert ["".join(g) for g in groups] == ["1", "2345", "67890", "12", "3"]


def test_masked_digits_and_ticket_letters() -> None:
    keys = [i.key for i in splice.code("A-042") if isinstance(i, Clip)]
    assert keys == ["letter.A", "digit.0", "digit.4", "digit.2"]
    masked = [i.key for i in splice.code("1-1017-xxxxx-xx-0") if isinstance(i, Clip)]
    assert masked.count("speech.masked") == 7


@pytest.mark.parametrize("text", ["นายสมชาย ใจดี", "Male", "ใช้งานได้"])
def test_free_text_is_not_spliced(text: str) -> None:
    assert splice.value(text, "th") is None
