from __future__ import annotations

import pytest
from domain_strategies import card_texts
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain import DomainError, InvalidEncoding, decode_card_text, encode_card_text


def test_thai_text_round_trip_with_padding() -> None:
    raw = encode_card_text("นาย#สมชาย##ใจดี", 100)
    assert len(raw) == 100 and raw.endswith(b" ")
    assert raw[:3] == bytes([0xB9, 0xD2, 0xC2])  # น า ย in TIS-620
    assert decode_card_text(raw) == "นาย#สมชาย##ใจดี"


def test_strips_trailing_spaces_nuls_and_ffs_only() -> None:
    assert decode_card_text(b" a b \x00\x00  \x00") == " a b"
    assert decode_card_text(b"ab\x00\xff\xff \x00") == "ab"
    assert decode_card_text(b"\xff" * 8) == ""
    assert decode_card_text(b"") == ""
    assert decode_card_text(b"    ") == ""


def test_windows_thai_superset_decodes() -> None:
    assert decode_card_text(b"\x93x\x94") == "\u201cx\u201d"  # cp874 quotes


@pytest.mark.parametrize("raw", [b"\xffa", b"ab\xdbcd", b"\xfc", b"a\x00b", b"a\nb", b"\x81"])
def test_rejects_undecodable_or_control_bytes(raw: bytes) -> None:
    with pytest.raises(InvalidEncoding):
        decode_card_text(raw)


def test_encode_rejects_too_long_unencodable_and_control() -> None:
    with pytest.raises(InvalidEncoding) as info:
        encode_card_text("กขค", 2)
    assert info.value.reason == "encoding.too_long"
    with pytest.raises(InvalidEncoding):
        encode_card_text("日本", 10)
    with pytest.raises(InvalidEncoding):
        encode_card_text("€", 10)  # cp874 has it, TIS-620 does not: never written
    with pytest.raises(InvalidEncoding):
        encode_card_text("a\x00", 10)
    assert encode_card_text("กขค", 3) == bytes([0xA1, 0xA2, 0xA4])


@given(card_texts, st.integers(0, 40))
def test_round_trip(text: str, spare: int) -> None:
    length = len(text.encode("tis_620")) + spare
    raw = encode_card_text(text, length)
    assert len(raw) == length
    assert decode_card_text(raw) == text


@given(st.binary(max_size=200))
def test_random_bytes_raise_only_domain_errors(raw: bytes) -> None:
    try:
        text = decode_card_text(raw)
    except DomainError:
        return
    assert not text.endswith(" ")


@given(st.text(max_size=50), st.integers(0, 60))
def test_random_text_encode_raises_only_domain_errors(text: str, length: int) -> None:
    try:
        raw = encode_card_text(text, length)
    except DomainError:
        return
    assert len(raw) == length
