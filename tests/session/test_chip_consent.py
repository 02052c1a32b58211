"""Consent is bound to the chip when the card gives its number: the session reads the chip
number (GET DATA, CPLC) through the real APDU path, sends it in the consent, and the
reference Linkage server refuses a chip that is not the seed card's. Real stack as in
test_e2e.py: mutual TLS on loopback, SQLite outbox, virtual printer, in-process reader."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.session.view import Screen, SessionView
from simulators.seeds import SeedCitizen, load_seeds
from simulators.vcard.card import ThaiIdCardEmulator
from simulators.vcard.profile import CardProfile, Faults

from .stack import Stack, real_stack, run_service, to_menu

S = Screen
SEEDS = load_seeds()
GET_CPLC = bytes.fromhex("80CA9F7F2D")
WRONG_CHIP = "00000000DEADBEEF"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with real_stack(tmp_path / "kiosk", read_photo=False) as s:
        yield s


def _active_new_card() -> SeedCitizen:
    """An active, latest, unexpired card of a generation that answers GET DATA."""
    for c in SEEDS.citizens:
        if (c.status.card_state == "active" and not c.card.atr.startswith("3B 67")
                and not c.identity().is_expired(dt.date.today())):
            return c
    raise AssertionError("no such card in the seeds")


def _registry_record(stack: Stack, card: ThaiIdCardEmulator) -> SessionView:
    stack.kiosk.card_reader.insert(card)
    to_menu(stack, None)
    return run_service(stack, "registry_record")


def _card(citizen: SeedCitizen, *, chip_no: str | None = "seed",
          faults: Faults | None = None) -> ThaiIdCardEmulator:
    profile = CardProfile.from_seed(citizen)
    if chip_no != "seed":
        profile = dataclasses.replace(profile, chip_no=chip_no)
    return ThaiIdCardEmulator(profile, faults=faults)


def test_consent_carries_the_chip_number_and_the_centre_accepts_it(stack: Stack) -> None:
    citizen = _active_new_card()
    card = _card(citizen)
    v = _registry_record(stack, card)
    assert v.screen is S.RESULT, v.error_key
    assert card.commands.count(GET_CPLC) == 1  # read once per session, not per service


def test_a_chip_that_is_not_the_seed_cards_is_refused(stack: Stack) -> None:
    # Same citizen, same BP1 request number: only the chip differs, so only a consent
    # that carries the chip number can be told apart from the genuine card.
    citizen = _active_new_card()
    assert citizen.card.chip_no != WRONG_CHIP
    v = _registry_record(stack, _card(citizen, chip_no=WRONG_CHIP))
    assert v.screen is S.ERROR or (v.result is not None and v.result.status != "ok")
    key = v.error_key if v.screen is S.ERROR else v.result.message_key  # type: ignore[union-attr]
    assert key == "linkage.invalid_card"


def test_without_a_chip_number_consent_is_bound_by_bp1_alone(stack: Stack) -> None:
    # The same foreign chip, but the card will not tell it: consent goes without chipNo.
    citizen = _active_new_card()
    card = _card(citizen, chip_no=WRONG_CHIP, faults=Faults(no_chip_data=True))
    v = _registry_record(stack, card)
    assert v.screen is S.RESULT, v.error_key
    assert card.commands.count(GET_CPLC) == 1
