"""What one citizen's session holds, and how it is wiped (PDPA: card data only in memory)."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass

from kiosk.session.holder import HolderWait
from kiosk.session.ports import CardRead, ConsentRecord, ServiceOutcome
from kiosk.session.view import Screen, Text


@dataclass(eq=False)
class SessionData:
    """One citizen's session; touched only on the engine thread."""

    id: str
    card: CardRead | None = None
    photo: bytes | None = None
    photo_loading: bool = False
    photo_problem: str | None = None
    """Message key when the photo could not be read (e.g. ``card.photo_unreadable``)."""
    consent: ConsentRecord | None = None
    consent_future: Future[None] | None = None
    outcome: ServiceOutcome | None = None
    selected: str | None = None
    job: int = 0
    """Number of the job whose answer the session awaits; older answers are stale."""
    extensions_used: int = 0
    printed: bool = False
    holder_verified: bool = False
    """The person at the kiosk confirmed with ThaID that they hold this card (session only)."""
    holder_wait: HolderWait | None = None

    def stop_holder_wait(self) -> None:
        if self.holder_wait is not None:
            self.holder_wait.cancel.set()
            self.holder_wait = None

    def next_job(self) -> int:
        self.job += 1
        return self.job

    def wipe(self) -> None:
        self.card = None
        self.photo = None
        self.photo_problem = None
        self.consent = None
        self.consent_future = None
        self.outcome = None
        self.selected = None
        self.holder_verified = False
        self.stop_holder_wait()


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """The error the ERROR screen shows, and where "back" leads (None: no way back)."""

    key: str
    text: Text | None
    recoverable: bool
    back_to: Screen | None
