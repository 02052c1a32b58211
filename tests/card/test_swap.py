"""A card swapped for another during a read is a removal followed by an insertion.

Through vpcd, pulling card A and inserting card B before pcscd polls the reader gives pcscd
no removal to report. The driver checks, on every reconnect, that the card is the one the
read started with (ATR, then citizen ID); these tests swap cards mid-identity and
mid-photo: never A's data with B's card, always CardRemoved then CardInserted(B).
"""

from __future__ import annotations

import pytest

from drivers.card.protocol import CardInserted, CardRemoved, CardRemovedError
from simulators.seeds import SeedData
from simulators.vcard.profile import Faults

from .conftest import Rig, card_for

pytestmark = pytest.mark.pcsc


def _swap_events(rig: Rig, reader: str, atr_b: bytes) -> None:
    rig.events.wait_for(lambda e: isinstance(e, CardRemoved) and e.reader == reader)
    rig.events.wait_for(
        lambda e: isinstance(e, CardInserted) and e.reader == reader and e.atr == atr_b
    )


@pytest.mark.parametrize(("atr_a", "atr_b"), [("nid17", "nid17"), ("nid17", "3b67")])
@pytest.mark.parametrize("after", [4, 6])  # after the 1st / 2nd of the three identity reads
def test_swap_mid_identity(rig: Rig, seeds: SeedData, atr_a: str, atr_b: str,
                           after: int) -> None:
    a, b = seeds.citizens[0], seeds.citizens[1]
    card_b = card_for(b, atr=atr_b)
    rig.cards[0].insert(card_for(a, atr=atr_a, faults=Faults(remove_after=after)),
                        swap_to=card_b)
    reader = rig.slots[0].reader
    rig.events.wait_for(lambda e: isinstance(e, CardInserted) and e.reader == reader)
    with pytest.raises(CardRemovedError) as info:
        rig.reader.read_identity(reader)
    # "swapped" when pcscd polled neither gap (the usual case through vpcd); "removed" in
    # the rare run where its poll fell into the instant the slot was empty.
    assert info.value.reason in ("swapped", "removed")
    _swap_events(rig, reader, card_b.atr)
    # The slot now holds B, and a new read gives B - never A.
    assert rig.reader.read_identity(reader).citizen_id.digits == b.cid


@pytest.mark.parametrize(("atr_a", "atr_b"), [("nid17", "nid17"), ("3b67", "nid17")])
def test_swap_mid_photo(rig: Rig, seeds: SeedData, atr_a: str, atr_b: str) -> None:
    a, b = seeds.citizens[0], seeds.citizens[1]
    card_b = card_for(b, atr=atr_b)
    # 7 exchanges of identity, then 10 of the photo's 40, then B goes in.
    rig.cards[0].insert(card_for(a, atr=atr_a, faults=Faults(remove_after=17)), swap_to=card_b)
    reader = rig.slots[0].reader
    rig.events.wait_for(lambda e: isinstance(e, CardInserted) and e.reader == reader)
    assert rig.reader.read_identity(reader).citizen_id.digits == a.cid
    with pytest.raises(CardRemovedError) as info:
        rig.reader.read_photo(reader)
    # "swapped" when pcscd polled neither gap (the usual case through vpcd); "removed" in
    # the rare run where its poll fell into the instant the slot was empty.
    assert info.value.reason in ("swapped", "removed")
    _swap_events(rig, reader, card_b.atr)
    assert rig.reader.read_identity(reader).citizen_id.digits == b.cid
