from __future__ import annotations

import pytest
from domain_strategies import person_names
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain import DomainError, InvalidName, PersonName


def test_thai_name() -> None:
    name = PersonName.parse("นาย#สมชาย##ใจดี")
    assert (name.prefix, name.first, name.middle, name.last) == ("นาย", "สมชาย", "", "ใจดี")
    assert name.display() == "นาย สมชาย ใจดี"
    assert name.full_name() == "สมชาย ใจดี"
    assert name.to_card() == "นาย#สมชาย##ใจดี"


@pytest.mark.parametrize(
    ("card", "shown"),
    [
        ("ด.ช.#สมชาย##ใจดี", "ด.ช.สมชาย ใจดี"),  # Thai abbreviations attach
        ("ด.ญ.#มาลี##ใจดี", "ด.ญ.มาลี ใจดี"),
        ("น.ส.#มาลี##ใจดี", "น.ส.มาลี ใจดี"),
        ("นางสาว#มาลี##ใจดี", "นางสาว มาลี ใจดี"),
        ("Mr.#Somchai##Jaidee", "Mr. Somchai Jaidee"),  # English always with a space
        ("Miss#Mali##Jaidee", "Miss Mali Jaidee"),
        ("นาย#จอห์น#ปีเตอร์#ใจดี", "นาย จอห์น ปีเตอร์ ใจดี"),
        ("#สมชาย##ใจดี", "สมชาย ใจดี"),  # no prefix
    ],
)
def test_display(card: str, shown: str) -> None:
    assert PersonName.parse(card).display() == shown


def test_tolerates_missing_trailing_parts_and_extra_spaces() -> None:
    assert PersonName.parse("นาย#สมชาย") == PersonName("นาย", "สมชาย", "", "")
    assert PersonName.parse("  นาย #  สม   ชาย ## ใจดี   ") == PersonName("นาย", "สม ชาย", "", "ใจดี")
    assert PersonName.parse("นาย#สมชาย##ใจดี##") == PersonName("นาย", "สมชาย", "", "ใจดี")


@pytest.mark.parametrize(
    "text", ["นาย##ใจดี", "นาย#  ##ใจดี", "", "#", "นาย#สมชาย##ใจดี#เกิน", "นาย#สม\x00ชาย##ใจดี"]
)
def test_rejects(text: str) -> None:
    with pytest.raises(InvalidName):
        PersonName.parse(text)


def test_repr_hides_the_name() -> None:
    name = PersonName.parse("นาย#สมชาย##ใจดี")
    assert "สมชาย" not in repr(name) and "ใจดี" not in repr(name)


@given(person_names)
def test_round_trip(name: PersonName) -> None:
    assert PersonName.parse(name.to_card()) == name
    assert name.full_name().startswith(name.first)


@given(st.text())
def test_garbage_raises_only_domain_errors(text: str) -> None:
    try:
        name = PersonName.parse(text)
    except DomainError:
        return
    assert name.first
