from __future__ import annotations

import pytest
from domain_strategies import addresses
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain import Address, DomainError, InvalidAddress, decode_card_text, encode_card_text

BANGKOK = "99/1#หมู่ที่ 2##ถนนสุขุมวิท##แขวงคลองเตย#เขตคลองเตย#กรุงเทพมหานคร"
NO_SOI = "12#หมู่ที่ 4##ถนนมิตรภาพ##ตำบลในเมือง#อำเภอเมืองขอนแก่น#จังหวัดขอนแก่น"


def test_bangkok_address() -> None:
    a = Address.parse(BANGKOK)
    assert a.house_no == "99/1" and a.moo == "หมู่ที่ 2" and a.road == "ถนนสุขุมวิท"
    assert a.soi == "" and a.trok == ""
    assert a.subdistrict == "แขวงคลองเตย" and a.district == "เขตคลองเตย"
    assert a.province == "กรุงเทพมหานคร"
    assert a.is_bangkok
    assert (a.subdistrict_name, a.district_name, a.province_name) == (
        "คลองเตย", "คลองเตย", "กรุงเทพมหานคร",
    )  # fmt: skip
    assert a.display_lines() == [
        "99/1 หมู่ที่ 2 ถนนสุขุมวิท", "แขวงคลองเตย เขตคลองเตย", "กรุงเทพมหานคร",
    ]  # fmt: skip
    assert a.to_card() == BANGKOK


def test_province_address_without_soi() -> None:
    a = Address.parse(NO_SOI)
    assert not a.is_bangkok
    assert a.soi == "" and a.moo == "หมู่ที่ 4"
    assert (a.subdistrict_name, a.district_name, a.province_name) == (
        "ในเมือง", "เมืองขอนแก่น", "ขอนแก่น",
    )  # fmt: skip
    assert a.display_lines()[-1] == "จังหวัดขอนแก่น"
    assert a.to_card() == NO_SOI


def test_trok_and_soi_share_a_slot() -> None:
    a = Address.parse("5#หมู่ที่ 1#ตรอกโรงน้ำแข็ง ซอย 3#ถนนเจริญกรุง##แขวงสีลม#เขตบางรัก#กรุงเทพมหานคร")
    assert a.trok == "ตรอกโรงน้ำแข็ง" and a.soi == "ซอย 3"
    b = Address.parse("5##ซอยสุขุมวิท 22#ถนนสุขุมวิท##แขวงคลองตัน#เขตคลองเตย#กรุงเทพมหานคร")
    assert b.trok == "" and b.soi == "ซอยสุขุมวิท 22"


def test_both_readings_of_slots_three_to_five_agree() -> None:
    # Reference layout: house#moo#trok/soi#road#(unused)#...; some readers assume
    # house#moo#trok#soi#road#... . A soi in the road slot means the second layout.
    reference = "12/3#หมู่ที่ 5#ซอยวัดใหม่#ถนนมิตรภาพ##ตำบลในเมือง#อำเภอเมืองขอนแก่น#จังหวัดขอนแก่น"
    other = "12/3#หมู่ที่ 5##ซอยวัดใหม่#ถนนมิตรภาพ#ตำบลในเมือง#อำเภอเมืองขอนแก่น#จังหวัดขอนแก่น"
    both = "9##ตรอกโรงน้ำแข็ง#ซอย 3#ถนนเจริญกรุง#แขวงสีลม#เขตบางรัก#กรุงเทพมหานคร"
    a, b = Address.parse(reference), Address.parse(other)
    assert a == b and a.soi == "ซอยวัดใหม่" and a.road == "ถนนมิตรภาพ" and a.unused == ""
    assert b.to_card() == reference
    c = Address.parse(both)
    assert (c.trok, c.soi, c.road) == ("ตรอกโรงน้ำแข็ง", "ซอย 3", "ถนนเจริญกรุง")


def test_extra_spaces_are_tidied() -> None:
    a = Address.parse("  99/1 #หมู่ที่   2##ถนน สุขุมวิท ##แขวงคลองเตย#เขตคลองเตย#กรุงเทพมหานคร   ")
    assert a.house_no == "99/1" and a.moo == "หมู่ที่ 2" and a.road == "ถนน สุขุมวิท"


def test_fewer_slots_are_placed_by_prefix() -> None:
    a = Address.parse("99#ตำบลในเมือง#อำเภอเมืองขอนแก่น#จังหวัดขอนแก่น")
    assert a.house_no == "99"
    assert (a.subdistrict, a.district, a.province) == (
        "ตำบลในเมือง", "อำเภอเมืองขอนแก่น", "จังหวัดขอนแก่น",
    )  # fmt: skip
    b = Address.parse("7#หมู่ที่ 3")
    assert b.moo == "หมู่ที่ 3" and b.province == ""


def test_truncated_100_byte_read_still_parses() -> None:
    # Most readers read 100 of the 160 address bytes; a long address loses its tail.
    long = "123/45#หมู่ที่ 12#ซอยเทศบาลบำรุงราษฎร์ 12#ถนนเทพกระษัตรี##ตำบลตลาดใหญ่#อำเภอเมืองภูเก็ต#จังหวัดภูเก็ต"
    raw = encode_card_text(long, 160)[:100]
    a = Address.parse(decode_card_text(raw))
    assert a.house_no == "123/45" and a.province != "จังหวัดภูเก็ต"


def test_is_bangkok_by_district_prefix_even_without_province() -> None:
    assert Address.parse("1#####แขวงสีลม#เขตบางรัก#").is_bangkok
    assert not Address.parse("1#####ตำบลศรีภูมิ#อำเภอเมืองเชียงใหม่#").is_bangkok


@pytest.mark.parametrize("text", ["", "#######", "       ", " # # "])
def test_an_empty_address_field_is_an_empty_address(text: str) -> None:
    address = Address.parse(text)
    assert address.is_empty and address.display_lines() == []
    assert not Address.parse("1#######").is_empty


@pytest.mark.parametrize("text", ["1#2#3#4#5#6#7#8#9", "1#a\tb######"])
def test_rejects(text: str) -> None:
    with pytest.raises(InvalidAddress):
        Address.parse(text)


def test_repr_hides_the_address() -> None:
    assert "คลองเตย" not in repr(Address.parse(BANGKOK))


@given(addresses)
def test_round_trip(address: Address) -> None:
    assert Address.parse(address.to_card()) == address
    assert address.to_card().count("#") == 7


@given(st.lists(st.text(max_size=20), max_size=12).map("#".join))
def test_garbage_raises_only_domain_errors(text: str) -> None:
    try:
        address = Address.parse(text)
    except DomainError:
        return
    assert Address.parse(address.to_card()) == address
