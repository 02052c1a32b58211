from __future__ import annotations

from datetime import date

import pytest
from domain_strategies import addresses, citizen_ids, complete_dates, person_names
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain import (
    CARD_FIELD_LENGTHS,
    Address,
    CardIdentity,
    CitizenId,
    DomainError,
    Gender,
    InvalidCitizenId,
    InvalidThaiDate,
    PersonName,
    ThaiDate,
    encode_card_text,
)

CARD = {
    "version": "0003",
    "cid": "1101700207030",
    "th_name": "นาย#สมชาย##ใจดี",
    "en_name": "Mr.#Somchai##Jaidee",
    "birth": "25300312",
    "gender": "1",
    "request_no": "10170512345678901234",
    "issuer": "สำนักงานเขตบางรัก/กรุงเทพมหานคร",
    "issuer_code": "1017000000000",
    "issue": "25620115",
    "expiry": "25700311",
    "address": "99/1#หมู่ที่ 2##ถนนสุขุมวิท##แขวงคลองเตย#เขตคลองเตย#กรุงเทพมหานคร",
    "photo_ref": "10170512345678",
}


def raw_fields(card: dict[str, str]) -> dict[str, bytes]:
    return {k: encode_card_text(v, CARD_FIELD_LENGTHS[k]) for k, v in card.items()}


def test_from_card_fields() -> None:
    identity = CardIdentity.from_card_fields(raw_fields(CARD))
    assert identity.citizen_id == CitizenId("1101700207030")
    assert identity.name_th.display() == "นาย สมชาย ใจดี"
    assert identity.name_en.display() == "Mr. Somchai Jaidee"
    assert identity.birth_date == ThaiDate(2530, 3, 12)
    assert identity.gender is Gender.MALE
    assert identity.request_no == "10170512345678901234"
    assert identity.issuer.text() == "สำนักงานเขตบางรัก/กรุงเทพมหานคร"
    assert identity.issuer_code.text() == "1017000000000"
    assert identity.issue_date.to_card() == "25620115"
    assert identity.expiry_date.to_card() == "25700311"
    assert identity.address.is_bangkok
    assert identity.card_version.text() == "0003"
    assert identity.photo_ref is not None and identity.photo_ref.text() == "10170512345678"
    assert identity.laser_id is None and identity.chip_no is None
    assert identity.age_on(date(2026, 11, 25)) == 39
    assert not identity.is_expired(date(2026, 11, 25))
    assert identity.is_expired(date(2027, 3, 12))


def test_lifelong_and_partial_dates_from_the_card() -> None:
    card = dict(CARD, birth="24800000", expiry="99999999")
    identity = CardIdentity.from_card_fields(raw_fields(card))
    assert identity.expiry_date.lifelong and not identity.is_expired(date(2100, 1, 1))
    assert identity.birth_date.display("en") == "1937"


def test_optional_fields_and_extra_keys() -> None:
    fields: dict[str, bytes | str] = dict(raw_fields(CARD))
    fields["laser_id"] = "JT0123456789"
    fields["chip_no"] = b"AE6E90052A38B8DD"
    fields["photo"] = bytes([0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF])  # not text: must be ignored
    del fields["photo_ref"]
    identity = CardIdentity.from_card_fields(fields)
    assert identity.laser_id == "JT0123456789" and identity.chip_no == "AE6E90052A38B8DD"
    assert identity.photo_ref is None


@pytest.mark.parametrize(
    ("text", "gender"),
    [("1", Gender.MALE), ("2", Gender.FEMALE), ("0", Gender.UNKNOWN), (" ", Gender.UNKNOWN)],
)
def test_gender(text: str, gender: Gender) -> None:
    assert CardIdentity.from_card_fields(raw_fields(dict(CARD, gender=text))).gender is gender


@pytest.mark.parametrize(
    "raw",
    [b"\x00\x03\x00\x00", b"\xff\xff\xff\xff", b"\x01\x02\x03\x04", b"\x00\x00\x00\x00"],
)
def test_unused_fields_never_block_a_read(raw: bytes) -> None:
    fields = raw_fields(CARD)
    fields["version"] = raw
    fields["issuer_code"] = raw.ljust(13, b"\x07")
    fields["photo_ref"] = raw.ljust(14, b"\x9b")
    fields["issuer"] = b"\xfc\xfd" + raw
    fields["gender"] = raw[:1]
    identity = CardIdentity.from_card_fields(fields)
    assert identity.card_version.raw == raw
    assert identity.issuer_code.raw == raw.ljust(13, b"\x07")
    assert identity.issuer.text() is None  # not text: kept raw, decoded only on demand
    assert identity.citizen_id.digits == CARD["cid"]


def test_binary_card_version_displays_as_hex() -> None:
    fields = raw_fields(CARD)
    fields["version"] = b"\x00\x03\x00\x00"
    version = CardIdentity.from_card_fields(fields).card_version
    assert version.text() is None and version.display() == "hex:0003"
    assert str(CardIdentity.from_card_fields(raw_fields(CARD)).card_version) == "0003"


@pytest.mark.parametrize("pad", [b" ", b"\x00", b"\xff"])
def test_used_fields_accept_every_padding(pad: bytes) -> None:
    fields = {k: v.rstrip(b" ").ljust(len(v), pad) for k, v in raw_fields(CARD).items()}
    identity = CardIdentity.from_card_fields(fields)
    assert identity.name_th.display() == "นาย สมชาย ใจดี"
    assert identity.request_no == CARD["request_no"]
    assert identity.address.to_card() == CARD["address"]


def test_missing_fields_are_named() -> None:
    fields = raw_fields(CARD)
    del fields["cid"], fields["expiry"]
    with pytest.raises(DomainError) as info:
        CardIdentity.from_card_fields(fields)
    assert "cid" in str(info.value) and "expiry" in str(info.value)
    assert info.value.message_key == "card.invalid_data"


def test_bad_field_is_labelled_without_its_value() -> None:
    with pytest.raises(InvalidCitizenId) as info:
        CardIdentity.from_card_fields(raw_fields(dict(CARD, cid="1101700207031")))
    assert info.value.field == "cid"
    assert "1101700207031" not in str(info.value)
    with pytest.raises(InvalidThaiDate) as date_info:
        CardIdentity.from_card_fields(raw_fields(dict(CARD, birth="25300230")))
    assert date_info.value.field == "birth"
    assert "25300230" not in str(date_info.value)


def test_lifelong_birth_date_is_rejected() -> None:
    with pytest.raises(InvalidThaiDate) as info:
        CardIdentity.from_card_fields(raw_fields(dict(CARD, birth="99999999")))
    assert info.value.field == "birth"


def test_undecodable_bytes_are_a_domain_error() -> None:
    fields = raw_fields(CARD)
    fields["th_name"] = b"\xfc" * 100
    with pytest.raises(DomainError) as info:
        CardIdentity.from_card_fields(fields)
    assert info.value.field == "th_name" and info.value.reason == "encoding.undecodable"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"birth": "25630101"}, "issue"),  # born after the card was issued
        ({"expiry": "25610101"}, "expiry"),  # expires before it was issued
        ({"issue": "99999999"}, "issue"),
    ],
)
def test_impossible_date_order_is_rejected(changes: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidThaiDate) as info:
        CardIdentity.from_card_fields(raw_fields(dict(CARD, **changes)))
    assert info.value.field == field


def test_partial_dates_get_the_benefit_of_the_doubt() -> None:
    # Born in 2562 (year only) and issued 15 Jan 2562: possible if born 1-15 January.
    identity = CardIdentity.from_card_fields(raw_fields(dict(CARD, birth="25620000")))
    assert identity.birth_date == ThaiDate(2562)


def test_repr_and_str_reveal_nothing_personal() -> None:
    identity = CardIdentity.from_card_fields(raw_fields(CARD))
    for shown in (repr(identity), str(identity), f"{identity!r}", repr([identity])):
        assert "1101700207030" not in shown
        assert "1-1017-xxxxx-xx-0" in shown
        for secret in ("สมชาย", "Somchai", "ใจดี", "2530", "สุขุมวิท", "10170512345678"):
            assert secret not in shown


@given(citizen_ids, person_names, person_names,
       complete_dates.filter(lambda d: d.to_card() <= CARD["issue"]), addresses,
       st.sampled_from(["1", "2"]))  # fmt: skip
def test_round_trip_through_card_bytes(
    cid: CitizenId, th: PersonName, en: PersonName, birth: ThaiDate, address: Address, gender: str
) -> None:
    card = dict(CARD, cid=cid.digits, th_name=th.to_card(), en_name=en.to_card(),
                birth=birth.to_card(), address=address.to_card(), gender=gender)  # fmt: skip
    try:
        fields = raw_fields(card)
    except DomainError:  # longer than the card's field: cannot be on a card
        return
    identity = CardIdentity.from_card_fields(fields)
    assert identity.citizen_id == cid
    assert identity.name_th == th and identity.name_en == en
    assert identity.birth_date == birth and identity.address == address
    assert identity.gender.value == gender


@given(st.fixed_dictionaries({k: st.binary(max_size=n) for k, n in CARD_FIELD_LENGTHS.items()}))
def test_random_card_bytes_raise_only_domain_errors(fields: dict[str, bytes]) -> None:
    try:
        identity = CardIdentity.from_card_fields(fields)
    except DomainError:
        return
    assert identity.name_th.first


@given(st.sampled_from(sorted(CARD)), st.binary(max_size=20))
def test_one_corrupt_field_raises_only_domain_errors(name: str, junk: bytes) -> None:
    fields = raw_fields(CARD)
    fields[name] = junk
    try:
        CardIdentity.from_card_fields(fields)
    except DomainError as exc:
        assert exc.field in (name, None)
