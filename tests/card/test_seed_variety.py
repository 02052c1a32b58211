"""The seed citizens whose cards look like other generations and batches (binary version
bytes, 0x00/0xFF padding, 100-byte names, addresses over 100 bytes) read in full through
real pcscd + vpcd, in 7 exchanges, exactly as the seed file says."""

from __future__ import annotations

import dataclasses

import pytest

from simulators.seeds import SeedCitizen, SeedData

from .conftest import Rig, card_for, wait_slot_empty

pytestmark = pytest.mark.pcsc


def _variety(seeds: SeedData) -> list[SeedCitizen]:
    return [c for c in seeds.citizens
            if c.card.version_bytes or c.card.padding != "20"
            or len(c.card.th_name.encode("tis_620")) == 100]  # fmt: skip


def test_every_variety_card_reads_through_vpcd(rig: Rig, seeds: SeedData) -> None:
    citizens = _variety(seeds)
    assert len(citizens) >= 20
    for citizen in citizens:
        card = card_for(citizen)
        rig.cards[0].remove()  # and wait: a swap faster than pcscd polls is another test
        wait_slot_empty(rig.reader, rig.slots[0])
        reader = rig.insert(card)
        identity = rig.reader.read_identity(reader)
        assert rig.reader.last_exchanges == 7
        expected = dataclasses.replace(citizen.identity(), laser_id=None, chip_no=None)
        assert identity == expected, citizen.index
        assert identity.address.to_card() == citizen.card.address
        if citizen.card.version_bytes:
            assert identity.card_version.raw == bytes.fromhex(citizen.card.version_bytes)
        assert rig.reader.read_photo(reader).startswith(citizen.photo_bytes())
