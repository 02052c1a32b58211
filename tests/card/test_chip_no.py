"""The chip number (GET DATA 80 CA 9F 7F 2D, CPLC): through real pcscd + vpcd + the virtual
card, and through the in-process reader; supported, unsupported and broken cards."""

from __future__ import annotations

import dataclasses

import pytest

from drivers.card import cplc, thai_id
from drivers.card.protocol import (
    CardCommunicationError,
    CardDataInvalid,
    CardRemovedError,
    ChipNumberReader,
)
from simulators.seeds import SeedCitizen, SeedData
from simulators.vcard.card import ThaiIdCardEmulator
from simulators.vcard.profile import CardProfile, Faults
from simulators.vcard.reader import SimulatedCardReader

from .conftest import Rig, card_for

GET_CPLC = bytes.fromhex("80CA9F7F2D")


def first_with_atr(seeds: SeedData, prefix: str) -> SeedCitizen:
    return next(c for c in seeds.citizens if c.card.atr.replace(" ", "").startswith(prefix))


def test_both_readers_offer_the_chip_number() -> None:
    from drivers.card.pcsc import PcscCardReader

    assert isinstance(SimulatedCardReader(), ChipNumberReader)
    assert isinstance(PcscCardReader(), ChipNumberReader)


def test_chip_number_is_fabricator_type_and_serial_of_the_cplc(seeds: SeedData) -> None:
    citizen = first_with_atr(seeds, "3B79")
    answer = card_for(citizen).process(GET_CPLC)
    assert answer[-2:] == b"\x90\x00" and len(answer) == 45 + 2
    data = answer[:-2]
    assert data[:3] == b"\x9f\x7f\x2a"
    chip = bytes.fromhex(citizen.card.chip_no)
    # GlobalPlatform CPLC: fabricator @0, type @2, serial @12 of the 42-byte body.
    assert data[3:5] == chip[:2] and data[5:7] == chip[2:4] and data[15:19] == chip[4:]
    fields = cplc.parse_cplc(data)
    assert fields["ic_serial"] == chip[4:] and fields["ic_batch_id"] == data[19:21]
    assert cplc.chip_no_from_cplc(data) == citizen.card.chip_no


# --- in-process reader --------------------------------------------------------------------


def test_simulated_reader_reads_every_seed_chip_number(seeds: SeedData) -> None:
    sim = SimulatedCardReader()
    reader = sim.readers()[0]
    unsupported = 0
    for citizen in seeds.citizens:
        sim.insert(card_for(citizen))
        old_generation = citizen.card.atr.replace(" ", "").startswith("3B67")
        expected = None if old_generation else citizen.card.chip_no
        assert sim.read_chip_no(reader) == expected, citizen.index
        assert sim.last_exchanges == 1
        unsupported += old_generation
    assert 0 < unsupported < len(seeds.citizens)  # both kinds of card were exercised


def test_chip_read_keeps_the_moi_applet_selected(seeds: SeedData) -> None:
    citizen = first_with_atr(seeds, "3B79")
    sim = SimulatedCardReader()
    reader = sim.readers()[0]
    sim.insert(card_for(citizen))
    sim.read_identity(reader)
    assert sim.read_chip_no(reader) == citizen.card.chip_no
    sim.read_photo(reader)
    assert sim.last_exchanges == 40  # no new SELECT after GET DATA


@pytest.mark.parametrize(
    ("faults", "atr"),
    [(Faults(no_chip_data=True), None), (None, "3b67")],
    ids=["no-chip-data", "old-generation-3b67"],
)
def test_card_without_cplc_gives_none(seeds: SeedData, faults: Faults | None,
                                      atr: str | None) -> None:
    citizen = first_with_atr(seeds, "3B79")
    card = card_for(citizen, atr=atr, faults=faults)
    sim = SimulatedCardReader()
    reader = sim.readers()[0]
    sim.insert(card)
    assert sim.read_chip_no(reader) is None
    assert card.commands[-1] == GET_CPLC
    assert sim.read_identity(reader).citizen_id.digits == citizen.cid  # card still usable


def test_profile_without_chip_number_gives_none(seeds: SeedData) -> None:
    profile = dataclasses.replace(CardProfile.from_seed(seeds.citizens[0]), chip_no=None)
    sim = SimulatedCardReader()
    sim.insert(ThaiIdCardEmulator(profile))
    assert sim.read_chip_no(sim.readers()[0]) is None


def test_removal_before_chip_read(seeds: SeedData) -> None:
    sim = SimulatedCardReader()
    sim.insert(card_for(first_with_atr(seeds, "3B79"), faults=Faults(remove_after=0)))
    with pytest.raises(CardRemovedError):
        sim.read_chip_no(sim.readers()[0])


class _Answer:
    """A channel that answers GET DATA with fixed bytes (the driver's side under test)."""

    def __init__(self, *answers: bytes) -> None:
        self.atr = bytes.fromhex("3B799600005448204E4944203137")
        self.answers = list(answers)
        self.sent: list[bytes] = []

    def transmit(self, command: bytes) -> bytes:
        self.sent.append(command)
        return self.answers.pop(0)


def _cplc(serial: bytes = b"\x12\x34\x56\x78") -> bytes:
    body = bytearray(range(42))
    body[12:16] = serial
    return b"\x9f\x7f\x2a" + bytes(body)


@pytest.mark.parametrize(
    ("answers", "error", "reason"),
    [
        ([b"\x9f\x7e\x2a" + bytes(42) + b"\x90\x00"], CardDataInvalid, "chip_no.malformed"),
        ([_cplc(b"\x00" * 4) + b"\x90\x00"], CardDataInvalid, "chip_no.malformed"),
        ([_cplc(b"\xff" * 4) + b"\x90\x00"], CardDataInvalid, "chip_no.malformed"),
        ([_cplc()[:30] + b"\x90\x00"], CardCommunicationError, "truncated"),
        ([b"\x6c\x30", _cplc() + b"\x00\x00\x00" + b"\x90\x00"], CardDataInvalid,
         "chip_no.malformed"),
        ([b"\x69\x82"], CardCommunicationError, "status_word"),
    ],
    ids=["wrong-tag", "blank-serial", "erased-serial", "short", "wrong-length", "refused"],
)
def test_malformed_cplc_gives_typed_error(answers: list[bytes], error: type,
                                          reason: str) -> None:
    with pytest.raises(error) as caught:
        thai_id.read_chip_no(thai_id.CardSession(_Answer(*answers)))
    assert caught.value.reason == reason
    if error is CardDataInvalid:
        assert caught.value.field == "chip_no"


def test_61xx_and_6cxx_forms_are_followed() -> None:
    via_get_response = _Answer(b"\x61\x2d", _cplc() + b"\x90\x00")
    chip = thai_id.read_chip_no(thai_id.CardSession(via_get_response))
    assert chip == (bytes([0, 1, 2, 3]) + b"\x12\x34\x56\x78").hex().upper()
    assert via_get_response.sent[1] == bytes.fromhex("00C000002D")
    via_wrong_le = _Answer(b"\x6c\x2d", _cplc() + b"\x90\x00")
    assert thai_id.read_chip_no(thai_id.CardSession(via_wrong_le)) == chip
    assert via_wrong_le.sent == [GET_CPLC, GET_CPLC]


# --- real pcscd + vpcd --------------------------------------------------------------------


@pytest.mark.pcsc
@pytest.mark.parametrize("prefix", ["3B79", "3B68"])
def test_pcsc_reads_the_chip_number(rig: Rig, seeds: SeedData, prefix: str) -> None:
    citizen = first_with_atr(seeds, prefix)
    card = card_for(citizen)
    reader = rig.insert(card)
    identity = rig.reader.read_identity(reader)
    assert rig.reader.last_exchanges == 7  # the identity plan did not grow
    assert identity.chip_no is None
    assert rig.reader.read_chip_no(reader) == citizen.card.chip_no
    assert rig.reader.last_exchanges == 1 and card.commands[-1] == GET_CPLC
    assert rig.reader.read_photo(reader).startswith(citizen.photo_bytes())
    assert rig.reader.last_exchanges == 40


@pytest.mark.pcsc
def test_pcsc_old_generation_card_gives_none(rig: Rig, seeds: SeedData) -> None:
    citizen = first_with_atr(seeds, "3B67")
    reader = rig.insert(card_for(citizen))
    assert rig.reader.read_chip_no(reader) is None
    assert rig.reader.read_identity(reader).citizen_id.digits == citizen.cid


@pytest.mark.pcsc
@pytest.mark.parametrize(
    ("faults", "outcome"),
    [
        (Faults(no_chip_data=True), None),
        (Faults(wrong_sw=True), "status_word"),
        (Faults(truncated=True), "truncated"),
    ],
    ids=["no-chip-data", "wrong-sw", "truncated"],
)
def test_pcsc_chip_faults(rig: Rig, seeds: SeedData, faults: Faults,
                          outcome: str | None) -> None:
    citizen = first_with_atr(seeds, "3B79")
    reader = rig.insert(card_for(citizen, faults=faults))
    if outcome is None:
        assert rig.reader.read_chip_no(reader) is None
        return
    with pytest.raises(CardCommunicationError) as caught:
        rig.reader.read_chip_no(reader)
    assert caught.value.reason == outcome
    assert citizen.card.chip_no not in str(caught.value)


@pytest.mark.pcsc
def test_pcsc_removal_during_chip_read(rig: Rig, seeds: SeedData) -> None:
    reader = rig.insert(card_for(first_with_atr(seeds, "3B79"), faults=Faults(remove_after=0)))
    with pytest.raises(CardRemovedError):
        rig.reader.read_chip_no(reader)
