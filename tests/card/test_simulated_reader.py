"""The in-process reader (the demo's) and the read plan, without pcscd."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from drivers.card import thai_id
from drivers.card.errors import CardDataInvalid, CardRemovedError, NotThaiIdCard, ReaderUnavailable
from drivers.card.protocol import (
    CardInserted,
    CardReader,
    CardRemoved,
    CardState,
    ReaderAttached,
    ReaderDetached,
    ReaderState,
)
from simulators.seeds import SeedData
from simulators.vcard.card import ThaiIdCardEmulator
from simulators.vcard.photos import jpeg_of_length
from simulators.vcard.profile import CardProfile, Faults
from simulators.vcard.reader import SimulatedCardReader

from .conftest import Events, card_for


def test_read_plan_budget() -> None:
    assert thai_id.MOI_SPANS == [(0, 255), (255, 120), (5497, 174)]  # SELECT + 3x2 = 7
    assert thai_id.NHSO_SPANS == [(4, 255), (259, 91)]


def test_both_readers_satisfy_the_protocol() -> None:
    from drivers.card.pcsc import PcscCardReader

    assert isinstance(SimulatedCardReader(), CardReader)
    assert isinstance(PcscCardReader(), CardReader)


def test_all_seed_citizens_read_back_exactly(seeds: SeedData) -> None:
    sim = SimulatedCardReader()
    reader = sim.readers()[0]
    for citizen in seeds.citizens:
        sim.insert(card_for(citizen))
        expected = dataclasses.replace(citizen.identity(), laser_id=None, chip_no=None)
        assert sim.read_identity(reader) == expected, citizen.index
        assert sim.last_exchanges == 7
        assert sim.read_laser_id(reader) == (citizen.card.laser_id or None)


def test_photo_chunks_ending_in_spaces_are_not_trimmed(seeds: SeedData) -> None:
    # A JPEG whose bytes at every chunk boundary are 0x20: a reader that strips trailing
    # spaces per chunk (a known bug in other readers) would shift or lose bytes here.
    # A real JPEG: the spaces go into its COM segment (right after SOI), so it still decodes.
    photo = bytearray(jpeg_of_length(5000, seed=7))
    comment_end = 4 + int.from_bytes(photo[4:6], "big")
    assert photo[2:4] == b"\xff\xfe" and comment_end > 3000
    for end in range(254, comment_end - 1, 255):
        photo[end - 3 : end + 1] = b"    "
    profile = dataclasses.replace(CardProfile.from_seed(seeds.citizens[0]), photo=bytes(photo))
    sim = SimulatedCardReader()
    sim.insert(ThaiIdCardEmulator(profile))
    got = sim.read_photo(sim.readers()[0])
    assert got == bytes(photo) + b" " * 100
    assert sim.last_exchanges == 41  # SELECT, then 20 x (READ + GET RESPONSE)


def test_not_a_jpeg_is_invalid_data(seeds: SeedData) -> None:
    profile = dataclasses.replace(CardProfile.from_seed(seeds.citizens[0]), photo=b"GIF89a")
    sim = SimulatedCardReader()
    sim.insert(ThaiIdCardEmulator(profile))
    with pytest.raises(CardDataInvalid) as caught:
        sim.read_photo(sim.readers()[0])
    assert caught.value.field == "photo"


def test_events_come_from_a_background_thread(seeds: SeedData) -> None:
    sim = SimulatedCardReader()
    events = Events()
    threads: set[str] = set()

    def listener(event: object) -> None:
        threads.add(threading.current_thread().name)
        events(event)  # type: ignore[arg-type]

    assert sim.state is ReaderState.STOPPED
    sim.start(listener)
    assert sim.state is ReaderState.READY
    card = card_for(seeds.citizens[0])
    sim.insert(card)
    assert sim.card_state(sim.readers()[0]) is CardState.PRESENT
    sim.remove()
    sim.stop()
    kinds = [type(e) for e in events.drain()]
    assert kinds == [ReaderAttached, CardInserted, CardRemoved, ReaderDetached]
    assert threads == {"card-sim"}
    assert sim.state is ReaderState.STOPPED


def test_faults_match_the_pcsc_path(seeds: SeedData) -> None:
    sim = SimulatedCardReader()
    events = Events()
    sim.start(events)
    reader = sim.readers()[0]
    sim.insert(card_for(seeds.citizens[0], faults=Faults(remove_after=3)))
    with pytest.raises(CardRemovedError):
        sim.read_identity(reader)
    events.wait_for(lambda e: isinstance(e, CardRemoved))
    assert sim.card_state(reader) is CardState.ABSENT
    with pytest.raises(CardRemovedError):
        sim.read_identity(reader)
    sim.insert(card_for(seeds.citizens[0], faults=Faults(not_thai=True)))
    with pytest.raises(NotThaiIdCard) as caught:
        sim.read_identity(reader)
    assert caught.value.message_key == "card.not_thai_id"
    with pytest.raises(ReaderUnavailable):
        sim.read_identity("no such reader")
    sim.stop()


def test_fault_specs_round_trip() -> None:
    specs = ["remove-after=5", "latency=15", "wrong-sw", "truncated", "not-thai", "no-chip-data"]
    faults = Faults.parse(specs)
    assert faults.remove_after == 5 and faults.latency_ms == 15 and faults.not_thai
    assert faults.no_chip_data
    assert Faults.parse(faults.to_specs()) == faults
    with pytest.raises(ValueError, match="unknown fault"):
        Faults.parse(["explode"])


def test_factory_picks_the_configured_driver() -> None:
    from drivers.card.pcsc import PcscCardReader
    from kiosk.app import create_card_reader

    assert isinstance(create_card_reader("simulated"), SimulatedCardReader)
    pcsc = create_card_reader("pcsc", reader_filter="ACS", transmit_retries=1)
    assert isinstance(pcsc, PcscCardReader) and pcsc.reader_filter == "ACS"
    with pytest.raises(ValueError, match="unknown card driver"):
        create_card_reader("usb")  # type: ignore[arg-type]
