"""The plain values the session exchanges with its ports: card events and reads, service
requests and outcomes, print results, audit events, the typed port error (no I/O here).

`kiosk.session.ports` re-exports them beside the Protocols; the pure core imports them from
here, so it never imports a port module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from kiosk.session.view import IdentitySummary, PrintStatus, ResultView, Text


class CardEventKind(StrEnum):
    READER_ATTACHED = "reader_attached"
    READER_DETACHED = "reader_detached"
    INSERTED = "inserted"
    REMOVED = "removed"
    MUTE = "mute"
    """A card is in the slot but does not answer (upside down): ask to turn it round."""


@dataclass(frozen=True, slots=True)
class CardEvent:
    kind: CardEventKind
    reader: str = ""


@dataclass(frozen=True, slots=True)
class CardRead:
    """What one card read gives the session (adapter-formatted)."""

    cid: str
    """13 digits. Held only in memory for the session; log `summary.cid_masked` instead."""
    summary: IdentitySummary
    identity: object
    """The driver's full identity record (e.g. `CardIdentity`), for the service handlers."""


class SessionPortError(Exception):
    """A port failed in a way the citizen should hear about."""

    def __init__(
        self,
        message: str,
        *,
        message_key: str,
        text: Text | None = None,
        recoverable: bool = True,
    ) -> None:
        super().__init__(message)
        self.message_key = message_key
        self.text = text
        self.recoverable = recoverable


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """What the citizen agreed to; goes to the audit trail with the masked ID only."""

    session_id: str
    given_at: dt.datetime
    services: tuple[str, ...]
    linkage_services: tuple[int, ...]
    cid_masked: str


@dataclass(frozen=True, slots=True)
class ServiceRequest:
    session_id: str
    service_id: str
    cid: str
    identity: object
    consent: ConsentRecord
    language: str
    online: bool


@dataclass(frozen=True, slots=True)
class ServiceOutcome:
    result: ResultView
    receipt: object | None = None
    """The receipt document (kiosk.receipts model) to print, if the service has one."""


@dataclass(frozen=True, slots=True)
class PrintResult:
    status: PrintStatus
    reason_key: str | None = None
    text: Text | None = None
    """The printer's own words for ``reason_key`` (cover open, not responding...)."""


@dataclass(frozen=True, slots=True)
class AuditEvent:
    kind: str
    """``consent``, ``service``, ``print``, ``session_end``."""
    at: dt.datetime
    session_id: str
    cid_masked: str
    details: dict[str, str] = field(default_factory=dict)
