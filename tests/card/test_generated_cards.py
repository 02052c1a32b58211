"""Cards we did not write: the reader returns exactly the fields a generated card holds.

The generator (:mod:`tests.card.card_images`) builds whole MOI file images from the public
layout; the virtual card only answers APDUs over them (``ThaiIdCardEmulator.from_image``).
Hundreds go through the in-process reader (the shared read plan of both drivers); a sample
goes through real pcscd + vpcd.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from drivers.card import thai_id
from drivers.card.protocol import CardInserted
from simulators.vcard.card import ThaiIdCardEmulator

from .card_images import GeneratedCard, assert_reads_back, cards
from .conftest import EmulatorChannel, Rig, wait_slot_empty


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cards())
def test_in_process_reader_returns_exactly_what_went_in(card: GeneratedCard) -> None:
    session = thai_id.CardSession(EmulatorChannel(ThaiIdCardEmulator.from_image(
        card.image, atr_variant=card.atr_variant)))  # fmt: skip
    identity = thai_id.read_identity(session)
    assert session.exchanges == 7
    assert_reads_back(card, identity)
    photo = thai_id.read_photo(session)
    assert session.exchanges == 7 + 40  # the applet stays selected: no second SELECT
    assert photo == card.photo


@pytest.mark.pcsc
@settings(
    max_examples=12, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(card=cards())
def test_pcscd_vpcd_reader_returns_exactly_what_went_in(rig: Rig, card: GeneratedCard) -> None:
    slot = rig.slots[0]
    rig.cards[0].remove()
    wait_slot_empty(rig.reader, slot)
    emulator = ThaiIdCardEmulator.from_image(card.image, atr_variant=card.atr_variant)
    rig.cards[0].insert(emulator)
    rig.events.wait_for(lambda e: isinstance(e, CardInserted) and e.reader == slot.reader)
    identity = rig.reader.read_identity(slot.reader)
    assert rig.reader.last_exchanges == 7
    assert_reads_back(card, identity)
    assert rig.reader.read_photo(slot.reader) == card.photo
    assert rig.reader.last_exchanges == 40
