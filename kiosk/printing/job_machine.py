"""The outcome of one print job as a sans-I/O state machine: ``step(state, event)``.

It decides, from what the printer really did, which of four outcomes a job has:

* `Outcome.PRINTED`: the printer confirmed the end of the job (its fence: ``GS r 1`` or
  ``GS ( H`` after the cut, `drivers.printer.capability`) and reports a state that prints.
* `Outcome.SENT_UNCONFIRMED`: every byte went out, but the printer cannot confirm: status
  mode ``none`` (write-only link), a DLE EOT printer with no in-order fence that reports
  itself well after the job, or the fence came and the status after it never settled.
  The citizen is asked to check the slip and told how to get a reprint.
* `Outcome.INTERRUPTED`: the job started and did not end as confirmed: the link broke,
  the printer stopped answering after (part of) the job (reset, paper out with status
  withheld), or it reports paper out / cover open / an error after it. The citizen is
  told "Printing was interrupted. Ask staff to print it again" and offered a reprint.
* `Outcome.NOT_STARTED`: nothing was sent: the printer is unreachable, or reported paper
  out, cover open, offline or an error before the job.

Socket acceptance is never delivery: a job whose bytes were all accepted by the local
socket is still INTERRUPTED when a status-reporting printer does not confirm its end.

The I/O shell (`kiosk.printing.service.PrintService`) performs each effect and feeds the
result back as the next event; the tables in ``tests/printing/test_job_machine.py`` are
the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum, StrEnum

from drivers.printer.capability import StatusMode
from drivers.printer.protocol import PrinterError, PrinterState, StatusUnknown


class Outcome(StrEnum):
    PRINTED = "printed"
    SENT_UNCONFIRMED = "sent_unconfirmed"
    INTERRUPTED = "interrupted"
    NOT_STARTED = "not_started"


class Phase(Enum):
    START = "start"
    CHECKING = "checking"
    SENDING = "sending"
    CONFIRMING = "confirming"
    DONE = "done"


@dataclass(frozen=True)
class JobProgress:
    phase: Phase = Phase.START
    mode: StatusMode = StatusMode.NONE


# -- events (what the shell observed) ----------------------------------------------------

@dataclass(frozen=True)
class Opened:
    mode: StatusMode


@dataclass(frozen=True)
class StatusRead:
    state: PrinterState


@dataclass(frozen=True)
class StatusUnfenced:
    """After the job: a DLE EOT printer with no in-order fence answered with this state."""

    state: PrinterState


@dataclass(frozen=True)
class Sent:
    size: int


@dataclass(frozen=True)
class LinkClosed:
    """Status mode none: the job was written and the link did not break."""


@dataclass(frozen=True)
class Failed:
    error: PrinterError


Event = Opened | StatusRead | StatusUnfenced | Sent | LinkClosed | Failed


# -- effects (what the shell must do) ----------------------------------------------------

@dataclass(frozen=True)
class ReadStatus:
    pass


@dataclass(frozen=True)
class SendJob:
    pass


@dataclass(frozen=True)
class ConfirmEnd:
    """Status modes: wait for the fence and read the state; none: close the write side."""


@dataclass(frozen=True)
class Finish:
    outcome: Outcome
    printer_state: PrinterState
    message_key: str
    reason: str | None = None


Effect = ReadStatus | SendJob | ConfirmEnd | Finish

_NOT_STARTED_KEYS = {
    PrinterState.PAPER_OUT: "printer.paper_out",
    PrinterState.COVER_OPEN: "printer.cover_open",
    PrinterState.OFFLINE: "printer.offline",
    PrinterState.ERROR: "printer.error",
}
INTERRUPTED_KEY = "printer.interrupted"
UNCONFIRMED_KEY = "printer.unconfirmed"


class InvalidEvent(ValueError):
    """An event that cannot happen in this phase (a bug in the shell)."""


def step(state: JobProgress, event: Event) -> tuple[JobProgress, list[Effect]]:
    phase = state.phase
    if phase is Phase.START:
        if isinstance(event, Opened):
            if event.mode.reports:
                return JobProgress(Phase.CHECKING, event.mode), [ReadStatus()]
            return JobProgress(Phase.SENDING, event.mode), [SendJob()]
        if isinstance(event, Failed):
            return _done(state, _not_started(event.error))
    elif phase is Phase.CHECKING:
        if isinstance(event, StatusRead):
            if event.state.can_print:
                return replace(state, phase=Phase.SENDING), [SendJob()]
            key = _NOT_STARTED_KEYS.get(event.state, "printer.error")
            return _done(state, Finish(Outcome.NOT_STARTED, event.state, key,
                                       event.state.value))
        if isinstance(event, Failed):
            return _done(state, _not_started(event.error))
    elif phase is Phase.SENDING:
        if isinstance(event, Sent):
            return replace(state, phase=Phase.CONFIRMING), [ConfirmEnd()]
        if isinstance(event, Failed):  # part of the job may be on paper, never all of it
            return _done(state, Finish(Outcome.INTERRUPTED, event.error.state,
                                       INTERRUPTED_KEY, event.error.reason))
    elif phase is Phase.CONFIRMING:
        if isinstance(event, StatusRead) and state.mode.reports:
            if event.state.can_print:
                key = ("printer.paper_near_end" if event.state is PrinterState.PAPER_NEAR_END
                       else "printer.printed")
                return _done(state, Finish(Outcome.PRINTED, event.state, key))
            # The printer processed the job but reports it could not print it all.
            return _done(state, Finish(Outcome.INTERRUPTED, event.state, INTERRUPTED_KEY,
                                       event.state.value))
        if isinstance(event, StatusUnfenced) and state.mode.reports:
            if event.state.can_print:  # alive and well, but nothing says the job ended
                return _done(state, Finish(Outcome.SENT_UNCONFIRMED, event.state,
                                           UNCONFIRMED_KEY, "no_fence"))
            return _done(state, Finish(Outcome.INTERRUPTED, event.state, INTERRUPTED_KEY,
                                       event.state.value))
        if isinstance(event, LinkClosed) and not state.mode.reports:
            return _done(state, Finish(Outcome.SENT_UNCONFIRMED, PrinterState.UNKNOWN,
                                       UNCONFIRMED_KEY, "status_mode_none"))
        if isinstance(event, Failed):
            if isinstance(event.error, StatusUnknown):
                # The fence came (the job was processed); the state after it never settled.
                return _done(state, Finish(Outcome.SENT_UNCONFIRMED, event.error.state,
                                           UNCONFIRMED_KEY, event.error.reason))
            return _done(state, Finish(Outcome.INTERRUPTED, event.error.state,
                                       INTERRUPTED_KEY, event.error.reason))
    raise InvalidEvent(f"{type(event).__name__} in phase {phase.value}")


def _not_started(error: PrinterError) -> Finish:
    return Finish(Outcome.NOT_STARTED, error.state, error.message_key, error.reason)


def _done(state: JobProgress, finish: Finish) -> tuple[JobProgress, list[Effect]]:
    return replace(state, phase=Phase.DONE), [finish]
