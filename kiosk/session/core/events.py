"""What can happen to a session: typed, frozen values fed to `step` one at a time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from kiosk.session.timeouts import TimerKind
from kiosk.session.transitions import On
from kiosk.session.view import Connectivity, Text

COMMANDS = frozenset({On.PROCEED, On.CONSENT, On.DECLINE, On.CHOOSE, On.PRINT, On.BACK,
                      On.FINISH, On.TOUCH, On.LANGUAGE})
"""The table's columns that are the citizen's commands (``extend`` is a ``touch``)."""


class JobKind(StrEnum):
    READ = "read"
    SERVICE = "service"
    PRINT = "print"
    HOLDER_START = "holder_start"
    HOLDER_POLL = "holder_poll"


@dataclass(frozen=True, slots=True)
class Failure:
    """A job's typed failure (from `SessionPortError`): the citizen's message key."""

    key: str
    text: Text | None = None
    recoverable: bool = True


@dataclass(frozen=True, slots=True)
class CardInserted:
    session_id: str
    """The id the session gets if this card starts one (chosen by the shell)."""


@dataclass(frozen=True, slots=True)
class CardMute:
    """A card is in but does not answer (upside down)."""


@dataclass(frozen=True, slots=True)
class CardRemoved:
    pass


@dataclass(frozen=True, slots=True)
class ReaderAttached:
    pass


@dataclass(frozen=True, slots=True)
class ReaderDetached:
    pass


@dataclass(frozen=True, slots=True)
class Command:
    kind: On
    arg: str = ""
    """The service id (CHOOSE) or the language (LANGUAGE)."""
    at: dt.datetime | None = None
    """Wall-clock time of the command (the consent record needs it)."""

    def __post_init__(self) -> None:
        if self.kind not in COMMANDS:
            raise ValueError(f"{self.kind} is not a command")


@dataclass(frozen=True, slots=True)
class TimerFired:
    kind: TimerKind
    token: int
    """The token of `StartTimer`; a fire whose timer was cancelled or re-armed is stale."""


@dataclass(frozen=True, slots=True)
class JobFinished:
    session_id: str
    job: int
    kind: JobKind
    result: object
    """CardRead, ServiceOutcome, PrintResult, HolderStart or HolderCheck (by `kind`)."""


@dataclass(frozen=True, slots=True)
class JobFailed:
    session_id: str
    job: int
    kind: JobKind
    failure: Failure


@dataclass(frozen=True, slots=True)
class PhotoProgress:
    session_id: str
    progress: float


@dataclass(frozen=True, slots=True)
class PhotoRead:
    session_id: str
    photo: bytes | None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class ConnectivityChanged:
    state: Connectivity


@dataclass(frozen=True, slots=True)
class QueueHealthChanged:
    accepting: bool


@dataclass(frozen=True, slots=True)
class PrinterChecked:
    ready: bool


@dataclass(frozen=True, slots=True)
class PartsDown:
    parts: frozenset[str]


@dataclass(frozen=True, slots=True)
class ServiceRefused:
    reason: str


@dataclass(frozen=True, slots=True)
class UiFault:
    ref: str
    at: float
    """Monotonic seconds (counts faults within `Timeouts.fault_window_s`)."""


@dataclass(frozen=True, slots=True)
class InternalError:
    """The previous step raised (a bug): wipe and end in a defined state."""


@dataclass(frozen=True, slots=True)
class Shutdown:
    pass


Event = (CardInserted | CardMute | CardRemoved | ReaderAttached | ReaderDetached | Command
         | TimerFired | JobFinished | JobFailed | PhotoProgress | PhotoRead
         | ConnectivityChanged | QueueHealthChanged | PrinterChecked | PartsDown
         | ServiceRefused | UiFault | InternalError | Shutdown)

_TIMER_ON = {TimerKind.INACTIVE: On.INACTIVE, TimerKind.WORK: On.WORK_TIMEOUT,
             TimerKind.COUNTDOWN_TICK: On.COUNTDOWN, TimerKind.TAKE_CARD: On.TAKE_CARD_DUE}
_DONE_ON = {JobKind.READ: On.READ_DONE, JobKind.SERVICE: On.SERVICE_DONE,
            JobKind.PRINT: On.PRINTED, JobKind.HOLDER_START: On.HOLDER_STARTED,
            JobKind.HOLDER_POLL: On.HOLDER_DECIDED}
_FAILED_ON = {JobKind.READ: On.READ_FAILED, JobKind.SERVICE: On.SERVICE_FAILED,
              JobKind.PRINT: On.PRINTED, JobKind.HOLDER_START: On.HOLDER_DECIDED,
              JobKind.HOLDER_POLL: On.HOLDER_DECIDED}
_PLAIN_ON: dict[type, On] = {
    CardInserted: On.CARD_INSERTED, CardMute: On.CARD_MUTE, CardRemoved: On.CARD_REMOVED,
    ReaderAttached: On.READER_ATTACHED, ReaderDetached: On.READER_DETACHED,
    PhotoProgress: On.PHOTO, PhotoRead: On.PHOTO, ConnectivityChanged: On.KIOSK_FACT,
    QueueHealthChanged: On.KIOSK_FACT, PrinterChecked: On.KIOSK_FACT,
    PartsDown: On.PARTS_DOWN, ServiceRefused: On.REFUSED, UiFault: On.UI_FAULT,
    InternalError: On.INTERNAL_ERROR, Shutdown: On.SHUTDOWN,
}


def rule_key(event: Event) -> On:
    """The column of the table (`kiosk.session.transitions.RULES`) this event is in."""
    if isinstance(event, Command):
        return event.kind
    if isinstance(event, TimerFired):
        return _TIMER_ON[event.kind]
    if isinstance(event, JobFinished):
        return _DONE_ON[event.kind]
    if isinstance(event, JobFailed):
        return _FAILED_ON[event.kind]
    return _PLAIN_ON[type(event)]
