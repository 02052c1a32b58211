"""A configured technician card opens the maintenance menu instead of a citizen session.

`TechnicianCardReader` wraps the kiosk's card reader (the same `CardReader` protocol): when
the session reads a card whose ID is one of ``[technician] technician_card_ids``, it calls
``on_technician()`` and raises `TechnicianCard` (a `CardError`) instead of handing the
technician's identity to the session. No extra card read: the check rides on the read the
session does anyway, and the comparison is constant-time (`PinGate.check_card`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from drivers.card.protocol import CardError

if TYPE_CHECKING:
    from drivers.card.protocol import CardReader
    from kiosk.domain.identity import CardIdentity
    from kiosk.maintenance.pin import PinGate

log = logging.getLogger(__name__)


class TechnicianCard(CardError):
    """Not a citizen: the card of a technician, who gets the maintenance menu."""

    default_message_key = "card.not_thai_id"
    default_reason = "technician_card"


class TechnicianCardReader:
    def __init__(self, inner: CardReader, gate: PinGate,
                 on_technician: Callable[[], None]) -> None:
        self._inner = inner
        self._gate = gate
        self._on_technician = on_technician

    def read_identity(self, reader: str) -> CardIdentity:
        identity = self._inner.read_identity(reader)
        if self._gate.check_card(identity.citizen_id.digits):
            log.info("technician card inserted: opening the maintenance menu")
            self._on_technician()
            raise TechnicianCard("technician card: maintenance menu opened")
        return identity

    def __getattr__(self, name: str) -> Any:
        # Everything else (state, readers, start, stop, photo, …) is the real reader's.
        return getattr(self._inner, name)
