"""What the shell must do for the core: typed, frozen values returned by `step`."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.session.outcome import SessionOutcome
from kiosk.session.timeouts import TimerKind
from kiosk.session.values import AuditEvent, ServiceRequest


@dataclass(frozen=True, slots=True)
class ReadCard:
    """Read the identity (→ JobFinished/JobFailed READ), then the photo if `with_photo`
    (→ PhotoProgress…, PhotoRead)."""

    session_id: str
    job: int
    with_photo: bool


@dataclass(frozen=True, slots=True)
class RecordConsent:
    """Put the consent in the audit trail; every later RunService of the session waits
    until it is recorded (consent before any query)."""

    event: AuditEvent


@dataclass(frozen=True, slots=True)
class RunService:
    session_id: str
    job: int
    handler: str
    request: ServiceRequest


@dataclass(frozen=True, slots=True)
class StartHolder:
    """Start a ThaID verification (→ JobFinished HOLDER_START with a HolderStart)."""

    session_id: str
    job: int
    cid: str


@dataclass(frozen=True, slots=True)
class PollHolder:
    """After `delay_s` (0: at once) ask the gateway once (→ JobFinished HOLDER_POLL)."""

    session_id: str
    job: int
    verification_id: str
    delay_s: float


@dataclass(frozen=True, slots=True)
class StopHolder:
    """The session stopped waiting: a poll not yet sent is not sent."""

    session_id: str


@dataclass(frozen=True, slots=True)
class Print:
    session_id: str
    job: int
    document: object


@dataclass(frozen=True, slots=True)
class CheckPrinter:
    """Ask the printer whether it is ready again (→ PrinterChecked)."""


@dataclass(frozen=True, slots=True)
class StartTimer:
    """(Re)arm the timer of `kind`: after `delay_s` → TimerFired(kind, token)."""

    kind: TimerKind
    delay_s: float
    token: int


@dataclass(frozen=True, slots=True)
class CancelTimer:
    kind: TimerKind


@dataclass(frozen=True, slots=True)
class Audit:
    """Record an audit event (masked ID only); the shell stamps the time."""

    kind: str
    session_id: str
    cid_masked: str
    details: dict[str, str]


@dataclass(frozen=True, slots=True)
class SessionEnded:
    """The session's data is gone; `outcome` None when the kiosk stops (not counted)."""

    session_id: str
    outcome: SessionOutcome | None


@dataclass(frozen=True, slots=True)
class PublishView:
    """Build the view from the new state and hand it to the UI (if it changed)."""


Effect = (ReadCard | RecordConsent | RunService | StartHolder | PollHolder | StopHolder
          | Print | CheckPrinter | StartTimer | CancelTimer | Audit | SessionEnded
          | PublishView)
