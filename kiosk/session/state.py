"""What one citizen's session holds (PDPA: card data only in memory, for this session).

Plain values owned by the pure core (`kiosk.session.core`): each step works on a copy, so a
state once published is never changed and dropping the session drops every reference.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from kiosk.session.values import CardRead, ConsentRecord, ServiceOutcome
from kiosk.session.view import Screen, Text


@dataclass(frozen=True, slots=True)
class HolderWait:
    """A ThaID verification in progress: which service waits, what the screen shows."""

    service_id: str
    verification_id: str = ""
    qr_payload: str = ""
    short_code: str = ""


@dataclass(slots=True)
class SessionData:
    """One citizen's session."""

    id: str
    card: CardRead | None = None
    photo: bytes | None = None
    photo_loading: bool = False
    photo_problem: str | None = None
    """Message key when the photo could not be read (e.g. ``card.photo_unreadable``)."""
    consent: ConsentRecord | None = None
    outcome: ServiceOutcome | None = None
    selected: str | None = None
    job: int = 0
    """Number of the job whose answer the session awaits; older answers are stale."""
    extensions_used: int = 0
    printed: bool = False
    holder_verified: bool = False
    """The person at the kiosk confirmed with ThaID that they hold this card (session only)."""
    holder_wait: HolderWait | None = None

    def copy(self) -> SessionData:
        return dataclasses.replace(self)

    def next_job(self) -> int:
        self.job += 1
        return self.job


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """The error the ERROR screen shows, and where "back" leads (None: no way back)."""

    key: str
    text: Text | None
    recoverable: bool
    back_to: Screen | None
