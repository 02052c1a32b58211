"""Hypothesis strategies for the domain values (shared by the tests in this folder)."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from kiosk.domain import Address, PersonName, ThaiDate, generate
from kiosk.domain.thai_date import LIFELONG, MAX_BE_YEAR, MIN_BE_YEAR

THAI_LETTERS = "".join(chr(c) for c in range(0x0E01, 0x0E2F))  # ก..ฮ
THAI_MARKS = "ะาำิีึืุูเแโใไ่้๊๋์"
# Characters TIS-620 can hold, as found in names and addresses.
ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
NAME_ALPHABET = THAI_LETTERS + THAI_MARKS + ASCII_LETTERS + ".-'"

citizen_ids = st.builds(
    generate,
    category=st.integers(1, 8),
    office=st.text("0123456789", min_size=4, max_size=4),
    serial=st.integers(0, 9_999_999),
)

complete_dates = st.dates(
    min_value=date(MIN_BE_YEAR - 543, 1, 1), max_value=date(MAX_BE_YEAR - 543, 12, 31)
).map(ThaiDate.from_date)
be_years = st.integers(MIN_BE_YEAR, MAX_BE_YEAR)
thai_dates = st.one_of(
    complete_dates,
    be_years.map(ThaiDate),
    st.builds(ThaiDate, be_years, st.integers(1, 12)),
    st.just(LIFELONG),
)

words = st.text(NAME_ALPHABET, min_size=1, max_size=10)
name_parts = st.lists(words, min_size=1, max_size=3).map(" ".join)
optional_parts = st.one_of(st.just(""), name_parts)

person_names = st.builds(
    PersonName, prefix=optional_parts, first=name_parts, middle=optional_parts,
    last=optional_parts,
)  # fmt: skip


def _prefixed(prefix: str) -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), name_parts.map(lambda text: prefix + text))


addresses = st.builds(
    Address,
    house_no=st.from_regex(r"[1-9][0-9]{0,3}(/[0-9]{1,3})?", fullmatch=True),
    moo=st.one_of(st.just(""), st.integers(1, 30).map(lambda n: f"หมู่ที่ {n}")),
    trok=_prefixed("ตรอก").filter(lambda t: "ซอย" not in t),
    soi=_prefixed("ซอย"),
    road=_prefixed("ถนน"),
    unused=st.just(""),
    subdistrict=st.one_of(_prefixed("ตำบล"), _prefixed("แขวง")),
    district=st.one_of(_prefixed("อำเภอ"), _prefixed("เขต")),
    province=st.one_of(_prefixed("จังหวัด"), st.just("กรุงเทพมหานคร")),
)

# Text TIS-620 can hold with no control characters and no trailing padding.
card_texts = st.text(NAME_ALPHABET + " #/0123456789", max_size=60).map(str.rstrip)
