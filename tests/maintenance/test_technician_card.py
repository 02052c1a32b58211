"""A configured technician card: maintenance instead of a session, with no extra card read."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.card.protocol import CardError, CardReader
from kiosk.maintenance.pin import PinGate
from kiosk.maintenance.technician_card import TechnicianCard, TechnicianCardReader
from simulators.seeds import load_seeds
from simulators.vcard.card import ThaiIdCardEmulator
from simulators.vcard.profile import CardProfile
from simulators.vcard.reader import SimulatedCardReader


def test_technician_card_opens_maintenance_and_never_reaches_the_session(
    tmp_path: Path,
) -> None:
    technician, citizen = load_seeds().citizens[:2]
    gate = PinGate(tmp_path / "pin", tmp_path / "lock", technician_card_ids=[technician.cid])
    opened: list[str] = []
    inner = SimulatedCardReader()
    reader = TechnicianCardReader(inner, gate, lambda: opened.append("menu"))
    assert isinstance(reader, CardReader)
    [slot] = reader.readers()

    inner.insert(ThaiIdCardEmulator(CardProfile.from_seed(citizen)))
    assert reader.read_identity(slot).citizen_id.digits == citizen.cid
    assert opened == []
    inner.remove()

    card = ThaiIdCardEmulator(CardProfile.from_seed(technician))
    inner.insert(card)
    exchanges = card.exchanges
    with pytest.raises(TechnicianCard) as err:
        reader.read_identity(slot)
    assert isinstance(err.value, CardError) and err.value.reason == "technician_card"
    assert technician.cid not in str(err.value)
    assert opened == ["menu"]
    assert card.exchanges == exchanges + 7  # one identity read, as for any citizen
