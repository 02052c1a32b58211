"""Every framing ISO 7816 allows reads right, or fails with the typed error naming the cause.

The oracle: generated card images (:mod:`tests.card.card_images`, from the public layout)
served by the virtual card under generated framings (:mod:`simulators.vcard.strategies`,
from ISO 7816-3/-4: chains of any chunk size, ``6C XX`` on READ and GET RESPONSE, T=1
direct answers, short reads, a file that ends early, a mute card) with generated photo areas
(real JPEGs of 1 500-5 100 bytes and 00/20/FF filler, or broken ones). Each read must give
exactly the card's own fields and photo bytes, and use exactly the exchanges the card itself
counted; a one-piece card still takes 7 and 40.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.card import thai_id
from drivers.card.protocol import CardDataInvalid, CardInserted, CardMute, CardMuteError
from simulators.vcard.card import ThaiIdCardEmulator
from simulators.vcard.framing import Framing
from simulators.vcard.strategies import (
    MOI_WITHOUT_PHOTO_NUMBER,
    PhotoArea,
    framings,
    photo_areas,
)

from .card_images import PHOTO_OFFSET, PHOTO_SIZE, GeneratedCard, assert_reads_back, cards
from .conftest import EmulatorChannel, Rig, wait_slot_empty

IDENTITY_SPANS = [(0, 255), (255, 120), (5497, 174)]


def with_photo(card: GeneratedCard, photo: PhotoArea) -> bytes:
    image = bytearray(card.image)
    image[PHOTO_OFFSET : PHOTO_OFFSET + PHOTO_SIZE] = photo.area
    return bytes(image)


def check_identity(card: GeneratedCard, framing: Framing, identity: object) -> None:
    if framing.file_size == MOI_WITHOUT_PHOTO_NUMBER:
        # The file ends after the address: the READ of 174 bytes at 5497 comes back short
        # (160 bytes) and the number under the photo is simply not on this card.
        assert identity.photo_ref is None  # type: ignore[attr-defined]
        card = dataclasses.replace(card, raw={**card.raw, "photo_ref": None})
        identity = _NoPhotoRef(identity)
    assert_reads_back(card, identity)


class _NoPhotoRef:
    def __init__(self, inner: object) -> None:
        self._inner = inner
        self.photo_ref = type("Raw", (), {"raw": None})()

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


def chain_exchanges(framing: Framing, spans: list[tuple[int, int]]) -> int | None:
    """What a chaining card must cost, worked out from the framing alone: per READ one
    command plus one GET RESPONSE per piece of min(offer, piece) bytes (None where the
    framing is not a plain chain: 6C rules, short READs, an early end of file)."""
    if framing.strict_le or framing.read_max < 256 or framing.file_size is not None:
        return None
    if framing.direct:
        return len(spans)
    step = min(framing.offer, framing.piece)
    return sum(1 + math.ceil(n / step) for _, n in spans)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(card=cards(), framing=framings(mute=False), photo=photo_areas(broken=True))
def test_in_process_every_framing_reads_the_card_s_own_bytes(
    card: GeneratedCard, framing: Framing, photo: PhotoArea
) -> None:
    emulator = ThaiIdCardEmulator.from_image(
        with_photo(card, photo), atr_variant=card.atr_variant, framing=framing
    )
    session = thai_id.CardSession(EmulatorChannel(emulator))
    identity = thai_id.read_identity(session)
    check_identity(card, framing, identity)
    assert session.exchanges == emulator.exchanges  # no exchange the card did not see
    expected = chain_exchanges(framing, IDENTITY_SPANS)
    if expected is not None:
        assert session.exchanges == 1 + expected
    if framing.one_piece:
        assert session.exchanges == 7
    before = session.exchanges
    if photo.problem is None:
        assert thai_id.read_photo(session) == photo.area
        chunks = [(0, 255)] * 20
        expected = chain_exchanges(framing, chunks)
        if expected is not None:
            assert session.exchanges - before == expected
        if framing.one_piece:
            assert session.exchanges - before == 40
    else:
        with pytest.raises(CardDataInvalid) as caught:
            thai_id.read_photo(session)
        assert caught.value.reason == photo.problem
        assert caught.value.message_key == "card.photo_unreadable"
    assert session.exchanges == emulator.exchanges


def _reinsert(rig: Rig, card: ThaiIdCardEmulator) -> None:
    """Out, seen out by pcscd, then in: a swap faster than pcscd's poll may go unseen."""
    slot = rig.slots[0]
    rig.cards[0].remove()
    wait_slot_empty(rig.reader, slot)
    rig.cards[0].insert(card)
    rig.events.wait_for(lambda e: isinstance(e, CardInserted) and e.reader == slot.reader)


@pytest.mark.pcsc
@settings(
    max_examples=12, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(card=cards(), framing=framings(small_pieces=False), photo=photo_areas(broken=True),
       small=st.sampled_from([1, 2, 3, 7]))  # fmt: skip
def test_pcscd_vpcd_every_framing_reads_right_or_names_the_cause(
    rig: Rig, card: GeneratedCard, framing: Framing, photo: PhotoArea, small: int
) -> None:
    slot = rig.slots[0]
    rig.cards[0].remove()
    wait_slot_empty(rig.reader, slot)
    emulator = ThaiIdCardEmulator.from_image(
        with_photo(card, photo), atr_variant=card.atr_variant, framing=framing
    )
    rig.cards[0].insert(emulator)
    if framing.mute:
        rig.events.wait_for(lambda e: isinstance(e, CardMute) and e.reader == slot.reader)
        with pytest.raises(CardMuteError) as caught:
            rig.reader.read_identity(slot.reader)
        assert caught.value.message_key == "card.mute"
        return
    rig.events.wait_for(lambda e: isinstance(e, CardInserted) and e.reader == slot.reader)
    identity = rig.reader.read_identity(slot.reader)
    check_identity(card, framing, identity)
    assert rig.reader.last_exchanges == emulator.exchanges
    if framing.one_piece:
        assert rig.reader.last_exchanges == 7
    # The identity once more with tiny pieces: a 1-7 byte chain through pcscd (the photo
    # with such pieces would be thousands of exchanges; the in-process test covers it).
    tiny = ThaiIdCardEmulator.from_image(
        with_photo(card, photo), atr_variant=card.atr_variant,
        framing=Framing(offer=small, piece=small, direct=False),
    )  # fmt: skip
    _reinsert(rig, tiny)
    check_identity(card, Framing(), rig.reader.read_identity(slot.reader))
    assert rig.reader.last_exchanges == tiny.exchanges == 1 + chain_exchanges(
        Framing(offer=small, piece=small), IDENTITY_SPANS)  # fmt: skip
    _reinsert(rig, emulator)
    before = emulator.exchanges
    if photo.problem is None:
        assert rig.reader.read_photo(slot.reader) == photo.area
        assert rig.reader.last_exchanges == emulator.exchanges - before
        if framing.one_piece:
            assert rig.reader.last_exchanges == 41  # a fresh insertion: SELECT again
    else:
        with pytest.raises(CardDataInvalid) as caught:
            rig.reader.read_photo(slot.reader)
        assert caught.value.reason == photo.problem


@pytest.mark.pcsc
@pytest.mark.parametrize("variant", ["contactless", "other"])
def test_a_foreign_or_contactless_card_is_not_a_thai_id(
    rig: Rig, variant: str, seeds: object
) -> None:
    from drivers.card.protocol import NotThaiIdCard

    from .conftest import card_for

    reader = rig.insert(card_for(seeds.citizens[0], atr=variant))  # type: ignore[attr-defined]
    with pytest.raises(NotThaiIdCard) as caught:
        rig.reader.read_identity(reader)
    assert caught.value.message_key == "card.not_thai_id"
    assert rig.reader.last_exchanges == 1  # the SELECT, refused
