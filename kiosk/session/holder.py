"""Holder verification, the session's side: the port and its outcomes (plain Python).

A service whose catalogue policy is ``required`` runs only after the person at the kiosk
has confirmed with the ThaID app that they hold the card in the slot. The engine starts a
verification through `HolderVerifierPort`, shows its QR (`HolderStart.qr_payload`), polls
until the gateway decides, and keeps the result for this session only: removing the card
ends it. The port never hands the engine a token or the approver's pid, only an outcome.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class HolderOutcome(StrEnum):
    PENDING = "pending"
    HOLDER = "holder"
    """The card's own holder confirmed: the service may run."""
    MISMATCH = "mismatch"
    """Someone else confirmed (valid ThaID, other pid)."""
    REFUSED = "refused"
    """The gateway could not trust the answer (signature, nonce, audience, expiry, PKCE)."""
    PROVIDER_DOWN = "provider_down"
    EXPIRED = "expired"


MESSAGE_KEYS: dict[HolderOutcome, str] = {
    HolderOutcome.MISMATCH: "holder.mismatch",
    HolderOutcome.REFUSED: "holder.refused",
    HolderOutcome.PROVIDER_DOWN: "holder.provider_down",
    HolderOutcome.EXPIRED: "holder.timeout",
}
"""The citizen's message for each failed outcome (texts in `kiosk.session.messages`)."""
TIMEOUT_KEY = "holder.timeout"
UNAVAILABLE_KEY = "holder.unavailable"
SCAN_KEY = "holder.scan"


@dataclass(frozen=True, slots=True)
class HolderStart:
    verification_id: str
    qr_payload: str
    """The authorization request the phone opens (no secret in it); "" when not started."""
    outcome: HolderOutcome = HolderOutcome.PENDING
    short_code: str = ""
    """What a citizen who cannot aim the phone at the QR types in the ThaID app instead
    (the gateway's user code for this request; "" when the gateway gives none)."""


@dataclass(frozen=True, slots=True)
class HolderCheck:
    outcome: HolderOutcome
    ial: float | None = None
    verified_at: dt.datetime | None = None


class HolderVerifierPort(Protocol):
    """Blocking calls; the engine runs them on a worker thread."""

    def start(self, cid: str) -> HolderStart: ...

    def poll(self, verification_id: str) -> HolderCheck: ...
